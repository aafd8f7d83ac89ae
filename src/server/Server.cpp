// runServer: `langoost serve` — listening sockets, one HttpWorker thread
// per core, and the lifecycle: start, serve, and a graceful stop on
// SIGTERM/SIGINT (stop accepting, let in-flight requests finish within the
// grace period, flush the runtime.core store, exit 0).
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "server/HttpWorker.h"
#include "store/CoreStore.h"

namespace langoost {
namespace {

constexpr int kListenBacklog = 1024;

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
        if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, kListenBacklog) == 0) break;
        error = std::strerror(errno);
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

    static ServerShared* sharedPtr; // never freed (see below); static so leak checkers see it as reachable
    std::vector<int> listeners;
    unsigned workerCount = options.workers ? options.workers : std::max(1u, std::thread::hardware_concurrency());
    try {
        if (!options.core.empty()) setProcessCore(openCoreStore(options.core));
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
