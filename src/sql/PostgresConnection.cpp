// PostgreSQL through libpq, non-blocking: every wait (connecting, sending,
// reading) goes through common/Parking.h on the connection's socket, so a
// request parks and a plain thread polls. Queries use the extended protocol
// (PQsendQueryParams: parameters never touch the SQL text) with text
// results in single-row mode, so a huge result is counted row by row
// against the heap limit instead of being buffered whole by libpq. A wait
// cut short (time limit, request ended) sends a cancel request and retires
// the connection.
#include <dlfcn.h>
#include <libpq-fe.h>
#include <poll.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/Utf8.h"
#include "sql/SqlConnection.h"

namespace langoost::sql {
namespace {

// libpq is loaded with dlopen on first use, as libcurl is: linking it
// would pull its ~20 libraries (Kerberos, LDAP, TLS) into every process.
#define LANGOOST_PQ_FUNCTIONS(X)                                                                   \
    X(PQcancel)                                                                                    \
    X(PQclear) X(PQcmdStatus) X(PQcmdTuples) X(PQconnectPoll) X(PQconnectStartParams)              \
        X(PQconsumeInput) X(PQerrorMessage) X(PQfinish) X(PQflush) X(PQfname) X(PQfreeCancel)      \
            X(PQfreemem) X(PQftype) X(PQgetCancel) X(PQgetResult) X(PQgetisnull) X(PQgetlength)    \
                X(PQgetvalue) X(PQisBusy) X(PQnfields) X(PQntuples) X(PQresultErrorField)          \
                    X(PQresultErrorMessage) X(PQresultStatus) X(PQsendPrepare) X(PQsendQuery)      \
                        X(PQsendQueryParams) X(PQsetSingleRowMode) X(PQsetnonblocking) X(PQsocket) \
                            X(PQstatus) X(PQtransactionStatus) X(PQunescapeBytea)

struct PqLibrary {
#define X(name) decltype(&::name) name;
    LANGOOST_PQ_FUNCTIONS(X)
#undef X
};

const PqLibrary* pq = nullptr;

const PqLibrary& loadPq() {
    static const PqLibrary* loaded = []() -> const PqLibrary* {
        void* handle = ::dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
        if (!handle) return nullptr;
        auto* lib = new PqLibrary;
        bool complete = true;
#define X(name)                                                                                    \
    complete =                                                                                     \
        complete && (lib->name = reinterpret_cast<decltype(&::name)>(::dlsym(handle, #name)));
        LANGOOST_PQ_FUNCTIONS(X)
#undef X
        return complete ? lib : nullptr;
    }();
    if (!loaded)
        throw SqlFailure("SqlError", "08001",
                         "sql.open: the PostgreSQL client library libpq.so.5 cannot be loaded "
                         "(apt-get install libpq5)");
    return *loaded;
}

// How long connecting (TCP, TLS, authentication) may take.
constexpr int64_t kConnectTimeoutMs = 30'000;

// Type OIDs (pg_type.h) the value mapping distinguishes.
enum : Oid {
    kBool = 16,
    kBytea = 17,
    kInt8 = 20,
    kInt2 = 21,
    kInt4 = 23,
    kOid = 26,
    kJson = 114,
    kFloat4 = 700,
    kFloat8 = 701,
    kDate = 1082,
    kTime = 1083,
    kTimestamp = 1114,
    kTimestampTz = 1184,
    kTimeTz = 1266,
    kNumeric = 1700,
    kJsonb = 3802
};

// "2024-01-02 03:04:05.5+01" -> "2024-01-02T03:04:05.5+01:00" (ISO-8601).
std::string isoDateTime(std::string s, bool zoned) {
    size_t space = s.find(' ');
    if (space != std::string::npos && space == 10) s[space] = 'T';
    if (zoned) {
        size_t sign = s.find_last_of("+-");
        if (sign != std::string::npos && sign > 0 && s.size() - sign == 3) s += ":00";
        if (s.ends_with("+00:00")) s.replace(s.size() - 6, 6, "Z");
    }
    return s;
}

class PostgresConnection final : public Connection {
  public:
    PostgresConnection(const SqlUrl& url, WaitClock::time_point until) {
        deadline = until;
        pq = &loadPq();
        const char* keys[] = {"dbname", "client_encoding", "fallback_application_name", nullptr};
        const char* values[] = {url.target.c_str(), "UTF8", "langoost", nullptr};
        conn_ = pq->PQconnectStartParams(keys, values, 1);
        if (!conn_) throw SqlFailure("MemoryError", "", "sql.open: out of memory");
        if (pq->PQstatus(conn_) == CONNECTION_BAD) failConnect();
        auto limit = WaitClock::now() + std::chrono::milliseconds(kConnectTimeoutMs);
        for (;;) {
            PostgresPollingStatusType st = pq->PQconnectPoll(conn_);
            if (st == PGRES_POLLING_OK) break;
            if (st == PGRES_POLLING_FAILED) failConnect();
            short events = st == PGRES_POLLING_WRITING ? POLLOUT : POLLIN;
            if (!wait(events, std::min(limit, deadline))) {
                if (WaitClock::now() >= limit) {
                    pq->PQfinish(conn_);
                    conn_ = nullptr;
                    throw SqlFailure("SqlError", "08001",
                                     "sql.open: timed out connecting to the server");
                }
                pq->PQfinish(conn_);
                conn_ = nullptr;
                throw SqlFailure("Interrupted", "", "interrupted");
            }
        }
        pq->PQsetnonblocking(conn_, 1);
    }
    ~PostgresConnection() override {
        if (conn_) pq->PQfinish(conn_);
    }

    SqlResult run(std::string_view sql, const std::vector<SqlParam>& params, Want want,
                  size_t maxBytes) override {
        int count = 0;
        std::string text = numberPlaceholders(sql, count);
        if (size_t(count) != params.size())
            throw SqlFailure("TypeError", "",
                             "sql: the statement takes " + std::to_string(count) + " parameter" +
                                 (count == 1 ? "" : "s") + ", got " +
                                 std::to_string(params.size()));
        if (text.find('\0') != std::string::npos)
            throw SqlFailure("ValueError", "", "sql: the SQL text contains a NUL byte");
        checkOpen();
        bool sent;
        if (params.empty() && want == Want::Nothing) {
            sent = pq->PQsendQuery(conn_,
                                   text.c_str()); // a script of several statements is allowed here
        } else {
            std::vector<std::string> storage(params.size());
            std::vector<const char*> values(params.size());
            std::vector<int> lengths(params.size()), formats(params.size());
            for (size_t i = 0; i < params.size(); ++i)
                encodeParam(params[i], storage[i], values[i], lengths[i], formats[i]);
            sent = pq->PQsendQueryParams(conn_, text.c_str(), int(params.size()), nullptr,
                                         values.data(), lengths.data(), formats.data(), 0);
            if (sent && want != Want::Nothing) pq->PQsetSingleRowMode(conn_);
        }
        if (!sent) lost();
        SqlResult out;
        readResults(want, maxBytes, &out);
        return out;
    }

    int check(std::string_view sql) override {
        int count = 0;
        std::string text = numberPlaceholders(sql, count);
        if (text.find('\0') != std::string::npos)
            throw SqlFailure("ValueError", "", "sql: the SQL text contains a NUL byte");
        checkOpen();
        if (!pq->PQsendPrepare(conn_, "", text.c_str(), 0, nullptr)) lost();
        readResults(Want::Nothing, 0, nullptr);
        return count;
    }

    bool healthy() const override {
        return conn_ && !broken_ && pq->PQstatus(conn_) == CONNECTION_OK;
    }
    bool inTransaction() const override {
        return conn_ && pq->PQtransactionStatus(conn_) != PQTRANS_IDLE;
    }
    bool parksItself() const override { return true; }

  private:
    [[noreturn]] void failConnect() {
        std::string why = pq->PQerrorMessage(conn_);
        while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
            why.pop_back();
        pq->PQfinish(conn_);
        conn_ = nullptr;
        throw SqlFailure("SqlError", "08001", "sql.open: " + why);
    }

    void checkOpen() {
        if (!healthy())
            throw SqlFailure("SqlError", "08006", "sql: the connection to the server was lost");
    }

    [[noreturn]] void lost() {
        broken_ = true;
        std::string why = pq->PQerrorMessage(conn_);
        while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
            why.pop_back();
        throw SqlFailure("SqlError", "08006",
                         why.empty() ? "the connection to the server was lost" : why);
    }

    // True when the socket became ready; false when the wait ended first.
    bool wait(short events, WaitClock::time_point until) {
        int64_t ms = -1;
        if (until != WaitClock::time_point::max())
            ms = std::max<int64_t>(
                0, std::chrono::duration_cast<std::chrono::milliseconds>(until - WaitClock::now())
                           .count() +
                       1);
        return waitForFd(pq->PQsocket(conn_), events, ms) == WaitEnd::Ready;
    }

    // The query in flight is abandoned: ask the server to stop it, and
    // retire this connection (closing it ends any transaction it had).
    [[noreturn]] void abandon(SqlFailure failure) {
        if (PGcancel* c = pq->PQgetCancel(conn_)) {
            char buf[256];
            pq->PQcancel(c, buf, sizeof buf);
            pq->PQfreeCancel(c);
        }
        broken_ = true;
        throw failure;
    }

    static void encodeParam(const SqlParam& p, std::string& storage, const char*& value,
                            int& length, int& format) {
        format = 0;
        switch (p.kind) {
        case SqlParam::Kind::Null:
            value = nullptr;
            return;
        case SqlParam::Kind::Bool:
            storage = p.i ? "true" : "false";
            break;
        case SqlParam::Kind::Int:
            storage = std::to_string(p.i);
            break;
        case SqlParam::Kind::Float:
            if (std::isnan(p.f))
                storage = "NaN";
            else if (std::isinf(p.f))
                storage = p.f > 0 ? "Infinity" : "-Infinity";
            else {
                char buf[32];
                std::snprintf(buf, sizeof buf, "%.17g", p.f);
                storage = buf;
            }
            break;
        case SqlParam::Kind::Text:
            // Text the server can take as text goes as text (so "42" binds to
            // an int column); other bytes go in binary form, which a bytea
            // parameter takes as is and a text one rejects (invalid UTF-8).
            if (p.s.find('\0') != std::string::npos || !validUtf8(p.s)) format = 1;
            value = p.s.data();
            length = int(std::min<size_t>(p.s.size(), INT32_MAX));
            if (p.s.size() > INT32_MAX)
                throw SqlFailure("ValueError", "", "sql: a parameter is too long");
            if (format == 0) {
                storage = p.s; // text format needs a NUL terminator
                value = storage.c_str();
            }
            return;
        }
        value = storage.c_str();
        length = int(storage.size());
    }

    // Reads every result of the command sent; rows into `out` (when given).
    void readResults(Want want, size_t maxBytes, SqlResult* out) {
        while (pq->PQflush(conn_) == 1) {
            if (!wait(POLLOUT | POLLIN, deadline))
                abandon(SqlFailure("Interrupted", "", "interrupted"));
            if (!pq->PQconsumeInput(conn_)) lost();
        }
        std::string errorCode, errorMessage;
        size_t bytes = 0;
        bool tooBig = false;
        for (;;) {
            while (pq->PQisBusy(conn_)) {
                if (!wait(POLLIN, deadline)) abandon(SqlFailure("Interrupted", "", "interrupted"));
                if (!pq->PQconsumeInput(conn_)) lost();
            }
            PGresult* r = pq->PQgetResult(conn_);
            if (!r) break;
            switch (pq->PQresultStatus(r)) {
            case PGRES_SINGLE_TUPLE:
                if (out && !tooBig) tooBig = !takeRows(r, want, maxBytes, bytes, *out);
                break;
            case PGRES_TUPLES_OK: // the end of the rows (or all of them), with the command's tag
                if (out && !tooBig) tooBig = !takeRows(r, want, maxBytes, bytes, *out);
                [[fallthrough]];
            case PGRES_COMMAND_OK: // rows changed: INSERT/UPDATE/DELETE/MERGE (RETURNING too), not
                                   // SELECT
                if (out && std::strncmp(pq->PQcmdStatus(r), "SELECT", 6) != 0)
                    out->rowsAffected = std::atoll(pq->PQcmdTuples(r));
                break;
            case PGRES_FATAL_ERROR:
            case PGRES_BAD_RESPONSE:
            case PGRES_NONFATAL_ERROR:
                if (errorCode.empty()) {
                    const char* code = pq->PQresultErrorField(r, PG_DIAG_SQLSTATE);
                    const char* message = pq->PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
                    errorCode = code ? code : "08006";
                    errorMessage = message ? message : pq->PQresultErrorMessage(r);
                }
                break;
            default:
                break;
            }
            pq->PQclear(r);
            if (tooBig) {
                abandon(SqlFailure("MemoryError", "",
                                   "sql: the result would exceed the heap limit of " +
                                       std::to_string(maxBytes) + " bytes"));
            }
        }
        if (pq->PQstatus(conn_) != CONNECTION_OK) lost();
        if (!errorCode.empty()) throw SqlFailure("SqlError", errorCode, errorMessage);
    }

    // False once the rows exceed maxBytes.
    bool takeRows(PGresult* r, Want want, size_t maxBytes, size_t& bytes, SqlResult& out) {
        int columns = pq->PQnfields(r);
        if (out.columns.empty() && columns > 0)
            for (int c = 0; c < columns; ++c)
                out.columns.emplace_back(pq->PQfname(r, c));
        int rows = pq->PQntuples(r);
        for (int row = 0; row < rows; ++row) {
            if (want == Want::FirstRow && out.rows > 0) return true;
            if (want == Want::Nothing) continue;
            for (int c = 0; c < columns; ++c) {
                out.cells.push_back(cell(r, row, c));
                bytes += sizeof(SqlValue) + out.cells.back().s.size();
            }
            ++out.rows;
            if (maxBytes && bytes > maxBytes) return false;
        }
        return true;
    }

    static SqlValue cell(PGresult* r, int row, int c) {
        SqlValue v;
        if (pq->PQgetisnull(r, row, c)) return v;
        const char* text = pq->PQgetvalue(r, row, c);
        size_t length = size_t(pq->PQgetlength(r, row, c));
        switch (pq->PQftype(r, c)) {
        case kBool:
            v.kind = SqlValue::Kind::Bool;
            v.i = text[0] == 't';
            return v;
        case kInt2:
        case kInt4:
        case kInt8:
        case kOid:
            v.kind = SqlValue::Kind::Int;
            v.i = std::strtoll(text, nullptr, 10);
            return v;
        case kFloat4:
        case kFloat8:
            v.kind = SqlValue::Kind::Float;
            v.f = std::strtod(text, nullptr); // "NaN", "Infinity" included
            return v;
        case kBytea: {
            size_t n = 0;
            unsigned char* raw =
                pq->PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &n);
            if (!raw) throw SqlFailure("MemoryError", "", "sql: out of memory");
            v.kind = SqlValue::Kind::Text;
            v.s.assign(reinterpret_cast<char*>(raw), n);
            pq->PQfreemem(raw);
            return v;
        }
        case kJson:
        case kJsonb:
            v.kind = SqlValue::Kind::Json;
            break;
        case kTimestamp:
        case kTimestampTz:
            v.kind = SqlValue::Kind::Text;
            v.s = isoDateTime(std::string(text, length), pq->PQftype(r, c) == kTimestampTz);
            return v;
        case kTimeTz:
            v.kind = SqlValue::Kind::Text;
            v.s = isoDateTime(std::string(text, length), true);
            return v;
        default:
            v.kind = SqlValue::Kind::Text;
            break; // text, numeric (exact), date, time, uuid...
        }
        v.s.assign(text, length);
        return v;
    }

    PGconn* conn_ = nullptr;
    bool broken_ = false;
};

} // namespace

std::unique_ptr<Connection> connectPostgres(const SqlUrl& url, WaitClock::time_point deadline) {
    return std::make_unique<PostgresConnection>(url, deadline);
}

} // namespace langoost::sql
