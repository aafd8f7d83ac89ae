// JsonStrictParser: json.parse's second pass. simdjson's DOM parser (the
// fast path, JsonModule.cpp) says only *that* a text is invalid, rejects
// integers too large for 64 bits, and builds trees deeper than json.parse
// accepts. For those documents this strict RFC 8259 recursive descent reads
// the text again: it finds the first invalid token, or builds the values
// (integers beyond 64 bits as floats, as the spec wants).
#pragma once
#include <cstddef>
#include <string_view>

#include "bytecode/Value.h"

namespace langoost {

class VM;

enum class JsonFault { Structure, Number, Escape, Literal, Trailing, Nesting };

// Thrown by parseJsonStrictly: what is wrong, at which byte (a token's
// first byte; the text's size when it ends too early).
struct JsonFaultAt {
    size_t offset;
    JsonFault fault;
};

// The value of `text`, containers nested at most `maxDepth` deep. VM
// errors (the heap or time limit) propagate as they are.
Value parseJsonStrictly(VM& vm, std::string_view text, int maxDepth);

} // namespace langoost
