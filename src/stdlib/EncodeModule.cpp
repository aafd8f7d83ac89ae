// The `encode` module (stdlib.md): namespaces `hex` and `base64`.
// Decoders are strict: anything that is not canonical input for the
// encoding raises ValueError (base64.urlDecode also accepts `=` padding).
#include <array>

#include "stdlib/DataArgs.h"
#include "stdlib/Stdlib.h"

namespace langoost {

std::string hexEncode(std::string_view bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.resize(bytes.size() * 2);
    for (size_t i = 0; i < bytes.size(); ++i) {
        auto c = static_cast<unsigned char>(bytes[i]);
        out[2 * i] = digits[c >> 4];
        out[2 * i + 1] = digits[c & 15];
    }
    return out;
}

namespace {

constexpr const char* kStd = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr const char* kUrl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Value hex_encode(VM& vm, Value, Value* a, int n) {
    auto s = argString(vm, "hex.encode", a, n, 0);
    if (s.size() > kMaxStringLength / 2) vm.raise("ValueError", "hex.encode: input is too large");
    vm.checkAllocation(uint64_t(s.size()) * 2); // before the result is built
    return makeString(vm, hexEncode(s));
}

Value hex_decode(VM& vm, Value, Value* a, int n) {
    auto s = argString(vm, "hex.decode", a, n, 0);
    if (s.size() % 2) vm.raise("ValueError", "hex.decode: odd length " + std::to_string(s.size()));
    std::string out(s.size() / 2, '\0');
    for (size_t i = 0; i < out.size(); ++i) {
        int hi = hexDigit(s[2 * i]), lo = hexDigit(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            vm.raise("ValueError", "hex.decode: invalid hex digit at byte " + std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
        out[i] = char(hi << 4 | lo);
    }
    return makeString(vm, out);
}

std::string b64encode(std::string_view in, const char* alphabet, bool pad) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        uint32_t v = uint32_t(p[i]) << 16 | uint32_t(p[i + 1]) << 8 | p[i + 2];
        out += alphabet[v >> 18];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    size_t rest = in.size() - i;
    if (rest) {
        uint32_t v = uint32_t(p[i]) << 16 | (rest == 2 ? uint32_t(p[i + 1]) << 8 : 0);
        out += alphabet[v >> 18];
        out += alphabet[(v >> 12) & 63];
        if (rest == 2) out += alphabet[(v >> 6) & 63];
        if (pad) out.append(rest == 1 ? "==" : "=");
    }
    return out;
}

// Decodes base64; `padded`: input must be padded to a multiple of 4 (the
// standard form); otherwise padding is optional.
std::string b64decode(VM& vm, const char* fn, std::string_view in, const char* alphabet, bool padded) {
    std::array<int8_t, 256> table;
    table.fill(-1);
    for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(alphabet[i])] = int8_t(i);
    size_t len = in.size();
    if (padded && len % 4) vm.raise("ValueError", std::string(fn) + ": length " + std::to_string(len) + " is not a multiple of 4");
    size_t pads = 0;
    while (len > 0 && in[len - 1] == '=' && pads < 2) {
        --len;
        ++pads;
    }
    if (!padded && pads && in.size() % 4)
        vm.raise("ValueError", std::string(fn) + ": bad padding");
    if (len % 4 == 1) vm.raise("ValueError", std::string(fn) + ": truncated input");
    std::string out;
    out.reserve(len / 4 * 3 + 2);
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; ++i) {
        int v = table[static_cast<unsigned char>(in[i])];
        if (v < 0) vm.raise("ValueError", std::string(fn) + ": invalid character at byte " + std::to_string(i));
        acc = acc << 6 | uint32_t(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += char((acc >> bits) & 0xFF);
        }
    }
    // Leftover bits must be zero (canonical encoding).
    if (bits && (acc & ((1u << bits) - 1))) vm.raise("ValueError", std::string(fn) + ": non-canonical trailing bits");
    if (padded && pads != (4 - len % 4) % 4) vm.raise("ValueError", std::string(fn) + ": bad padding");
    return out;
}

Value b64_encode(VM& vm, Value, Value* a, int n) {
    auto s = argString(vm, "base64.encode", a, n, 0);
    if (s.size() / 3 * 4 > kMaxStringLength - 4) vm.raise("ValueError", "base64.encode: input is too large");
    vm.checkAllocation((uint64_t(s.size()) + 2) / 3 * 4);
    return makeString(vm, b64encode(s, kStd, true));
}
Value b64_decode(VM& vm, Value, Value* a, int n) {
    auto s = argString(vm, "base64.decode", a, n, 0);
    return makeString(vm, b64decode(vm, "base64.decode", s, kStd, true));
}
Value b64_urlEncode(VM& vm, Value, Value* a, int n) {
    auto s = argString(vm, "base64.urlEncode", a, n, 0);
    if (s.size() / 3 * 4 > kMaxStringLength - 4) vm.raise("ValueError", "base64.urlEncode: input is too large");
    vm.checkAllocation((uint64_t(s.size()) + 2) / 3 * 4);
    return makeString(vm, b64encode(s, kUrl, false));
}
Value b64_urlDecode(VM& vm, Value, Value* a, int n) {
    auto s = argString(vm, "base64.urlDecode", a, n, 0);
    return makeString(vm, b64decode(vm, "base64.urlDecode", s, kUrl, false));
}

} // namespace

const NativeModuleDef& encodeModule() {
    static const NativeModuleDef def = {
        "encode",
        {},
        {
            {"hex", {{"encode", hex_encode, 1, 1}, {"decode", hex_decode, 1, 1}}, {}},
            {"base64",
             {
                 {"encode", b64_encode, 1, 1},
                 {"decode", b64_decode, 1, 1},
                 {"urlEncode", b64_urlEncode, 1, 1},
                 {"urlDecode", b64_urlDecode, 1, 1},
             },
             {}},
        },
    };
    return def;
}

} // namespace langoost
