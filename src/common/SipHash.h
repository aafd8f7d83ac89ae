// Keyed string hashing against hash flooding. Every hash table the runtime
// fills with strings a script or a request controls (object keys, the
// runtime.core store, the regex cache, interned constants) hashes with
// SipHash-1-3 (Aumasson & Bernstein; the variant CPython and Rust use)
// under a key drawn from getrandom() once per process, so colliding keys
// cannot be computed offline. The rounds follow the reference
// implementation (github.com/veorq/SipHash, CC0), checked against its
// published vectors in tests/unit/SipHashTest.cpp.
#pragma once
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace langoost {

struct SipKey {
    uint64_t k0, k1;
};

namespace sip {
inline uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct SipState {
    uint64_t v0, v1, v2, v3;
    void round() {
        v0 += v1;
        v1 = rotl(v1, 13);
        v1 ^= v0;
        v0 = rotl(v0, 32);
        v2 += v3;
        v3 = rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = rotl(v1, 17);
        v1 ^= v2;
        v2 = rotl(v2, 32);
    }
};

inline uint64_t loadLittleEndian(const unsigned char* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
    return v;
}

} // namespace sip

// SipHash with C compression and D finalization rounds (1-3 or 2-4).
// Inline: object keys are hashed on the interpreter's paths.
template <int C, int D>
inline uint64_t sipHash(const SipKey& key, const void* data, size_t length) {
    sip::SipState s{key.k0 ^ 0x736f6d6570736575ULL, key.k1 ^ 0x646f72616e646f6dULL,
                    key.k0 ^ 0x6c7967656e657261ULL, key.k1 ^ 0x7465646279746573ULL};
    auto* p = static_cast<const unsigned char*>(data);
    const unsigned char* end = p + (length & ~size_t(7));
    for (; p != end; p += 8) {
        uint64_t m = sip::loadLittleEndian(p);
        s.v3 ^= m;
        for (int i = 0; i < C; ++i)
            s.round();
        s.v0 ^= m;
    }
    uint64_t last = uint64_t(length) << 56;
    switch (length & 7) {
    case 7:
        last |= uint64_t(p[6]) << 48;
        [[fallthrough]];
    case 6:
        last |= uint64_t(p[5]) << 40;
        [[fallthrough]];
    case 5:
        last |= uint64_t(p[4]) << 32;
        [[fallthrough]];
    case 4:
        last |= uint64_t(p[3]) << 24;
        [[fallthrough]];
    case 3:
        last |= uint64_t(p[2]) << 16;
        [[fallthrough]];
    case 2:
        last |= uint64_t(p[1]) << 8;
        [[fallthrough]];
    case 1:
        last |= uint64_t(p[0]);
        break;
    default:
        break;
    }
    s.v3 ^= last;
    for (int i = 0; i < C; ++i)
        s.round();
    s.v0 ^= last;
    s.v2 ^= 0xff;
    for (int i = 0; i < D; ++i)
        s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

inline uint64_t sipHash13(const SipKey& key, std::string_view bytes) {
    return sipHash<1, 3>(key, bytes.data(), bytes.size());
}
inline uint64_t sipHash24(const SipKey& key, std::string_view bytes) {
    return sipHash<2, 4>(key, bytes.data(), bytes.size());
}

// 16 bytes from getrandom (a clock-and-pid mix if that fails).
SipKey randomSipKey();

// The process's random key: drawn at first use, never changed.
inline const SipKey& processHashKey() {
    static const SipKey key = randomSipKey();
    return key;
}

// sipHash13 under processHashKey(): the hash of every runtime string table.
inline uint64_t keyedHash(std::string_view bytes) { return sipHash13(processHashKey(), bytes); }

// For std::unordered_map/set keyed by strings (transparent: string_view
// lookups without building a std::string).
struct KeyedStringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return size_t(keyedHash(s)); }
};

} // namespace langoost
