// src/sql without the VM: PostgreSQL's placeholder numbering, SQLite
// connections (binding and reading back every kind of value) and the pool.
#include <gtest/gtest.h>

#include "sql/SqlPool.h"

using namespace langoost;
using namespace langoost::sql;

namespace {

std::string numbered(std::string_view text, int expectCount) {
    int count = -1;
    std::string out = numberPlaceholders(text, count);
    EXPECT_EQ(count, expectCount) << text;
    return out;
}

SqlParam text(std::string s) {
    SqlParam p;
    p.kind = SqlParam::Kind::Text;
    p.s = std::move(s);
    return p;
}

SqlParam integer(int64_t i) {
    SqlParam p;
    p.kind = SqlParam::Kind::Int;
    p.i = i;
    return p;
}

} // namespace

TEST(SqlPlaceholders, NumbersQuestionMarks) {
    EXPECT_EQ(numbered("SELECT ? + ?", 2), "SELECT $1 + $2");
    EXPECT_EQ(numbered("SELECT 1", 0), "SELECT 1");
}

TEST(SqlPlaceholders, SkipsQuotesCommentsAndDollarQuotes) {
    EXPECT_EQ(numbered("SELECT '?', \"a?\", ? -- why?\n, ?", 2),
              "SELECT '?', \"a?\", $1 -- why?\n, $2");
    EXPECT_EQ(numbered("SELECT 'it''s ?', ?", 1), "SELECT 'it''s ?', $1");
    EXPECT_EQ(numbered("SELECT E'\\' ?', ?", 1), "SELECT E'\\' ?', $1");
    EXPECT_EQ(numbered("SELECT /* ? /* ? */ ? */ ?", 1), "SELECT /* ? /* ? */ ? */ $1");
    EXPECT_EQ(numbered("SELECT $$ ? $$, $tag$ ?$$? $tag$, ?", 1),
              "SELECT $$ ? $$, $tag$ ?$$? $tag$, $1");
    EXPECT_EQ(numbered("SELECT 'unterminated ?", 0), "SELECT 'unterminated ?");
}

TEST(SqlPlaceholders, NeverJoinANeighbouringToken) {
    // fuzz_sql: "$?$$" became "$$1$$", a dollar quote; "a?" an identifier "a$1"; "?5" the parameter
    // $15.
    EXPECT_EQ(numbered("SELECT a?, ?5, $?", 3), "SELECT a $1, $2 5, $ $3");
}

TEST(SqlPlaceholders, DollarNumbersAreKept) {
    EXPECT_EQ(numbered("SELECT $1, $2, $1", 2), "SELECT $1, $2, $1");
    int count = 0;
    EXPECT_THROW(numberPlaceholders("SELECT $1, ?", count), SqlFailure);
}

TEST(SqlUrls, Parses) {
    EXPECT_EQ(parseUrl("sqlite::memory:").memory, true);
    EXPECT_EQ(parseUrl("sqlite:/tmp/x.db").target, "/tmp/x.db");
    EXPECT_EQ(parseUrl("postgresql://u@h/db").backend, Backend::Postgres);
    EXPECT_THROW(parseUrl("mysql://x"), SqlFailure);
    EXPECT_THROW(parseUrl(""), SqlFailure);
}

TEST(SqliteConnection, RoundTripsEveryKind) {
    auto c = connect(parseUrl("sqlite::memory:"));
    c->run("CREATE TABLE t (a, b BOOLEAN, j JSON)", {}, Want::Nothing, 0);
    std::string bytes("a\0b\xff", 4);
    std::vector<SqlParam> row = {text(bytes), integer(1), text("{\"x\":1}")};
    EXPECT_EQ(c->run("INSERT INTO t VALUES (?, ?, ?)", row, Want::Nothing, 0).rowsAffected, 1);
    SqlResult r = c->run("SELECT a, b, j FROM t", {}, Want::Rows, 0);
    ASSERT_EQ(r.rows, 1u);
    EXPECT_EQ(r.columns, (std::vector<std::string>{"a", "b", "j"}));
    EXPECT_EQ(r.cells[0].s, bytes);
    EXPECT_EQ(r.cells[1].kind, SqlValue::Kind::Bool);
    EXPECT_EQ(r.cells[2].kind, SqlValue::Kind::Json);
}

TEST(SqliteConnection, ErrorsCarryExtendedCodes) {
    auto c = connect(parseUrl("sqlite::memory:"));
    c->run("CREATE TABLE u (e TEXT UNIQUE)", {}, Want::Nothing, 0);
    c->run("INSERT INTO u VALUES (?)", {text("a")}, Want::Nothing, 0);
    try {
        c->run("INSERT INTO u VALUES (?)", {text("a")}, Want::Nothing, 0);
        FAIL() << "no error";
    } catch (const SqlFailure& e) {
        EXPECT_EQ(e.kind, "SqlError");
        EXPECT_EQ(e.code, "SQLITE_CONSTRAINT_UNIQUE");
    }
    try {
        c->run("INSERT INTO u VALUES (?)", {}, Want::Nothing, 0);
        FAIL() << "no error";
    } catch (const SqlFailure& e) {
        EXPECT_EQ(e.kind, "TypeError");
    }
}

TEST(SqliteConnection, StopsAtTheByteBudget) {
    auto c = connect(parseUrl("sqlite::memory:"));
    const char* many = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT "
                       "100000) SELECT x FROM n";
    EXPECT_EQ(c->run(many, {}, Want::Rows, 0).rows, 100000u);
    try {
        c->run(many, {}, Want::Rows, 1 << 16);
        FAIL() << "no error";
    } catch (const SqlFailure& e) {
        EXPECT_EQ(e.kind, "MemoryError");
    }
    EXPECT_EQ(c->run(many, {}, Want::FirstRow, 0).rows, 1u);
}

TEST(SqlPool, LendsUpToItsSizeAndHandsBackInOrder) {
    Pool pool(parseUrl("sqlite::memory:"), 1);
    std::unique_ptr<Connection> first;
    ASSERT_TRUE(pool.acquire(first, WaitClock::time_point::max()));
    EXPECT_EQ(first, nullptr); // a free slot: the caller connects
    first = connect(pool.url());
    Connection* raw = first.get();
    std::unique_ptr<Connection> second;
    EXPECT_FALSE(
        pool.acquire(second, WaitClock::now() + std::chrono::milliseconds(20))); // busy: times out
    pool.release(std::move(first));
    ASSERT_TRUE(pool.acquire(second, WaitClock::time_point::max()));
    EXPECT_EQ(second.get(), raw); // the idle connection is reused
    second->run("BEGIN", {}, Want::Nothing, 0);
    pool.release(std::move(second)); // still in a transaction: dropped, its slot freed
    std::unique_ptr<Connection> third;
    ASSERT_TRUE(pool.acquire(third, WaitClock::time_point::max()));
    EXPECT_EQ(third, nullptr);
    pool.release(nullptr);
}
