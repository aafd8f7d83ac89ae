// The Redis backend: every call is one Redis command (hiredis, blocking),
// so many processes on many machines share the same keys.
//
//   get GET · set SET [PX ttl] · remove DEL · incr INCRBY (Redis keeps the
//   TTL) · cas EVAL of kCasScript (atomic on the server; SET KEEPTTL) ·
//   keys SCAN MATCH <escaped prefix>* then sorted here.
//
// Values are the same canonical JSON texts as in the other backends, so an
// int stored by set is a Redis integer string and INCRBY works on it; a
// float ("1.0") or a string makes Redis answer "not an integer", which
// becomes the embedded backend's TypeError.
//
// Connections: a request task (server mode) sends its commands through
// its worker's pipeline (RedisPipeline.h): one connection per worker that
// the worker's concurrent requests share, their commands back to back.
// Anything else (a script's threads, `langoost run`) borrows a connection
// from a small pool (connecting, AUTH, SELECT on demand) and blocks on it.
// A connection that fails is dropped; idempotent commands are retried once
// on a fresh one (a server restart closes every open connection).
#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "common/Parking.h"
#include "store/Backends.h"
#include "store/RedisPipeline.h"
#include "store/StripedMap.h"

namespace langoost::store {
namespace {

// Connecting must fail fast when the server is down...
constexpr timeval kConnectTimeout = {2, 0};
// ...while a command may wait on a busy server a while longer.
constexpr timeval kCommandTimeout = {10, 0};
constexpr int64_t kCommandTimeoutMs = 10'000;
// Idle connections kept for reuse; more are closed when returned.
constexpr size_t kMaxIdleConnections = 64;
// SCAN batch size hint: fewer round trips, bounded work per call on the server.
constexpr const char* kScanCount = "1000";

// KEYS[1] = key; ARGV[1] = "1" when a current value is expected (ARGV[2]),
// "0" when the key must be absent; ARGV[3] = the new value.
constexpr std::string_view kCasScript = R"lua(
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '0' then
  if cur then return 0 end
  redis.call('SET', KEYS[1], ARGV[3])
  return 1
end
if cur ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[3], 'KEEPTTL')
return 1
)lua";

// SCAN's MATCH treats * ? [ ] \ specially.
std::string globEscape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

class RedisStore final : public CoreStore {
  public:
    explicit RedisStore(RedisAddress address) : a_(std::move(address)) {
        // Connect now, so a wrong address is reported at open.
        release(connect());
    }

    ~RedisStore() override {
        for (redisContext* c : idle_) redisFree(c);
    }

    std::optional<std::string> get(std::string_view key) override {
        checkKey(key);
        Reply r = command({"GET", full(key)}, true);
        if (r->type == REDIS_REPLY_NIL) return std::nullopt;
        expect(r, REDIS_REPLY_STRING, "GET");
        return std::string(r->str, r->len);
    }

    void set(std::string_view key, std::string_view json, int64_t ttlMs) override {
        checkKey(key);
        checkValue(json);
        expiryFor(ttlMs);
        std::string k = full(key);
        Reply r = ttlMs > 0 ? command({"SET", k, json, "PX", std::to_string(ttlMs)}, true) : command({"SET", k, json}, true);
        expect(r, REDIS_REPLY_STATUS, "SET");
    }

    bool remove(std::string_view key) override {
        checkKey(key);
        Reply r = command({"DEL", full(key)}, true);
        expect(r, REDIS_REPLY_INTEGER, "DEL");
        return r->integer > 0;
    }

    int64_t incr(std::string_view key, int64_t by) override {
        checkKey(key);
        Reply r = command({"INCRBY", full(key), std::to_string(by)}, false);
        if (r->type == REDIS_REPLY_ERROR) {
            std::string_view msg(r->str, r->len);
            if (msg.find("overflow") != std::string_view::npos)
                throw CoreError("ValueError", "runtime.core.incr: integer overflow at '" + std::string(key) + "'");
            if (msg.find("not an integer") != std::string_view::npos)
                throw CoreError("TypeError", "runtime.core.incr: the value at '" + std::string(key) + "' is not an int");
        }
        expect(r, REDIS_REPLY_INTEGER, "INCRBY");
        return r->integer;
    }

    bool cas(std::string_view key, std::optional<std::string_view> expected, std::string_view json) override {
        checkKey(key);
        checkValue(json);
        Reply r = command({"EVAL", kCasScript, "1", full(key), expected ? "1" : "0", expected.value_or(""), json}, false);
        expect(r, REDIS_REPLY_INTEGER, "EVAL");
        return r->integer == 1;
    }

    std::vector<std::string> keys(std::string_view prefix) override {
        std::string pattern = globEscape(a_.prefix) + globEscape(prefix) + "*";
        std::vector<std::string> out;
        std::string cursor = "0";
        do {
            Reply r = command({"SCAN", cursor, "MATCH", pattern, "COUNT", kScanCount}, true);
            expect(r, REDIS_REPLY_ARRAY, "SCAN");
            if (r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY)
                fail("SCAN: unexpected reply");
            cursor.assign(r->element[0]->str, r->element[0]->len);
            redisReply* batch = r->element[1];
            for (size_t i = 0; i < batch->elements; ++i)
                out.emplace_back(batch->element[i]->str + a_.prefix.size(), batch->element[i]->len - a_.prefix.size());
        } while (cursor != "0");
        // SCAN may return a key more than once.
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    }

    void flush() override {}
    std::string describe() const override { return a_.url; }
    bool waitsThroughParking() const override { return true; }

  private:
    [[noreturn]] void fail(const std::string& what) const { throw CoreError("IOError", "core store " + a_.url + ": " + what); }

    std::string full(std::string_view key) const { return a_.prefix + std::string(key); }

    void expect(const Reply& r, int type, const char* cmd) const {
        if (r->type == type) return;
        if (r->type == REDIS_REPLY_ERROR) fail(std::string(cmd) + " failed: " + std::string(r->str, r->len));
        fail(std::string(cmd) + ": unexpected reply type " + std::to_string(r->type));
    }

    redisContext* connect() {
        redisContext* c = redisConnectWithTimeout(a_.host.c_str(), a_.port, kConnectTimeout);
        if (!c) fail("cannot connect: out of memory");
        if (c->err) {
            std::string why = c->errstr;
            redisFree(c);
            fail("cannot connect: " + why);
        }
        redisSetTimeout(c, kCommandTimeout);
        auto setup = [&](std::vector<std::string> args, const char* what) {
            std::vector<const char*> argv;
            std::vector<size_t> lens;
            for (const std::string& s : args) argv.push_back(s.data()), lens.push_back(s.size());
            Reply r(static_cast<redisReply*>(redisCommandArgv(c, int(argv.size()), argv.data(), lens.data())));
            if (!r || r->type == REDIS_REPLY_ERROR) {
                std::string why = r ? std::string(r->str, r->len) : std::string(c->errstr);
                redisFree(c);
                fail(std::string(what) + " failed: " + why);
            }
        };
        if (!a_.password.empty()) setup({"AUTH", a_.password}, "AUTH");
        if (a_.db != 0) setup({"SELECT", std::to_string(a_.db)}, "SELECT");
        return c;
    }

    redisContext* acquire() {
        {
            std::lock_guard lock(poolMutex_);
            if (!idle_.empty()) {
                redisContext* c = idle_.back();
                idle_.pop_back();
                return c;
            }
        }
        return connect();
    }

    void release(redisContext* c) {
        {
            std::lock_guard lock(poolMutex_);
            if (idle_.size() < kMaxIdleConnections) {
                idle_.push_back(c);
                return;
            }
        }
        redisFree(c);
    }

    // One command and its reply. A broken connection is dropped;
    // `idempotent` commands are retried once on a new one.
    Reply command(std::initializer_list<std::string_view> args, bool idempotent) {
        std::vector<const char*> argv;
        std::vector<size_t> lens;
        for (std::string_view s : args) argv.push_back(s.data()), lens.push_back(s.size());
        if (Parker* parker = currentParker()) return pipelined(*parker, int(argv.size()), argv.data(), lens.data(), idempotent);
        for (int attempt = 0;; ++attempt) {
            redisContext* c = acquire();
            Reply r(static_cast<redisReply*>(redisCommandArgv(c, int(argv.size()), argv.data(), lens.data())));
            if (r) {
                release(c);
                return r;
            }
            std::string why = c->errstr;
            redisFree(c);
            if (!idempotent || attempt > 0) fail(why.empty() ? "connection lost" : why);
        }
    }

    Reply pipelined(Parker& parker, int argc, const char** argv, const size_t* lens, bool idempotent) {
        for (int attempt = 0;; ++attempt) {
            std::shared_ptr<RedisPipeline> pipeline = workerPipeline();
            RedisPipeline::Outcome out = pipeline->command(parker, argc, argv, lens, kCommandTimeoutMs);
            noteWaitEnd(out.end); // withCore's afterIo reports a deadline or a cancel
            if (out.reply) return std::move(out.reply);
            if (out.end != WaitEnd::Ready) fail("the request ended while waiting for Redis");
            if (!idempotent || attempt > 0) fail(out.error);
        }
    }

    // This worker thread's pipeline; a new one when there is none or it broke
    // (connecting runs off the loop: the worker goes on serving meanwhile).
    std::shared_ptr<RedisPipeline> workerPipeline() {
        std::thread::id self = std::this_thread::get_id();
        {
            std::lock_guard lock(poolMutex_);
            auto it = pipelines_.find(self);
            if (it != pipelines_.end() && !it->second->broken()) return it->second;
        }
        redisContext* c = nullptr;
        std::optional<CoreError> error;
        runOffLoop([&] {
            try {
                c = connect();
            } catch (const CoreError& e) {
                error.emplace(e);
            }
        });
        if (error) throw *error;
        auto fresh = std::make_shared<RedisPipeline>(c);
        std::lock_guard lock(poolMutex_);
        auto& slot = pipelines_[self];
        // Another task of this worker may have connected meanwhile: keep its pipeline.
        if (!slot || slot->broken()) slot = fresh;
        return slot;
    }

    const RedisAddress a_;
    std::mutex poolMutex_;
    std::vector<redisContext*> idle_;
    std::unordered_map<std::thread::id, std::shared_ptr<RedisPipeline>> pipelines_; // one per worker thread
};

} // namespace

std::unique_ptr<CoreStore> openRedisStore(const RedisAddress& address) { return std::make_unique<RedisStore>(address); }

} // namespace langoost::store
