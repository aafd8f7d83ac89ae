// HelperPool: the process-wide threads that do, for parked request tasks,
// the blocking work an event loop cannot (file I/O, exec, DNS, thread
// joins, channel waits, compiling). Threads start on demand up to a bound
// and then work is queued: a burst of slow work cannot create a thread per
// request (the libuv model). Idle threads exit after a while.
#pragma once
#include <functional>

namespace langoost {

class HelperPool {
  public:
    // The process's pool (threads are started on first use).
    static HelperPool& instance();
    // Runs `job` on a helper thread; `job` must not throw.
    void submit(std::function<void()> job);
    // At most this many helper threads (LANGOOST_HELPER_THREADS, default 64).
    static unsigned maxThreads();
};

} // namespace langoost
