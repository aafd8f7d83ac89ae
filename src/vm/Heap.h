// Heap: one isolate's object allocator and its precise mark-sweep
// collector. Objects are linked in an intrusive list; allocation only
// accounts bytes. Collection happens at VM safe points (calls, backward
// jumps, after allocating instructions) where every live value is on a
// VM stack, a global, or an explicit temporary root — so natives may
// allocate freely between safe points without rooting intermediates.
//
// With LANGOOST_GC_STRESS every safe point after any allocation collects.
#pragma once
#include <cstddef>
#include <algorithm>
#include <functional>
#include <string_view>
#include <vector>

#include "vm/Objects.h"

namespace langoost {

class Heap {
  public:
    Heap();
    ~Heap();
    Heap(const Heap&) = delete;
    Heap& operator=(const Heap&) = delete;

    StringObject* newString(std::string_view bytes);
    // A string of `length` bytes to be filled in by the caller, then
    // finished with finishString (which computes the hash).
    StringObject* newStringUninitialized(size_t length);
    // The same with room for `spare` more bytes (VM::concatInChain); only
    // the length is accounted, growth is accounted as it happens.
    StringObject* newStringUninitialized(size_t length, size_t spare);
    static void finishString(StringObject* s);
    ArrayObject* newArray(uint32_t length, uint32_t capacity = 0);
    // inlineCapacity: a power of two (or 0) for the table allocated with the map.
    MapObject* newMap(uint32_t inlineCapacity = 0);
    ClosureObject* newClosure(const FunctionProto* proto, ModuleObject* module);
    UpvalueObject* newUpvalue(Value* slot);
    BoundMethodObject* newBoundMethod(Value receiver, Value method);
    RangeObject* newRange(int64_t start, int64_t end, int64_t step);
    ClassObject* newClass(StringObject* name);
    InterfaceObject* newInterface(StringObject* name);
    ModuleObject* newModule(StringObject* name);

    // Array storage management (copy-on-write buffers).
    ArrayStore* newStore(uint32_t capacity);
    void releaseStore(ArrayStore* store);
    void accountExtra(ptrdiff_t bytes) { accountBytes(size_t(bytes)); }

    bool wantsCollection() const { return bytesAllocated_ > nextCollection_; }
    // The VM's safe-point countdown: decremented at every call and loop
    // iteration; at zero the VM runs its slow path (limits, collection).
    // Allocation zeroes it when a collection is due, so one
    // decrement-and-branch covers both checks.
    int64_t poll = 0;
    // With a limit, collections come early enough to notice live data
    // growing past it; overLimit() is then checked after each collection.
    void setLimit(size_t bytes) {
        limit_ = bytes;
        nextCollection_ = std::min(nextCollection_, limit_);
    }
    bool overLimit() const { return limit_ && bytesAllocated_ > limit_; }
    // `markRoots` must call markValue/markObject for every root.
    void collect(const std::function<void(Heap&)>& markRoots);
    void markValue(const Value& v) {
        if (v.isObj()) markObject(v.asObj());
    }
    void markObject(Obj* o);
    size_t bytesAllocated() const { return bytesAllocated_; }
    size_t collections() const { return collections_; }

  private:
    template <typename T> T* track(T* o, size_t size);
    void accountBytes(size_t size) {
        bytesAllocated_ += size;
        if (bytesAllocated_ > nextCollection_) poll = 0;
    }
    void blacken(Obj* o);
    void freeObject(Obj* o);

    Obj* objects_ = nullptr;
    size_t bytesAllocated_ = 0;
    size_t nextCollection_;
    size_t limit_ = 0;
    size_t collections_ = 0;
    std::vector<Obj*> gray_;
};

} // namespace langoost
