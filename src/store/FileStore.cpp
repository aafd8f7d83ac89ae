// The file backend: the embedded StripedMap plus an append-only log.
//
// Log format (docs/stdlib.md, "The file log"), one record per line: the
// CRC-32C of the JSON text as 8 lowercase hex digits, a space, then the
// record as JSON (v always last, x = absolute expiry in epoch ms, 0 = none):
//   1c291ca3 {"k":"KEY","x":0,"v":VALUE}     the key now holds VALUE
//   5e4a1f2b {"k":"KEY","d":1}               the key was deleted
// Lines that start with `{` (logs written before the checksum) are read
// without one. incr and cas are logged as the set they amount to. Records
// are appended under the key's stripe lock, so per key the log order is the
// memory order, and write() happens before the call returns: a killed
// process loses no acknowledged write. Replay at open applies the records in
// order; a last line without its '\n' (a crash mid-write) is torn: dropped
// and truncated away. A complete line that does not parse or fails its
// checksum is corruption, wherever it is, and the store refuses to open.
//
// Compaction: when the log outgrows the live data (kCompactRatio and
// kCompactMinBytes), a snapshot of the live entries is written to PATH.tmp,
// fsynced and renamed over PATH, and the directory fsynced. Writers wait
// while the snapshot is written (every write holds writeGate_ shared,
// compaction holds it exclusive); readers do not.
#include <fcntl.h>
#include <simdjson.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <optional>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <shared_mutex>
#include <thread>

#include "common/JsonText.h"
#include "store/Backends.h"
#include "store/StripedMap.h"

namespace langoost::store {
namespace {

// Compact when the log is this many times the live data...
constexpr int64_t kCompactRatio = 2;
// ...and at least this big: small logs replay in no time anyway.
constexpr int64_t kCompactMinBytes = 1 << 20;
// FsyncPolicy::Interval's period: at most this much is lost to a power cut.
constexpr auto kFsyncInterval = std::chrono::seconds(1);

[[noreturn]] void ioError(const std::string& what) { throw CoreError("IOError", what + ": " + std::strerror(errno)); }

void writeAll(int fd, const char* p, size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            throw errno;
        }
        p += w;
        n -= size_t(w);
    }
}

// CRC-32C (Castagnoli), bytewise from a table built once.
uint32_t crc32c(std::string_view bytes) {
    static const auto table = [] {
        std::array<uint32_t, 256> t{};
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    uint32_t crc = 0xFFFFFFFFu;
    for (unsigned char b : bytes) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

// "XXXXXXXX " before each record: its checksum and a space.
constexpr size_t kChecksumPrefix = 9;

void appendRecord(std::string& out, std::string_view key, const Entry* e) {
    size_t start = out.size();
    out.append(kChecksumPrefix, ' ');
    out += "{\"k\":";
    appendJsonString(out, key);
    if (e) {
        out += ",\"x\":";
        out += std::to_string(e->expiresAt);
        out += ",\"v\":";
        out += e->json;
        out += "}";
    } else {
        out += ",\"d\":1}";
    }
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", crc32c(std::string_view(out).substr(start + kChecksumPrefix)));
    out.replace(start, 8, hex, 8);
    out += '\n';
}

// The JSON of a log line: after a checksum that matches, or the whole line
// when it has none (an older log); nullopt when the checksum is wrong.
std::optional<std::string_view> checkedJson(std::string_view line) {
    if (line.starts_with('{')) return line;
    if (line.size() <= kChecksumPrefix || line[8] != ' ') return std::nullopt;
    uint32_t sum = 0;
    for (size_t i = 0; i < 8; ++i) {
        char c = line[i];
        int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (digit < 0) return std::nullopt;
        sum = sum << 4 | uint32_t(digit);
    }
    std::string_view json = line.substr(kChecksumPrefix);
    if (crc32c(json) != sum) return std::nullopt;
    return json;
}

// One parsed log line. `value` points into the line.
struct Record {
    std::string key;
    bool deleted = false;
    int64_t expiresAt = 0;
    std::string_view value;
};

// Parses a line (without its '\n'); false when it is not a valid record.
bool parseRecord(simdjson::dom::parser& parser, std::string_view logLine, Record& r) {
    auto json = checkedJson(logLine);
    if (!json) return false;
    std::string_view line = *json;
    simdjson::dom::element root;
    if (parser.parse(line.data(), line.size()).get(root)) return false;
    std::string_view key;
    if (root["k"].get(key)) return false;
    r.key = key;
    r.deleted = !root["d"].error();
    if (r.deleted) return true;
    if (root["x"].get(r.expiresAt) || root["v"].error()) return false;
    // The value's own text: after `{"k":"...","x":N,"v":` up to the final '}'.
    size_t i = 6;
    while (i < line.size() && line[i] != '"') i += line[i] == '\\' ? 2 : 1;
    std::string_view rest = line.substr(std::min(i + 1, line.size()));
    if (!rest.starts_with(",\"x\":")) return false;
    size_t v = rest.find(",\"v\":");
    if (v == std::string_view::npos || !line.ends_with('}')) return false;
    size_t start = size_t(rest.data() - line.data()) + v + 5;
    r.value = line.substr(start, line.size() - 1 - start);
    return !r.value.empty();
}

// Lets any number of writers in at once, or compaction alone. Unlike a bare
// std::shared_mutex (which prefers readers on glibc), closing it stops new
// writers at once, so a steady stream of them cannot starve compaction.
class WriteGate {
  public:
    struct Writer {
        explicit Writer(WriteGate& g) : gate(g) {
            if (gate.closing_.load(std::memory_order_acquire)) {
                std::unique_lock lock(gate.m_);
                gate.reopened_.wait(lock, [&] { return !gate.closing_.load(); });
            }
            gate.rw_.lock_shared();
        }
        ~Writer() { gate.rw_.unlock_shared(); }
        WriteGate& gate;
    };
    struct Closed {
        explicit Closed(WriteGate& g) : gate(g) {
            gate.closing_.store(true, std::memory_order_release);
            gate.rw_.lock();
        }
        ~Closed() {
            gate.rw_.unlock();
            {
                std::lock_guard lock(gate.m_);
                gate.closing_.store(false);
            }
            gate.reopened_.notify_all();
        }
        WriteGate& gate;
    };

  private:
    std::shared_mutex rw_;
    std::atomic<bool> closing_{false};
    std::mutex m_;
    std::condition_variable reopened_;
};

class FileStore final : public CoreStore {
    // The StripedMap log callback: appends the record, notes its sequence number.
    struct Logger {
        FileStore* store;
        uint64_t& seq;
        void operator()(std::string_view key, const Entry* e) const {
            std::string record;
            appendRecord(record, key, e);
            seq = store->append(record);
        }
    };
    Logger logger(uint64_t& seq) { return Logger{this, seq}; }

  public:
    FileStore(std::string path, FsyncPolicy policy) : path_(std::move(path)), policy_(policy) {
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd_ < 0) ioError("cannot open core store file:" + path_);
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            int err = errno;
            ::close(fd_);
            errno = err;
            if (err == EWOULDBLOCK) throw CoreError("IOError", "core store file:" + path_ + " is in use by another process");
            ioError("cannot lock core store file:" + path_);
        }
        try {
            replay();
            if (needsCompaction()) compact();
        } catch (...) {
            ::close(fd_);
            throw;
        }
        if (policy_ == FsyncPolicy::Interval) syncer_ = std::thread([this] { syncPeriodically(); });
    }

    ~FileStore() override {
        {
            std::lock_guard lock(logMutex_);
            stopping_ = true;
        }
        stopCv_.notify_all();
        if (syncer_.joinable()) syncer_.join();
        if (policy_ != FsyncPolicy::Never) ::fdatasync(fd_);
        ::close(fd_);
    }

    std::optional<std::string> get(std::string_view key) override {
        checkKey(key);
        return map_.get(key);
    }

    void set(std::string_view key, std::string_view json, int64_t ttlMs) override {
        checkKey(key);
        checkJson(json);
        uint64_t seq = 0;
        {
            WriteGate::Writer gate(writeGate_);
            map_.set(key, json, expiryFor(ttlMs), logger(seq));
        }
        afterWrite(seq);
    }

    bool remove(std::string_view key) override {
        checkKey(key);
        uint64_t seq = 0;
        bool existed;
        {
            WriteGate::Writer gate(writeGate_);
            existed = map_.remove(key, logger(seq));
        }
        afterWrite(seq);
        return existed;
    }

    int64_t incr(std::string_view key, int64_t by) override {
        checkKey(key);
        uint64_t seq = 0;
        int64_t n;
        {
            WriteGate::Writer gate(writeGate_);
            n = map_.incr(key, by, logger(seq));
        }
        afterWrite(seq);
        return n;
    }

    bool cas(std::string_view key, std::optional<std::string_view> expected, std::string_view json) override {
        checkKey(key);
        checkJson(json);
        uint64_t seq = 0;
        bool replaced;
        {
            WriteGate::Writer gate(writeGate_);
            replaced = map_.cas(key, expected, json, logger(seq));
        }
        afterWrite(seq);
        return replaced;
    }

    std::vector<std::string> keys(std::string_view prefix) override { return map_.keys(prefix); }

    void flush() override {
        uint64_t seq;
        {
            std::lock_guard lock(logMutex_);
            seq = writtenSeq_;
        }
        waitDurable(seq);
    }

    std::string describe() const override { return "file:" + path_; }

  private:
    // The log must stay parseable, so values are validated here.
    static void checkJson(std::string_view json) {
        checkValue(json);
        static thread_local simdjson::dom::parser parser;
        simdjson::dom::element root;
        if (parser.parse(json.data(), json.size()).get(root))
            throw CoreError("ValueError", "runtime.core: value is not valid JSON");
    }


    // Called under the key's stripe lock. A failed write is cut off again,
    // so the next record starts on a line of its own.
    uint64_t append(const std::string& record) {
        std::lock_guard lock(logMutex_);
        try {
            writeAll(fd_, record.data(), record.size());
        } catch (int err) {
            if (::ftruncate(fd_, logBytes_) != 0) {}
            errno = err;
            ioError("cannot write core store file:" + path_);
        }
        logBytes_ += int64_t(record.size());
        return ++writtenSeq_;
    }

    void afterWrite(uint64_t seq) {
        if (seq == 0) return;
        if (policy_ == FsyncPolicy::Always) waitDurable(seq);
        if (needsCompaction() && !compacting_.exchange(true)) {
            try {
                compact();
            } catch (const CoreError&) {
                // The write itself succeeded; try again when the log has doubled.
                std::lock_guard lock(logMutex_);
                compactFloor_ = logBytes_ * 2;
            }
            compacting_ = false;
        }
    }

    // Group commit: one caller runs fdatasync for everything written so far
    // while the others wait for it instead of issuing their own.
    void waitDurable(uint64_t seq) {
        std::unique_lock lock(logMutex_);
        while (syncedSeq_ < seq) {
            if (syncing_) {
                syncedCv_.wait(lock);
                continue;
            }
            syncing_ = true;
            uint64_t target = writtenSeq_;
            int fd = fd_;
            lock.unlock();
            int rc = ::fdatasync(fd);
            int err = errno;
            lock.lock();
            syncing_ = false;
            if (rc == 0) syncedSeq_ = std::max(syncedSeq_, target);
            syncedCv_.notify_all();
            if (rc != 0) {
                errno = err;
                ioError("cannot sync core store file:" + path_);
            }
        }
    }

    void syncPeriodically() {
        std::unique_lock lock(logMutex_);
        while (!stopping_) {
            stopCv_.wait_for(lock, kFsyncInterval);
            if (stopping_ || syncedSeq_ == writtenSeq_) continue;
            uint64_t seq = writtenSeq_;
            lock.unlock();
            try {
                waitDurable(seq);
            } catch (const CoreError&) {
            }
            lock.lock();
        }
    }

    bool needsCompaction() {
        std::lock_guard lock(logMutex_);
        return logBytes_ > kCompactMinBytes && logBytes_ > compactFloor_ && logBytes_ > kCompactRatio * map_.liveBytes();
    }

    void replay() {
        struct stat st;
        if (::fstat(fd_, &st) != 0) ioError("cannot read core store file:" + path_);
        std::string text(size_t(st.st_size), '\0');
        for (size_t got = 0; got < text.size();) {
            ssize_t n = ::pread(fd_, text.data() + got, text.size() - got, off_t(got));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) ioError("cannot read core store file:" + path_);
            if (n == 0) {
                text.resize(got);
                break;
            }
            got += size_t(n);
        }
        simdjson::dom::parser parser;
        int64_t now = nowEpochMs();
        size_t goodEnd = 0, pos = 0, line = 0;
        Record r;
        while (pos < text.size()) {
            size_t nl = text.find('\n', pos);
            ++line;
            // Only a last line without its '\n' is torn (handled below).
            if (nl == std::string::npos) break;
            std::string_view l(text.data() + pos, nl - pos);
            if (!parseRecord(parser, l, r))
                throw CoreError("IOError", "core store file:" + path_ + " is corrupt at line " + std::to_string(line) +
                                               " (not a valid record, or its checksum does not match)");
            pos = nl + 1;
            goodEnd = pos;
            if (r.deleted || (r.expiresAt != 0 && r.expiresAt <= now)) map_.unload(r.key);
            else map_.load(r.key, Entry{std::string(r.value), r.expiresAt});
        }
        if (goodEnd < text.size()) {
            // A torn tail: the crash came mid-write, so it was never acknowledged.
            if (::ftruncate(fd_, off_t(goodEnd)) != 0 || (policy_ != FsyncPolicy::Never && ::fdatasync(fd_) != 0))
                ioError("cannot truncate the torn tail of core store file:" + path_);
        }
        logBytes_ = int64_t(goodEnd);
    }

    void syncDirectory() {
        size_t slash = path_.rfind('/');
        std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path_.substr(0, slash);
        int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) ioError("cannot open directory of core store file:" + path_);
        int rc = ::fsync(dfd);
        ::close(dfd);
        if (rc != 0) ioError("cannot sync directory of core store file:" + path_);
    }

    // Writes the live entries to PATH.tmp and renames it over PATH.
    void compact() {
        WriteGate::Closed gate(writeGate_);
        std::unique_lock lock(logMutex_);
        syncedCv_.wait(lock, [&] { return !syncing_; });
        std::string tmp = path_ + ".tmp";
        int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0) ioError("cannot create " + tmp);
        int64_t bytes = 0;
        try {
            if (::flock(fd, LOCK_EX | LOCK_NB) != 0) ioError("cannot lock " + tmp);
            std::string chunk;
            auto spill = [&] {
                try {
                    writeAll(fd, chunk.data(), chunk.size());
                } catch (int err) {
                    errno = err;
                    ioError("cannot write " + tmp);
                }
                bytes += int64_t(chunk.size());
                chunk.clear();
            };
            map_.forEachQuiescent([&](const std::string& key, const Entry& e) {
                appendRecord(chunk, key, &e);
                if (chunk.size() >= (1u << 16)) spill();
            });
            spill();
            // Even with fsync=never: a rename over PATH before the data is
            // on disk could lose the whole store, not only recent writes.
            if (::fdatasync(fd) != 0) ioError("cannot sync " + tmp);
            if (::rename(tmp.c_str(), path_.c_str()) != 0) ioError("cannot rename " + tmp + " over " + path_);
        } catch (...) {
            ::close(fd);
            ::unlink(tmp.c_str());
            throw;
        }
        ::close(fd_);
        fd_ = fd;
        logBytes_ = bytes;
        compactFloor_ = 0;
        syncedSeq_ = writtenSeq_;
        syncDirectory();
    }

    const std::string path_;
    const FsyncPolicy policy_;
    StripedMap map_;
    int fd_ = -1;
    // Held by writers (before their stripe lock), closed by compaction.
    WriteGate writeGate_;

    // Guards the fd, the byte and sequence counters and the sync state.
    std::mutex logMutex_;
    std::condition_variable syncedCv_;
    int64_t logBytes_ = 0;
    int64_t compactFloor_ = 0;
    uint64_t writtenSeq_ = 0;
    uint64_t syncedSeq_ = 0;
    bool syncing_ = false;
    std::atomic<bool> compacting_{false};

    bool stopping_ = false;
    std::condition_variable stopCv_;
    std::thread syncer_;
};

} // namespace

std::unique_ptr<CoreStore> openFileStore(const std::string& path, FsyncPolicy policy) {
    return std::make_unique<FileStore>(path, policy);
}

} // namespace langoost::store
