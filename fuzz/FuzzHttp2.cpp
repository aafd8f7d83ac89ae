// libFuzzer target: an HTTP/2 server session (Http2Session on nghttp2) fed
// the client preface and then the input in fuzzer-chosen pieces (first
// byte), or, when its top bit is set, after an `Upgrade: h2c` whose
// HTTP2-Settings is the input's first line. Every completed request is
// answered (its body echoed) and the frames produced are drained, so the
// response side runs too. Invariants: a request handed out without an
// error status has a method, a target starting with '/' or '*' or a scheme
// (absolute), and a body within the body limit.
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/Http2Session.h"

using namespace langoost;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1 || size > 64 * 1024) return -1;
    constexpr size_t kMaxHeader = 4096, kMaxBody = 8192;
    size_t piece = (data[0] & 0x3f) + 1;
    bool upgrade = data[0] & 0x80;
    std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    Http2Session session(kMaxHeader, kMaxBody);
    if (upgrade) {
        size_t eol = input.find('\n');
        std::string_view settings = input.substr(0, eol);
        input = eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);
        if (!session.upgrade(settings, false)) return 0;
    }
    std::string bytes = std::string(kHttp2ClientPreface) + std::string(input);
    std::string out;
    for (size_t pos = 0; pos < bytes.size(); pos += piece) {
        bool ok = session.receive(bytes.data() + pos, std::min(piece, bytes.size() - pos));
        for (Http2Request& r : session.takeRequests()) {
            HttpResponseData response;
            if (r.errorStatus) {
                response.status = r.errorStatus;
            } else {
                if (r.request.method.empty() || r.request.body.size() > kMaxBody) __builtin_trap();
                response.body = r.request.body;
                response.headers.emplace_back("X-Echo", "1");
            }
            session.respond(r.streamId, response, r.request.method == "HEAD");
        }
        out.clear();
        if (!session.produce(out, 1 << 20) || !ok) break;
        if (session.finished()) break;
    }
    session.shutdown();
    out.clear();
    session.produce(out, 1 << 20);
    return 0;
}
