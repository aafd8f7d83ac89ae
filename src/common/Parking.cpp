#include "common/Parking.h"

#include <poll.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>

namespace langoost {
namespace {

thread_local Parker* tlsParker = nullptr;
thread_local WaitEnd tlsLastWaitEnd = WaitEnd::Ready;

WaitEnd waitWithPoll(int fd, short pollEvents, int64_t timeoutMs);

} // namespace

Parker* currentParker() { return tlsParker; }
void setCurrentParker(Parker* parker) { tlsParker = parker; }

WaitEnd lastWaitEnd() { return tlsLastWaitEnd; }
void noteWaitEnd(WaitEnd end) { tlsLastWaitEnd = end; }

WaitEnd waitForFd(int fd, short pollEvents, int64_t timeoutMs) {
    if (Parker* parker = tlsParker) {
        uint32_t events = ((pollEvents & POLLIN) ? uint32_t(EPOLLIN) : 0u) | ((pollEvents & POLLOUT) ? uint32_t(EPOLLOUT) : 0u);
        auto deadline = timeoutMs < 0 ? WaitClock::time_point::max() : WaitClock::now() + std::chrono::milliseconds(timeoutMs);
        return tlsLastWaitEnd = parker->waitFd(fd, events, deadline);
    }
    return tlsLastWaitEnd = waitWithPoll(fd, pollEvents, timeoutMs);
}

namespace {

WaitEnd waitWithPoll(int fd, short pollEvents, int64_t timeoutMs) {
    auto deadline = WaitClock::now() + std::chrono::milliseconds(timeoutMs < 0 ? 0 : timeoutMs);
    for (;;) {
        int wait = -1;
        if (timeoutMs >= 0) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - WaitClock::now()).count();
            wait = int(std::clamp<int64_t>(left, 0, 1 << 30));
        }
        pollfd p{fd, pollEvents, 0};
        int n = ::poll(&p, 1, wait);
        if (n > 0) return WaitEnd::Ready;
        if (n == 0) return WaitEnd::TimedOut;
        if (errno != EINTR) return WaitEnd::Ready; // let the caller's I/O call report the error
    }
}

} // namespace

void runOffLoop(const std::function<void()>& work) {
    if (Parker* parker = tlsParker) {
        parker->offload(work, {}, WaitClock::time_point::max());
        return;
    }
    work();
}

} // namespace langoost
