// Parking: how a blocking call waits without blocking its thread.
//
// In server mode every request runs as a lightweight task (a fiber) on its
// worker's event loop. While a task runs, its thread's current Parker is
// that loop's scheduler: a blocking call asks it to park the task until a
// socket is ready, a timer fires or a helper thread has done the blocking
// work — and the worker serves other requests meanwhile. Everywhere else
// (`langoost run`, spawned threads, tests) there is no Parker and the same
// calls simply block their own thread.
//
// This sits below every pipeline stage because the module loader (a
// compile is offloaded), the VM and the standard library all wait through it.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>

namespace langoost {

using WaitClock = std::chrono::steady_clock;

enum class WaitEnd {
    Ready,     // the socket is ready / the work is done
    TimedOut,  // the deadline passed first
    Cancelled, // the task is being ended (its client went away, the server stops)
};

// A socket and the epoll events (EPOLLIN, EPOLLOUT) a wait is for.
struct FdInterest {
    int fd;
    uint32_t events;
};

class Parker {
  public:
    virtual ~Parker() = default;
    // Parks until `fd` reports one of `events` (EPOLLIN, EPOLLOUT) or `deadline`.
    WaitEnd waitFd(int fd, uint32_t events, WaitClock::time_point deadline) {
        FdInterest one{fd, events};
        return waitFds(&one, 1, deadline, nullptr);
    }
    // Parks until one of `count` sockets is ready or `deadline`; `fired`
    // (when given) gets that socket and the events it reported.
    virtual WaitEnd waitFds(const FdInterest* fds, size_t count, WaitClock::time_point deadline, FdInterest* fired) = 0;
    // Parks until `deadline` (TimedOut is the normal end).
    virtual WaitEnd sleepUntil(WaitClock::time_point deadline) = 0;
    // Runs `work` on a helper thread while the task is parked. When the
    // deadline passes or the task is cancelled first, `cancel` (if any) is
    // called on the loop's thread to make `work` return early. Returns only
    // after `work` has returned, so it may use the caller's stack.
    virtual WaitEnd offload(const std::function<void()>& work, const std::function<void()>& cancel,
                            WaitClock::time_point deadline) = 0;
    // The running task's wall-clock limit: every later wait of it ends
    // (TimedOut) at this point at the latest.
    virtual void setDeadline(WaitClock::time_point deadline) = 0;
    // True when the task has run for longer than its time slice.
    virtual bool sliceExpired() = 0;
    // Lets the other ready tasks of this loop run, then continues.
    virtual void yield() = 0;

    // One task waking another of the same loop (a connection shared by
    // the loop's tasks: whoever reads a reply hands it to its owner).
    // A handle on the running task, for wakeUp.
    virtual void* runningTask() = 0;
    // Parks until a task of this loop passes this one to wakeUp, or `deadline`.
    virtual WaitEnd waitForWakeUp(WaitClock::time_point deadline) = 0;
    // Makes `task` ready if it is parked in waitForWakeUp; otherwise nothing.
    // Only on the loop's own thread.
    virtual void wakeUp(void* task) = 0;
};

// The Parker of the task running on this thread, or null.
Parker* currentParker();
void setCurrentParker(Parker* parker);

// Waits for `fd` (poll(2) events POLLIN/POLLOUT) for at most `timeoutMs`
// (negative: no limit): parks the current task, or blocks the thread.
// False on timeout; a cancelled task gets `WaitEnd::Cancelled` too.
WaitEnd waitForFd(int fd, short pollEvents, int64_t timeoutMs);

// How the last waitForFd on this thread ended (natives that wait deep inside
// their I/O report it after the fact: VM::afterIo).
WaitEnd lastWaitEnd();
// Records how a wait made straight through a Parker ended, for lastWaitEnd.
void noteWaitEnd(WaitEnd end);

// Runs `work`: on a helper thread while the current task is parked, or
// right here when there is no task (work that may need a big stack, such
// as compiling, or that blocks).
void runOffLoop(const std::function<void()>& work);

} // namespace langoost
