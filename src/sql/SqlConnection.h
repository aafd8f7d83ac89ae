// SqlConnection: the `sql` module's databases without the VM — a
// connection to SQLite (libsqlite3) or PostgreSQL (libpq), values as plain
// C++ (SqlValue), and failures as SqlFailure. The stdlib binding
// (stdlib/SqlModule.cpp) copies script values into SqlParams before it lets
// go of the isolate lock, calls a connection, and builds script values from
// the SqlResult after.
//
// Waiting: a PostgreSQL connection talks to its server through libpq's
// non-blocking calls and waits on its socket with common/Parking.h (a
// request parks; a plain thread polls), so call it with the isolate lock
// released. SQLite work simply blocks: the binding hands it to a helper
// thread (VM::blocking) and cancels it with interrupt().
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/Parking.h"

namespace langoost::sql {

// A failed call. `kind` is the script error it becomes: "SqlError" (with
// `code`: a SQLSTATE such as "23505" or an SQLite extended result-code
// name such as "SQLITE_CONSTRAINT_UNIQUE"), "TypeError", "ValueError",
// "MemoryError", or "Interrupted" (a wait was cut short by a time limit or
// a request that ended; the binding reports that itself).
struct SqlFailure : std::runtime_error {
    SqlFailure(std::string errorKind, std::string errorCode, const std::string& message)
        : std::runtime_error(message), kind(std::move(errorKind)), code(std::move(errorCode)) {}
    std::string kind;
    std::string code;
};

// SQLSTATE of a handle used after close (a client-side condition, same code
// on both backends).
inline constexpr const char* kClosedCode = "08003";

// A bound parameter: nil, bool, int, float or a byte string.
struct SqlParam {
    enum class Kind : uint8_t { Null, Bool, Int, Float, Text };
    Kind kind = Kind::Null;
    int64_t i = 0;
    double f = 0;
    std::string s;
};

// A result cell. Text covers text, blobs/bytea, numeric (exact, as text)
// and dates (ISO-8601); Json holds the text of a json/jsonb value for the
// binding to parse.
struct SqlValue {
    enum class Kind : uint8_t { Null, Bool, Int, Float, Text, Json };
    Kind kind = Kind::Null;
    int64_t i = 0;
    double f = 0;
    std::string s;
};

struct SqlResult {
    std::vector<std::string> columns;
    std::vector<SqlValue> cells; // row-major: columns.size() per row
    size_t rows = 0;
    int64_t rowsAffected = 0;
    std::optional<int64_t> lastId; // SQLite only
};

// What a call wants back.
enum class Want {
    Rows,     // every row
    FirstRow, // at most one row (the statement still runs to its end)
    Nothing,  // rowsAffected / lastId
};

class Connection {
  public:
    virtual ~Connection() = default;
    // Waits of the next calls end (an "Interrupted" failure) at this point:
    // the caller's time limit. Parked requests are also ended by their task.
    WaitClock::time_point deadline = WaitClock::time_point::max();
    // Runs one statement (or, for Want::Nothing without parameters, a script
    // of several) with `params` bound. Rows past `maxBytes` of buffered
    // values (0: no limit) raise a MemoryError failure.
    virtual SqlResult run(std::string_view sql, const std::vector<SqlParam>& params, Want want,
                          size_t maxBytes) = 0;
    // Compiles `sql` without running it (a syntax error is a SqlError now);
    // returns how many parameters it takes.
    virtual int check(std::string_view sql) = 0;
    // Makes a run() in progress on another thread return early (SQLite).
    virtual void interrupt() {}
    // False once the connection is unusable (server gone, query cancelled
    // mid-flight): the pool then drops it instead of reusing it.
    virtual bool healthy() const = 0;
    // True while a transaction is open on this connection.
    virtual bool inTransaction() const = 0;
    // True when waits go through common/Parking.h (PostgreSQL), false when
    // calls block their thread (SQLite).
    virtual bool parksItself() const = 0;
};

enum class Backend { Sqlite, Postgres };

// Parses a URL: "sqlite:PATH", "sqlite::memory:", "postgres://…",
// "postgresql://…". ValueError failure on anything else.
struct SqlUrl {
    Backend backend;
    std::string target; // the SQLite path (":memory:" included) or the libpq URL
    bool memory = false;
};
SqlUrl parseUrl(std::string_view url);

// Opens a connection (SqlError on failure: a file that is no database, a
// server that is down). PostgreSQL connects through Parking.h waits, cut
// short at `deadline` ("Interrupted").
std::unique_ptr<Connection> connect(const SqlUrl& url,
                                    WaitClock::time_point deadline = WaitClock::time_point::max());

// PostgreSQL's text form of `?` placeholders: each `?` outside quotes,
// comments and dollar-quoted strings becomes $1, $2…; SQL that already
// uses $N is left as is. `count` gets the number of parameters.
std::string numberPlaceholders(std::string_view sql, int& count);

} // namespace langoost::sql
