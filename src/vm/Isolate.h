// Isolate: what the threads of one program share — the heap, the module
// instances, the builtins, the output buffer, the limits — and the isolate
// lock that lets one thread at a time run bytecode. A VM (VM.h) is one
// thread of execution inside an isolate.
//
// Threads hold the lock while they run bytecode or touch the heap, and
// release it around every blocking call (BlockingSection) and every few
// thousand steps when another thread is waiting (the lock is fair: FIFO
// tickets), so I/O-bound threads overlap and a busy loop cannot starve
// the others. The GC runs under the lock, so every other thread is parked
// either waiting for the lock or inside a blocking call, its stack synced.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "vm/Heap.h"

namespace langoost {

class VM;
struct RuntimeConfig;
struct NativeModuleDef;

// A fair (first come, first served) lock with direct hand-off: unlock
// passes ownership to the longest waiter and wakes only that thread, so a
// thread that releases it to let others run cannot take it straight back,
// and thousands of waiting threads cost no thundering herd.
class IsolateLock {
  public:
    void lock();
    void unlock();
    bool othersWaiting() const { return waiting_.load(std::memory_order_relaxed) > 0; }

  private:
    struct Waiter {
        std::condition_variable wake;
        bool granted = false;
    };
    std::mutex mutex_;
    bool held_ = false;
    std::deque<Waiter*> queue_;
    std::atomic<int> waiting_{0};
};

// Per-isolate state owned by a native module (thread handles, channels,
// sockets...). Values it holds must be reported to the GC in markRoots.
class IsolateExtension {
  public:
    virtual ~IsolateExtension() = default;
    virtual void markRoots(Heap& heap) { (void)heap; }
    // Whether OS threads it started are still running (see Isolate::busy).
    virtual bool busy() const { return false; }
    // The isolate is ending: wake every thread waiting on something this
    // extension owns (condition variables, sockets) so it can stop.
    virtual void wakeAll() {}
};

class Isolate {
  public:
    explicit Isolate(const RuntimeConfig& config);
    ~Isolate();
    Isolate(const Isolate&) = delete;
    Isolate& operator=(const Isolate&) = delete;

    const RuntimeConfig& config() const { return *config_; }
    Heap heap;
    std::vector<Value> builtins;
    std::vector<ModuleObject*> modules; // file modules in load order
    std::vector<std::pair<const NativeModuleDef*, ModuleObject*>> nativeModules;

    IsolateLock lock;
    std::vector<VM*> threads; // every live VM of this isolate (GC roots)

    // Limits shared by the isolate's threads.
    uint64_t stepsUsed = 0;
    uint64_t outputBytes = 0;
    std::chrono::steady_clock::time_point deadline;
    bool timedOut = false;

    // Output of print/println (stdout, buffered; flushed at 64 KiB and at exit).
    std::string out;
    void flush();

    // The extension registered under `key`, created on first use.
    template <typename T> T& extension(const void* key) {
        auto& slot = extensions_[key];
        if (!slot) slot = std::make_unique<T>();
        return static_cast<T&>(*slot);
    }

    void collectGarbage();
    // True while spawned threads still run: then the isolate must not be
    // destroyed (they would touch freed memory); the program exits instead.
    bool busy() const;

    // Set when the isolate's owner (a server request, a test file) is done:
    // every other thread stops at its next safe point or wait (Terminated).
    std::atomic<bool> ending{false};
    // Wakes the isolate's sleepers when it is ending.
    std::mutex endMutex;
    std::condition_variable endCv;
    // Sets `ending` and wakes every waiting thread (extensions' wakeAll).
    void beginEnding();
    // exit(code) called by a spawned thread where that must not end the
    // process (RuntimeConfig::threadExitEndsProcess off): the first code, or -1.
    std::atomic<int> threadExitCode{-1};

  private:
    std::unique_ptr<RuntimeConfig> config_;
    std::unordered_map<const void*, std::unique_ptr<IsolateExtension>> extensions_;
};

} // namespace langoost
