#include "store/RedisPipeline.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

namespace langoost::store {

struct RedisPipeline::Pending {
    Reply reply;
    bool answered = false; // reply set, or the connection broke
    std::string error;
    void* waiter = nullptr; // the task to wake; null once it stopped waiting
};

RedisPipeline::RedisPipeline(redisContext* connected) : context_(connected) {
    int flags = ::fcntl(context_->fd, F_GETFL);
    ::fcntl(context_->fd, F_SETFL, flags | O_NONBLOCK);
    context_->flags &= ~REDIS_BLOCK; // hiredis then takes EAGAIN as "later", not an error
}

RedisPipeline::~RedisPipeline() {
    if (context_) redisFree(context_);
}

RedisPipeline::Outcome RedisPipeline::command(Parker& parker, int argc, const char** argv, const size_t* lens,
                                              int64_t timeoutMs) {
    if (broken_) return {nullptr, WaitEnd::Ready, "connection lost"};
    auto deadline = WaitClock::now() + std::chrono::milliseconds(timeoutMs);
    if (redisAppendCommandArgv(context_, argc, argv, lens) != REDIS_OK) return {nullptr, WaitEnd::Ready, "out of memory"};
    auto mine = std::make_shared<Pending>();
    mine->waiter = parker.runningTask();
    inFlight_.push_back(mine);

    // The other ready tasks of this loop add their commands first, so one
    // write sends them all (whoever flushes first sends everything queued).
    parker.yield();
    WaitEnd end = WaitEnd::Ready;
    if (flush(parker, deadline, end)) {
        while (!mine->answered) {
            if (!reading_) {
                reading_ = true;
                end = readUntil(parker, *mine, deadline);
                reading_ = false;
                if (!mine->answered) break;
            } else if ((end = parker.waitForWakeUp(deadline)) != WaitEnd::Ready) {
                break;
            }
        }
    }
    mine->waiter = nullptr;
    if (!mine->answered && end == WaitEnd::Ready) end = WaitEnd::TimedOut;
    // Whoever waits behind this task reads next.
    if (!reading_) handOverReading(parker);
    if (!mine->answered) return {nullptr, end, "no reply in time"};
    if (!mine->reply) return {nullptr, WaitEnd::Ready, mine->error};
    return {std::move(mine->reply), WaitEnd::Ready, {}};
}

bool RedisPipeline::flush(Parker& parker, WaitClock::time_point deadline, WaitEnd& end) {
    for (int done = 0; !broken_ && !done;) {
        if (redisBufferWrite(context_, &done) != REDIS_OK) {
            breakAll(parker, context_->errstr);
            return false;
        }
        if (!done && (end = parker.waitFd(context_->fd, POLLOUT, deadline)) != WaitEnd::Ready) return false;
    }
    return !broken_;
}

WaitEnd RedisPipeline::readUntil(Parker& parker, Pending& mine, WaitClock::time_point deadline) {
    while (!broken_ && !mine.answered) {
        void* raw = nullptr;
        if (redisGetReplyFromReader(context_, &raw) != REDIS_OK) {
            breakAll(parker, context_->errstr);
            break;
        }
        if (raw) {
            std::shared_ptr<Pending> owner = std::move(inFlight_.front());
            inFlight_.pop_front();
            owner->reply.reset(static_cast<redisReply*>(raw));
            owner->answered = true;
            if (owner.get() != &mine && owner->waiter) parker.wakeUp(owner->waiter);
            continue;
        }
        if (WaitEnd end = parker.waitFd(context_->fd, POLLIN, deadline); end != WaitEnd::Ready) return end;
        if (broken_) break; // a writer failed while this task was parked
        if (redisBufferRead(context_) != REDIS_OK) {
            breakAll(parker, context_->errstr);
            break;
        }
    }
    return WaitEnd::Ready;
}

void RedisPipeline::handOverReading(Parker& parker) {
    for (const auto& pending : inFlight_)
        if (pending->waiter) return parker.wakeUp(pending->waiter);
}

void RedisPipeline::breakAll(Parker& parker, const std::string& why) {
    broken_ = true;
    ::shutdown(context_->fd, SHUT_RDWR); // wakes a reader parked on the socket
    for (auto& pending : inFlight_) {
        pending->answered = true;
        pending->error = why.empty() ? "connection lost" : why;
        if (pending->waiter && pending->waiter != parker.runningTask()) parker.wakeUp(pending->waiter);
    }
    inFlight_.clear();
}

} // namespace langoost::store
