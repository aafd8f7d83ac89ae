// libFuzzer target: the server's HTTP request parsing (http_parser behind
// RequestParser, with the server's header and body limits) fed bytes in
// fuzzer-chosen pieces, as a pipelining client would send them; every
// complete request's target then goes through the router's path
// normalisation and traversal checks against a small directory tree.
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "server/RequestParser.h"
#include "server/Router.h"

using namespace langoost;

namespace {

const Router& router() {
    static Router* r = [] {
        char dir[] = "/tmp/langoost-fuzz-http-XXXXXX";
        std::string root = ::mkdtemp(dir);
        ::mkdir((root + "/a").c_str(), 0755);
        for (const char* f : {"/index.goost", "/a/b.goost", "/a/page.html", "/.env", "/_private.txt"})
            if (FILE* out = std::fopen((root + f).c_str(), "w")) std::fclose(out);
        return new Router(root);
    }();
    return *r;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1 || size > 64 * 1024) return -1;
    RequestParser parser(2048, 4096);
    size_t piece = data[0] % 64 + 1; // bytes per read
    std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    size_t pos = 0;
    std::string pending;
    while (pos < input.size() || !pending.empty()) {
        if (pos < input.size()) {
            pending.append(input.substr(pos, piece));
            pos += piece;
        }
        size_t used = parser.feed(pending.data(), pending.size());
        pending.erase(0, used);
        if (parser.errorStatus()) break;
        if (parser.complete()) {
            ParsedRequest request = parser.take();
            std::string_view target(request.target);
            Route route = router().resolve(target.substr(0, target.find('?')));
            if (route.kind == Route::Kind::Static || route.kind == Route::Kind::Script) {
                if (route.file.find("/.") != std::string::npos || route.file.find("/_") != std::string::npos)
                    __builtin_trap(); // a hidden or private name was routed
            }
            continue;
        }
        if (used == 0 && pos >= input.size()) break;
    }
    return 0;
}
