#include "server/HttpWorker.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fcntl.h>

#include <optional>
#include <thread>

#include "common/OpenSsl.h"
#include "server/HttpConnection.h"
#include "server/ResponseStream.h"
#include "server/ResponseWriter.h"

namespace langoost {
using namespace worker_detail;
namespace {

constexpr int kSweepIntervalMs = 250;
constexpr int kMaxAcceptsPerWake = 64;

std::string peerAddress(const sockaddr_storage& addr) {
    char buf[INET6_ADDRSTRLEN] = "";
    if (addr.ss_family == AF_INET) {
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(addr).sin_addr, buf, sizeof buf);
    } else if (addr.ss_family == AF_INET6) {
        const auto& a6 = reinterpret_cast<const sockaddr_in6&>(addr);
        ::inet_ntop(AF_INET6, &a6.sin6_addr, buf, sizeof buf);
        std::string_view text(buf);
        if (text.starts_with("::ffff:") && text.find('.') != std::string_view::npos) return std::string(text.substr(7));
    }
    return buf;
}

bool headerContains(const HeaderList& headers, std::string_view name, std::string_view needle) {
    for (const auto& [n, v] : headers) {
        if (n != name) continue;
        std::string lower = v;
        for (char& ch : lower)
            if (ch >= 'A' && ch <= 'Z') ch = char(ch + 32);
        if (lower.find(needle) != std::string::npos) return true;
    }
    return false;
}

} // namespace

HttpWorker::HttpWorker(ServerShared& shared, int listenFd)
    : shared_(shared), listenFd_(listenFd), readBuffer_(std::make_unique_for_overwrite<char[]>(kReadChunk)) {
    epollFd_ = ::epoll_create1(EPOLL_CLOEXEC);
    wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epollFd_ < 0 || wakeFd_ < 0) throw std::runtime_error(std::string("epoll: ") + std::strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;
    ev.data.fd = listenFd_;
    ::epoll_ctl(epollFd_, EPOLL_CTL_ADD, listenFd_, &ev);
    ev.data.fd = wakeFd_;
    ::epoll_ctl(epollFd_, EPOLL_CTL_ADD, wakeFd_, &ev);
    tasks_ = std::make_unique<TaskScheduler>(epollFd_);
    ev.data.fd = tasks_->completionFd();
    ::epoll_ctl(epollFd_, EPOLL_CTL_ADD, tasks_->completionFd(), &ev);
}

HttpWorker::~HttpWorker() {
    for (auto& [fd, c] : connections_) {
        if (c->fileFd >= 0) ::close(c->fileFd);
        ::close(fd);
    }
    if (listenFd_ >= 0) ::close(listenFd_);
    ::close(epollFd_);
    ::close(wakeFd_);
}

void HttpWorker::stop() {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wakeFd_, &one, sizeof one);
}

void HttpWorker::run() {
    epoll_event events[256];
    uint64_t lastSweep = nowMs();
    for (;;) {
        if (stopping_ && connections_.empty() && tasks_->liveTasks() == 0) break;
        int n = ::epoll_wait(epollFd_, events, 256, tasks_->pollTimeoutMs(kSweepIntervalMs));
        if (n < 0 && errno != EINTR) break;
        for (int i = 0; i < n; ++i) {
            int fd = events[i].data.fd;
            if (fd == tasks_->completionFd()) {
                tasks_->onCompletions();
                continue;
            }
            if (tasks_->onFdEvent(fd, events[i].events)) continue;
            if (fd == listenFd_) {
                acceptConnections();
                continue;
            }
            if (fd == wakeFd_) {
                uint64_t value;
                [[maybe_unused]] ssize_t r = ::read(wakeFd_, &value, sizeof value);
                stopping_ = true;
                if (listenFd_ >= 0) {
                    acceptConnections(); // take what the kernel already queued for us
                    ::epoll_ctl(epollFd_, EPOLL_CTL_DEL, listenFd_, nullptr);
                    ::close(listenFd_);
                    listenFd_ = -1;
                }
                std::vector<Connection*> idle;
                for (auto& [cfd, c] : connections_)
                    if (c->idle() && !c->lingering) idle.push_back(c.get());
                for (Connection* c : idle) closeConnection(*c);
                continue;
            }
            auto it = connections_.find(fd);
            if (it == connections_.end()) continue;
            Connection& c = *it->second;
            if (c.waiting) {
                // Only the peer closing (EPOLLRDHUP) is watched while a request is parked.
                c.peerClosed = true;
                closeConnection(c); // cancels the request
                continue;
            }
            if (events[i].events & (EPOLLERR | EPOLLHUP) && !(events[i].events & EPOLLIN)) {
                closeConnection(c);
                continue;
            }
            if (c.writing) {
                if (flush(c)) serveBuffered(c);
            } else {
                onReadable(c);
            }
        }
        tasks_->runReady();
        flushLog();
        uint64_t now = nowMs();
        if (now - lastSweep >= uint64_t(kSweepIntervalMs)) {
            lastSweep = now;
            sweep(now);
        }
    }
    flushLog();
}

void HttpWorker::acceptConnections() {
    if (listenFd_ < 0) return;
    for (int i = 0; i < kMaxAcceptsPerWake; ++i) {
        sockaddr_storage addr{};
        socklen_t len = sizeof addr;
        int fd = ::accept4(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                // Out of descriptors: stop accepting for a moment instead of spinning.
                ::epoll_ctl(epollFd_, EPOLL_CTL_DEL, listenFd_, nullptr);
                acceptPausedUntilMs_ = nowMs() + 100;
            }
            return;
        }
        if (connections_.size() >= shared_.options.maxConnections) {
            static const char busy[] =
                "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            [[maybe_unused]] ssize_t n = ::send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL);
            ::close(fd);
            continue;
        }
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        auto c = std::make_unique<Connection>(fd, peerAddress(addr), shared_.options);
        c->lastActivityMs = nowMs();
        if (shared_.tls) {
            c->tls = std::make_unique<TlsChannel>(*shared_.tls);
        } else if (shared_.options.h2c) {
            c->prefacePending = true;
            c->h2cUpgradable = true;
        }
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        if (::epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
            ::close(fd);
            continue;
        }
        connections_.emplace(fd, std::move(c));
    }
}

void HttpWorker::onReadable(Connection& c) {
    size_t total = 0;
    for (;;) {
        ssize_t n = ::recv(c.fd, readBuffer_.get(), kReadChunk, 0);
        if (n > 0) {
            if (c.lingering) {} // a lingering socket's input is dropped
            else if (c.tls) c.tls->receive(readBuffer_.get(), size_t(n));
            else c.in.append(readBuffer_.get(), size_t(n));
            total += size_t(n);
            if (size_t(n) < kReadChunk || c.in.size() - c.inPos >= kInputHighWater || total >= 4 * kReadChunk) break;
            continue;
        }
        if (n == 0) {
            c.peerClosed = true;
            break;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        closeConnection(c);
        return;
    }
    if (c.lingering) {
        if (c.peerClosed) closeConnection(c);
        return;
    }
    if (c.tls) {
        bool wasSecured = c.tls->handshakeDone(), closeNotify = false;
        if (!c.tls->decrypt(c.in, closeNotify)) {
            int fd = c.fd;
            flush(c); // the alert, if any; the connection ends either way
            if (connections_.count(fd)) closeConnection(c);
            return;
        }
        if (closeNotify) c.peerClosed = true;
        if (!wasSecured && c.tls->handshakeDone() && c.tls->alpn() == "h2") startHttp2(c);
    }
    if (total) {
        c.lastActivityMs = nowMs();
        if (!c.parser.inProgress() && c.requestStartMs == 0) c.requestStartMs = c.lastActivityMs;
    }
    int fd = c.fd;
    serveBuffered(c);
    if (!connections_.count(fd)) return; // closed or handed off: `c` is gone
    if (c.peerClosed && !c.outputPending()) closeConnection(c);
    else if (c.peerClosed) c.closeAfterWrite = true;
}

void HttpWorker::serveBuffered(Connection& c) {
    if (c.waiting) return;
    if (c.h2) return serveHttp2(c);
    if (c.prefacePending && c.inPos < c.in.size()) {
        std::string_view start(c.in.data() + c.inPos, std::min(c.in.size() - c.inPos, kHttp2ClientPreface.size()));
        if (kHttp2ClientPreface.starts_with(start)) {
            if (start.size() < kHttp2ClientPreface.size()) return; // wait for the rest of it
            startHttp2(c);
            return serveHttp2(c);
        }
        c.prefacePending = false;
    }
    for (;;) {
        while (!c.closeAfterWrite && c.inPos < c.in.size() && c.out.size() - c.outPos < kOutputHighWater &&
               c.fileRemaining == 0) {
            size_t used = c.parser.feed(c.in.data() + c.inPos, c.in.size() - c.inPos);
            c.inPos += used;
            if (c.parser.takeContinueWanted()) c.out += "HTTP/1.1 100 Continue\r\n\r\n";
            if (int status = c.parser.errorStatus()) {
                respondAndClose(c, status);
                break;
            }
            if (!c.parser.complete()) break;
            ParsedRequest request = c.parser.take();
            c.prefacePending = false;
            handle(c, request);
            if (c.handedOff) {
                std::function<void()> start = std::move(c.startStream);
                detach(c);
                start();
                return;
            }
            if (c.h2) return serveHttp2(c); // upgraded: the rest of the input is HTTP/2
            if (c.waiting) return;          // resumeConnection goes on from here
            c.requestStartMs = c.inPos < c.in.size() ? nowMs() : 0;
        }
        if (c.inPos == c.in.size()) {
            c.in.clear();
            c.inPos = 0;
        } else if (c.inPos > kReadChunk) {
            c.in.erase(0, c.inPos);
            c.inPos = 0;
        }
        // Everything answered so far is sent: go on with requests already
        // buffered (the client may have sent them all and be waiting).
        if (!flush(c) || c.closeAfterWrite || c.inPos == c.in.size()) return;
    }
}

Route HttpWorker::routeFor(std::string_view rawPath) const {
    if (rawPath == "/_health") return {Route::Kind::Script, shared_.router.root() + "/_health.goost", {}};
    return shared_.router.resolve(rawPath);
}

HttpRequestData HttpWorker::scriptRequest(const Connection& c, ParsedRequest& request, std::string_view rawPath,
                                          std::string_view rawQuery) {
    HttpRequestData data;
    data.method = request.method;
    data.path = percentDecodeLenient(rawPath, false);
    data.rawQuery = std::string(rawQuery);
    data.headers = std::move(request.headers);
    data.body = std::move(request.body);
    data.remoteAddr = c.remoteAddr;
    return data;
}

void HttpWorker::handle(Connection& c, ParsedRequest& request) {
    uint64_t startUs = nowUs();
    bool head = request.method == "HEAD";
    bool http10 = request.versionMajor == 1 && request.versionMinor == 0;
    bool keepAlive = request.keepAlive && !request.upgrade && !stopping_ && !shared_.stopping.load(std::memory_order_relaxed);
    std::string_view rawPath, rawQuery;
    HttpResponseData response;
    StaticFile file;
    if (c.h2cUpgradable && request.upgrade && headerContains(request.headers, "upgrade", "h2c") &&
        upgradeToHttp2(c, request))
        return;
    if (shared_.handler) {
        response = answer(c, request, file);
    } else if (!splitRequestTarget(request.target, rawPath, rawQuery)) {
        response = plainResponse(400);
        keepAlive = false;
    } else if (rawPath == "/_health" && !shared_.healthScript) {
        response = plainResponse(200, "ok\n");
    } else {
        Route route = routeFor(rawPath);
        switch (route.kind) {
        case Route::Kind::Script: {
            HttpRequestData data = scriptRequest(c, request, rawPath, rawQuery);
            data.params = std::move(route.params);
            bool wantsUpgrade = request.upgrade && headerContains(data.headers, "upgrade", "websocket");
            if (!c.tls && (wantsUpgrade || headerContains(data.headers, "accept", "text/event-stream"))) {
                handOff(c, request, route.file, std::move(data));
                return;
            }
            if (c.peerClosed) { // the client is gone: the request is not run
                c.closeAfterWrite = true;
                return;
            }
            if (shared_.options.maxWaiting && TaskScheduler::parkedEverywhere() >= shared_.options.maxWaiting) {
                response = plainResponse(503, "too many waiting requests\n");
                break;
            }
            auto call = std::make_unique<ScriptCall>(std::move(request), std::move(data), std::move(route.file));
            if (!c.tls)
                call->stream.emplace(c.fd, http10, head, false, shared_.options.idleTimeoutMs, [&c] {
                    std::string queued = c.out.substr(c.outPos);
                    c.out.clear();
                    c.outPos = 0;
                    return queued;
                });
            call->startUs = startUs;
            call->head = head;
            call->http10 = http10;
            call->keepAlive = keepAlive;
            startScript(c, std::move(call));
            return;
        }
        case Route::Kind::Static:
            if (request.method != "GET" && !head) {
                response = plainResponse(405);
                response.headers.emplace_back("Allow", "GET, HEAD");
            } else {
                file = staticFileResponse(route.file, route.info, request, head);
                response = std::move(file.response);
            }
            break;
        case Route::Kind::BadRequest: response = plainResponse(400); break;
        case Route::Kind::NotFound: response = plainResponse(404); break;
        }
    }
    size_t before = c.out.size();
    writeResponse(c.out, response, head, keepAlive, http10, file.fileBytes);
    if (file.fd >= 0) {
        c.fileFd = file.fd;
        c.fileOffset = 0;
        c.fileRemaining = file.fileBytes;
    }
    if (!keepAlive) c.closeAfterWrite = true;
    if (shared_.accessLog) logAccess(c, request, response.status, c.out.size() - before + (head ? 0 : file.fileBytes), startUs);
}

void HttpWorker::startScript(Connection& c, std::unique_ptr<ScriptCall> call) {
    ScriptCall* raw = call.get();
    c.call = std::move(call);
    Connection* conn = &c;
    TaskScheduler::Task* task = tasks_->start(
        [this, raw] {
            raw->response = shared_.runner.run(raw->script, raw->data, raw->failure, raw->stream ? &*raw->stream : nullptr);
        },
        [this, conn] {
            finishScript(*conn);
            if (conn->waiting) resumeConnection(*conn);
        });
    if (!task) return; // answered already
    c.task = task;
    c.waiting = true;
    // Read nothing more until it is answered; watch only for the client leaving.
    epoll_event ev{};
    ev.events = EPOLLRDHUP;
    ev.data.fd = c.fd;
    ::epoll_ctl(epollFd_, EPOLL_CTL_MOD, c.fd, &ev);
}

void HttpWorker::finishScript(Connection& c) {
    std::unique_ptr<ScriptCall> call = std::move(c.call);
    c.task = nullptr;
    ParsedRequest& request = call->request;
    HttpResponseData& response = call->response;
    if (c.closing) return; // its client left: cancelled, nobody to answer
    shared_.logScriptFailure(call->data.method, request.target, response.status, call->failure);
    request.headers = std::move(call->data.headers);
    if (call->stream && call->stream->headersSent()) {
        // Streamed: end it here (an error after the head can only cut the stream short).
        bool ended = call->failure.empty() && call->stream->finish(response.body);
        if (!ended || call->http10 || !call->keepAlive) c.closeAfterWrite = true;
        if (!ended) c.peerClosed = true; // cut short: close without lingering
        if (shared_.accessLog) logAccess(c, request, response.status, 0, call->startUs);
        return;
    }
    size_t before = c.out.size();
    writeResponse(c.out, response, call->head, call->keepAlive, call->http10, 0);
    if (!call->keepAlive) c.closeAfterWrite = true;
    if (shared_.accessLog) logAccess(c, request, response.status, c.out.size() - before, call->startUs);
}

void HttpWorker::resumeConnection(Connection& c) {
    c.waiting = false;
    if (c.closing || c.peerClosed) { // the client left while the request waited
        c.closing = false;
        closeConnection(c);
        return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = c.fd;
    c.writing = false;
    ::epoll_ctl(epollFd_, EPOLL_CTL_MOD, c.fd, &ev);
    c.lastActivityMs = nowMs();
    c.requestStartMs = c.inPos < c.in.size() ? c.lastActivityMs : 0;
    int fd = c.fd;
    serveBuffered(c);
    if (!connections_.count(fd)) return;
    if (!c.waiting && !c.outputPending() && c.peerClosed) closeConnection(c);
}

void HttpWorker::handOff(Connection& c, ParsedRequest& request, const std::string& script, HttpRequestData data) {
    {
        std::lock_guard lock(shared_.streamsMutex);
        if (shared_.activeStreams >= shared_.options.maxStreams) {
            writeResponse(c.out, plainResponse(503, "too many long-lived requests\n"), false, false, false);
            c.closeAfterWrite = true;
            return;
        }
        ++shared_.activeStreams;
        shared_.streamSockets.insert(c.fd);
    }
    int fd = c.fd;
    bool http10 = request.versionMajor == 1 && request.versionMinor == 0;
    bool head = request.method == "HEAD";
    bool upgradable = request.upgrade;
    std::string pending = c.out.substr(c.outPos);
    std::string leftover = c.in.substr(c.inPos);
    c.handedOff = true; // serveBuffered detaches it, then starts the task
    struct StreamCall {
        std::string script, target;
        HttpRequestData data;
        std::optional<ResponseStream> stream;
        uint64_t startUs = nowUs();
        unsigned versionMajor, versionMinor;
    };
    auto call = std::make_shared<StreamCall>(StreamCall{script, request.target, std::move(data), std::nullopt, nowUs(),
                                                        request.versionMajor, request.versionMinor});
    call->stream.emplace(fd, http10, head, upgradable, shared_.options.idleTimeoutMs,
                         [pending = std::move(pending)]() mutable { return std::move(pending); }, std::move(leftover));
    call->stream->longLived = true;
    c.startStream = [this, call, fd, head, http10] {
        tasks_->start(
            [this, call, head, http10] {
                ResponseStream& stream = *call->stream;
                std::string failure;
                HttpResponseData response = shared_.runner.run(call->script, call->data, failure, &stream);
                shared_.logScriptFailure(call->data.method, call->target, response.status, failure);
                if (!stream.upgraded()) {
                    if (stream.headersSent()) {
                        if (failure.empty()) stream.finish(response.body);
                    } else {
                        std::string out;
                        writeResponse(out, response, head, false, http10);
                        stream.send(out);
                    }
                }
                if (shared_.accessLog)
                    logBuffer_ += (accessLine(call->data.remoteAddr, call->data.method, call->target, call->versionMajor,
                                             call->versionMinor, stream.upgraded() ? 101 : response.status, 0,
                                             call->startUs));
            },
            [this, fd] {
                std::lock_guard lock(shared_.streamsMutex);
                shared_.streamSockets.erase(fd);
                ::close(fd);
                --shared_.activeStreams;
                shared_.streamsDone.notify_all();
            });
    };
}

void HttpWorker::detach(Connection& c) {
    int fd = c.fd;
    if (c.fileFd >= 0) ::close(c.fileFd);
    ::epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd, nullptr);
    connections_.erase(fd);
}

void HttpWorker::respondAndClose(Connection& c, int status) {
    writeResponse(c.out, plainResponse(status), false, false, false);
    c.closeAfterWrite = true;
    c.in.clear();
    c.inPos = 0;
    if (shared_.accessLog) {
        ParsedRequest none;
        none.method = "-";
        logAccess(c, none, status, 0, nowUs());
    }
}

void HttpWorker::closeConnection(Connection& c) {
    if (c.waiting || c.activeTasks) { // its tasks end first (cancelled), then it is closed
        if (!c.closing) {
            c.closing = true;
            ::epoll_ctl(epollFd_, EPOLL_CTL_DEL, c.fd, nullptr);
            if (c.waiting) tasks_->cancel(c.task);
            for (auto [id, task] : c.streamTasks) tasks_->cancel(task);
        }
        return;
    }
    int fd = c.fd;
    if (c.fileFd >= 0) ::close(c.fileFd);
    ::epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    connections_.erase(fd);
}

void HttpWorker::sweep(uint64_t now) {
    if (acceptPausedUntilMs_ && now >= acceptPausedUntilMs_ && listenFd_ >= 0) {
        acceptPausedUntilMs_ = 0;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = listenFd_;
        ::epoll_ctl(epollFd_, EPOLL_CTL_ADD, listenFd_, &ev);
    }
    const ServerOptions& o = shared_.options;
    std::vector<std::pair<Connection*, int>> expired; // connection, status to answer (0: just close)
    for (auto& [fd, conn] : connections_) {
        Connection& c = *conn;
        if (c.waiting || c.activeTasks) continue; // its requests' own time limits apply
        if (c.lingering) {
            if (now >= c.lingerUntilMs) expired.emplace_back(&c, 0);
        } else if (c.outputPending()) {
            if (now - c.lastActivityMs > o.idleTimeoutMs) expired.emplace_back(&c, 0);
        } else if (c.parser.inProgress() || c.inPos < c.in.size()) {
            bool headerLate = !c.parser.headersDone() && c.requestStartMs && now - c.requestStartMs > o.headerTimeoutMs;
            bool bodyLate = c.parser.inProgress() && c.parser.headersDone() && now - c.parser.headersDoneAtMs() > o.bodyTimeoutMs;
            if (headerLate || bodyLate || now - c.lastActivityMs > o.idleTimeoutMs) expired.emplace_back(&c, 408);
        } else if (now - c.lastActivityMs > o.idleTimeoutMs) {
            expired.emplace_back(&c, 0);
        }
    }
    for (auto [c, status] : expired) {
        if (status) {
            respondAndClose(*c, status);
            flush(*c);
        } else {
            closeConnection(*c);
        }
    }
}

HttpResponseData HttpWorker::callHandler(Connection& c, ParsedRequest& request, std::string_view rawPath,
                                         std::string_view rawQuery) {
    HttpRequestData data = scriptRequest(c, request, rawPath, rawQuery);
    HttpResponseData response = shared_.handler(data);
    request.headers = std::move(data.headers);
    return response;
}

HttpResponseData HttpWorker::answer(Connection& c, ParsedRequest& request, StaticFile& file) {
    std::string_view rawPath, rawQuery;
    if (!splitRequestTarget(request.target, rawPath, rawQuery)) return plainResponse(400);
    if (shared_.handler) return callHandler(c, request, rawPath, rawQuery);
    if (rawPath == "/_health" && !shared_.healthScript) return plainResponse(200, "ok\n");
    Route route = routeFor(rawPath);
    bool head = request.method == "HEAD";
    switch (route.kind) {
    case Route::Kind::Script: {
        HttpRequestData data = scriptRequest(c, request, rawPath, rawQuery);
        data.params = std::move(route.params);
        std::string failure;
        HttpResponseData response = shared_.runner.run(route.file, data, failure);
        shared_.logScriptFailure(data.method, request.target, response.status, failure);
        request.headers = std::move(data.headers);
        return response;
    }
    case Route::Kind::Static: {
        if (request.method != "GET" && !head) {
            HttpResponseData response = plainResponse(405);
            response.headers.emplace_back("Allow", "GET, HEAD");
            return response;
        }
        file = staticFileResponse(route.file, route.info, request, head);
        return std::move(file.response);
    }
    case Route::Kind::BadRequest: return plainResponse(400);
    case Route::Kind::NotFound: break;
    }
    return plainResponse(404);
}

} // namespace langoost
