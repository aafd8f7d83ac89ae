// TaskScheduler: the request tasks of one worker, and the Parker they wait
// through (common/Parking.h).
//
// A task is a fiber (Boost.Context) with a stack of its own, so the
// interpreter, natives and callbacks keep their C++ frames while it is
// parked: scripts stay in plain blocking style. The worker's event loop
// owns the scheduler and feeds it what it waits for:
//   - socket readiness: the fd is added to the worker's epoll set while a
//     task waits on it (a dup when the fd is already there — the request's
//     own connection);
//   - timers: sleeps and deadlines, in one ordered map;
//   - helper threads: blocking work that the loop cannot do (file I/O,
//     exec, DNS, joins) runs on the process-wide HelperPool, whose results
//     come back through an eventfd.
// A task that computes past its time slice yields at the VM's next safe
// point and goes to the back of the ready queue.
//
// Every wait of a cancelled task ends at once with WaitEnd::Cancelled, so
// a task whose request is ending unwinds without parking again. A task is
// never destroyed while parked: ending one means cancelling it and letting
// it run to its end.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "common/Parking.h"

namespace langoost {

class TaskScheduler final : public Parker {
  public:
    // Tasks wait on sockets through `epollFd` (the worker's).
    explicit TaskScheduler(int epollFd);
    ~TaskScheduler() override;
    TaskScheduler(const TaskScheduler&) = delete;
    TaskScheduler& operator=(const TaskScheduler&) = delete;

    struct Task;
    class StackPool;

    // Starts `body` as a task and runs it until it first parks or returns.
    // `done` runs on the loop (never inside a task) once `body` has
    // returned: within start() when it returned at once. Returns the task
    // while it lives, nullptr when it has already ended.
    Task* start(std::function<void()> body, std::function<void()> done);
    // Ends a task's waits: the current one and every later one end with
    // WaitEnd::Cancelled. Safe on a running task (its next wait ends so).
    void cancel(Task* task);

    // ---- the event loop's side ----
    // Readable when helper threads have finished work: call onCompletions().
    int completionFd() const { return completionFd_; }
    void onCompletions();
    // An epoll event on `fd`: true when it was a parked task's wait.
    bool onFdEvent(int fd, uint32_t events);
    // Fires due timers, then runs each ready task once.
    void runReady();
    // How long the loop may sleep in epoll_wait (at most `capMs`).
    int pollTimeoutMs(int capMs) const;
    size_t liveTasks() const { return live_; }

    // Tasks parked in waits, over every worker (--max-waiting).
    static size_t parkedEverywhere();

    // ---- Parker (called from inside the running task) ----
    WaitEnd waitFds(const FdInterest* fds, size_t count, WaitClock::time_point deadline, FdInterest* fired) override;
    WaitEnd sleepUntil(WaitClock::time_point deadline) override;
    WaitEnd offload(const std::function<void()>& work, const std::function<void()>& cancel,
                    WaitClock::time_point deadline) override;
    void setDeadline(WaitClock::time_point deadline) override;
    bool sliceExpired() override;
    void yield() override;
    void* runningTask() override { return current_; }
    WaitEnd waitForWakeUp(WaitClock::time_point deadline) override;
    void wakeUp(void* task) override;

  private:
    // Runs the task until it parks or ends; true when it ended (and is gone).
    bool resume(Task& task);
    // Switches from the running task back to the loop until it is resumed.
    WaitEnd suspend(Task& task);
    void wake(Task& task, WaitEnd reason);
    void armTimer(Task& task, WaitClock::time_point deadline);
    void disarm(Task& task);
    void finish(Task& task);

    int epollFd_;
    int completionFd_;
    Task* current_ = nullptr;
    size_t live_ = 0;
    std::deque<Task*> ready_;
    std::multimap<WaitClock::time_point, Task*> timers_;
    std::unordered_map<int, Task*> fdWaiters_; // registered fd -> its task
    std::vector<Task*> spareTasks_;            // ended tasks, reused (a hello-world request allocates none)
    // Helper threads push finished offloads here.
    std::mutex completedMutex_;
    std::vector<Task*> completed_;
    std::unique_ptr<StackPool> stacks_;
};

} // namespace langoost
