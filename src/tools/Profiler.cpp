#include "tools/Profiler.h"

#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "vm/Objects.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

namespace langoost {

namespace {

constexpr size_t kMaxDepth = 128;   // innermost frames kept per sample
constexpr size_t kRingSlots = 1024; // samples between two drains (~1 s at 1 kHz)

struct Sample {
    uint32_t weight; // timer periods it stands for (CPU-time timers fire at most once per kernel tick)
    uint32_t depth;
    bool truncated;
    const Instruction* ips[kMaxDepth]; // innermost first
};

} // namespace

struct Profiler::State {
    const FrameStack* frames = nullptr;
    std::unique_ptr<Sample[]> ring = std::make_unique_for_overwrite<Sample[]>(kRingSlots);
    std::atomic<uint64_t> written{0}; // advanced by the signal handler only
    std::atomic<uint64_t> read{0};    // advanced by the drain thread only
    std::atomic<uint64_t> dropped{0};
    // Filled by the drain thread; read after stop().
    std::map<std::vector<const Instruction*>, uint64_t> stacks;
    uint64_t total = 0;
    timer_t timer{};
    bool timerMade = false;
    std::thread drainer;
    std::mutex mutex;
    std::condition_variable wake;
    bool stopping = false;

    void drain() {
        uint64_t end = written.load(std::memory_order_acquire);
        for (uint64_t i = read.load(std::memory_order_relaxed); i < end; ++i) {
            const Sample& s = ring[i % kRingSlots];
            std::vector<const Instruction*> key(s.ips, s.ips + s.depth);
            if (s.truncated) key.push_back(nullptr);
            stacks[key] += s.weight;
            total += s.weight;
        }
        read.store(end, std::memory_order_release);
    }
};

namespace {

std::atomic<Profiler::State*> gActive{nullptr};

// Async-signal-safe: plain loads and stores into preallocated memory, atomics.
void onSigprof(int, siginfo_t*, void*) {
    int savedErrno = errno;
    Profiler::State* st = gActive.load(std::memory_order_acquire);
    if (st) {
        uint64_t w = st->written.load(std::memory_order_relaxed);
        if (w - st->read.load(std::memory_order_acquire) >= kRingSlots) {
            st->dropped.fetch_add(1, std::memory_order_relaxed);
        } else {
            Sample& s = st->ring[w % kRingSlots];
            const CallFrame* begin = st->frames->begin();
            const CallFrame* f = st->frames->end();
            uint32_t depth = 0;
            while (f > begin && depth < kMaxDepth) s.ips[depth++] = (--f)->ip;
            s.depth = depth;
            int overrun = timer_getoverrun(st->timer);
            s.weight = 1 + uint32_t(overrun > 0 ? overrun : 0);
            s.truncated = f > begin;
            st->written.store(w + 1, std::memory_order_release);
        }
    }
    errno = savedErrno;
}

} // namespace

Profiler::Profiler(VM& vm, unsigned hz) : vm_(vm), hz_(hz ? hz : kDefaultHz), state_(std::make_unique<State>()) {}

Profiler::~Profiler() { stop(); }

bool Profiler::start(std::string& error) {
    State* st = state_.get();
    st->frames = &vm_.frames();
    State* expected = nullptr;
    if (!gActive.compare_exchange_strong(expected, st)) {
        error = "another profiler is running";
        return false;
    }
    struct sigaction sa {};
    sa.sa_sigaction = onSigprof;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    clockid_t clock;
    sigevent ev{};
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = SIGPROF;
    ev.sigev_notify_thread_id = int(syscall(SYS_gettid));
    if (sigaction(SIGPROF, &sa, nullptr) != 0 || pthread_getcpuclockid(pthread_self(), &clock) != 0 ||
        timer_create(clock, &ev, &st->timer) != 0) {
        error = std::string("cannot set up the profiling timer: ") + std::strerror(errno);
        gActive.store(nullptr);
        return false;
    }
    st->timerMade = true;
    st->drainer = std::thread([st] {
        std::unique_lock lock(st->mutex);
        while (!st->stopping) {
            st->wake.wait_for(lock, std::chrono::milliseconds(50));
            st->drain();
        }
    });
    long periodNs = 1'000'000'000L / long(hz_);
    itimerspec spec{};
    spec.it_interval.tv_nsec = periodNs;
    spec.it_value.tv_nsec = periodNs;
    timer_settime(st->timer, 0, &spec, nullptr);
    return true;
}

void Profiler::stop() {
    State* st = state_.get();
    if (!st->timerMade) return;
    timer_delete(st->timer);
    st->timerMade = false;
    gActive.store(nullptr, std::memory_order_release);
    // Ignored from now on rather than given back to its default action
    // (ending the process), in case one last signal is still pending.
    signal(SIGPROF, SIG_IGN);
    {
        std::lock_guard lock(st->mutex);
        st->stopping = true;
    }
    st->wake.notify_one();
    st->drainer.join();
    st->drain();
}

uint64_t Profiler::samples() const { return state_->total; }
uint64_t Profiler::dropped() const { return state_->dropped.load(); }

namespace {

// "name (file:line)" per loaded function, found by the address of its code.
class Symbols {
  public:
    explicit Symbols(Isolate& iso) {
        for (ModuleObject* m : iso.modules) {
            if (!m->compiled) continue;
            add(*m->compiled->main);
            for (const auto& earlier : m->earlier) add(*earlier->main);
        }
        std::sort(ranges_.begin(), ranges_.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
    }
    // A sample taken while no Langoost frame was on the stack (loading,
    // compiling, exiting) is a stack of its own.
    static constexpr const char* kOutsideFrames = "[runtime]";

    const std::string& name(const Instruction* ip) {
        auto [cached, added] = names_.try_emplace(ip);
        if (added) cached->second = lookup(ip);
        return cached->second;
    }

  private:
    std::string lookup(const Instruction* ip) const {
        if (!ip) return "[deeper frames]";
        auto it = std::upper_bound(ranges_.begin(), ranges_.end(), ip,
                                   [](const Instruction* p, const Range& r) { return p < r.begin; });
        if (it == ranges_.begin() || ip > (--it)->end) return "[unknown]";
        const FunctionProto& p = *it->proto;
        std::string file = p.path;
        if (size_t slash = file.rfind('/'); slash != std::string::npos) file = file.substr(slash + 1);
        return p.name + " (" + file + ":" + std::to_string(p.location.line) + ")";
    }

    struct Range {
        const Instruction* begin;
        const Instruction* end; // inclusive: a saved ip may point just past the last word
        const FunctionProto* proto;
    };
    void add(const FunctionProto& p) {
        if (!p.code.empty()) ranges_.push_back({p.code.data(), p.code.data() + p.code.size(), &p});
        for (const auto& nested : p.protos) add(*nested);
    }
    std::vector<Range> ranges_;
    std::unordered_map<const Instruction*, std::string> names_;
};

// ';' separates the frames of a folded stack (spaces inside a frame are fine).
std::string clean(std::string s) {
    std::replace(s.begin(), s.end(), ';', ':');
    return s;
}

} // namespace

std::string Profiler::folded() const {
    Symbols symbols(vm_.isolate());
    std::map<std::string, uint64_t> lines;
    for (const auto& [ips, count] : state_->stacks) {
        std::string line = ips.empty() ? Symbols::kOutsideFrames : "";
        for (auto it = ips.rbegin(); it != ips.rend(); ++it) {
            if (!line.empty()) line += ';';
            line += clean(symbols.name(*it));
        }
        lines[line] += count;
    }
    std::string out;
    for (const auto& [line, count] : lines) out += line + " " + std::to_string(count) + "\n";
    return out;
}

std::string Profiler::topTable(size_t limit) const {
    Symbols symbols(vm_.isolate());
    std::map<std::string, std::pair<uint64_t, uint64_t>> byName; // self, total
    for (const auto& [ips, count] : state_->stacks) {
        if (ips.empty()) {
            byName[Symbols::kOutsideFrames].first += count;
            byName[Symbols::kOutsideFrames].second += count;
            continue;
        }
        byName[symbols.name(ips.front())].first += count;
        std::vector<std::string> seen; // a recursive function counts once per sample
        for (const Instruction* ip : ips) {
            std::string n = symbols.name(ip);
            if (std::find(seen.begin(), seen.end(), n) != seen.end()) continue;
            seen.push_back(n);
            byName[n].second += count;
        }
    }
    std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>> rows(byName.begin(), byName.end());
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        return a.second.first != b.second.first ? a.second.first > b.second.first : a.first < b.first;
    });
    uint64_t total = std::max<uint64_t>(state_->total, 1);
    char buf[512];
    std::snprintf(buf, sizeof buf, "profile: %llu samples, one per %.1f ms of CPU time (%llu dropped)\n   self%%  total%%  function\n",
                  (unsigned long long)state_->total, 1000.0 / hz_, (unsigned long long)dropped());
    std::string out = buf;
    for (size_t i = 0; i < rows.size() && i < limit; ++i) {
        std::snprintf(buf, sizeof buf, "  %5.1f  %6.1f  %s\n", 100.0 * double(rows[i].second.first) / double(total),
                      100.0 * double(rows[i].second.second) / double(total), rows[i].first.c_str());
        out += buf;
    }
    return out;
}

} // namespace langoost
