// libFuzzer target: time.parse and the base64/hex codecs, with round-trip
// oracles (the first input byte picks the codec):
//   - time.parse(s) that succeeds gives ms; time.format(ms) must parse back
//     to the same ms;
//   - base64.decode / urlDecode / hex.decode that succeed give bytes b;
//     encode(b) must decode back to b; and encode(input) always decodes
//     back to the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "FuzzNatives.h"

using namespace langoost;
using namespace langoost::fuzz;

namespace {

std::string_view text(Value v) { return v.as<StringObject>()->view(); }

// decode(encode(x)) == x, and decode(s) == b implies decode(encode(b)) == b.
void roundTrip(NativeFn encode, NativeFn decode, std::string_view input) {
    VM& vm = fuzzVM();
    Value in = vm.stringValue(input);
    vm.tempRoots.push_back(in);
    std::optional<Value> encoded = callValue(encode, {in});
    if (encoded) {
        vm.tempRoots.push_back(*encoded);
        std::optional<Value> back = callValue(decode, {*encoded});
        if (!back || text(*back) != input) __builtin_trap();
        vm.tempRoots.pop_back();
    }
    if (std::optional<Value> bytes = callValue(decode, {in})) {
        vm.tempRoots.push_back(*bytes);
        std::optional<Value> again = callValue(encode, {*bytes});
        if (!again) __builtin_trap();
        vm.tempRoots.push_back(*again);
        std::optional<Value> same = callValue(decode, {*again});
        if (!same || text(*same) != text(*bytes)) __builtin_trap();
        vm.tempRoots.pop_back();
        vm.tempRoots.pop_back();
    }
    vm.tempRoots.pop_back();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1 || size > 16 * 1024) return -1;
    std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    static const NativeFn parse = findNative("time", "parse"),
                          format = findNative("time", "format");
    static const NativeFn b64enc = findNative("encode.base64", "encode"),
                          b64dec = findNative("encode.base64", "decode");
    static const NativeFn urlenc = findNative("encode.base64", "urlEncode"),
                          urldec = findNative("encode.base64", "urlDecode");
    static const NativeFn hexenc = findNative("encode.hex", "encode"),
                          hexdec = findNative("encode.hex", "decode");
    VM& vm = fuzzVM();
    switch (data[0] % 4) {
    case 0: {
        Value in = vm.stringValue(input);
        vm.tempRoots.push_back(in);
        if (std::optional<Value> ms = callValue(parse, {in})) {
            std::optional<Value> iso = callValue(format, {*ms});
            if (iso) { // years 1..9999 format; parse may accept more
                vm.tempRoots.push_back(*iso);
                std::optional<Value> back = callValue(parse, {*iso});
                if (!back || !back->isInt() || back->asInt() != ms->asInt()) __builtin_trap();
                vm.tempRoots.pop_back();
            }
        }
        vm.tempRoots.pop_back();
        break;
    }
    case 1:
        roundTrip(b64enc, b64dec, input);
        break;
    case 2:
        roundTrip(urlenc, urldec, input);
        break;
    case 3:
        roundTrip(hexenc, hexdec, input);
        break;
    }
    collectSometimes();
    return 0;
}
