#include "server/TaskScheduler.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <boost/context/fiber.hpp>
#include <cerrno>
#include <cstdio>
#include <exception>
#include <new>

#include "server/HelperPool.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define LANGOOST_ASAN_FIBERS 1
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define LANGOOST_TSAN_FIBERS 1
#endif

namespace ctx = boost::context;

namespace langoost {
namespace {

// A task's C++ stack: as big as a thread's (the parser, the compiler and
// native -> script calls recurse as deep there as on any thread), reserved
// but committed only where touched, with a guard page below.
constexpr size_t kStackBytes = 8u << 20;
constexpr size_t kGuardBytes = 16u << 10;
// Released stacks kept for reuse per worker: a hello-world request reuses
// one and never maps memory, and neither does a request arriving while a
// thousand others wait (only the touched top pages stay resident).
constexpr size_t kKeptStacks = 1024;
// A task that runs this long without waiting yields to the others.
constexpr auto kTimeSlice = std::chrono::milliseconds(2);

std::atomic<size_t> parkedTasks{0};

} // namespace

class TaskScheduler::StackPool {
  public:
    ~StackPool() {
        for (void* base : free_) ::munmap(base, kStackBytes + kGuardBytes);
    }
    ctx::stack_context allocate() {
        void* base;
        if (!free_.empty()) {
            base = free_.back();
            free_.pop_back();
        } else {
            base = ::mmap(nullptr, kStackBytes + kGuardBytes, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
            if (base == MAP_FAILED) throw std::bad_alloc();
            ::mprotect(base, kGuardBytes, PROT_NONE);
        }
        ctx::stack_context sc;
        sc.size = kStackBytes;
        sc.sp = static_cast<char*>(base) + kGuardBytes + kStackBytes;
        lastAllocated = sc;
        return sc;
    }
    void deallocate(ctx::stack_context& sc) {
        void* base = static_cast<char*>(sc.sp) - kStackBytes - kGuardBytes;
        if (free_.size() < kKeptStacks) free_.push_back(base);
        else ::munmap(base, kStackBytes + kGuardBytes);
    }

    ctx::stack_context lastAllocated; // the stack the newest fiber got

  private:
    std::vector<void*> free_;
};

namespace {

// What Boost.Context copies into each fiber: a handle on the pool.
struct PooledStack {
    TaskScheduler::StackPool* pool;
    ctx::stack_context allocate() { return pool->allocate(); }
    void deallocate(ctx::stack_context& sc) { pool->deallocate(sc); }
};

} // namespace

struct TaskScheduler::Task {
    enum class Waiting { None, Fd, Timer, WakeUp, Offload, Ready };

    ctx::fiber fiber; // the task while it is suspended
    ctx::fiber loop;  // the loop while the task runs
    std::function<void()> body, done;
    bool finished = false;
    bool cancelled = false;
    Waiting waiting = Waiting::None;
    WaitEnd reason = WaitEnd::Ready;
    // An offload's end when its deadline or a cancel came first.
    WaitEnd offloadEnd = WaitEnd::Ready;
    std::function<void()> cancelWork;
    std::exception_ptr offloadError;
    // A socket wait's registrations: the fd in the epoll set (a dup when
    // the script's own fd was there already) and the script's fd.
    struct Registration {
        int registered;
        int original;
    };
    std::vector<Registration> fds;
    FdInterest fired{-1, 0};
    bool hasTimer = false;
    std::multimap<WaitClock::time_point, Task*>::iterator timer;
    WaitClock::time_point sliceStart;
    WaitClock::time_point deadline = WaitClock::time_point::max(); // setDeadline
    void* stackBottom = nullptr;
    size_t stackSize = 0;
#ifdef LANGOOST_ASAN_FIBERS
    void* fakeStack = nullptr;
    const void* loopBottom = nullptr;
    size_t loopSize = 0;
#endif
#ifdef LANGOOST_TSAN_FIBERS
    void* tsanFiber = nullptr;
    void* tsanLoop = nullptr;
#endif
};

TaskScheduler::TaskScheduler(int epollFd)
    : epollFd_(epollFd), completionFd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)), stacks_(std::make_unique<StackPool>()) {
    if (completionFd_ < 0) throw std::runtime_error("eventfd failed");
}

TaskScheduler::~TaskScheduler() {
    for (Task* task : spareTasks_) delete task;
    ::close(completionFd_);
}

size_t TaskScheduler::parkedEverywhere() { return parkedTasks.load(std::memory_order_relaxed); }

TaskScheduler::Task* TaskScheduler::start(std::function<void()> body, std::function<void()> done) {
    Task* task;
    if (spareTasks_.empty()) {
        task = new Task;
    } else {
        task = spareTasks_.back();
        spareTasks_.pop_back();
    }
    task->body = std::move(body);
    task->done = std::move(done);
    PooledStack alloc{stacks_.get()};
    task->fiber = ctx::fiber(std::allocator_arg, alloc, [this, task](ctx::fiber&& loop) {
        task->loop = std::move(loop);
#ifdef LANGOOST_ASAN_FIBERS
        __sanitizer_finish_switch_fiber(nullptr, &task->loopBottom, &task->loopSize);
#endif
        try {
            task->body();
        } catch (...) {
            std::fputs("langoost serve: a request task ended with an unexpected exception\n", stderr);
        }
        task->finished = true;
#ifdef LANGOOST_ASAN_FIBERS
        __sanitizer_start_switch_fiber(nullptr, task->loopBottom, task->loopSize);
#endif
#ifdef LANGOOST_TSAN_FIBERS
        __tsan_switch_to_fiber(task->tsanLoop, 0);
#endif
        return std::move(task->loop);
    });
    task->stackBottom = static_cast<char*>(stacks_->lastAllocated.sp) - stacks_->lastAllocated.size;
    task->stackSize = stacks_->lastAllocated.size;
#ifdef LANGOOST_TSAN_FIBERS
    task->tsanFiber = __tsan_create_fiber(0);
#endif
    ++live_;
    return resume(*task) ? nullptr : task;
}

bool TaskScheduler::resume(Task& task) {
    current_ = &task;
    setCurrentParker(this);
    task.sliceStart = WaitClock::now();
    task.waiting = Task::Waiting::None;
#ifdef LANGOOST_ASAN_FIBERS
    void* fake = nullptr;
    __sanitizer_start_switch_fiber(&fake, task.stackBottom, task.stackSize);
#endif
#ifdef LANGOOST_TSAN_FIBERS
    task.tsanLoop = __tsan_get_current_fiber();
    __tsan_switch_to_fiber(task.tsanFiber, 0);
#endif
    task.fiber = std::move(task.fiber).resume();
#ifdef LANGOOST_ASAN_FIBERS
    __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
    setCurrentParker(nullptr);
    current_ = nullptr;
    if (!task.finished) return false;
    finish(task); // `task` may be reused from here on
    return true;
}

WaitEnd TaskScheduler::suspend(Task& task) {
    bool parks = task.waiting != Task::Waiting::Ready;
    if (parks) parkedTasks.fetch_add(1, std::memory_order_relaxed);
#ifdef LANGOOST_ASAN_FIBERS
    __sanitizer_start_switch_fiber(&task.fakeStack, task.loopBottom, task.loopSize);
#endif
#ifdef LANGOOST_TSAN_FIBERS
    __tsan_switch_to_fiber(task.tsanLoop, 0);
#endif
    task.loop = std::move(task.loop).resume();
#ifdef LANGOOST_ASAN_FIBERS
    __sanitizer_finish_switch_fiber(task.fakeStack, &task.loopBottom, &task.loopSize);
#endif
    if (parks) parkedTasks.fetch_sub(1, std::memory_order_relaxed);
    return task.reason;
}

void TaskScheduler::finish(Task& task) {
#ifdef LANGOOST_TSAN_FIBERS
    __tsan_destroy_fiber(task.tsanFiber);
#endif
    --live_;
    auto done = std::move(task.done);
    task.body = nullptr;
    task.finished = task.cancelled = false;
    task.waiting = Task::Waiting::None;
    task.reason = WaitEnd::Ready;
    task.deadline = WaitClock::time_point::max();
    if (spareTasks_.size() < kKeptStacks) spareTasks_.push_back(&task);
    else delete &task;
    if (done) done();
}

void TaskScheduler::armTimer(Task& task, WaitClock::time_point deadline) {
    deadline = std::min(deadline, task.deadline);
    if (deadline == WaitClock::time_point::max()) return;
    task.timer = timers_.emplace(deadline, &task);
    task.hasTimer = true;
}

void TaskScheduler::disarm(Task& task) {
    if (task.hasTimer) {
        timers_.erase(task.timer);
        task.hasTimer = false;
    }
    for (auto [registered, original] : task.fds) {
        ::epoll_ctl(epollFd_, EPOLL_CTL_DEL, registered, nullptr);
        fdWaiters_.erase(registered);
        if (registered != original) ::close(registered);
    }
    task.fds.clear();
}

void TaskScheduler::wake(Task& task, WaitEnd reason) {
    disarm(task);
    task.reason = reason;
    task.waiting = Task::Waiting::Ready;
    ready_.push_back(&task);
}

WaitEnd TaskScheduler::waitFds(const FdInterest* fds, size_t count, WaitClock::time_point deadline, FdInterest* fired) {
    Task& task = *current_;
    if (task.cancelled) return WaitEnd::Cancelled;
    if (std::min(deadline, task.deadline) <= WaitClock::now()) return WaitEnd::TimedOut;
    for (size_t i = 0; i < count; ++i) {
        epoll_event ev{};
        ev.events = fds[i].events | EPOLLRDHUP;
        ev.data.fd = fds[i].fd;
        int registered = fds[i].fd;
        if (::epoll_ctl(epollFd_, EPOLL_CTL_ADD, registered, &ev) != 0) {
            registered = -1;
            // Already in this loop's set (the request's own connection): wait on a dup.
            if (errno == EEXIST) registered = ::fcntl(fds[i].fd, F_DUPFD_CLOEXEC, 0);
            ev.data.fd = registered;
            if (registered >= 0 && ::epoll_ctl(epollFd_, EPOLL_CTL_ADD, registered, &ev) != 0) {
                ::close(registered);
                registered = -1;
            }
        }
        if (registered < 0) { // not pollable: report it ready, let the I/O call say what is wrong
            disarm(task);
            if (fired) *fired = {fds[i].fd, fds[i].events};
            return WaitEnd::Ready;
        }
        task.fds.push_back({registered, fds[i].fd});
        fdWaiters_[registered] = &task;
    }
    armTimer(task, deadline);
    task.waiting = Task::Waiting::Fd;
    task.fired = {-1, 0};
    WaitEnd end = suspend(task);
    if (fired) *fired = task.fired;
    return end;
}

WaitEnd TaskScheduler::sleepUntil(WaitClock::time_point deadline) {
    Task& task = *current_;
    if (task.cancelled) return WaitEnd::Cancelled;
    if (std::min(deadline, task.deadline) <= WaitClock::now()) return WaitEnd::TimedOut;
    armTimer(task, deadline);
    task.waiting = Task::Waiting::Timer;
    return suspend(task);
}

WaitEnd TaskScheduler::waitForWakeUp(WaitClock::time_point deadline) {
    Task& task = *current_;
    if (task.cancelled) return WaitEnd::Cancelled;
    if (std::min(deadline, task.deadline) <= WaitClock::now()) return WaitEnd::TimedOut;
    armTimer(task, deadline);
    task.waiting = Task::Waiting::WakeUp;
    return suspend(task);
}

void TaskScheduler::wakeUp(void* handle) {
    Task& task = *static_cast<Task*>(handle);
    if (task.waiting == Task::Waiting::WakeUp) wake(task, WaitEnd::Ready);
}

WaitEnd TaskScheduler::offload(const std::function<void()>& work, const std::function<void()>& cancel,
                               WaitClock::time_point deadline) {
    Task& task = *current_;
    if (task.cancelled) return WaitEnd::Cancelled;
    task.cancelWork = cancel;
    task.offloadEnd = WaitEnd::Ready;
    task.offloadError = nullptr;
    armTimer(task, deadline);
    task.waiting = Task::Waiting::Offload;
    Task* raw = &task;
    HelperPool::instance().submit([this, raw, &work] {
        try {
            work();
        } catch (...) {
            raw->offloadError = std::current_exception();
        }
        {
            std::lock_guard lock(completedMutex_);
            completed_.push_back(raw);
        }
        uint64_t one = 1;
        [[maybe_unused]] ssize_t n = ::write(completionFd_, &one, sizeof one);
    });
    suspend(task);
    task.cancelWork = nullptr;
    if (task.offloadError) std::rethrow_exception(std::exchange(task.offloadError, nullptr));
    return task.offloadEnd;
}

void TaskScheduler::setDeadline(WaitClock::time_point deadline) {
    if (current_) current_->deadline = deadline;
}

bool TaskScheduler::sliceExpired() {
    return current_ && !current_->cancelled && WaitClock::now() - current_->sliceStart >= kTimeSlice;
}

void TaskScheduler::yield() {
    Task& task = *current_;
    task.reason = WaitEnd::Ready;
    task.waiting = Task::Waiting::Ready;
    ready_.push_back(&task);
    suspend(task);
}

void TaskScheduler::cancel(Task* task) {
    if (!task || task->cancelled) return;
    task->cancelled = true;
    switch (task->waiting) {
    case Task::Waiting::Fd:
    case Task::Waiting::Timer:
    case Task::Waiting::WakeUp: wake(*task, WaitEnd::Cancelled); break;
    case Task::Waiting::Offload:
        task->offloadEnd = WaitEnd::Cancelled;
        if (task->cancelWork) task->cancelWork();
        break;
    case Task::Waiting::None: // running: its next wait ends at once
    case Task::Waiting::Ready: break;
    }
}

void TaskScheduler::onCompletions() {
    uint64_t count;
    [[maybe_unused]] ssize_t n = ::read(completionFd_, &count, sizeof count);
    std::vector<Task*> done;
    {
        std::lock_guard lock(completedMutex_);
        done.swap(completed_);
    }
    for (Task* task : done) wake(*task, task->offloadEnd);
}

bool TaskScheduler::onFdEvent(int fd, uint32_t events) {
    auto it = fdWaiters_.find(fd);
    if (it == fdWaiters_.end()) return false;
    Task& task = *it->second;
    for (auto [registered, original] : task.fds)
        if (registered == fd) task.fired = {original, events};
    wake(task, WaitEnd::Ready);
    return true;
}

void TaskScheduler::runReady() {
    auto now = WaitClock::now();
    while (!timers_.empty() && timers_.begin()->first <= now) {
        Task& task = *timers_.begin()->second;
        timers_.erase(timers_.begin());
        task.hasTimer = false;
        if (task.waiting == Task::Waiting::Offload) {
            // The work goes on: make it stop, and report the deadline when it has.
            if (task.offloadEnd == WaitEnd::Ready) task.offloadEnd = WaitEnd::TimedOut;
            if (task.cancelWork) task.cancelWork();
        } else {
            wake(task, WaitEnd::TimedOut);
        }
    }
    // Each task that is ready now runs once; those that yield again wait
    // for the next round, after the loop has looked at its sockets.
    for (size_t n = ready_.size(); n > 0 && !ready_.empty(); --n) {
        Task* task = ready_.front();
        ready_.pop_front();
        resume(*task);
    }
}

int TaskScheduler::pollTimeoutMs(int capMs) const {
    if (!ready_.empty()) return 0;
    if (timers_.empty()) return capMs;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(timers_.begin()->first - WaitClock::now()).count();
    return int(std::clamp<int64_t>(left + 1, 0, capMs));
}

} // namespace langoost
