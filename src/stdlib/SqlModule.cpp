// The `sql` module (stdlib.md "sql"): script handles over the databases of
// src/sql. A handle (database, transaction, statement) is an object whose
// methods are natives bound to an id in the isolate's SqlHandles table, so
// no C++ pointer ever reaches a script and a handle used after close is a
// clean SqlError (code 08003).
//
// Every call copies its arguments into C++ values, borrows a connection
// from the handle's pool (or uses the transaction's), runs with the isolate
// lock released — a PostgreSQL connection waits on its socket through
// common/Parking.h (the request parks), SQLite work goes to a helper thread
// (VM::blocking, cancelled with sqlite3_interrupt) — and builds the result
// once the lock is back. A transaction keeps its connection until its
// callback returns: commit, or rollback and rethrow; nested transactions
// are savepoints. Inside the callback, calls on the database handle by the
// same thread go through the transaction too.
#include <optional>
#include <unordered_map>

#include "sql/SqlPool.h"
#include "stdlib/DataArgs.h"
#include "stdlib/Stdlib.h"
#include "vm/ArrayOps.h"
#include "vm/MapOps.h"
#include "vm/ObjectMethods.h"

namespace langoost {
namespace {

using sql::Connection;
using sql::Pool;
using sql::SqlFailure;
using sql::SqlParam;
using sql::SqlResult;
using sql::SqlValue;
using sql::Want;

struct Handle {
    enum class Kind : uint8_t { Database, Transaction, Statement };
    Kind kind;
    std::shared_ptr<Pool> pool;
    Connection* conn = nullptr; // Transaction: the connection it holds
    VM* owner = nullptr;        // Transaction: the thread running its callback
    int64_t parent = 0;         // Statement: the handle it was prepared on
    std::string text;           // Statement: its SQL
};

// A transaction in progress: calls on its pool's database handles by the
// same thread use its connection.
struct ActiveTransaction {
    Pool* pool;
    VM* vm;
    Connection* conn;
};

class SqlHandles : public IsolateExtension {
  public:
    std::unordered_map<int64_t, Handle> handles;
    std::vector<ActiveTransaction> active;
    int64_t nextId = 1;
    uint64_t savepoints = 0;
};

SqlHandles& handlesOf(VM& vm) {
    static const char key = 0;
    return vm.isolate().extension<SqlHandles>(&key);
}

[[noreturn]] void raiseFailure(VM& vm, const SqlFailure& f) {
    if (f.kind == "Interrupted") {
        vm.checkDeadline(); // the time limit's own TimeoutError
        vm.raise("TimeoutError", "sql: the query was interrupted");
    }
    if (f.kind != "SqlError") vm.raise(f.kind, f.what());
    MapObject* err = vm.newError("SqlError", f.what());
    TempRoot root(vm, Value::object(err));
    mapSet(vm.heap(), err, internConstant("code"), vm.stringValue(f.code));
    vm.throwValue(Value::object(err));
}

[[noreturn]] void raiseClosed(VM& vm, const char* who) {
    raiseFailure(
        vm, SqlFailure("SqlError", sql::kClosedCode, std::string(who) + ": the handle is closed"));
}

// ---- arguments ----

std::string sqlText(VM& vm, const char* who, Value* args, int argc, int i) {
    std::string_view text = argString(vm, who, args, argc, i);
    if (text.find('\0') != std::string_view::npos)
        vm.raise("ValueError", std::string(who) + ": the SQL text contains a NUL byte");
    return std::string(text);
}

std::vector<SqlParam> paramsArg(VM& vm, const char* who, Value* args, int argc, int i) {
    std::vector<SqlParam> out;
    if (i >= argc || args[i].isNil()) return out;
    if (!args[i].isObjType(ObjType::Array))
        vm.raise("TypeError",
                 std::string(who) + ": parameters must be an array, got " + vm.typeName(args[i]));
    auto* a = args[i].as<ArrayObject>();
    out.resize(a->length);
    for (uint32_t k = 0; k < a->length; ++k) {
        Value v = a->at(k);
        SqlParam& p = out[k];
        if (v.isNil()) {
            p.kind = SqlParam::Kind::Null;
        } else if (v.isBool()) {
            p.kind = SqlParam::Kind::Bool;
            p.i = v.asBool();
        } else if (v.isInt()) {
            p.kind = SqlParam::Kind::Int;
            p.i = v.asInt();
        } else if (v.isFloat()) {
            p.kind = SqlParam::Kind::Float;
            p.f = v.asFloat();
        } else if (v.isString()) {
            p.kind = SqlParam::Kind::Text;
            p.s = v.as<StringObject>()->view();
        } else {
            vm.raise("TypeError", std::string(who) + ": parameter " + std::to_string(k + 1) +
                                      " must be nil, bool, int, float or string, got " +
                                      vm.typeName(v));
        }
    }
    return out;
}

// ---- running on a connection ----

// A connection borrowed from a pool for one call or one transaction;
// given back (or dropped, when unusable or still in a transaction) at the
// end of its scope, whatever ends it.
struct Lease {
    std::shared_ptr<Pool> pool;
    std::unique_ptr<Connection> conn; // null until opened in a free slot
    // How long a call waits for a connection of a busy pool: past it the
    // pool is taken to be deadlocked (a transaction's callback joining a
    // thread that wants the connection) or overloaded.
    static constexpr auto kPoolWait = std::chrono::seconds(30);

    Lease(VM& vm, std::shared_ptr<Pool> p) : pool(std::move(p)) {
        auto own = WaitClock::now() + kPoolWait;
        auto deadline = vm.waitDeadline(own);
        bool got;
        std::optional<SqlFailure> failure;
        {
            BlockingSection wait(vm); // a busy pool parks the request on an eventfd
            try {
                got = pool->acquire(conn, deadline);
            } catch (const SqlFailure& e) {
                got = false;
                failure.emplace(e);
            }
        }
        if (failure) raiseFailure(vm, *failure);
        if (!got) {
            vm.afterIo(); // the request ended, or its time limit passed
            raiseFailure(vm, SqlFailure("SqlError", "53300",
                                        "sql: no connection became free within 30 s (all " +
                                            std::to_string(pool->capacity()) + " in use)"));
        }
    }
    ~Lease() { pool->release(std::move(conn)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
};

// Runs op(connection) with the isolate lock released: `conn`, or else the
// lease's connection (opened first when the lease holds a free slot).
template <class Op>
auto onConnection(VM& vm, Connection* conn, Lease* lease, const sql::SqlUrl& url, Op op) {
    using Result = decltype(op(*conn));
    std::optional<Result> result;
    std::optional<SqlFailure> failure;
    std::atomic<Connection*> running{conn};
    auto deadline = vm.waitDeadline(WaitClock::time_point::max());
    auto work = [&] {
        try {
            Connection* c = conn;
            if (!c) {
                if (!lease->conn) lease->conn = sql::connect(url, deadline);
                c = lease->conn.get();
                running = c;
            }
            c->deadline = deadline;
            result.emplace(op(*c));
        } catch (const SqlFailure& e) {
            failure.emplace(e);
        } catch (const std::bad_alloc&) {
            failure.emplace("MemoryError", "", "sql: out of memory");
        }
    };
    if (url.backend == sql::Backend::Postgres) {
        { // the request parks on the connection's socket itself
            BlockingSection io(vm);
            work();
        }
        if (failure && failure->kind == "Interrupted") vm.afterIo();
    } else {
        vm.blocking(work, [&] { // a helper thread runs it while the request is parked
            if (Connection* c = running.load()) c->interrupt();
        });
    }
    if (failure) raiseFailure(vm, *failure);
    return std::move(*result);
}

// Where a handle's calls go: a transaction's connection, or its pool.
struct Route {
    std::shared_ptr<Pool> pool;
    Connection* conn = nullptr;
};

Route route(VM& vm, int64_t id, const char* who) {
    SqlHandles& h = handlesOf(vm);
    auto found = h.handles.find(id);
    if (found == h.handles.end()) raiseClosed(vm, who);
    const Handle* handle = &found->second;
    if (handle->kind == Handle::Kind::Statement) {
        auto parent = h.handles.find(handle->parent);
        if (parent == h.handles.end()) raiseClosed(vm, who);
        handle = &parent->second;
    }
    if (handle->kind == Handle::Kind::Transaction) {
        if (handle->owner != &vm)
            vm.raise("ValueError", std::string(who) +
                                       ": a transaction can only be used by the thread running it");
        return {handle->pool, handle->conn};
    }
    for (const ActiveTransaction& t : h.active)
        if (t.pool == handle->pool.get() && t.vm == &vm) return {handle->pool, t.conn};
    return {handle->pool, nullptr};
}

SqlResult execute(VM& vm, const Route& r, const std::string& text,
                  const std::vector<SqlParam>& params, Want want) {
    size_t maxBytes = vm.config().maxHeapBytes;
    auto op = [&](Connection& c) { return c.run(text, params, want, maxBytes); };
    if (r.conn) return onConnection(vm, r.conn, nullptr, r.pool->url(), op);
    Lease lease(vm, r.pool);
    return onConnection(vm, nullptr, &lease, r.pool->url(), op);
}

// ---- results ----

Value cellValue(VM& vm, const SqlValue& v) {
    switch (v.kind) {
    case SqlValue::Kind::Null:
        return Value();
    case SqlValue::Kind::Bool:
        return Value::boolean(v.i != 0);
    case SqlValue::Kind::Int:
        return Value::integer(v.i);
    case SqlValue::Kind::Float:
        return Value::number(v.f);
    case SqlValue::Kind::Text:
        return makeString(vm, v.s);
    case SqlValue::Kind::Json:
        try {
            return jsonParse(vm, v.s);
        } catch (const ScriptThrow&) { // a JSON-declared SQLite column holding other text
            return makeString(vm, v.s);
        }
    }
    return Value();
}

std::vector<StringObject*> columnNames(VM& vm, const SqlResult& r) {
    std::vector<StringObject*> names;
    for (const std::string& c : r.columns)
        names.push_back(vm.newString(c));
    return names;
}

Value rowValue(VM& vm, const SqlResult& r, size_t row, const std::vector<StringObject*>& names) {
    MapObject* m = vm.heap().newMap();
    mapReserve(vm.heap(), m, uint32_t(names.size()));
    const SqlValue* cells = &r.cells[row * names.size()];
    for (size_t c = 0; c < names.size(); ++c)
        if (cells[c].kind != SqlValue::Kind::Null)
            mapSet(vm.heap(), m, names[c], cellValue(vm, cells[c]));
    return Value::object(m);
}

Value rowsValue(VM& vm, const SqlResult& r) {
    if (r.rows > kMaxArrayLength) vm.raise("ValueError", "sql: too many rows for one array");
    std::vector<StringObject*> names = columnNames(vm, r);
    GrowthGuard guard(vm, "sql.query");
    ArrayObject* out = vm.heap().newArray(0, uint32_t(r.rows));
    for (size_t row = 0; row < r.rows; ++row) {
        arrayPush(vm, out, rowValue(vm, r, row, names));
        guard.tick(names.size() + 1);
    }
    return Value::object(out);
}

Value execValue(VM& vm, const SqlResult& r) {
    MapObject* m = vm.heap().newMap();
    mapSet(vm.heap(), m, internConstant("rowsAffected"), Value::integer(r.rowsAffected));
    if (r.lastId) mapSet(vm.heap(), m, internConstant("lastId"), Value::integer(*r.lastId));
    return Value::object(m);
}

Value resultValue(VM& vm, const SqlResult& r, Want want) {
    if (want == Want::Nothing) return execValue(vm, r);
    if (want == Want::FirstRow) return r.rows ? rowValue(vm, r, 0, columnNames(vm, r)) : Value();
    return rowsValue(vm, r);
}

// ---- handle objects ----

int64_t handleId(VM& vm, Value self, const char* who) {
    if (!self.isInt())
        vm.raise("TypeError", std::string(who) + ": call it as a method of its handle");
    return self.asInt();
}

Value db_exec(VM& vm, Value self, Value* args, int argc);
Value db_query(VM& vm, Value self, Value* args, int argc);
Value db_queryOne(VM& vm, Value self, Value* args, int argc);
Value db_prepare(VM& vm, Value self, Value* args, int argc);
Value db_transaction(VM& vm, Value self, Value* args, int argc);
Value db_close(VM& vm, Value self, Value* args, int argc);
Value stmt_exec(VM& vm, Value self, Value* args, int argc);
Value stmt_query(VM& vm, Value self, Value* args, int argc);
Value stmt_queryOne(VM& vm, Value self, Value* args, int argc);
Value stmt_close(VM& vm, Value self, Value* args, int argc);

const NativeDef kDatabaseMethods[] = {
    {"exec", db_exec, 1, 2},
    {"query", db_query, 1, 2},
    {"queryOne", db_queryOne, 1, 2},
    {"prepare", db_prepare, 1, 1},
    {"transaction", db_transaction, 1, 1},
    {"close", db_close, 0, 0},
};
// A transaction has no close: it ends with its callback.
const NativeDef kTransactionMethods[] = {
    {"exec", db_exec, 1, 2},
    {"query", db_query, 1, 2},
    {"queryOne", db_queryOne, 1, 2},
    {"prepare", db_prepare, 1, 1},
    {"transaction", db_transaction, 1, 1},
};
const NativeDef kStatementMethods[] = {
    {"exec", stmt_exec, 0, 1},
    {"query", stmt_query, 0, 1},
    {"queryOne", stmt_queryOne, 0, 1},
    {"close", stmt_close, 0, 0},
};

template <size_t N>
Value handleObject(VM& vm, int64_t id, const NativeDef (&methods)[N], const Pool& pool) {
    MapObject* m = vm.heap().newMap();
    TempRoot root(vm, Value::object(m));
    for (const NativeDef& def : methods) {
        BoundMethodObject* bound =
            vm.heap().newBoundMethod(Value::integer(id), Value::object(permanentNative(def)));
        mapSet(vm.heap(), m, internConstant(def.name), Value::object(bound));
    }
    const char* backend = pool.url().backend == sql::Backend::Sqlite ? "sqlite" : "postgres";
    mapSet(vm.heap(), m, internConstant("backend"), Value::object(internConstant(backend)));
    return Value::object(m);
}

int64_t newHandle(VM& vm, Handle handle) {
    SqlHandles& h = handlesOf(vm);
    int64_t id = h.nextId++;
    h.handles.emplace(id, std::move(handle));
    return id;
}

// ---- natives ----

Value sql_open(VM& vm, Value, Value* args, int argc) {
    std::string url(argString(vm, "sql.open", args, argc, 0));
    std::shared_ptr<Pool> pool;
    bool shared = false;
    try {
        pool = sql::sharedPool(url);
        shared = pool != nullptr;
        if (!pool) pool = std::make_shared<Pool>(sql::parseUrl(url), 1);
    } catch (const SqlFailure& e) {
        raiseFailure(vm, e);
    }
    if (!shared) { // a private pool: connect now, so a bad URL fails here
        Lease lease(vm, pool);
        onConnection(vm, nullptr, &lease, pool->url(), [](Connection&) { return true; });
    }
    int64_t id = newHandle(vm, Handle{Handle::Kind::Database, pool});
    return handleObject(vm, id, kDatabaseMethods, *pool);
}

Value runStatement(VM& vm, Value self, Value* args, int argc, Want want, const char* who) {
    int64_t id = handleId(vm, self, who);
    std::string text = sqlText(vm, who, args, argc, 0);
    std::vector<SqlParam> params = paramsArg(vm, who, args, argc, 1);
    Route r = route(vm, id, who);
    return resultValue(vm, execute(vm, r, text, params, want), want);
}

Value db_exec(VM& vm, Value self, Value* args, int argc) {
    return runStatement(vm, self, args, argc, Want::Nothing, "db.exec");
}
Value db_query(VM& vm, Value self, Value* args, int argc) {
    return runStatement(vm, self, args, argc, Want::Rows, "db.query");
}
Value db_queryOne(VM& vm, Value self, Value* args, int argc) {
    return runStatement(vm, self, args, argc, Want::FirstRow, "db.queryOne");
}

Value db_prepare(VM& vm, Value self, Value* args, int argc) {
    int64_t id = handleId(vm, self, "db.prepare");
    std::string text = sqlText(vm, "db.prepare", args, argc, 0);
    Route r = route(vm, id, "db.prepare");
    auto check = [&](Connection& c) { return c.check(text); };
    if (r.conn) {
        onConnection(vm, r.conn, nullptr, r.pool->url(), check);
    } else {
        Lease lease(vm, r.pool);
        onConnection(vm, nullptr, &lease, r.pool->url(), check);
    }
    int64_t stmt =
        newHandle(vm, Handle{Handle::Kind::Statement, r.pool, nullptr, nullptr, id, text});
    return handleObject(vm, stmt, kStatementMethods, *r.pool);
}

// Runs SQL of the transaction machinery (BEGIN, COMMIT, SAVEPOINT...).
void control(VM& vm, Connection* conn, Lease* lease, const sql::SqlUrl& url,
             const std::string& text) {
    onConnection(vm, conn, lease, url,
                 [&](Connection& c) { return c.run(text, {}, Want::Nothing, 0).rowsAffected; });
}

// The same, after the callback threw: failures are dropped (the connection
// is then given up, which rolls back) and the callback's error rethrown.
void controlAfterThrow(VM& vm, Connection* conn, Lease* lease, const sql::SqlUrl& url,
                       const std::string& text) {
    TempRoot keep(vm, vm.exception());
    Value original = vm.exception();
    try {
        control(vm, conn, lease, url, text);
    } catch (const ScriptThrow&) {
    }
    vm.rethrow(original);
}

Value db_transaction(VM& vm, Value self, Value* args, int argc) {
    int64_t id = handleId(vm, self, "db.transaction");
    Value fn = argc > 0 ? args[0] : Value();
    if (!fn.isObjType(ObjType::Closure) && !fn.isObjType(ObjType::Native) &&
        !fn.isObjType(ObjType::BoundMethod))
        vm.raise("TypeError", std::string("db.transaction: argument 1 must be a function, got ") +
                                  vm.typeName(fn));
    Route r = route(vm, id, "db.transaction");
    const sql::SqlUrl& url = r.pool->url();
    SqlHandles& h = handlesOf(vm);
    // The transaction's handle lives while the callback runs.
    auto open = [&](Connection* conn) {
        return newHandle(vm, Handle{Handle::Kind::Transaction, r.pool, conn, &vm});
    };
    auto close = [&vm](int64_t tx) { handlesOf(vm).handles.erase(tx); };

    if (r.conn) { // nested: a savepoint on the transaction's connection
        std::string name = "langoost_sp" + std::to_string(++h.savepoints);
        control(vm, r.conn, nullptr, url, "SAVEPOINT " + name);
        int64_t tx = open(r.conn);
        Value result;
        try {
            Value txObject = handleObject(vm, tx, kTransactionMethods, *r.pool);
            result = vm.call(fn, std::span<const Value>(&txObject, 1));
        } catch (const ScriptThrow&) {
            close(tx);
            controlAfterThrow(vm, r.conn, nullptr, url,
                              "ROLLBACK TO SAVEPOINT " + name + "; RELEASE SAVEPOINT " + name);
        } catch (...) {
            close(tx);
            throw;
        }
        close(tx);
        TempRoot keep(vm, result);
        control(vm, r.conn, nullptr, url, "RELEASE SAVEPOINT " + name);
        return result;
    }

    Lease lease(vm, r.pool);
    control(vm, nullptr, &lease, url,
            url.backend == sql::Backend::Sqlite ? "BEGIN IMMEDIATE" : "BEGIN");
    Connection* conn = lease.conn.get();
    int64_t tx = open(conn);
    h.active.push_back({r.pool.get(), &vm, conn});
    auto finish = [&] {
        close(tx);
        std::erase_if(handlesOf(vm).active,
                      [&](const ActiveTransaction& t) { return t.conn == conn; });
    };
    Value result;
    try {
        Value txObject = handleObject(vm, tx, kTransactionMethods, *r.pool);
        result = vm.call(fn, std::span<const Value>(&txObject, 1));
    } catch (const ScriptThrow&) {
        finish();
        controlAfterThrow(vm, conn, nullptr, url, "ROLLBACK");
    } catch (...) { // the request is ending: the lease drops the connection, which rolls back
        finish();
        throw;
    }
    finish();
    TempRoot keep(vm, result);
    control(vm, conn, nullptr, url, "COMMIT");
    return result;
}

Value db_close(VM& vm, Value self, Value*, int) {
    int64_t id = handleId(vm, self, "db.close");
    SqlHandles& h = handlesOf(vm);
    h.handles.erase(id);
    std::erase_if(h.handles, [&](const auto& entry) { return entry.second.parent == id; });
    return Value();
}

Value runPrepared(VM& vm, Value self, Value* args, int argc, Want want, const char* who) {
    int64_t id = handleId(vm, self, who);
    std::vector<SqlParam> params = paramsArg(vm, who, args, argc, 0);
    Route r = route(vm, id, who);
    std::string text =
        handlesOf(vm).handles.at(id).text; // a copy: the table may change while unlocked
    return resultValue(vm, execute(vm, r, text, params, want), want);
}

Value stmt_exec(VM& vm, Value self, Value* args, int argc) {
    return runPrepared(vm, self, args, argc, Want::Nothing, "stmt.exec");
}
Value stmt_query(VM& vm, Value self, Value* args, int argc) {
    return runPrepared(vm, self, args, argc, Want::Rows, "stmt.query");
}
Value stmt_queryOne(VM& vm, Value self, Value* args, int argc) {
    return runPrepared(vm, self, args, argc, Want::FirstRow, "stmt.queryOne");
}

Value stmt_close(VM& vm, Value self, Value*, int) {
    handlesOf(vm).handles.erase(handleId(vm, self, "stmt.close"));
    return Value();
}

} // namespace

const NativeModuleDef& sqlModule() {
    static const NativeModuleDef def = {
        "sql",
        {{"open", sql_open, 1, 1}},
        {},
    };
    return def;
}

} // namespace langoost
