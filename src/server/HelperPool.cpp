#include "server/HelperPool.h"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace langoost {
namespace {

constexpr unsigned kDefaultThreads = 64;
constexpr auto kIdleExit = std::chrono::seconds(30);

struct PoolState {
    std::mutex m;
    std::condition_variable work;
    std::deque<std::function<void()>> queue;
    unsigned threads = 0;
    unsigned idle = 0;
};

PoolState& state() {
    static PoolState* s = new PoolState; // never destroyed: helpers may outlive main's statics
    return *s;
}

void helperMain() {
    PoolState& s = state();
    std::unique_lock lock(s.m);
    for (;;) {
        ++s.idle;
        bool woke = s.work.wait_for(lock, kIdleExit, [&] { return !s.queue.empty(); });
        --s.idle;
        if (!woke) {
            --s.threads;
            return;
        }
        auto job = std::move(s.queue.front());
        s.queue.pop_front();
        lock.unlock();
        job();
        lock.lock();
    }
}

} // namespace

HelperPool& HelperPool::instance() {
    static HelperPool pool;
    return pool;
}

unsigned HelperPool::maxThreads() {
    static unsigned n = [] {
        const char* env = std::getenv("LANGOOST_HELPER_THREADS");
        long v = env ? std::strtol(env, nullptr, 10) : 0;
        return v > 0 && v <= 4096 ? unsigned(v) : kDefaultThreads;
    }();
    return n;
}

void HelperPool::submit(std::function<void()> job) {
    PoolState& s = state();
    std::unique_lock lock(s.m);
    s.queue.push_back(std::move(job));
    if (s.idle >= s.queue.size() || s.threads >= maxThreads()) {
        s.work.notify_one();
        return;
    }
    ++s.threads;
    lock.unlock();
    try {
        std::thread(helperMain).detach();
    } catch (const std::system_error&) {
        lock.lock();
        --s.threads; // the queued job waits for a running helper
        if (s.threads == 0) {
            // No helper at all: run it here rather than never.
            auto job2 = std::move(s.queue.back());
            s.queue.pop_back();
            lock.unlock();
            job2();
        }
    }
}

} // namespace langoost
