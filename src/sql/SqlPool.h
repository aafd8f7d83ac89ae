// SqlPool: the connections to one database URL, lent out one call (or one
// transaction) at a time. `langoost run` gives each sql.open a private
// pool of one connection; `langoost serve --db-pool N` makes sql.open of a
// URL in any request return the one process-wide pool of up to N
// connections for it (sharedPool), the database being shared state like
// runtime.core.
//
// A caller that finds every connection lent out waits in FIFO order on an
// eventfd of its own through common/Parking.h (a request parks, a thread
// blocks); a returned connection goes straight to the first waiter.
// Connections come back healthy and outside any transaction, or are closed
// (which ends the transaction on the server or in the file).
#pragma once
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "sql/SqlConnection.h"

namespace langoost::sql {

class Pool {
  public:
    Pool(SqlUrl url, size_t maxConnections);
    ~Pool();
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;
    const SqlUrl& url() const { return url_; }
    size_t capacity() const { return max_; }

    // A connection for the caller: true with `out` set (an idle one), or
    // true with `out` null (a free slot: the caller opens the connection and
    // gives it back, or null, through release). False when the wait for a
    // busy pool ended first (deadline, request cancelled: lastWaitEnd()).
    bool acquire(std::unique_ptr<Connection>& out, WaitClock::time_point deadline);
    // Gives back what acquire lent (null when opening failed or the
    // connection was given up).
    void release(std::unique_ptr<Connection> conn);

  private:
    struct Waiter {
        int fd;
        bool granted = false;
        std::unique_ptr<Connection> conn;
    };
    void handOver(std::unique_ptr<Connection> conn, std::unique_lock<std::mutex>& lock);

    const SqlUrl url_;
    const size_t max_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Connection>> idle_;
    size_t lent_ = 0; // connections (or slots) out with callers
    std::deque<Waiter*> waiters_;
};

// Server mode: sql.open of a URL returns the process-wide pool of that URL
// with up to `perUrl` connections (an in-memory SQLite database: one, which
// all requests share).
void enableSharedPools(size_t perUrl);
// The shared pool for `url` (created on first use), or null outside server
// mode. ValueError failure past kMaxSharedPools distinct URLs.
std::shared_ptr<Pool> sharedPool(const std::string& url);

// Distinct database URLs one server keeps pools for.
constexpr size_t kMaxSharedPools = 64;

} // namespace langoost::sql
