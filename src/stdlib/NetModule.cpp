// The `net` module (stdlib.md): blocking TCP sockets as int handles,
// usable from any thread. Every blocking system call runs in a
// BlockingSection (isolate lock released); sockets are shared_ptrs, so a
// close() from one thread cannot pull the descriptor from under another
// thread's recv — the descriptor is closed when the last user lets go.
// Failures are soft, as the spec says: -1, "" or false, never an error.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/Parking.h"
#include "stdlib/NetSockets.h"
#include "stdlib/Stdlib.h"

namespace langoost {
namespace {

// A line longer than this (no newline in sight) fails recvLine: a peer
// cannot make us buffer without bound.
constexpr size_t kMaxLineBytes = 8u << 20;
// One recv call returns at most this many bytes.
constexpr int64_t kMaxRecvBytes = 64u << 20;

struct SocketTable : IsolateExtension {
    std::unordered_map<int64_t, std::shared_ptr<Socket>> sockets;
    int64_t nextHandle = 1;
    // The isolate is ending: wake its threads blocked on these sockets.
    void wakeAll() override {
        for (auto& [h, s] : sockets) ::shutdown(s->fd, SHUT_RDWR);
    }
};

const char kTableKey = 0;
SocketTable& table(VM& vm) { return vm.isolate().extension<SocketTable>(&kTableKey); }

std::shared_ptr<Socket> socketArg(VM& vm, Value* args, int argc) {
    return argc < 1 ? nullptr : findSocket(vm, args[0]);
}

Value addSocket(VM& vm, int fd, bool listener, std::string alreadyRead = {}) {
    auto s = std::make_shared<Socket>();
    s->fd = fd;
    s->listener = listener;
    s->buffered = std::move(alreadyRead);
    SocketTable& t = table(vm);
    int64_t h = t.nextHandle++;
    t.sockets.emplace(h, std::move(s));
    return Value::integer(h);
}

bool hostPort(VM& vm, Value* args, int argc, std::string& host, std::string& port) {
    if (argc < 2 || !args[1].isInt()) return false;
    int64_t p = args[1].asInt();
    if (p < 0 || p > 65535) return false;
    host = args[0].isString() ? std::string(args[0].as<StringObject>()->view()) : "";
    port = std::to_string(p);
    (void)vm;
    return true;
}

std::string describeAddress(const sockaddr_storage& addr) {
    char ip[INET6_ADDRSTRLEN] = {0};
    if (addr.ss_family == AF_INET) {
        auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
        ::inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
        return std::string(ip) + ":" + std::to_string(ntohs(a->sin_port));
    }
    if (addr.ss_family == AF_INET6) {
        auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
        ::inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
        return "[" + std::string(ip) + "]:" + std::to_string(ntohs(a->sin6_port));
    }
    return "";
}

Value net_listen(VM& vm, Value, Value* args, int argc) {
    std::string host, port;
    if (!hostPort(vm, args, argc, host, port)) return Value::integer(-1);
    int fd = -1;
    {
        BlockingSection io(vm);
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE;
        addrinfo* found = nullptr;
        if (::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found) != 0) return Value::integer(-1);
        for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
            fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
            if (fd < 0) continue;
            int one = 1;
            ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, 512) != 0) {
                ::close(fd);
                fd = -1;
            } else {
                ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); // accept waits through Parking.h
            }
        }
        ::freeaddrinfo(found);
    }
    return fd < 0 ? Value::integer(-1) : addSocket(vm, fd, true);
}

Value net_accept(VM& vm, Value, Value* args, int argc) {
    auto s = socketArg(vm, args, argc);
    if (!s || !s->listener) return Value::integer(-1);
    int fd;
    {
        BlockingSection io(vm);
        for (;;) {
            fd = ::accept4(s->fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd >= 0) break;
            if (errno == EINTR) continue;
            if ((errno != EAGAIN && errno != EWOULDBLOCK) || waitForFd(s->fd, POLLIN, -1) != WaitEnd::Ready) break;
        }
    }
    vm.afterIo();
    if (fd < 0) return Value::integer(-1);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return addSocket(vm, fd, false);
}

Value net_connect(VM& vm, Value, Value* args, int argc) {
    std::string host, port;
    if (!hostPort(vm, args, argc, host, port) || host.empty()) return Value::integer(-1);
    int fd;
    {
        BlockingSection io(vm);
        fd = connectTcp(host, port);
    }
    vm.afterIo();
    return fd < 0 ? Value::integer(-1) : addSocket(vm, fd, false);
}

Value net_setTimeout(VM& vm, Value, Value* args, int argc) {
    auto s = socketArg(vm, args, argc);
    if (!s || argc < 2 || !args[1].isInt() || args[1].asInt() < 0) return Value::boolean(false);
    int64_t ms = args[1].asInt();
    s->recvTimeoutMs.store(ms == 0 ? -1 : ms); // 0: no timeout, as SO_RCVTIMEO
    return Value::boolean(true);
}

Value net_recvLine(VM& vm, Value, Value* args, int argc) {
    auto s = socketArg(vm, args, argc);
    if (!s || s->listener) return vm.stringValue("");
    std::string line;
    {
        BlockingSection io(vm);
        std::lock_guard reading(s->readMutex);
        size_t scanned = 0;
        for (;;) {
            size_t nl = s->buffered.find('\n', scanned);
            if (nl != std::string::npos) {
                size_t end = nl > 0 && s->buffered[nl - 1] == '\r' ? nl - 1 : nl;
                line.assign(s->buffered, 0, end);
                s->buffered.erase(0, nl + 1);
                break;
            }
            scanned = s->buffered.size();
            if (scanned > kMaxLineBytes || !fillSocket(*s, 64 * 1024)) {
                // EOF/timeout/error: an unterminated last line is still data.
                if (scanned <= kMaxLineBytes) line.swap(s->buffered);
                s->buffered.clear();
                break;
            }
        }
    }
    vm.afterIo();
    return vm.stringValue(line);
}

Value net_recv(VM& vm, Value, Value* args, int argc) {
    auto s = socketArg(vm, args, argc);
    if (!s || s->listener || argc < 2 || !args[1].isInt() || args[1].asInt() <= 0) return vm.stringValue("");
    size_t want = size_t(std::min(args[1].asInt(), kMaxRecvBytes));
    std::string data;
    {
        BlockingSection io(vm);
        std::lock_guard reading(s->readMutex);
        if (s->buffered.empty()) {
            data.resize(want);
            ssize_t n = recvSome(*s, data.data(), want);
            data.resize(n > 0 ? size_t(n) : 0);
        } else {
            size_t take = std::min(want, s->buffered.size());
            data.assign(s->buffered, 0, take);
            s->buffered.erase(0, take);
        }
    }
    vm.afterIo();
    return vm.stringValue(data);
}

Value net_send(VM& vm, Value, Value* args, int argc) {
    auto s = socketArg(vm, args, argc);
    if (!s || s->listener || argc < 2) return Value::boolean(false);
    std::string data = args[1].isString() ? std::string(args[1].as<StringObject>()->view()) : vm.toString(args[1]);
    bool ok = true;
    {
        BlockingSection io(vm);
        std::lock_guard writing(s->writeMutex);
        ok = sendAllBytes(*s, data);
    }
    vm.afterIo();
    return Value::boolean(ok);
}

Value net_close(VM& vm, Value, Value* args, int argc) {
    auto s = socketArg(vm, args, argc);
    if (!s) return Value::boolean(false);
    table(vm).sockets.erase(args[0].asInt());
    ::shutdown(s->fd, SHUT_RDWR); // wakes a thread blocked on it; the fd closes with its last user
    return Value::boolean(true);
}

Value net_remoteAddr(VM& vm, Value, Value* args, int argc) {
    auto s = socketArg(vm, args, argc);
    if (!s) return vm.stringValue("");
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getpeername(s->fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return vm.stringValue("");
    return vm.stringValue(describeAddress(addr));
}

// Extension: the port a listener is bound to (for `listen(host, 0)`).
Value net_localPort(VM& vm, Value, Value* args, int argc) {
    auto s = socketArg(vm, args, argc);
    if (!s) return Value::integer(-1);
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(s->fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return Value::integer(-1);
    if (addr.ss_family == AF_INET) return Value::integer(ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port));
    if (addr.ss_family == AF_INET6) return Value::integer(ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port));
    return Value::integer(-1);
}

} // namespace

Socket::~Socket() {
    if (fd >= 0) ::close(fd);
}

std::shared_ptr<Socket> findSocket(VM& vm, Value handle) {
    if (!handle.isInt()) return nullptr;
    auto& sockets = table(vm).sockets;
    auto it = sockets.find(handle.asInt());
    return it == sockets.end() ? nullptr : it->second;
}

Value adoptSocket(VM& vm, int fd, std::string alreadyRead) { return addSocket(vm, fd, false, std::move(alreadyRead)); }

namespace {

// getaddrinfo: a numeric address at once, a name on a helper thread when
// a request is parked (the resolver blocks).
int resolve(const std::string& host, const std::string& port, addrinfo** found) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, found) == 0) return 0;
    hints.ai_flags = 0;
    int rc = 0;
    runOffLoop([&] { rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, found); });
    return rc;
}

// A non-blocking connect that waits through Parking.h; the socket is left
// in blocking mode.
bool connectTo(int fd, const sockaddr* addr, socklen_t len) {
    int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int rc;
    do rc = ::connect(fd, addr, len);
    while (rc != 0 && errno == EINTR);
    if (rc != 0 && errno == EINPROGRESS && waitForFd(fd, POLLOUT, -1) == WaitEnd::Ready) {
        int error = 0;
        socklen_t size = sizeof error;
        rc = ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0 && error == 0 ? 0 : -1;
    }
    ::fcntl(fd, F_SETFL, flags);
    return rc == 0;
}

} // namespace

int connectTcp(const std::string& host, const std::string& port) {
    addrinfo* found = nullptr;
    if (resolve(host, port, &found) != 0) return -1;
    int fd = -1;
    for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        if (!connectTo(fd, a->ai_addr, a->ai_addrlen)) {
            ::close(fd);
            fd = -1;
            if (lastWaitEnd() != WaitEnd::Ready) break; // cancelled or out of time
        }
    }
    ::freeaddrinfo(found);
    if (fd >= 0) {
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

ssize_t recvSome(Socket& s, char* out, size_t size) {
    for (;;) {
        ssize_t n = ::recv(s.fd, out, size, MSG_DONTWAIT);
        if (n >= 0) return n;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
        if (waitForFd(s.fd, POLLIN, s.recvTimeoutMs.load()) != WaitEnd::Ready) return -1;
    }
}

bool fillSocket(Socket& s, size_t want) {
    char chunk[64 * 1024];
    ssize_t n = recvSome(s, chunk, std::min(sizeof chunk, want));
    if (n <= 0) return false;
    s.buffered.append(chunk, size_t(n));
    return true;
}

bool sendAllBytes(int fd, std::string_view data) {
    size_t sent = 0;
    while (sent < data.size()) {
        ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            sent += size_t(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && waitForFd(fd, POLLOUT, -1) == WaitEnd::Ready) continue;
        return false;
    }
    return true;
}

bool sendAllBytes(Socket& s, std::string_view data) { return sendAllBytes(s.fd, data); }

const NativeModuleDef& netModule() {
    static const NativeModuleDef def = {
        "net",
        {
            {"listen", net_listen, 2, 2},
            {"accept", net_accept, 1, 1},
            {"connect", net_connect, 2, 2},
            {"setTimeout", net_setTimeout, 2, 2},
            {"recvLine", net_recvLine, 1, 1},
            {"recv", net_recv, 2, 2},
            {"send", net_send, 2, 2},
            {"close", net_close, 1, 1},
            {"remoteAddr", net_remoteAddr, 1, 1},
            {"localPort", net_localPort, 1, 1},
        },
        {},
    };
    return def;
}

} // namespace langoost
