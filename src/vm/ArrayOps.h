// ArrayOps: array growth, copy-on-write, `append`, and the array methods
// (push, pop, slice, sort, map, …) reached through method calls.
#pragma once
#include "vm/VM.h"

namespace langoost {

// Makes the array's buffer private before an in-place change (and calls
// the write barrier: the caller may store references into it).
void arrayEnsureUnique(VM& vm, ArrayObject* a, uint32_t extraCapacity = 0);
void arrayPush(VM& vm, ArrayObject* a, Value v);
// append(a, items…): a new array; shares a's buffer when it can.
ArrayObject* arrayAppend(VM& vm, ArrayObject* a, const Value* items, int n);
// The array method of that name (a permanent native), or null.
NativeObject* arrayMethodObject(const StringObject* name);

} // namespace langoost
