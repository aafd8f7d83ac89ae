// libFuzzer target: the `http_server` module's request reading
// (readHttpServerRequest: the socket loop, the strict parser, the target
// split, percent-decoding) and the request value a handler gets
// (buildRequestValue, query parsing), over a socketpair holding the input.
// Oracle: the module accepts exactly what RequestParser fed the same bytes
// accepts as a first request with a routable target, with the same method,
// headers and body; header names are tokens and values CR/LF/NUL-free.
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>

#include "FuzzNatives.h"
#include "stdlib/HttpParser.h"

using namespace langoost;
using namespace langoost::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 60 * 1024) return -1; // fits a socketpair's buffer: the writer never blocks
    static const bool ignored = [] { return std::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
    (void)ignored;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return 0;
    int buffer = 1 << 20;
    ::setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
    ::setsockopt(fds[0], SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    size_t sent = 0;
    while (sent < input.size()) {
        ssize_t n = ::send(fds[1], input.data() + sent, input.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += size_t(n);
    }
    ::shutdown(fds[1], SHUT_WR);
    HttpRequestData got;
    int status = readHttpServerRequest(fds[0], got);
    ::close(fds[0]);
    ::close(fds[1]);

    RequestParser reference(16 * 1024, 8u << 20);
    size_t used = 0;
    while (used < input.size() && !reference.complete() && !reference.errorStatus()) {
        size_t step = reference.feed(input.data() + used, input.size() - used);
        if (step == 0) break;
        used += step;
    }
    std::string_view path, query;
    bool accepted = reference.complete();
    ParsedRequest expected;
    if (accepted) {
        expected = reference.take();
        accepted = splitTarget(expected.target, path, query);
    }
    if ((status == 0) != accepted) __builtin_trap();
    if (status != 0) return 0;
    if (got.method != expected.method || got.headers != expected.headers ||
        got.body != expected.body || got.rawQuery != query)
        __builtin_trap();
    for (const auto& [name, value] : got.headers)
        if (!isHeaderName(name) || unsafeHeaderText(value)) __builtin_trap();
    VM& vm = fuzzVM();
    Value request = buildRequestValue(vm, got);
    (void)request;
    collectSometimes();
    return 0;
}
