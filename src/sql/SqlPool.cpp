#include "sql/SqlPool.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <unordered_map>

namespace langoost::sql {

Pool::Pool(SqlUrl url, size_t maxConnections)
    : url_(std::move(url)), max_(std::max<size_t>(1, maxConnections)) {}

Pool::~Pool() = default;

bool Pool::acquire(std::unique_ptr<Connection>& out, WaitClock::time_point deadline) {
    std::unique_lock lock(mutex_);
    if (!idle_.empty()) {
        out = std::move(idle_.back());
        idle_.pop_back();
        ++lent_;
        return true;
    }
    if (lent_ < max_) {
        ++lent_;
        out = nullptr;
        return true;
    }
    Waiter me{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
    if (me.fd < 0)
        throw SqlFailure("SqlError", "53000",
                         "sql: cannot wait for a connection (out of file descriptors)");
    waiters_.push_back(&me);
    lock.unlock();
    int64_t ms = -1;
    if (deadline != WaitClock::time_point::max())
        ms = std::max<int64_t>(
            0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - WaitClock::now())
                       .count() +
                   1);
    WaitEnd end = WaitEnd::Ready;
    for (;;) {
        end = waitForFd(me.fd, POLLIN, ms);
        lock.lock();
        if (me.granted || end != WaitEnd::Ready) break;
        lock.unlock(); // woken without a grant (cannot happen; be safe)
    }
    ::close(me.fd);
    if (me.granted) {
        out = std::move(me.conn);
        if (end == WaitEnd::Ready) return true;
        handOver(std::move(out), lock); // granted just as the wait ended: pass it on
        return false;
    }
    std::erase(waiters_, &me);
    return false;
}

void Pool::release(std::unique_ptr<Connection> conn) {
    if (conn && (!conn->healthy() || conn->inTransaction()))
        conn.reset(); // closing ends its transaction
    std::unique_lock lock(mutex_);
    handOver(std::move(conn), lock);
}

void Pool::handOver(std::unique_ptr<Connection> conn, std::unique_lock<std::mutex>& lock) {
    (void)lock;
    if (!waiters_.empty()) {
        Waiter* w = waiters_.front();
        waiters_.pop_front();
        w->granted = true;
        w->conn = std::move(conn); // null: a free slot to open a connection in
        uint64_t one = 1;
        [[maybe_unused]] ssize_t n = ::write(w->fd, &one, sizeof one);
        return;
    }
    --lent_;
    if (conn) idle_.push_back(std::move(conn));
}

namespace {

std::atomic<size_t> sharedPoolSize{0};
std::mutex sharedMutex;

std::unordered_map<std::string, std::shared_ptr<Pool>>& sharedPools() {
    static auto* pools =
        new std::unordered_map<std::string, std::shared_ptr<Pool>>; // lives until exit
    return *pools;
}

} // namespace

void enableSharedPools(size_t perUrl) { sharedPoolSize = std::max<size_t>(1, perUrl); }

std::shared_ptr<Pool> sharedPool(const std::string& url) {
    size_t size = sharedPoolSize.load();
    if (size == 0) return nullptr;
    std::lock_guard lock(sharedMutex);
    auto& pools = sharedPools();
    auto found = pools.find(url);
    if (found != pools.end()) return found->second;
    SqlUrl parsed = parseUrl(url);
    if (pools.size() >= kMaxSharedPools)
        throw SqlFailure("ValueError", "",
                         "sql.open: too many different databases (at most " +
                             std::to_string(kMaxSharedPools) + " per server)");
    auto pool = std::make_shared<Pool>(parsed, parsed.memory ? 1 : size);
    pools.emplace(url, pool);
    return pool;
}

} // namespace langoost::sql
