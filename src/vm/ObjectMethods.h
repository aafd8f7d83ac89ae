// ObjectMethods: the three methods plain objects answer at a call site when
// they have no field of that name — keys(), values(), has(k) —, the
// strings-module functions strings answer as methods, and the
// helper that turns NativeDef lists into lookup tables of permanent natives.
#pragma once
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vm/VM.h"

namespace langoost {

NativeObject* objectMethod(const StringObject* name);

// A function of the standard module "strings" (found among `modules`)
// called as a method of a string: `s.split(",")` is `strings.split(s, ",")`.
// Only functions whose first parameter is a string; null for any other name.
NativeObject* stringMethod(const std::vector<const NativeModuleDef*>& modules, const StringObject* name);

// Permanent natives, created once per process and never collected.
NativeObject* makePermanentNative(const NativeDef& def);

// The permanent native for a definition, created once per process.
NativeObject* permanentNative(const NativeDef& def);

// Never destroyed: its natives live until the process ends.
template <size_t N>
const std::unordered_map<std::string_view, NativeObject*>& makeMethodTable(const NativeDef (&defs)[N]) {
    auto* table = new std::unordered_map<std::string_view, NativeObject*>;
    for (const NativeDef& d : defs) table->emplace(d.name, makePermanentNative(d));
    return *table;
}

} // namespace langoost
