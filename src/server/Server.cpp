// runServer: `langoost serve` — listening sockets, one HttpWorker thread
// per core, and the lifecycle: start, serve, and a graceful stop on
// SIGTERM/SIGINT (stop accepting, let in-flight requests finish within the
// grace period, flush the runtime.core store, exit 0).
#include <sys/resource.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "server/HttpWorker.h"
#include "sql/SqlPool.h"
#include "store/CoreStore.h"

namespace langoost {
namespace {

constexpr int kListenBacklog = 1024;

// A TCP socket as /proc/net/tcp{,6} lists it.
struct ProcSocket {
    std::string address, port; // hex, as listed
    bool listening = false;
    bool v6 = false;
};

std::unordered_map<uint64_t, ProcSocket> procSockets() {
    std::unordered_map<uint64_t, ProcSocket> out;
    for (const char* path : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        std::ifstream in(path);
        std::string line;
        std::getline(in, line); // the column titles
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout;
            uint64_t inode = 0;
            if (!(fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode))
                continue;
            size_t colon = local.find(':');
            if (colon == std::string::npos || inode == 0) continue;
            out[inode] = {local.substr(0, colon), local.substr(colon + 1), state == "0A", path[13] == '6'};
        }
    }
    return out;
}

// Inodes of this process's sockets.
std::unordered_set<uint64_t> ownSockets() {
    std::unordered_set<uint64_t> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
        std::string target = std::filesystem::read_symlink(entry.path(), ec).string();
        if (!ec && target.starts_with("socket:[")) out.insert(std::strtoull(target.c_str() + 8, nullptr, 10));
    }
    return out;
}

bool wildcard(const std::string& hexAddress) { return hexAddress.find_first_not_of('0') == std::string::npos; }

// SO_REUSEPORT lets every socket of the same user bind a port that has one,
// so a second server would silently share the first one's connections.
// After binding `fd`, look for a listener of another process on the same
// port whose address overlaps ours: if there is one, the port was busy.
// Two servers binding at the same instant both see each other and both
// refuse; neither ever serves half the traffic. Without /proc: no check.
bool portHeldByAnotherProcess(int fd) {
    struct stat info {};
    if (::fstat(fd, &info) != 0) return false;
    auto sockets = procSockets();
    auto mine = sockets.find(uint64_t(info.st_ino));
    if (mine == sockets.end()) return false;
    const ProcSocket& ours = mine->second;
    std::unordered_set<uint64_t> own = ownSockets();
    for (const auto& [inode, other] : sockets) {
        if (!other.listening || other.port != ours.port || own.count(inode)) continue;
        bool overlaps = wildcard(other.address) || wildcard(ours.address) ||
                        (other.v6 == ours.v6 && other.address == ours.address);
        if (overlaps) return true;
    }
    return false;
}

} // namespace

int listenSocket(const std::string& host, int port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    std::string service = std::to_string(port);
    int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
    if (rc != 0) throw std::runtime_error("cannot resolve host '" + host + "': " + ::gai_strerror(rc));
    std::string error = "no address";
    int fd = -1;
    for (addrinfo* a = found; a; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        int one = 1, zero = 0;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
        if (a->ai_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero); // "::" takes IPv4 too
        if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, kListenBacklog) == 0) {
            if (!portHeldByAnotherProcess(fd)) break;
            errno = EADDRINUSE;
        }
        error = errno == EADDRINUSE ? "address already in use (is another server running on this port?)" : std::strerror(errno);
        ::close(fd);
        fd = -1;
    }
    ::freeaddrinfo(found);
    if (fd < 0) throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": " + error);
    return fd;
}

int boundPort(int fd) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6&>(addr).sin6_port);
    return ntohs(reinterpret_cast<sockaddr_in&>(addr).sin_port);
}

int runServer(const ServerOptions& options, std::shared_ptr<ModuleLoader> loader, RuntimeConfig runtime) {
    // Signals are taken synchronously by this thread; workers never see them.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    // Every connection and every parked request's socket is a descriptor:
    // take the whole allowance (as Go's runtime does), not the soft 1024.
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &files);
    }

    static ServerShared* sharedPtr; // never freed (see below); static so leak checkers see it as reachable
    std::vector<int> listeners;
    unsigned workerCount = options.workers ? options.workers : std::max(1u, std::thread::hardware_concurrency());
    try {
        if (!options.core.empty()) setProcessCore(openCoreStore(options.core));
        sql::enableSharedPools(options.dbPool);
        sharedPtr = new ServerShared{options, Router(options.target),
                                     ScriptRunner(loader, std::move(runtime), options.limits, options.dev)};
        int port = options.port;
        for (unsigned i = 0; i < workerCount; ++i) {
            listeners.push_back(listenSocket(options.host, port));
            port = boundPort(listeners.back());
        }
        if (!options.tlsCert.empty() || !options.tlsKey.empty()) {
            if (options.tlsCert.empty() || options.tlsKey.empty()) throw std::runtime_error("--tls-cert and --tls-key go together");
            sharedPtr->tls = std::make_unique<TlsContext>(options.tlsCert, options.tlsKey, true);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "langoost serve: %s\n", e.what());
        for (int fd : listeners) ::close(fd);
        return 1;
    }
    ServerShared& shared = *sharedPtr; // lives until exit: workers past the grace period may still use it
    shared.healthScript = shared.router.isDirectory() && ::access((shared.router.root() + "/_health.goost").c_str(), R_OK) == 0;
    if (options.accessLog == "-") {
        shared.accessLog = stdout;
    } else if (!options.accessLog.empty()) {
        shared.accessLog = std::fopen(options.accessLog.c_str(), "a");
        if (!shared.accessLog) {
            std::fprintf(stderr, "langoost serve: cannot open access log '%s': %s\n", options.accessLog.c_str(),
                         std::strerror(errno));
            return 1;
        }
    }

    std::vector<std::unique_ptr<HttpWorker>> workers;
    for (int fd : listeners) workers.push_back(std::make_unique<HttpWorker>(shared, fd));
    std::mutex doneMutex;
    std::condition_variable doneCv;
    unsigned running = workerCount;
    std::vector<std::thread> threads;
    for (auto& w : workers)
        threads.emplace_back([&, worker = w.get()] {
            worker->run();
            std::lock_guard lock(doneMutex);
            --running;
            doneCv.notify_all();
        });
    const char* protocols = shared.tls ? ", h2 and http/1.1 over TLS" : options.h2c ? ", h2c" : "";
    std::fprintf(stderr, "langoost serve: %s on %s://%s:%d (%u worker%s, core: %s%s)\n", shared.router.root().c_str(),
                 shared.tls ? "https" : "http", options.host.c_str(), boundPort(listeners[0]), workerCount,
                 workerCount == 1 ? "" : "s", processCore().describe().c_str(), protocols);
    std::fflush(stderr);

    int signal = 0;
    sigwait(&stopSignals, &signal);
    std::fprintf(stderr, "langoost serve: %s, finishing in-flight requests (up to %llu ms)\n",
                 signal == SIGINT ? "SIGINT" : "SIGTERM", static_cast<unsigned long long>(options.graceMs));
    shared.stopping = true;
    for (auto& w : workers) w->stop();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.graceMs);
    {
        // Long-lived requests end when their client goes: wake the scripts blocked on them.
        std::lock_guard lock(shared.streamsMutex);
        for (int fd : shared.streamSockets) ::shutdown(fd, SHUT_RDWR);
    }
    bool drained;
    {
        std::unique_lock lock(doneMutex);
        drained = doneCv.wait_until(lock, deadline, [&] { return running == 0; });
    }
    if (drained) {
        std::unique_lock lock(shared.streamsMutex);
        drained = shared.streamsDone.wait_until(lock, deadline, [&] { return shared.activeStreams == 0; });
    }
    processCore().flush();
    if (!drained) {
        std::fputs("langoost serve: grace period over, exiting with requests still running\n", stderr);
        std::fflush(nullptr);
        std::_Exit(0);
    }
    for (auto& t : threads) t.join();
    workers.clear();
    if (shared.accessLog && shared.accessLog != stdout) std::fclose(shared.accessLog);
    std::fputs("langoost serve: stopped\n", stderr);
    return 0;
}

} // namespace langoost
