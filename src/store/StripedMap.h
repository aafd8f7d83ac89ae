// StripedMap: the in-memory table behind the embedded and file backends.
// Keys hash to one of kStripes stripes, each a std::shared_mutex and a hash
// map: reads take the stripe's lock shared (readers never block readers),
// writes take it exclusive, so writers to different stripes never meet and
// incr/cas are atomic per key. Expiry is an absolute wall-clock time
// (epoch ms, so it survives restarts in the file log); expired entries
// read as absent and are swept by later writes to their stripe.
//
// Each mutating call takes a `log(key, entry)` callback, run under the
// stripe lock after the new state is known and before it is applied
// (entry == nullptr: deleted). The file backend appends its log record
// there, so the log's order per key is the memory order, and a failed
// append leaves memory unchanged.
#pragma once
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/SipHash.h"
#include "store/CoreStore.h"

namespace langoost::store {

inline int64_t nowEpochMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The absolute expiry for a ttl (0: none); ValueError when negative.
int64_t expiryFor(int64_t ttlMs);
// ValueError unless the key is valid UTF-8 within kMaxCoreKeyBytes.
void checkKey(std::string_view key);
// ValueError when the text is too long or not on one line.
void checkValue(std::string_view json);
// The int a canonical JSON text holds, or nullopt ("1.0", "\"1\"", ...).
std::optional<int64_t> parseJsonInt(std::string_view json);

struct Entry {
    std::string json;
    int64_t expiresAt = 0; // epoch ms; 0 = never
    bool expired(int64_t now) const { return expiresAt != 0 && expiresAt <= now; }
};

class StripedMap {
  public:
    // 64 stripes: enough that a few dozen worker threads rarely share one,
    // small enough that keys() and snapshots lock them all cheaply.
    static constexpr size_t kStripes = 64;
    // A stripe is swept of expired entries after max(this, its size)
    // writes: the sweep's cost stays O(1) amortized per write.
    static constexpr size_t kMinSweepInterval = 1024;

    std::optional<std::string> get(std::string_view key) const {
        const Stripe& s = stripeOf(key);
        std::shared_lock lock(s.mutex);
        auto it = s.map.find(key);
        if (it == s.map.end() || it->second.expired(nowEpochMs())) return std::nullopt;
        return it->second.json;
    }

    template <class Log> void set(std::string_view key, std::string_view json, int64_t expiresAt, Log&& log) {
        Stripe& s = stripeOf(key);
        std::unique_lock lock(s.mutex);
        Entry next{std::string(json), expiresAt};
        log(key, &next);
        put(s, key, std::move(next));
    }

    template <class Log> bool remove(std::string_view key, Log&& log) {
        Stripe& s = stripeOf(key);
        std::unique_lock lock(s.mutex);
        auto it = s.map.find(key);
        if (it == s.map.end()) return false;
        bool existed = !it->second.expired(nowEpochMs());
        if (existed) log(key, nullptr);
        erase(s, it);
        return existed;
    }

    template <class Log> int64_t incr(std::string_view key, int64_t by, Log&& log) {
        Stripe& s = stripeOf(key);
        std::unique_lock lock(s.mutex);
        auto it = s.map.find(key);
        int64_t current = 0, expiresAt = 0;
        if (it != s.map.end() && !it->second.expired(nowEpochMs())) {
            std::optional<int64_t> n = parseJsonInt(it->second.json);
            if (!n) throw CoreError("TypeError", "runtime.core.incr: the value at '" + std::string(key) + "' is not an int");
            current = *n;
            expiresAt = it->second.expiresAt;
        }
        int64_t sum;
        if (__builtin_add_overflow(current, by, &sum))
            throw CoreError("ValueError", "runtime.core.incr: integer overflow at '" + std::string(key) + "'");
        Entry next{std::to_string(sum), expiresAt};
        log(key, &next);
        put(s, key, std::move(next));
        return sum;
    }

    template <class Log>
    bool cas(std::string_view key, std::optional<std::string_view> expected, std::string_view json, Log&& log) {
        Stripe& s = stripeOf(key);
        std::unique_lock lock(s.mutex);
        auto it = s.map.find(key);
        bool present = it != s.map.end() && !it->second.expired(nowEpochMs());
        if (expected ? !present || it->second.json != *expected : present) return false;
        Entry next{std::string(json), present ? it->second.expiresAt : 0};
        log(key, &next);
        put(s, key, std::move(next));
        return true;
    }

    std::vector<std::string> keys(std::string_view prefix) const {
        std::vector<std::string> out;
        int64_t now = nowEpochMs();
        for (const Stripe& s : stripes_) {
            std::shared_lock lock(s.mutex);
            for (const auto& [k, e] : s.map)
                if (!e.expired(now) && std::string_view(k).starts_with(prefix)) out.push_back(k);
        }
        std::sort(out.begin(), out.end());
        return out;
    }

    // Visits unexpired entries without taking stripe locks: the caller
    // must keep every writer out (FileStore's write gate); readers may run.
    template <class F> void forEachQuiescent(F&& f) const {
        int64_t now = nowEpochMs();
        for (const Stripe& s : stripes_)
            for (const auto& [k, e] : s.map)
                if (!e.expired(now)) f(k, e);
    }

    // Replay (single-threaded, before the store is shared).
    void load(std::string_view key, Entry entry) { put(stripeOf(key), key, std::move(entry), false); }
    void unload(std::string_view key) {
        Stripe& s = stripeOf(key);
        auto it = s.map.find(key);
        if (it != s.map.end()) erase(s, it);
    }

    // Bytes of keys and values held (expired but unswept ones included).
    int64_t liveBytes() const { return liveBytes_.load(std::memory_order_relaxed); }

  private:
    // Keyed (SipHash, random per process): keys come from requests.
    using Hash = KeyedStringHash;
    struct Stripe {
        mutable std::shared_mutex mutex;
        std::unordered_map<std::string, Entry, Hash, std::equal_to<>> map;
        size_t writesSinceSweep = 0;
    };
    // A stripe per cache line pair: no false sharing between neighbours.
    struct alignas(128) PaddedStripe : Stripe {};

    static int64_t footprint(std::string_view key, const Entry& e) { return int64_t(key.size() + e.json.size()) + 32; }

    Stripe& stripeOf(std::string_view key) { return stripes_[Hash{}(key) % kStripes]; }
    const Stripe& stripeOf(std::string_view key) const { return stripes_[Hash{}(key) % kStripes]; }

    void put(Stripe& s, std::string_view key, Entry next, bool sweep = true) {
        liveBytes_ += footprint(key, next);
        auto it = s.map.find(key);
        if (it != s.map.end()) {
            liveBytes_ -= footprint(key, it->second);
            it->second = std::move(next);
        } else {
            s.map.emplace(std::string(key), std::move(next));
        }
        if (sweep && ++s.writesSinceSweep >= std::max(kMinSweepInterval, s.map.size())) sweepExpired(s);
    }

    void erase(Stripe& s, std::unordered_map<std::string, Entry, Hash, std::equal_to<>>::iterator it) {
        liveBytes_ -= footprint(it->first, it->second);
        s.map.erase(it);
    }

    void sweepExpired(Stripe& s) {
        s.writesSinceSweep = 0;
        int64_t now = nowEpochMs();
        for (auto it = s.map.begin(); it != s.map.end();) {
            if (it->second.expired(now)) {
                liveBytes_ -= footprint(it->first, it->second);
                it = s.map.erase(it);
            } else {
                ++it;
            }
        }
    }

    std::array<PaddedStripe, kStripes> stripes_;
    std::atomic<int64_t> liveBytes_{0};
};

} // namespace langoost::store
