// The `thread` module (stdlib.md): OS threads sharing the isolate, and
// the semaphores, mutexes and channels they synchronise with. Handles are
// positive ints into per-isolate tables (ThreadTables). Every wait happens
// inside a BlockingSection, with the isolate lock released; values move in
// and out of channels only while the lock is held, so the GC always sees
// them (ThreadTables::markRoots).
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "stdlib/Stdlib.h"
#include "vm/MapOps.h"

namespace langoost {
namespace {

// A spawned thread's record. The OS thread is detached (its resources go
// back to the system when it ends, joined or not); join waits on `done`.
struct SpawnedThread {
    Value fn;     // until the thread's VM holds it on its stack
    Value result; // its return value
    Value error;  // the error that escaped it, when `failed`
    bool failed = false;
    std::mutex m;
    std::condition_variable done;
    bool finished = false;
    std::thread::id id;
};

// A counting semaphore; a mutex is a semaphore of 1, so any thread may
// unlock it (as in Go's sync.Mutex).
struct Semaphore {
    std::mutex m;
    std::condition_variable changed;
    int64_t count = 0;
};

struct Channel {
    std::mutex m;
    std::condition_variable changed;
    std::deque<Value> items;
    size_t capacity = 1;
    bool closed = false;
};

struct ThreadTables : IsolateExtension {
    std::unordered_map<int64_t, std::unique_ptr<SpawnedThread>> threads;
    // OS threads still running; each decrements it as its very last act, so
    // at zero no thread will touch the isolate again.
    std::atomic<int> running{0};
    std::unordered_map<int64_t, std::unique_ptr<Semaphore>> semaphores;
    std::unordered_map<int64_t, std::unique_ptr<Channel>> channels;
    int64_t nextHandle = 1;

    bool busy() const override { return running.load() > 0; }
    void wakeAll() override {
        auto wake = [](std::mutex& m, std::condition_variable& cv) {
            { std::lock_guard guard(m); }
            cv.notify_all();
        };
        for (auto& [h, t] : threads) wake(t->m, t->done);
        for (auto& [h, sem] : semaphores) wake(sem->m, sem->changed);
        for (auto& [h, c] : channels) wake(c->m, c->changed);
    }
    void markRoots(Heap& heap) override {
        for (auto& [h, t] : threads) {
            heap.markValue(t->fn);
            heap.markValue(t->result);
            heap.markValue(t->error);
        }
        for (auto& [h, c] : channels) {
            std::lock_guard guard(c->m);
            for (const Value& v : c->items) heap.markValue(v);
        }
    }

};

const char kTablesKey = 0;
ThreadTables& tables(VM& vm) { return vm.isolate().extension<ThreadTables>(&kTablesKey); }

int64_t handleArg(VM& vm, const char* fn, Value* args, int argc) {
    vm.checkArgs(fn, args, argc, 0, ValueType::Int);
    return args[0].asInt();
}

template <typename T>
T& lookup(VM& vm, std::unordered_map<int64_t, std::unique_ptr<T>>& table, int64_t h, const char* what) {
    auto it = table.find(h);
    if (it == table.end()) vm.raise("ValueError", std::string("unknown ") + what + " handle " + std::to_string(h));
    return *it->second;
}

// Waits on `cv` until `ready()` (checked under `m`): parked in a request's
// task, blocking otherwise. A time limit, a cancelled request or an ending
// isolate cut it short (VM::blocking then raises), so callers loop.
template <typename Ready> void waitUntil(VM& vm, std::mutex& m, std::condition_variable& cv, Ready ready) {
    Isolate& iso = vm.isolate();
    bool stop = false;
    vm.blocking(
        [&] {
            std::unique_lock guard(m);
            cv.wait(guard, [&] { return ready() || stop || iso.ending.load(); });
        },
        [&] {
            {
                std::lock_guard guard(m);
                stop = true;
            }
            cv.notify_all();
        });
}

// exit() or an ignored time limit in a thread: ends the process where
// that is the rule (`langoost run`), else only this thread.
void endFromThread(Isolate* isolate, SpawnedThread* t, int code, const std::string& report) {
    isolate->flush();
    if (!report.empty()) std::fputs(report.c_str(), stderr);
    if (isolate->config().threadExitEndsProcess) {
        std::fflush(stderr);
        std::_Exit(code);
    }
    int none = -1;
    isolate->threadExitCode.compare_exchange_strong(none, code);
    t->failed = code != 0;
}

// Runs on the new OS thread: a VM of its own in the same isolate.
void threadMain(Isolate* isolate, ThreadTables* tables, SpawnedThread* t) {
    isolate->lock.lock();
    {
        VM vm(*isolate, true);
        try {
            Value fn = t->fn;
            t->result = vm.call(fn, {});
        } catch (ScriptThrow&) {
            isolate->flush();
            std::string report = "error in thread: " + vm.describeUncaught();
            std::fputs(report.c_str(), stderr);
            t->error = vm.exception();
            t->failed = true;
        } catch (ExitRequest& e) {
            endFromThread(isolate, t, e.code, "");
        } catch (Terminated& e) {
            if (!isolate->ending.load()) endFromThread(isolate, t, 1, "terminated: " + e.message + "\n");
        } catch (std::bad_alloc&) {
            std::fputs("error in thread: out of memory\n", stderr);
            t->failed = true;
        }
        t->fn = Value();
    }
    {
        std::lock_guard guard(t->m);
        t->finished = true;
    }
    t->done.notify_all();
    isolate->lock.unlock();
    tables->running.fetch_sub(1); // last touch of shared state
}

Value core_spawn(VM& vm, Value, Value* args, int) {
    Value fn = args[0];
    if (!fn.isObjType(ObjType::Closure) && !fn.isObjType(ObjType::Native) && !fn.isObjType(ObjType::BoundMethod))
        vm.raise("TypeError", std::string("spawn: expects a function, got ") + vm.typeName(fn));
    ThreadTables& tt = tables(vm);
    int64_t h = tt.nextHandle++;
    auto t = std::make_unique<SpawnedThread>();
    t->fn = fn;
    SpawnedThread* raw = t.get();
    tt.threads.emplace(h, std::move(t));
    tt.running.fetch_add(1);
    try {
        std::thread worker(threadMain, &vm.isolate(), &tt, raw);
        raw->id = worker.get_id();
        worker.detach();
    } catch (const std::system_error& e) {
        tt.running.fetch_sub(1);
        tt.threads.erase(h);
        vm.raise("ThreadError", std::string("spawn: cannot start a thread: ") + e.what());
    }
    return Value::integer(h);
}

Value core_join(VM& vm, Value, Value* args, int argc) {
    int64_t h = handleArg(vm, "join", args, argc);
    SpawnedThread& t = lookup(vm, tables(vm).threads, h, "thread");
    if (t.id == std::this_thread::get_id()) vm.raise("ThreadError", "join: a thread cannot join itself");
    for (;;) {
        {
            std::lock_guard guard(t.m);
            if (t.finished) break;
        }
        waitUntil(vm, t.m, t.done, [&] { return t.finished; });
    }
    if (t.failed) {
        MapObject* err = vm.newError("ThreadError", "thread " + std::to_string(h) + " failed");
        TempRoot root(vm, Value::object(err));
        mapSet(vm.heap(), err, internConstant("cause"), t.error);
        vm.throwValue(Value::object(err));
    }
    return t.result;
}

Value semaphore_new(VM& vm, Value, Value* args, int argc) {
    int64_t n = argc > 0 ? (vm.checkArgs("semaphore.new", args, argc, 0, ValueType::Int), args[0].asInt()) : 1;
    if (n < 0) vm.raise("ValueError", "semaphore.new: the count must not be negative");
    ThreadTables& tt = tables(vm);
    int64_t h = tt.nextHandle++;
    auto s = std::make_unique<Semaphore>();
    s->count = n;
    tt.semaphores.emplace(h, std::move(s));
    return Value::integer(h);
}

void acquire(VM& vm, Semaphore& s) {
    {
        std::lock_guard guard(s.m);
        if (s.count > 0) {
            --s.count;
            return;
        }
    }
    for (;;) {
        waitUntil(vm, s.m, s.changed, [&] { return s.count > 0; });
        std::lock_guard guard(s.m);
        if (s.count > 0) {
            --s.count;
            return;
        }
    }
}

void release(VM& vm, Semaphore& s, const char* fn) {
    {
        std::lock_guard guard(s.m);
        if (s.count == INT64_MAX) vm.raise("ValueError", std::string(fn) + ": the count would overflow");
        ++s.count;
    }
    s.changed.notify_one();
}

Value semaphore_acquire(VM& vm, Value, Value* args, int argc) {
    acquire(vm, lookup(vm, tables(vm).semaphores, handleArg(vm, "acquire", args, argc), "semaphore"));
    return Value();
}

Value semaphore_release(VM& vm, Value, Value* args, int argc) {
    release(vm, lookup(vm, tables(vm).semaphores, handleArg(vm, "release", args, argc), "semaphore"), "semaphore.release");
    return Value();
}

Value mutex_new(VM& vm, Value, Value*, int) {
    Value one = Value::integer(1);
    return semaphore_new(vm, Value(), &one, 1);
}

Value mutex_unlock(VM& vm, Value, Value* args, int argc) {
    Semaphore& s = lookup(vm, tables(vm).semaphores, handleArg(vm, "unlock", args, argc), "mutex");
    {
        std::lock_guard guard(s.m);
        if (s.count > 0) vm.raise("ThreadError", "unlock of an unlocked mutex");
    }
    release(vm, s, "mutex.unlock");
    return Value();
}

Value channel_new(VM& vm, Value, Value* args, int argc) {
    int64_t capacity = argc > 0 ? (vm.checkArgs("channel.new", args, argc, 0, ValueType::Int), args[0].asInt()) : 1;
    if (capacity < 0) vm.raise("ValueError", "channel.new: capacity must not be negative");
    ThreadTables& tt = tables(vm);
    int64_t h = tt.nextHandle++;
    auto c = std::make_unique<Channel>();
    c->capacity = size_t(capacity < 1 ? 1 : capacity);
    tt.channels.emplace(h, std::move(c));
    return Value::integer(h);
}

Value channel_send(VM& vm, Value, Value* args, int argc) {
    Channel& c = lookup(vm, tables(vm).channels, handleArg(vm, "send", args, argc), "channel");
    for (;;) {
        {
            std::lock_guard guard(c.m);
            if (c.closed) vm.raise("ThreadError", "send on a closed channel");
            if (c.items.size() < c.capacity) {
                c.items.push_back(args[1]);
                c.changed.notify_all();
                return Value();
            }
        }
        waitUntil(vm, c.m, c.changed, [&] { return c.items.size() < c.capacity || c.closed; });
    }
}

Value channel_recv(VM& vm, Value, Value* args, int argc) {
    Channel& c = lookup(vm, tables(vm).channels, handleArg(vm, "recv", args, argc), "channel");
    for (;;) {
        {
            std::lock_guard guard(c.m);
            if (!c.items.empty()) {
                Value v = c.items.front();
                c.items.pop_front();
                c.changed.notify_all();
                return v;
            }
            if (c.closed) return Value();
        }
        waitUntil(vm, c.m, c.changed, [&] { return !c.items.empty() || c.closed; });
    }
}

Value channel_close(VM& vm, Value, Value* args, int argc) {
    Channel& c = lookup(vm, tables(vm).channels, handleArg(vm, "close", args, argc), "channel");
    {
        std::lock_guard guard(c.m);
        c.closed = true;
    }
    c.changed.notify_all();
    return Value();
}

} // namespace

const NativeModuleDef& threadModule() {
    static const NativeModuleDef def = {
        "thread",
        {},
        {
            {"core", {{"spawn", core_spawn, 1, 1}, {"join", core_join, 1, 1}}, {}},
            {"semaphore",
             {{"new", semaphore_new, 0, 1}, {"acquire", semaphore_acquire, 1, 1}, {"release", semaphore_release, 1, 1}},
             {}},
            {"mutex", {{"new", mutex_new, 0, 0}, {"lock", semaphore_acquire, 1, 1}, {"unlock", mutex_unlock, 1, 1}}, {}},
            {"channel",
             {{"new", channel_new, 0, 1},
              {"send", channel_send, 2, 2},
              {"recv", channel_recv, 1, 1},
              {"close", channel_close, 1, 1}},
             {}},
        },
    };
    return def;
}

} // namespace langoost
