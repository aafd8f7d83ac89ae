// RedisPipeline: one Redis connection shared by the request tasks of one
// worker.
//
// Each task appends its command to the connection's output and yields, so
// the commands of the loop's other ready tasks join it and go out in one
// write; Redis answers them in order. One task at a time reads: it hands each reply to the task that
// sent the command (waking it) until its own reply has come, then passes
// the reading on to the next waiting task. A task whose wait ends early
// (deadline, cancel) leaves its place in the queue; its reply is read and
// dropped when it comes. A broken connection fails every command in flight (the
// store then opens a new pipeline; this one goes when its last task leaves).
//
// Only the worker's own thread uses its pipeline, and only from tasks
// (common/Parking.h); threads outside a task use the store's pool.
#pragma once
#include <hiredis/hiredis.h>

#include <deque>
#include <memory>
#include <string>

#include "common/Parking.h"

namespace langoost::store {

struct ReplyDeleter {
    void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

class RedisPipeline {
  public:
    // Takes `connected` (set up, blocking) over and makes it non-blocking.
    explicit RedisPipeline(redisContext* connected);
    ~RedisPipeline();
    RedisPipeline(const RedisPipeline&) = delete;
    RedisPipeline& operator=(const RedisPipeline&) = delete;

    struct Outcome {
        Reply reply;       // null when the command failed
        WaitEnd end;       // how the wait ended (Ready when the connection broke)
        std::string error; // what broke
    };
    // Sends one command and parks the running task until its reply.
    Outcome command(Parker& parker, int argc, const char** argv, const size_t* lens, int64_t timeoutMs);
    bool broken() const { return broken_; }

  private:
    struct Pending;
    bool flush(Parker& parker, WaitClock::time_point deadline, WaitEnd& end);
    // Reads replies until `mine` has one, the wait ends or the connection breaks.
    WaitEnd readUntil(Parker& parker, Pending& mine, WaitClock::time_point deadline);
    void handOverReading(Parker& parker);
    void breakAll(Parker& parker, const std::string& why);

    redisContext* context_; // freed last: a task may still be parked on its socket
    bool broken_ = false;
    std::deque<std::shared_ptr<Pending>> inFlight_; // in the order Redis answers
    bool reading_ = false;                          // a task is reading replies
};

} // namespace langoost::store
