// Argument helpers and shared pieces of the data modules (json, math,
// encode, crypto, url, http): typed argument access with TypeErrors that
// name the function, and the JSON writer reused by the http client.
#pragma once
#include <string>
#include <string_view>

#include "vm/VM.h"

namespace langoost {

// args[i] as a string; TypeError "fn: argument N must be a string, got T".
inline std::string_view argString(VM& vm, const char* fn, Value* args, int argc, int i) {
    if (i < argc && args[i].isString()) return args[i].as<StringObject>()->view();
    vm.raise("TypeError", std::string(fn) + ": argument " + std::to_string(i + 1) + " must be a string, got " +
                              (i < argc ? vm.typeName(args[i]) : "nothing"));
}

inline int64_t argInt(VM& vm, const char* fn, Value* args, int argc, int i) {
    if (i < argc && args[i].isInt()) return args[i].asInt();
    vm.raise("TypeError", std::string(fn) + ": argument " + std::to_string(i + 1) + " must be an int, got " +
                              (i < argc ? vm.typeName(args[i]) : "nothing"));
}

// A new string value; ValueError beyond kMaxStringLength, MemoryError beyond the heap limit.
inline Value makeString(VM& vm, std::string_view s) {
    if (s.size() > kMaxStringLength) vm.raise("ValueError", "string would exceed the maximum length");
    vm.checkAllocation(s.size());
    return vm.stringValue(s);
}

// json.stringify's writer (JsonModule.cpp); `who` names the function in
// error messages. Compact output (indent 0) is canonical: the same value
// always gives the same text (runtime.core relies on it).
std::string jsonStringify(VM& vm, Value v, int indent, const char* who = "json.stringify");
// json.parse's parser: JSONError on bad text.
Value jsonParse(VM& vm, std::string_view text);

// Lowercase hex of bytes (EncodeModule.cpp).
std::string hexEncode(std::string_view bytes);

} // namespace langoost
