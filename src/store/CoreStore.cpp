// openCoreStore's URL parsing, the process-wide store, the embedded
// backend and the checks every backend shares.
#include "store/CoreStore.h"

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "common/Utf8.h"

#include "store/Backends.h"
#include "store/StripedMap.h"

namespace langoost {
namespace store {

int64_t expiryFor(int64_t ttlMs) {
    if (ttlMs < 0 || ttlMs > kMaxCoreTtlMs)
        throw CoreError("ValueError", "runtime.core.set: ttl must be between 0 and " + std::to_string(kMaxCoreTtlMs) +
                                          " ms, got " + std::to_string(ttlMs));
    return ttlMs == 0 ? 0 : nowEpochMs() + ttlMs;
}

void checkKey(std::string_view key) {
    if (key.size() > kMaxCoreKeyBytes)
        throw CoreError("ValueError", "runtime.core: key is longer than " + std::to_string(kMaxCoreKeyBytes) + " bytes");
    if (!validUtf8(key)) throw CoreError("ValueError", "runtime.core: key is not valid UTF-8");
}

void checkValue(std::string_view json) {
    if (json.size() > kMaxCoreValueBytes)
        throw CoreError("ValueError", "runtime.core: value is larger than " + std::to_string(kMaxCoreValueBytes) +
                                          " bytes as JSON");
    if (json.empty() || json.find_first_of("\n\r") != std::string_view::npos)
        throw CoreError("ValueError", "runtime.core: value must be one line of canonical JSON");
}

std::optional<int64_t> parseJsonInt(std::string_view json) {
    if (json.empty() || json[0] == '+') return std::nullopt;
    int64_t n;
    auto r = std::from_chars(json.data(), json.data() + json.size(), n);
    if (r.ec != std::errc() || r.ptr != json.data() + json.size()) return std::nullopt;
    return n;
}

namespace {

// Embedded: the striped map alone; no call ever waits on I/O.
class EmbeddedStore final : public CoreStore {
  public:
    std::optional<std::string> get(std::string_view key) override {
        checkKey(key);
        return map_.get(key);
    }
    void set(std::string_view key, std::string_view json, int64_t ttlMs) override {
        checkKey(key);
        checkValue(json);
        map_.set(key, json, expiryFor(ttlMs), noLog);
    }
    bool remove(std::string_view key) override {
        checkKey(key);
        return map_.remove(key, noLog);
    }
    int64_t incr(std::string_view key, int64_t by) override {
        checkKey(key);
        return map_.incr(key, by, noLog);
    }
    bool cas(std::string_view key, std::optional<std::string_view> expected, std::string_view json) override {
        checkKey(key);
        checkValue(json);
        return map_.cas(key, expected, json, noLog);
    }
    std::vector<std::string> keys(std::string_view prefix) override { return map_.keys(prefix); }
    void flush() override {}
    std::string describe() const override { return "embedded"; }
    bool mayBlock() const override { return false; }

  private:
    static void noLog(std::string_view, const Entry*) {}
    StripedMap map_;
};

[[noreturn]] void badUrl(std::string_view url, const std::string& why) {
    throw CoreError("ValueError", "bad core store URL '" + std::string(url) + "': " + why +
                                      " (expected memory, file:PATH[?fsync=always|interval|never] or "
                                      "redis://HOST:PORT[/DB][?prefix=P])");
}

bool parseNumber(std::string_view s, int& out) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

std::unique_ptr<CoreStore> openFileUrl(std::string_view url) {
    std::string_view rest = url.substr(5);
    FsyncPolicy policy = FsyncPolicy::Always;
    size_t q = rest.rfind('?');
    if (q != std::string_view::npos) {
        std::string_view query = rest.substr(q + 1);
        rest = rest.substr(0, q);
        if (query == "fsync=always") policy = FsyncPolicy::Always;
        else if (query == "fsync=interval") policy = FsyncPolicy::Interval;
        else if (query == "fsync=never") policy = FsyncPolicy::Never;
        else badUrl(url, "unknown option '" + std::string(query) + "'");
    }
    if (rest.empty()) badUrl(url, "no file path");
    return openFileStore(std::string(rest), policy);
}

std::unique_ptr<CoreStore> openRedisUrl(std::string_view url) {
    RedisAddress a;
    std::string_view rest = url.substr(8);
    size_t q = rest.find('?');
    if (q != std::string_view::npos) {
        std::string_view query = rest.substr(q + 1);
        rest = rest.substr(0, q);
        if (!query.starts_with("prefix=")) badUrl(url, "unknown option '" + std::string(query) + "'");
        a.prefix = query.substr(7);
    }
    size_t at = rest.rfind('@');
    if (at != std::string_view::npos) {
        std::string_view auth = rest.substr(0, at);
        size_t colon = auth.find(':');
        a.password = colon == std::string_view::npos ? auth : auth.substr(colon + 1);
        rest = rest.substr(at + 1);
    }
    size_t slash = rest.find('/');
    if (slash != std::string_view::npos) {
        std::string_view db = rest.substr(slash + 1);
        if (!db.empty() && (!parseNumber(db, a.db) || a.db < 0)) badUrl(url, "bad database number");
        rest = rest.substr(0, slash);
    }
    // HOST, HOST:PORT, [IPV6] or [IPV6]:PORT
    std::string_view portText;
    if (rest.starts_with('[')) {
        size_t close = rest.find(']');
        if (close == std::string_view::npos) badUrl(url, "unclosed '['");
        if (close + 1 < rest.size()) {
            if (rest[close + 1] != ':') badUrl(url, "bad host");
            portText = rest.substr(close + 2);
        }
        rest = rest.substr(1, close - 1);
    } else if (size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
        portText = rest.substr(colon + 1);
        rest = rest.substr(0, colon);
    }
    if (!portText.empty() && (!parseNumber(portText, a.port) || a.port <= 0 || a.port > 65535)) badUrl(url, "bad port");
    if (rest.empty()) badUrl(url, "no host");
    a.host = rest;
    a.url = "redis://" + a.host + ":" + std::to_string(a.port) + "/" + std::to_string(a.db) +
            (a.prefix.empty() ? "" : "?prefix=" + a.prefix);
    return openRedisStore(a);
}

std::mutex processCoreMutex;
std::atomic<CoreStore*> processCoreStore{nullptr};

} // namespace

std::unique_ptr<CoreStore> openEmbeddedStore() { return std::make_unique<EmbeddedStore>(); }

} // namespace store

std::unique_ptr<CoreStore> openCoreStore(std::string_view url) {
    if (url.empty() || url == "memory" || url == "embedded") return store::openEmbeddedStore();
    if (url.starts_with("file:")) return store::openFileUrl(url);
    if (url.starts_with("redis://")) return store::openRedisUrl(url);
    store::badUrl(url, "unknown scheme");
}

CoreStore& processCore() {
    if (CoreStore* s = store::processCoreStore.load(std::memory_order_acquire)) return *s;
    std::lock_guard lock(store::processCoreMutex);
    if (CoreStore* s = store::processCoreStore.load(std::memory_order_relaxed)) return *s;
    const char* url = std::getenv("LANGOOST_CORE");
    CoreStore* s = openCoreStore(url ? url : "").release();
    store::processCoreStore.store(s, std::memory_order_release);
    return *s;
}

CoreStore* processCoreIfOpen() { return store::processCoreStore.load(std::memory_order_acquire); }

void setProcessCore(std::unique_ptr<CoreStore> next) {
    std::lock_guard lock(store::processCoreMutex);
    // The previous store is deliberately leaked: a thread may still be
    // inside one of its calls.
    store::processCoreStore.store(next.release(), std::memory_order_release);
}

} // namespace langoost
