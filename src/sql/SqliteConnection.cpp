// SQLite through libsqlite3: one sqlite3* per Connection, opened in WAL
// mode (files) with a busy timeout and foreign keys on; statements cached
// by their SQL text. Text parameters that are valid UTF-8 without NUL bytes
// are bound as TEXT, every other string as a BLOB, so any byte string
// round-trips. Columns declared BOOLEAN come back as bools, JSON as parsed
// values (the declared type is SQLite's only hint).
#include <sqlite3.h>

#include <cstring>
#include <unordered_map>

#include "common/Utf8.h"
#include "sql/SqlConnection.h"

namespace langoost::sql {
namespace {

// How long a writer waits for another connection's write lock.
constexpr int kBusyTimeoutMs = 5000;
// Compiled statements kept per connection (dropped all at once when full).
constexpr size_t kStatementCacheSize = 128;
// Virtual-machine steps between deadline checks (a clock read is ~20 ns;
// 10,000 steps take tens of microseconds).
constexpr int kProgressSteps = 10'000;

const char* codeName(int code) {
    // clang-format off
    switch (code) {
#define X(name) \
    case name: return #name;
    X(SQLITE_OK) X(SQLITE_ERROR) X(SQLITE_INTERNAL) X(SQLITE_PERM) X(SQLITE_ABORT) X(SQLITE_BUSY)
    X(SQLITE_LOCKED) X(SQLITE_NOMEM) X(SQLITE_READONLY) X(SQLITE_INTERRUPT) X(SQLITE_IOERR) X(SQLITE_CORRUPT)
    X(SQLITE_NOTFOUND) X(SQLITE_FULL) X(SQLITE_CANTOPEN) X(SQLITE_PROTOCOL) X(SQLITE_EMPTY) X(SQLITE_SCHEMA)
    X(SQLITE_TOOBIG) X(SQLITE_CONSTRAINT) X(SQLITE_MISMATCH) X(SQLITE_MISUSE) X(SQLITE_NOLFS) X(SQLITE_AUTH)
    X(SQLITE_FORMAT) X(SQLITE_RANGE) X(SQLITE_NOTADB) X(SQLITE_NOTICE) X(SQLITE_WARNING)
    X(SQLITE_ERROR_MISSING_COLLSEQ) X(SQLITE_ERROR_RETRY) X(SQLITE_ERROR_SNAPSHOT) X(SQLITE_IOERR_READ)
    X(SQLITE_IOERR_SHORT_READ) X(SQLITE_IOERR_WRITE) X(SQLITE_IOERR_FSYNC) X(SQLITE_IOERR_DIR_FSYNC)
    X(SQLITE_IOERR_TRUNCATE) X(SQLITE_IOERR_FSTAT) X(SQLITE_IOERR_UNLOCK) X(SQLITE_IOERR_RDLOCK)
    X(SQLITE_IOERR_DELETE) X(SQLITE_IOERR_BLOCKED) X(SQLITE_IOERR_NOMEM) X(SQLITE_IOERR_ACCESS)
    X(SQLITE_IOERR_CHECKRESERVEDLOCK) X(SQLITE_IOERR_LOCK) X(SQLITE_IOERR_CLOSE) X(SQLITE_IOERR_DIR_CLOSE)
    X(SQLITE_IOERR_SHMOPEN) X(SQLITE_IOERR_SHMSIZE) X(SQLITE_IOERR_SHMLOCK) X(SQLITE_IOERR_SHMMAP)
    X(SQLITE_IOERR_SEEK) X(SQLITE_IOERR_DELETE_NOENT) X(SQLITE_IOERR_MMAP) X(SQLITE_IOERR_GETTEMPPATH)
    X(SQLITE_IOERR_CONVPATH) X(SQLITE_IOERR_VNODE) X(SQLITE_IOERR_AUTH) X(SQLITE_IOERR_BEGIN_ATOMIC)
    X(SQLITE_IOERR_COMMIT_ATOMIC) X(SQLITE_IOERR_ROLLBACK_ATOMIC) X(SQLITE_IOERR_DATA) X(SQLITE_IOERR_CORRUPTFS)
    X(SQLITE_LOCKED_SHAREDCACHE) X(SQLITE_LOCKED_VTAB) X(SQLITE_BUSY_RECOVERY) X(SQLITE_BUSY_SNAPSHOT)
    X(SQLITE_BUSY_TIMEOUT) X(SQLITE_CANTOPEN_NOTEMPDIR) X(SQLITE_CANTOPEN_ISDIR) X(SQLITE_CANTOPEN_FULLPATH)
    X(SQLITE_CANTOPEN_CONVPATH) X(SQLITE_CANTOPEN_DIRTYWAL) X(SQLITE_CANTOPEN_SYMLINK) X(SQLITE_CORRUPT_VTAB)
    X(SQLITE_CORRUPT_SEQUENCE) X(SQLITE_CORRUPT_INDEX) X(SQLITE_READONLY_RECOVERY) X(SQLITE_READONLY_CANTLOCK)
    X(SQLITE_READONLY_ROLLBACK) X(SQLITE_READONLY_DBMOVED) X(SQLITE_READONLY_CANTINIT)
    X(SQLITE_READONLY_DIRECTORY) X(SQLITE_ABORT_ROLLBACK) X(SQLITE_CONSTRAINT_CHECK)
    X(SQLITE_CONSTRAINT_COMMITHOOK) X(SQLITE_CONSTRAINT_FOREIGNKEY) X(SQLITE_CONSTRAINT_FUNCTION)
    X(SQLITE_CONSTRAINT_NOTNULL) X(SQLITE_CONSTRAINT_PRIMARYKEY) X(SQLITE_CONSTRAINT_TRIGGER)
    X(SQLITE_CONSTRAINT_UNIQUE) X(SQLITE_CONSTRAINT_VTAB) X(SQLITE_CONSTRAINT_ROWID) X(SQLITE_CONSTRAINT_PINNED)
    X(SQLITE_CONSTRAINT_DATATYPE) X(SQLITE_NOTICE_RECOVER_WAL) X(SQLITE_NOTICE_RECOVER_ROLLBACK)
    X(SQLITE_WARNING_AUTOINDEX) X(SQLITE_AUTH_USER)
#undef X
    default: return nullptr;
    }
    // clang-format on
}

std::string codeString(int code) {
    const char* name = codeName(code);
    if (!name) name = codeName(code & 0xff);
    return name ? name : "SQLITE_" + std::to_string(code);
}

bool declaredAs(const char* decl, std::initializer_list<const char*> names) {
    if (!decl) return false;
    for (const char* n : names)
        if (::strcasecmp(decl, n) == 0) return true;
    return false;
}

bool isBlank(std::string_view tail) {
    // What sqlite3_prepare leaves after one statement: spaces, comments, ';'.
    size_t i = 0;
    while (i < tail.size()) {
        char c = tail[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' || c == '\f') {
            ++i;
        } else if (tail.substr(i, 2) == "--") {
            i = tail.find('\n', i);
            if (i == std::string_view::npos) return true;
        } else if (tail.substr(i, 2) == "/*") {
            i = tail.find("*/", i + 2);
            if (i == std::string_view::npos) return true;
            i += 2;
        } else {
            return false;
        }
    }
    return true;
}

class SqliteConnection final : public Connection {
  public:
    explicit SqliteConnection(const SqlUrl& url) {
        if (url.target.find('\0') != std::string::npos)
            throw SqlFailure("ValueError", "", "sql.open: the path contains a NUL byte");
        if (url.target.empty())
            throw SqlFailure("ValueError", "", "sql.open: sqlite: needs a path (or :memory:)");
        int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
        int rc = sqlite3_open_v2(url.target.c_str(), &db_, flags, nullptr);
        if (rc != SQLITE_OK) {
            std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
            std::string code = codeString(db_ ? sqlite3_extended_errcode(db_) : rc);
            sqlite3_close_v2(db_);
            db_ = nullptr;
            throw SqlFailure("SqlError", code, url.target + ": " + why);
        }
        sqlite3_extended_result_codes(db_, 1);
        sqlite3_busy_timeout(db_, kBusyTimeoutMs);
        // A statement running past the caller's deadline stops (SQLITE_INTERRUPT),
        // also where no task can cancel it (`langoost run --timeout`).
        sqlite3_progress_handler(
            db_, kProgressSteps,
            [](void* self) -> int {
                auto* c = static_cast<SqliteConnection*>(self);
                return c->deadline != WaitClock::time_point::max() &&
                       WaitClock::now() >= c->deadline;
            },
            this);
        try {
            execPlain("PRAGMA foreign_keys = ON");
            if (!url.memory)
                execPlain(
                    "PRAGMA journal_mode = WAL"); // reads the header: a non-database fails here
        } catch (const SqlFailure& e) {
            sqlite3_close_v2(db_);
            db_ = nullptr;
            throw SqlFailure(e.kind, e.code, url.target + ": " + e.what());
        }
    }
    ~SqliteConnection() override {
        dropStatements();
        sqlite3_close_v2(db_);
    }

    SqlResult run(std::string_view sql, const std::vector<SqlParam>& params, Want want,
                  size_t maxBytes) override {
        SqlResult out;
        std::string_view rest = sql;
        bool first = true;
        do {
            std::string_view tail;
            Statement st = prepare(rest, tail, first);
            if (!st.stmt) break; // only blanks and comments
            Finalizer done{st};
            bool more = !isBlank(tail);
            if (more && (want != Want::Nothing || !params.empty()))
                throw SqlFailure(
                    "ValueError", "",
                    "sql: one statement at a time (exec without parameters runs several)");
            step(st.stmt, first ? params : std::vector<SqlParam>{}, want, maxBytes, out);
            rest = tail;
            first = false;
            if (!more) break;
        } while (true);
        if (first && !params.empty())
            throw SqlFailure("TypeError", "", countMessage(0, params.size()));
        return out;
    }

    int check(std::string_view sql) override {
        std::string_view tail;
        Statement st = prepare(sql, tail, true);
        if (!st.stmt) return 0;
        Finalizer done{st};
        return sqlite3_bind_parameter_count(st.stmt);
    }

    void interrupt() override { sqlite3_interrupt(db_); }
    bool healthy() const override { return db_ != nullptr; }
    bool inTransaction() const override { return !sqlite3_get_autocommit(db_); }
    bool parksItself() const override { return false; }

  private:
    struct Statement {
        sqlite3_stmt* stmt = nullptr;
        bool cached = false;
    };
    // Finalizes a statement that is not cached, also when an error is thrown
    // (an unfinalized statement keeps its connection alive after close).
    struct Finalizer {
        Statement st;
        ~Finalizer() {
            if (!st.cached) sqlite3_finalize(st.stmt);
        }
    };

    static std::string countMessage(int want, size_t got) {
        return "sql: the statement takes " + std::to_string(want) + " parameter" +
               (want == 1 ? "" : "s") + ", got " + std::to_string(got);
    }

    [[noreturn]] void fail(int rc) {
        int code = sqlite3_extended_errcode(db_);
        if (code == SQLITE_OK) code = rc;
        if ((code & 0xff) == SQLITE_INTERRUPT)
            throw SqlFailure("Interrupted", codeString(code), "interrupted");
        if ((code & 0xff) == SQLITE_NOMEM)
            throw SqlFailure("MemoryError", codeString(code), "sql: SQLite ran out of memory");
        throw SqlFailure("SqlError", codeString(code), sqlite3_errmsg(db_));
    }

    void execPlain(const char* sql) {
        int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK) fail(rc);
    }

    // The first statement of `sql` (cached when it is all of `sql` apart
    // from blanks, or `cacheable`); null when `sql` holds no statement.
    Statement prepare(std::string_view sql, std::string_view& tail, bool cacheable) {
        if (cacheable) {
            auto hit = cache_.find(std::string(sql));
            if (hit != cache_.end()) {
                tail = {};
                return {hit->second, true};
            }
        }
        if (sql.size() > INT32_MAX)
            throw SqlFailure("ValueError", "", "sql: the statement is too long");
        sqlite3_stmt* stmt = nullptr;
        const char* end = nullptr;
        int rc = sqlite3_prepare_v2(db_, sql.data(), int(sql.size()), &stmt, &end);
        if (rc != SQLITE_OK) fail(rc);
        tail = sql.substr(size_t(end - sql.data()));
        if (!stmt) return {};
        if (cacheable && isBlank(tail)) {
            if (cache_.size() >= kStatementCacheSize) dropStatements();
            cache_.emplace(std::string(sql), stmt);
            return {stmt, true};
        }
        return {stmt, false};
    }

    void dropStatements() {
        for (auto& [text, stmt] : cache_)
            sqlite3_finalize(stmt);
        cache_.clear();
    }

    void bind(sqlite3_stmt* stmt, const std::vector<SqlParam>& params) {
        int want = sqlite3_bind_parameter_count(stmt);
        if (size_t(want) != params.size())
            throw SqlFailure("TypeError", "", countMessage(want, params.size()));
        for (int i = 0; i < want; ++i) {
            const SqlParam& p = params[size_t(i)];
            int rc = SQLITE_OK;
            switch (p.kind) {
            case SqlParam::Kind::Null:
                rc = sqlite3_bind_null(stmt, i + 1);
                break;
            case SqlParam::Kind::Bool:
            case SqlParam::Kind::Int:
                rc = sqlite3_bind_int64(stmt, i + 1, p.i);
                break;
            case SqlParam::Kind::Float:
                rc = sqlite3_bind_double(stmt, i + 1, p.f);
                break;
            case SqlParam::Kind::Text:
                if (p.s.find('\0') == std::string::npos && validUtf8(p.s))
                    rc = sqlite3_bind_text64(stmt, i + 1, p.s.data(), p.s.size(), SQLITE_STATIC,
                                             SQLITE_UTF8);
                else
                    rc = sqlite3_bind_blob64(stmt, i + 1, p.s.data(), p.s.size(), SQLITE_STATIC);
                break;
            }
            if (rc != SQLITE_OK) fail(rc);
        }
    }

    void step(sqlite3_stmt* stmt, const std::vector<SqlParam>& params, Want want, size_t maxBytes,
              SqlResult& out) {
        struct Reset { // statements are left reset and unbound, whatever happens
            sqlite3_stmt* s;
            ~Reset() {
                sqlite3_reset(s);
                sqlite3_clear_bindings(s);
            }
        } reset{stmt};
        bind(stmt, params);
        int columns = sqlite3_column_count(stmt);
        std::vector<uint8_t> hint; // 1: BOOLEAN, 2: JSON
        if (want != Want::Nothing) {
            out.columns.clear();
            for (int c = 0; c < columns; ++c) {
                const char* name = sqlite3_column_name(stmt, c);
                out.columns.emplace_back(name ? name : "");
                const char* decl = sqlite3_column_decltype(stmt, c);
                hint.push_back(declaredAs(decl, {"BOOLEAN", "BOOL"}) ? 1
                               : declaredAs(decl, {"JSON", "JSONB"}) ? 2
                                                                     : 0);
            }
        }
        size_t bytes = 0;
        sqlite3_int64 changesBefore = sqlite3_total_changes64(db_);
        for (;;) {
            int rc = sqlite3_step(stmt);
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) fail(rc);
            if (want == Want::FirstRow && out.rows > 0) {
                if (sqlite3_stmt_readonly(stmt)) break; // a SELECT need not run on
                continue;
            }
            if (want == Want::Nothing) continue;
            for (int c = 0; c < columns; ++c) {
                SqlValue v;
                switch (sqlite3_column_type(stmt, c)) {
                case SQLITE_INTEGER:
                    v.i = sqlite3_column_int64(stmt, c);
                    v.kind = hint[size_t(c)] == 1 ? SqlValue::Kind::Bool : SqlValue::Kind::Int;
                    break;
                case SQLITE_FLOAT:
                    v.kind = SqlValue::Kind::Float;
                    v.f = sqlite3_column_double(stmt, c);
                    break;
                case SQLITE_TEXT:
                case SQLITE_BLOB: {
                    bool blob = sqlite3_column_type(stmt, c) == SQLITE_BLOB;
                    const void* p =
                        blob ? sqlite3_column_blob(stmt, c) : sqlite3_column_text(stmt, c);
                    int n = sqlite3_column_bytes(stmt, c);
                    v.kind =
                        !blob && hint[size_t(c)] == 2 ? SqlValue::Kind::Json : SqlValue::Kind::Text;
                    if (p) v.s.assign(static_cast<const char*>(p), size_t(n));
                    break;
                }
                default:
                    break;
                }
                bytes += sizeof(SqlValue) + v.s.size();
                out.cells.push_back(std::move(v));
            }
            ++out.rows;
            if (maxBytes && bytes > maxBytes)
                throw SqlFailure("MemoryError", "",
                                 "sql: the result would exceed the heap limit of " +
                                     std::to_string(maxBytes) + " bytes");
        }
        // sqlite3_changes64 is the last INSERT/UPDATE/DELETE's count, however
        // old: only this statement's when it changed something (not DDL, not SELECT).
        out.rowsAffected =
            sqlite3_total_changes64(db_) != changesBefore ? sqlite3_changes64(db_) : 0;
        out.lastId = sqlite3_last_insert_rowid(db_);
    }

    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

} // namespace

std::unique_ptr<Connection> connectSqlite(const SqlUrl& url) {
    return std::make_unique<SqliteConnection>(url);
}

} // namespace langoost::sql
