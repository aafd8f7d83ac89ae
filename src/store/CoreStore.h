// CoreStore: `runtime.core`, the one piece of mutable state shared between
// requests, isolates and (with Redis) processes. It is a key-value store
// whose values are JSON texts: isolates share no heap, so a value crosses
// the boundary as its canonical JSON encoding (json.stringify's writer:
// no whitespace, object keys in bytewise order, nil fields omitted, ints
// in decimal, floats in the shortest round-trip form with a '.' or an
// exponent). Because every backend stores and compares that exact text,
// `cas` means the same thing everywhere. The store never sees VM values and
// does not depend on the VM.
//
// Backends, picked by openCoreStore's URL:
//   ""/"memory"        embedded: in-process, 64 lock stripes, readers never block readers
//   "file:PATH"        embedded + an append-only log replayed at start (?fsync=always|interval|never)
//   "redis://H:P/DB"   Redis through hiredis (?prefix=P), shared by many processes
// Every method may block (locks, disk, network) and throws CoreError.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace langoost {

// A failed store operation; `kind` is the script error kind it becomes
// ("TypeError", "ValueError", "IOError").
struct CoreError : std::runtime_error {
    CoreError(std::string errorKind, const std::string& message)
        : std::runtime_error(message), kind(std::move(errorKind)) {}
    std::string kind;
};

// Keys are valid UTF-8 of at most this many bytes: names, not payloads,
// and they must round-trip through the file log's JSON strings.
constexpr size_t kMaxCoreKeyBytes = 4096;
// One value's canonical JSON: bounds a log record and a Redis bulk string.
constexpr size_t kMaxCoreValueBytes = 64u << 20;
// A TTL of up to 100 years: now + ttl stays far from int64 overflow in
// every backend (Redis rejects PX values near it).
constexpr int64_t kMaxCoreTtlMs = int64_t(100) * 366 * 24 * 3600 * 1000;

class CoreStore {
  public:
    virtual ~CoreStore() = default;
    // The value's JSON text; nullopt when absent or expired.
    virtual std::optional<std::string> get(std::string_view key) = 0;
    // Stores `json`; ttlMs > 0 expires it that many ms from now, 0 keeps it
    // forever (and drops an earlier TTL).
    virtual void set(std::string_view key, std::string_view json, int64_t ttlMs) = 0;
    // True when the key existed.
    virtual bool remove(std::string_view key) = 0;
    // Adds `by` to an int value and returns the sum; an absent key counts
    // as 0. Keeps the key's TTL. A non-int value is a TypeError, overflow a
    // ValueError.
    virtual int64_t incr(std::string_view key, int64_t by) = 0;
    // Replaces the value with `newJson` when it currently equals
    // `expectedJson` byte for byte (nullopt: when the key is absent). Keeps
    // an existing TTL. True when it replaced.
    virtual bool cas(std::string_view key, std::optional<std::string_view> expectedJson, std::string_view newJson) = 0;
    // Unexpired keys starting with `prefix`, sorted bytewise.
    virtual std::vector<std::string> keys(std::string_view prefix) = 0;
    // Makes every acknowledged write durable (called at shutdown).
    virtual void flush() = 0;
    // "embedded", "file:PATH", "redis://HOST:PORT/DB".
    virtual std::string describe() const = 0;
    // False when calls only take short in-memory locks: callers then need
    // not release the isolate lock around them.
    virtual bool mayBlock() const { return true; }
    // True when calls wait only through common/Parking.h (socket I/O): a
    // request's task then parks on them itself instead of handing them to
    // a helper thread (Redis).
    virtual bool waitsThroughParking() const { return false; }
};

// "" or "memory" -> embedded; "file:PATH[?fsync=always|interval|never]";
// "redis://[:PASSWORD@]HOST[:PORT][/DB][?prefix=P]". CoreError (ValueError)
// on a bad URL, (IOError) when the file or server cannot be opened.
std::unique_ptr<CoreStore> openCoreStore(std::string_view url);

// The process-wide store behind the `runtime` module: installed once by the
// CLI (`serve --core URL`) before scripts run, or else opened on first use
// from the environment variable LANGOOST_CORE (unset: embedded). It lives
// until the process ends (never destroyed, so no thread can outlive it).
CoreStore& processCore();
void setProcessCore(std::unique_ptr<CoreStore> store);
// The process-wide store, or nullptr when it has not been opened yet.
CoreStore* processCoreIfOpen();

} // namespace langoost
