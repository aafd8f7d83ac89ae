// The `http_server` module (stdlib.md, compat): serve(port, handler), a
// minimal blocking HTTP/1.1 server — one request per connection, handled
// in turn on the calling thread. handler(req) gets {method, path, query,
// headers, body} (header names lowercased, query parsed like url.parseQuery)
// and returns a string (text/plain), an object or array (JSON), or an
// explicit {status, headers, body}. Real deployments use `langoost serve`.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "stdlib/DataArgs.h"
#include "stdlib/HttpMessage.h"
#include "stdlib/Stdlib.h"
#include "vm/ArrayOps.h"
#include "vm/MapOps.h"

namespace langoost {
namespace {

constexpr size_t kMaxHeadBytes = 16 * 1024;   // request line + headers → 431
constexpr size_t kMaxBodyBytes = 8u << 20;    // body → 413
constexpr int kReadTimeoutSeconds = 10;       // a slow client cannot hold the server

struct RawRequest {
    std::string method, target, version, body;
    std::vector<std::pair<std::string, std::string>> headers;
};

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = char(c + 32);
    return s;
}

// Reads one request; returns an HTTP status to answer with on failure, 0 on success.
int readRequest(int fd, RawRequest& req) {
    std::string data;
    char buf[16384];
    size_t headEnd;
    for (;;) {
        headEnd = data.find("\r\n\r\n");
        if (headEnd != std::string::npos) break;
        if (data.size() > kMaxHeadBytes) return 431;
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        data.append(buf, size_t(n));
    }
    if (headEnd > kMaxHeadBytes) return 431;
    std::string_view head(data.data(), headEnd);
    size_t lineEnd = head.find("\r\n");
    std::string_view requestLine = head.substr(0, lineEnd);
    size_t sp1 = requestLine.find(' '), sp2 = requestLine.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 == sp1) return 400;
    req.method = std::string(requestLine.substr(0, sp1));
    req.target = std::string(requestLine.substr(sp1 + 1, sp2 - sp1 - 1));
    req.version = std::string(requestLine.substr(sp2 + 1));
    if (!req.version.starts_with("HTTP/1.") || req.target.empty()) return 400;
    size_t contentLength = 0;
    bool chunked = false;
    while (lineEnd != std::string_view::npos) {
        size_t start = lineEnd + 2;
        lineEnd = head.find("\r\n", start);
        std::string_view line = head.substr(start, lineEnd == std::string_view::npos ? std::string_view::npos : lineEnd - start);
        size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) return 400;
        std::string name = lower(std::string(line.substr(0, colon)));
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
        if (name == "content-length") {
            if (value.empty() || value.find_first_not_of("0123456789") != std::string_view::npos || value.size() > 12)
                return 400;
            contentLength = std::stoull(std::string(value));
            if (contentLength > kMaxBodyBytes) return 413;
        }
        if (name == "transfer-encoding") chunked = true;
        req.headers.emplace_back(name, std::string(value));
    }
    if (chunked) return 501; // one request per connection: chunked bodies are for `langoost serve`
    std::string body = data.substr(headEnd + 4);
    while (body.size() < contentLength) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 400;
        body.append(buf, size_t(n));
    }
    body.resize(contentLength);
    req.body = std::move(body);
    return 0;
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

HttpRequestData toRequestData(RawRequest& raw) {
    HttpRequestData data;
    size_t q = raw.target.find('?');
    data.method = std::move(raw.method);
    data.path = percentDecodeLenient(std::string_view(raw.target).substr(0, q), false);
    if (q != std::string::npos) data.rawQuery = raw.target.substr(q + 1);
    data.headers = std::move(raw.headers);
    data.body = std::move(raw.body);
    return data;
}

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
        RawRequest raw;
        int failure;
        {
            BlockingSection io(vm);
            do {
                client = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
            } while (client < 0 && errno == EINTR);
            if (client < 0) continue;
            timeval tv{kReadTimeoutSeconds, 0};
            ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            failure = readRequest(client, raw);
            if (failure != 0) {
                if (failure > 0) sendAll(client, plainResponse(failure));
                ::close(client);
                continue;
            }
        }
        bool head = raw.method == "HEAD";
        std::string out;
        try {
            Value req = buildRequestValue(vm, toRequestData(raw));
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
