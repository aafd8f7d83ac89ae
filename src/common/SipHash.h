// Keyed string hashing against hash flooding. Every hash table the runtime
// fills with strings a script or a request controls (object keys, the
// runtime.core store, the regex cache, interned constants) hashes with
// SipHash-1-3 (Aumasson & Bernstein; the variant CPython and Rust use)
// under a key drawn from getrandom() once per process, so colliding keys
// cannot be computed offline.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace langoost {

struct SipKey {
    uint64_t k0, k1;
};

// SipHash with C compression and D finalization rounds (1-3 or 2-4).
template <int C, int D> uint64_t sipHash(const SipKey& key, const void* data, size_t length);

uint64_t sipHash13(const SipKey& key, std::string_view bytes);
uint64_t sipHash24(const SipKey& key, std::string_view bytes);

// The process's random key (getrandom at first use; never changes).
const SipKey& processHashKey();

// sipHash13 under processHashKey(): the hash of every runtime string table.
inline uint64_t keyedHash(std::string_view bytes) { return sipHash13(processHashKey(), bytes); }

// For std::unordered_map/set keyed by strings (transparent: string_view
// lookups without building a std::string).
struct KeyedStringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return size_t(keyedHash(s)); }
};

} // namespace langoost
