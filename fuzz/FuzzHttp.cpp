// libFuzzer target: the HTTP/1 request parser (stdlib/HttpParser: llhttp in
// strict mode plus our checks, with small header and body limits), checked
// for meaning, not only for crashes:
//   - differential: the input fed in fuzzer-chosen pieces (1-64 bytes, as a
//     pipelining client's reads arrive) and fed whole give the same
//     requests and the same error;
//   - invariants: every accepted request has exactly one Host on HTTP/1.1
//     (at most one on 1.0), no Content-Length beside a Transfer-Encoding,
//     at most one Content-Length and it equals the body's size, a
//     Transfer-Encoding only as exactly `chunked`, a version of 1.0 or 1.1,
//     names that are RFC 9110 tokens and values without CR, LF or NUL;
//   - round trip: each request written out canonically (Content-Length
//     framing) parses back to the same method, target, version, headers
//     and body;
// and each target goes through the router, which must never route a
// hidden (`.`) or private (`_`) name.
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "server/RequestParser.h"
#include "server/Router.h"

using namespace langoost;

namespace {

const Router& router() {
    static Router* r = [] {
        char dir[] = "/tmp/langoost-fuzz-http-XXXXXX";
        std::string root = ::mkdtemp(dir);
        ::mkdir((root + "/a").c_str(), 0755);
        for (const char* f :
             {"/index.goost", "/a/b.goost", "/a/page.html", "/.env", "/_private.txt"})
            if (FILE* out = std::fopen((root + f).c_str(), "w")) std::fclose(out);
        return new Router(root);
    }();
    return *r;
}

struct Outcome {
    std::vector<ParsedRequest> requests;
    int error = 0;
};

// Parses `input` read `piece` bytes at a time (everything at once for 0).
Outcome parseAll(std::string_view input, size_t piece, size_t maxHeader, size_t maxBody) {
    RequestParser parser(maxHeader, maxBody);
    Outcome out;
    std::string pending;
    size_t pos = 0;
    if (piece == 0) piece = input.size();
    for (;;) {
        if (pos < input.size()) {
            pending.append(input.substr(pos, piece));
            pos += std::min(piece, input.size() - pos);
        }
        size_t used = parser.feed(pending.data(), pending.size());
        pending.erase(0, used);
        if ((out.error = parser.errorStatus())) break;
        if (parser.complete()) {
            out.requests.push_back(parser.take());
            continue;
        }
        if (pos >= input.size() && (used == 0 || pending.empty())) break;
    }
    return out;
}

bool sameRequest(const ParsedRequest& a, const ParsedRequest& b) {
    return a.method == b.method && a.target == b.target && a.headers == b.headers &&
           a.body == b.body && a.versionMajor == b.versionMajor &&
           a.versionMinor == b.versionMinor && a.keepAlive == b.keepAlive && a.upgrade == b.upgrade;
}

void checkInvariants(const ParsedRequest& r) {
    if (r.versionMajor != 1 || r.versionMinor > 1) __builtin_trap();
    int hosts = 0, lengths = 0, encodings = 0;
    for (const auto& [name, value] : r.headers) {
        if (!isHeaderName(name) || unsafeHeaderText(value)) __builtin_trap();
        if (name == "host") ++hosts;
        if (name == "content-length") {
            ++lengths;
            std::string_view digits(value);
            while (digits.size() > 1 && digits.front() == '0')
                digits.remove_prefix(1);
            // body length == Content-Length (CONNECT's body is the tunnel, not read)
            if (r.method != "CONNECT" && digits != std::to_string(r.body.size())) __builtin_trap();
        }
        if (name == "transfer-encoding") {
            ++encodings;
            std::string lower;
            for (char ch : value)
                lower += char(std::tolower(static_cast<unsigned char>(ch)));
            if (lower != "chunked") __builtin_trap();
        }
    }
    if (hosts > 1 || (hosts == 0 && r.versionMinor == 1)) __builtin_trap();
    if (lengths > 1 || encodings > 1 || (lengths && encodings)) __builtin_trap();
    if (encodings && r.versionMinor == 0) __builtin_trap();
}

// The request as a canonical client would send it: Content-Length framing.
std::string canonical(const ParsedRequest& r) {
    std::string out =
        r.method + " " + r.target + " HTTP/1." + std::to_string(r.versionMinor) + "\r\n";
    for (const auto& [name, value] : r.headers)
        if ((name != "content-length" && name != "transfer-encoding") || r.method == "CONNECT")
            out += name + ": " + value + "\r\n";
    bool hasBodyHeader = false;
    for (const auto& [name, value] : r.headers)
        hasBodyHeader |= name == "content-length" || name == "transfer-encoding";
    if (hasBodyHeader && r.method != "CONNECT")
        out += "content-length: " + std::to_string(r.body.size()) + "\r\n";
    return out + "\r\n" + r.body;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1 || size > 64 * 1024) return -1;
    size_t piece = data[0] % 64 + 1;
    std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    Outcome pieces = parseAll(input, piece, 2048, 4096);
    Outcome whole = parseAll(input, 0, 2048, 4096);
    // Split or whole, the same requests and the same verdict. Two refusals
    // may name different statuses: a header section that is both too long
    // and malformed is refused as 431 or 400 depending on which llhttp
    // reports first, and a span is only handed over at its end or at the
    // end of a feed. Either way the connection ends there.
    if ((pieces.error != 0) != (whole.error != 0) || pieces.requests.size() != whole.requests.size())
        __builtin_trap();
    for (size_t i = 0; i < pieces.requests.size(); ++i)
        if (!sameRequest(pieces.requests[i], whole.requests[i])) __builtin_trap();
    for (const ParsedRequest& request : pieces.requests) {
        checkInvariants(request);
        std::string again = canonical(request);
        Outcome back = parseAll(again, 0, 1 << 20, 4096);
        // Connection: close / an upgrade end the message stream; the one request still parses.
        if (back.error || back.requests.size() != 1) __builtin_trap();
        ParsedRequest expected = request;
        bool connect = request.method == "CONNECT";
        std::erase_if(expected.headers, [&](const auto& h) {
            return !connect && (h.first == "content-length" || h.first == "transfer-encoding");
        });
        if (!connect)
            std::erase_if(back.requests[0].headers,
                          [](const auto& h) { return h.first == "content-length"; });
        back.requests[0].keepAlive =
            expected.keepAlive; // chunked→length framing can change it for 1.0
        if (!sameRequest(expected, back.requests[0])) __builtin_trap();
        std::string_view path, query;
        if (!splitTarget(request.target, path, query)) continue;
        Route route = router().resolve(path);
        if (route.kind == Route::Kind::Static || route.kind == Route::Kind::Script) {
            if (route.file.find("/.") != std::string::npos ||
                route.file.find("/_") != std::string::npos)
                __builtin_trap(); // a hidden or private name was routed
        }
    }
    return 0;
}
