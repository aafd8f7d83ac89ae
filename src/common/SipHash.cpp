// SipHash after the reference implementation (github.com/veorq/SipHash,
// CC0), checked against its published test vectors in tests/unit.
#include "common/SipHash.h"

#include <sys/random.h>

#include <bit>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <unistd.h>

namespace langoost {
namespace {

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

SipKey randomKey() {
    SipKey key{};
    auto* out = reinterpret_cast<unsigned char*>(&key);
    size_t have = 0;
    while (have < sizeof key) {
        ssize_t n = getrandom(out + have, sizeof key - have, 0);
        if (n > 0) {
            have += size_t(n);
        } else if (n < 0 && errno != EINTR) {
            break;
        }
    }
    if (have < sizeof key) { // no getrandom (old kernel, seccomp): still differs per process and run
        auto now = uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
        key.k0 ^= now * 0x9e3779b97f4a7c15ULL ^ uint64_t(getpid());
        key.k1 ^= uint64_t(std::chrono::system_clock::now().time_since_epoch().count()) ^ uintptr_t(&key);
    }
    return key;
}

} // namespace

template <int C, int D> uint64_t sipHash(const SipKey& key, const void* data, size_t length) {
    SipState s{key.k0 ^ 0x736f6d6570736575ULL, key.k1 ^ 0x646f72616e646f6dULL, key.k0 ^ 0x6c7967656e657261ULL,
               key.k1 ^ 0x7465646279746573ULL};
    auto* p = static_cast<const unsigned char*>(data);
    const unsigned char* end = p + (length & ~size_t(7));
    for (; p != end; p += 8) {
        uint64_t m = loadLittleEndian(p);
        s.v3 ^= m;
        for (int i = 0; i < C; ++i) s.round();
        s.v0 ^= m;
    }
    uint64_t last = uint64_t(length) << 56;
    switch (length & 7) {
    case 7: last |= uint64_t(p[6]) << 48; [[fallthrough]];
    case 6: last |= uint64_t(p[5]) << 40; [[fallthrough]];
    case 5: last |= uint64_t(p[4]) << 32; [[fallthrough]];
    case 4: last |= uint64_t(p[3]) << 24; [[fallthrough]];
    case 3: last |= uint64_t(p[2]) << 16; [[fallthrough]];
    case 2: last |= uint64_t(p[1]) << 8; [[fallthrough]];
    case 1: last |= uint64_t(p[0]); break;
    default: break;
    }
    s.v3 ^= last;
    for (int i = 0; i < C; ++i) s.round();
    s.v0 ^= last;
    s.v2 ^= 0xff;
    for (int i = 0; i < D; ++i) s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

template uint64_t sipHash<1, 3>(const SipKey&, const void*, size_t);
template uint64_t sipHash<2, 4>(const SipKey&, const void*, size_t);

uint64_t sipHash13(const SipKey& key, std::string_view bytes) { return sipHash<1, 3>(key, bytes.data(), bytes.size()); }
uint64_t sipHash24(const SipKey& key, std::string_view bytes) { return sipHash<2, 4>(key, bytes.data(), bytes.size()); }

const SipKey& processHashKey() {
    static const SipKey key = randomKey();
    return key;
}

} // namespace langoost
