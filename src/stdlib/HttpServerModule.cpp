// The `http_server` module (stdlib.md, compat): serve(port, handler), a
// minimal blocking HTTP/1.1 server — one request per connection, handled
// in turn on the calling thread. handler(req) gets {method, path, query,
// headers, body} (header names lowercased, query parsed like url.parseQuery)
// and returns a string (text/plain), an object or array (JSON), or an
// explicit {status, headers, body}. Requests are read by the strict parser
// `langoost serve` uses (HttpParser.h). Real deployments use `langoost serve`.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "stdlib/DataArgs.h"
#include "stdlib/HttpMessage.h"
#include "stdlib/HttpParser.h"
#include "stdlib/Stdlib.h"
#include "vm/ArrayOps.h"
#include "vm/MapOps.h"

namespace langoost {
namespace {

constexpr size_t kMaxHeadBytes = 16 * 1024;   // request line + headers → 431
constexpr size_t kMaxBodyBytes = 8u << 20;    // body → 413
constexpr int kReadTimeoutSeconds = 10;       // a silent client cannot hold the server,
constexpr int kRequestTimeoutSeconds = 30;    // nor one trickling a byte at a time (408)

// Reads one request with the strict parser `langoost serve` uses; returns
// an HTTP status to answer with on failure, -1 when the client went away,
// 0 on success.
int readRequest(int fd, ParsedRequest& req) {
    RequestParser parser(kMaxHeadBytes, kMaxBodyBytes);
    char buf[16384];
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kRequestTimeoutSeconds);
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return 408;
        left = std::min<std::chrono::microseconds>(left, std::chrono::seconds(kReadTimeoutSeconds));
        timeval tv{time_t(left.count() / 1'000'000), suseconds_t(left.count() % 1'000'000)};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && std::chrono::steady_clock::now() >= deadline)
            return 408;
        if (n <= 0) return parser.inProgress() && parser.headersDone() ? 400 : -1;
        size_t used = 0;
        while (used < size_t(n) && !parser.complete() && !parser.errorStatus()) {
            size_t step = parser.feed(buf + used, size_t(n) - used);
            if (step == 0) break;
            used += step;
        }
        if (int status = parser.errorStatus()) return status;
        if (parser.takeContinueWanted()) {
            static const char proceed[] = "HTTP/1.1 100 Continue\r\n\r\n";
            [[maybe_unused]] ssize_t sent = ::send(fd, proceed, sizeof proceed - 1, MSG_NOSIGNAL);
        }
        if (parser.complete()) {
            req = parser.take();
            return 0;
        }
    }
}

void sendAll(int fd, const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
        ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        sent += size_t(n);
    }
}

// The wire form of a response (one request per connection: always closes).
std::string serialize(const HttpResponseData& r, bool head) {
    std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + httpReason(r.status) + "\r\n";
    for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\nConnection: close\r\n\r\n";
    if (!head) out += r.body;
    return out;
}

std::string plainResponse(int status) {
    HttpResponseData r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    r.body = httpReason(status);
    return serialize(r, false);
}

// False when the target has no path to route ("*", an authority).
bool toRequestData(ParsedRequest& raw, HttpRequestData& data) {
    std::string_view rawPath, rawQuery;
    if (!splitTarget(raw.target, rawPath, rawQuery)) return false;
    data.path = percentDecodeLenient(rawPath, false);
    data.rawQuery = std::string(rawQuery);
    data.method = std::move(raw.method);
    data.headers = std::move(raw.headers);
    data.body = std::move(raw.body);
    return true;
}

} // namespace

int readHttpServerRequest(int fd, HttpRequestData& data) {
    ParsedRequest raw;
    if (int failure = readRequest(fd, raw)) return failure;
    return toRequestData(raw, data) ? 0 : 400;
}

namespace {

Value serve(VM& vm, Value, Value* args, int argc) {
    int64_t port = argInt(vm, "http_server.serve", args, argc, 0);
    if (port < 0 || port > 65535) vm.raise("ValueError", "http_server.serve: port out of range");
    Value handler = args[1];
    int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool v6 = fd >= 0;
    if (!v6) fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) vm.raise("IOError", std::string("http_server.serve: socket: ") + std::strerror(errno));
    int one = 1, zero = 0;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc;
    if (v6) {
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        sockaddr_in6 addr{};
        addr.sin6_family = AF_INET6;
        addr.sin6_addr = in6addr_any;
        addr.sin6_port = htons(uint16_t(port));
        rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    } else {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_ANY);
        addr.sin_port = htons(uint16_t(port));
        rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    }
    if (rc != 0 || ::listen(fd, 128) != 0) {
        int e = errno;
        ::close(fd);
        vm.raise("IOError", "http_server.serve: cannot listen on port " + std::to_string(port) + ": " + std::strerror(e));
    }
    for (;;) {
        int client;
        HttpRequestData data;
        int failure;
        {
            BlockingSection io(vm);
            do {
                client = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
            } while (client < 0 && errno == EINTR);
            if (client < 0) continue;
            failure = readHttpServerRequest(client, data);
            if (failure != 0) {
                if (failure > 0) sendAll(client, plainResponse(failure));
                ::close(client);
                continue;
            }
        }
        bool head = data.method == "HEAD";
        std::string out;
        try {
            Value req = buildRequestValue(vm, data);
            Value result = vm.call(handler, std::span(&req, 1));
            HttpResponseData response;
            applyHandlerResult(vm, result, response);
            if (result.isNil()) response.status = 204;
            out = serialize(response, head);
        } catch (ScriptThrow&) {
            vm.flush();
            std::string report = "http_server: handler failed: " + vm.describeUncaught();
            std::fputs(report.c_str(), stderr);
            out = plainResponse(500);
        }
        {
            BlockingSection io(vm);
            sendAll(client, out);
            ::close(client);
        }
    }
}

} // namespace

const NativeModuleDef& httpServerModule() {
    static const NativeModuleDef def = {"http_server", {{"serve", serve, 2, 2}}, {}};
    return def;
}

} // namespace langoost
