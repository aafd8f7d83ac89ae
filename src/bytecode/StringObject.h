// StringObject: an immutable byte string with its length and a cached hash,
// stored inline after the header (one allocation per string). Strings may
// hold any bytes, NUL included. Constant strings made by the compiler are
// permanent and interned process-wide (see internConstant).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "bytecode/Value.h"

namespace langoost {

uint32_t hashBytes(std::string_view bytes);

struct StringObject : Obj {
    uint32_t hashCache; // 0: not computed yet (a real hash of 0 is stored as 1)
    uint32_t length;
    // Where this key was last found in a map's table: objects built the same
    // way share a layout, so `o.x` usually hits the same slot — a one-compare
    // inline cache without hidden classes. Read and written with relaxed
    // atomics (constants are shared by isolates running in parallel).
    uint32_t slotHint;
    char chars[1]; // length bytes follow, plus a NUL for C APIs

    std::string_view view() const { return {chars, length}; }
    // Computed on first use: most strings built at run time are never
    // hashed (only map keys are), so concatenation does not pay for it.
    uint32_t hash() const {
        if (hashCache == 0) {
            uint32_t h = hashBytes(view());
            const_cast<StringObject*>(this)->hashCache = h ? h : 1;
        }
        return hashCache;
    }
    bool equals(const StringObject* o) const {
        if (this == o) return true;
        if (length != o->length) return false;
        if (hashCache && o->hashCache && hashCache != o->hashCache) return false;
        return std::memcmp(chars, o->chars, length) == 0;
    }

    static size_t allocationSize(size_t length) { return sizeof(StringObject) + length; }
    // Initialises a string in caller-provided memory of allocationSize(length).
    static StringObject* construct(void* memory, std::string_view bytes);
};

// Longest string the runtime will build (bytes); larger results raise an error.
constexpr size_t kMaxStringLength = (1u << 31) - 1;

// A permanent, interned string for compiled constants. Never freed (the
// set of distinct constant strings in a process is bounded by its sources).
StringObject* internConstant(std::string_view bytes);

} // namespace langoost
