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

struct StringObject : Obj {
    uint32_t hash;
    uint32_t length;
    char chars[1]; // length bytes follow, plus a NUL for C APIs

    std::string_view view() const { return {chars, length}; }
    bool equals(const StringObject* o) const {
        return this == o || (hash == o->hash && length == o->length && std::memcmp(chars, o->chars, length) == 0);
    }

    static size_t allocationSize(size_t length) { return sizeof(StringObject) + length; }
    // Initialises a string in caller-provided memory of allocationSize(length).
    static StringObject* construct(void* memory, std::string_view bytes);
};

// Longest string the runtime will build (bytes); larger results raise an error.
constexpr size_t kMaxStringLength = (1u << 31) - 1;

uint32_t hashBytes(std::string_view bytes);

// A permanent, interned string for compiled constants. Never freed (the
// set of distinct constant strings in a process is bounded by its sources).
StringObject* internConstant(std::string_view bytes);

} // namespace langoost
