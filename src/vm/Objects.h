// Objects: every heap object type the VM knows, each beginning with the Obj
// header (type tag, mark bit, intrusive list link for the sweeper).
//
// Arrays share their storage copy-on-write: `append(a, x)` returns a new
// array that shares a's buffer when a ends at the buffer's end, so the
// idiom `out = append(out, x)` is amortized O(1); any in-place mutation
// first makes the buffer private to the array being changed.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "bytecode/FunctionProto.h"
#include "bytecode/StringObject.h"
#include "bytecode/Value.h"

namespace langoost {

class VM;

struct alignas(16) ArrayStore {
    uint32_t refs;     // arrays using this buffer
    uint32_t used;     // slots written by some array (a sharer may append only at `used`)
    uint32_t capacity;
    Value* items() { return reinterpret_cast<Value*>(this + 1); }
};

struct ArrayObject : Obj {
    ArrayStore* store = nullptr;
    uint32_t length = 0;
    // While remembered (Heap::writeBarrier): the lowest index written since
    // the last collection; a minor collection rescans from there.
    uint32_t dirtyFrom = 0;
    ArrayObject() : Obj(ObjType::Array) {}
    Value* data() const { return store ? store->items() : nullptr; }
    Value& at(uint32_t i) const { return store->items()[i]; }
};

// Longest array the runtime will build.
constexpr uint32_t kMaxArrayLength = 1u << 30;

struct MapEntry {
    StringObject* key; // mapTombstone(): a deleted method-named field
    Value value;       // nil: the key is absent to every reader
};

// A map's hash index: one 8-byte slot per bucket, the key's hash and its
// entry's position + 1 (0: empty bucket), so probes compare hashes without
// touching entries or keys.
struct MapIndexSlot {
    uint32_t hash;
    uint32_t entryPlusOne;
};

struct ClassObject;

// String-keyed hash map, compact and insertion-ordered (as CPython's dict):
// the entries sit densely in the order their keys were first added, and a
// separate open-addressing index (linear probing, at most 3/4 full) maps
// hashes to entry positions. Maps of up to kMapScanLimit entries have no
// index: a lookup compares key pointers along the entries, then hashes.
// Plain objects and class instances (klass set) are both MapObjects.
//
// A literal's map is allocated with exactly its entries inline, right after
// this header (inlineAllocated entries), so a field read computes the
// entry's address from the object alone instead of loading `entries`
// first (one load less on the critical path of every field access). A map
// that outgrows the inline entries moves to a separate array and sets
// inlineCapacity to 0, so the inline entries are never looked at again.
struct MapObject : Obj {
    MapEntry* entries = nullptr;
    MapIndexSlot* index = nullptr; // null while used <= kMapScanLimit
    uint32_t capacity = 0;        // entries allocated
    uint32_t used = 0;            // entries written (live, nil-valued or tombstones)
    uint32_t count = 0;           // live keys
    uint32_t indexMask = 0;       // buckets - 1 (a power of two minus one), 0 without an index
    uint32_t inlineCapacity = 0;  // capacity while the inline entries are in use, else 0
    uint32_t inlineAllocated = 0; // entries allocated after the header
    // While remembered (Heap::writeBarrier): the lowest entry written since
    // the last collection; a minor collection rescans from there.
    uint32_t dirtyFrom = 0;
    ClassObject* klass = nullptr;
    // Keys in bytewise order, built on demand for `for k in o`, keys() and
    // toString; dropped whenever a key is added or removed.
    std::unique_ptr<std::vector<StringObject*>> sortedKeys;
    MapObject() : Obj(ObjType::Map) {}

    MapEntry* inlineEntries() { return reinterpret_cast<MapEntry*>(this + 1); }
    const MapEntry* inlineEntries() const { return reinterpret_cast<const MapEntry*>(this + 1); }
    // (A separate array may sit right after a map without inline entries.)
    bool entriesInline() const { return inlineAllocated && entries == inlineEntries(); }
    // Bytes allocated apart from the object: the separate entries and the index.
    size_t separateBytes() const {
        return (entriesInline() ? 0 : sizeof(MapEntry) * capacity) + (index ? sizeof(MapIndexSlot) * (indexMask + size_t(1)) : 0);
    }
};
// Entries a map without an index holds; one more builds the index.
constexpr uint32_t kMapScanLimit = 8;
static_assert(sizeof(MapObject) % alignof(MapEntry) == 0);

struct UpvalueObject : Obj {
    Value* location;       // the stack slot while open, &closed once closed
    Value closed;
    UpvalueObject* nextOpen = nullptr; // open upvalues, sorted by slot, highest first
    UpvalueObject() : Obj(ObjType::Upvalue) {}
};

struct ModuleObject;

struct ClosureObject : Obj {
    const FunctionProto* proto;
    const Instruction* code; // proto->code.data(): a call's next instruction is one load away
    ModuleObject* module;
    ClassObject* ownerClass = nullptr; // for super calls: the class whose method this is (or encloses)
    uint32_t upvalueCount;
    UpvalueObject* upvalues[1];
    ClosureObject() : Obj(ObjType::Closure) {}
    static size_t allocationSize(uint32_t n) { return sizeof(ClosureObject) + sizeof(UpvalueObject*) * (n ? n - 1 : 0); }
};

// A native function: `fn` gets the arguments (on the VM stack) and returns
// the result; errors are raised with VM::raise. `self` is the receiver for
// native methods and nil otherwise.
using NativeFn = Value (*)(VM& vm, Value self, Value* args, int argc);

struct NativeObject : Obj {
    NativeFn fn;
    const char* name;
    int minArgs;
    int maxArgs; // -1: variadic
    NativeObject() : Obj(ObjType::Native) {}
};

struct BoundMethodObject : Obj {
    Value receiver;
    Value method;
    BoundMethodObject() : Obj(ObjType::BoundMethod) {}
};

struct RangeObject : Obj {
    int64_t start, end, step;
    RangeObject() : Obj(ObjType::Range) {}
};

struct ClassObject : Obj {
    StringObject* name;
    ClassObject* parent = nullptr;
    MapObject* methods; // name -> closure
    // Two bits per method name (from two parts of its hash), this class's
    // and its ancestors': a cheap "surely not a method" test when an
    // instance gains or loses a field (a class of 8 methods answers 95% of
    // other names without a lookup; one bit per name answered 88%).
    uint64_t methodBloom = 0;
    // Some instance has a field named like a method, which `o.name()` must
    // call instead. Until then method calls skip the instance's own fields.
    bool fieldShadowsMethod = false;
    ClassObject() : Obj(ObjType::Class) {}
    static uint64_t bloomBits(uint32_t hash) { return (uint64_t(1) << (hash & 63)) | (uint64_t(1) << ((hash >> 6) & 63)); }
    static uint64_t bloomBits(const StringObject* key) { return bloomBits(key->hash()); }
    bool mayHaveMethod(uint32_t hash) const { return (methodBloom & bloomBits(hash)) == bloomBits(hash); }
    bool mayHaveMethod(const StringObject* key) const { return mayHaveMethod(key->hash()); }
};

struct InterfaceObject : Obj {
    StringObject* name;
    std::vector<StringObject*> methods;
    InterfaceObject() : Obj(ObjType::Interface) {}
};

// A module instance: its globals (script modules) or its exported members
// (native modules).
struct ModuleObject : Obj {
    StringObject* name;
    std::shared_ptr<const CompiledModule> compiled; // null for native modules
    // Earlier code run in this module (REPL entries): their functions may
    // still be referenced, so their protos must live as long as the module.
    std::vector<std::shared_ptr<const CompiledModule>> earlier;
    std::vector<Value> globals;
    MapObject* exports = nullptr;
    ModuleObject() : Obj(ObjType::Module) {}
};

} // namespace langoost
