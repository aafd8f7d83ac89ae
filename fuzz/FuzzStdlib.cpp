// libFuzzer target: the parsers of the standard library fed hostile text —
// json.parse (simdjson + value building, then stringify of the result),
// regex (RE2: a pattern and a subject split at the first NUL), url.parse /
// url.parseQuery / url.decode, form.parseURLEncoded and form.parseMultipart
// (boundary from the first line). The first input byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "FuzzNatives.h"

using namespace langoost;
using fuzz::callNative;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1 || size > 64 * 1024) return -1;
    std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    size_t nul = text.find('\0');
    std::string_view first = text.substr(0, nul);
    std::string_view second = nul == std::string_view::npos ? std::string_view() : text.substr(nul + 1);
    size_t newline = text.find('\n');
    switch (data[0] % 5) {
    case 0:
        callNative("json", "parse", {text});
        break;
    case 1:
        callNative("regex", "match", {first, second});
        callNative("regex", "findAll", {first, second});
        callNative("regex", "replace", {first, second, "<$1>"});
        callNative("regex", "split", {first, second});
        break;
    case 2:
        callNative("url", "parse", {text});
        callNative("url", "decode", {text});
        break;
    case 3:
        callNative("url", "parseQuery", {text});
        callNative("form", "parseURLEncoded", {text});
        break;
    case 4:
        callNative("form", "parseMultipart", {text.substr(newline == std::string_view::npos ? text.size() : newline + 1),
                                              text.substr(0, newline)});
        break;
    }
    return 0;
}
