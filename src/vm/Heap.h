// Heap: one isolate's object allocator and its precise, non-moving,
// generational mark-sweep collector. Collection happens at VM safe points
// (calls, backward jumps, after allocating instructions) where every live
// value is on a VM stack, a global, or an explicit temporary root — so
// natives may allocate freely between safe points without rooting
// intermediates.
//
// Generations use sticky mark bits: an object that survives a collection
// keeps its mark and moves from the young list to the old list. A minor
// collection marks from the roots and the remembered set only (marking
// stops at old objects) and sweeps only the young list; a major one
// unmarks everything and collects the whole heap. So every store of a
// reference into an object that may be old must call writeBarrier, which
// remembers the (old) object: its children are traced at the next minor
// collection (an array's or a map's from the first item or entry written). Module globals are rescanned at every collection instead.
//
// With LANGOOST_GC_STRESS every safe point after any allocation collects
// (every eighth collection a major one); LANGOOST_GC_VERIFY checks the
// barrier before every minor collection and, after every major and every
// eighth minor one, that each object reachable from the roots is still
// allocated.
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
    // inlineCapacity: entries allocated with the map (a literal's field count).
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
    // `markRoots` must call markValue/markObject/markRootModule for every root.
    void collect(const std::function<void(Heap&)>& markRoots);
    void markValue(const Value& v) {
        if (v.isObj()) markObject(v.asObj());
    }
    void markObject(Obj* o) {
        if (!o || o->marked || o->permanent) return;
        o->marked = true;
        gray_.push_back(o);
    }
    // A module's globals are stored without a barrier (StoreGlobal is hot):
    // every collection traces them, old module or not.
    void markRootModule(Obj* module);
    // Call after storing a reference into `o` (or before; no safe point may
    // come between). Cheap: an old object is remembered once per cycle.
    void writeBarrier(Obj* o) {
        if (o->marked && !o->remembered) remember(o);
    }
    void writeBarrier(Obj* o, const Value& stored) {
        if (stored.isObj()) writeBarrier(o);
    }
    // Arrays take this one (never the two above): a store into items
    // `from` and up, so a minor collection rescans only those.
    void writeBarrier(ArrayObject* a, uint32_t from) {
        if (!a->marked) return;
        if (!a->remembered) {
            remember(a);
            a->dirtyFrom = from;
        } else if (from < a->dirtyFrom) {
            a->dirtyFrom = from;
        }
    }
    void writeBarrier(ArrayObject* a, uint32_t index, const Value& stored) {
        if (stored.isObj()) writeBarrier(a, index);
    }
    void writeBarrier(ArrayObject*) = delete;
    // Maps likewise, by entry position: entries are appended in order, so a
    // map filled in a loop is rescanned from its first new entry, not whole.
    void writeBarrier(MapObject* m, uint32_t from) {
        if (!m->marked) return;
        if (!m->remembered) {
            remember(m);
            m->dirtyFrom = from;
        } else if (from < m->dirtyFrom) {
            m->dirtyFrom = from;
        }
    }
    void writeBarrier(MapObject* m, uint32_t from, const Value& stored) {
        if (stored.isObj()) writeBarrier(m, from);
    }
    void writeBarrier(MapObject*) = delete;
    size_t bytesAllocated() const { return bytesAllocated_; }
    size_t collections() const { return minorCollections_ + majorCollections_; }

  private:
    template <typename T> T* track(T* o, size_t size);
    void accountBytes(size_t size) {
        bytesAllocated_ += size;
        if (bytesAllocated_ > nextCollection_) poll = 0;
    }
    void remember(Obj* o) {
        o->remembered = true;
        remembered_.push_back(o);
    }
    void blacken(Obj* o);
    void drainGray();
    void freeObject(Obj* o);
    void minorCollection(const std::function<void(Heap&)>& markRoots);
    void majorCollection(const std::function<void(Heap&)>& markRoots);
    void scheduleNext(bool afterMajor);
    void recordPause(bool major, double seconds);
    // LANGOOST_GC_VERIFY (no-ops otherwise).
    void verifyBarrier();
    void verifyReachable(const std::function<void(Heap&)>& markRoots);
    void releaseGraveyard();

    Obj* young_ = nullptr; // allocated since the last collection
    Obj* old_ = nullptr;   // survivors (marked)
    size_t bytesAllocated_ = 0;
    size_t nextCollection_;
    size_t nextMajor_;     // a major collection once old bytes pass this
    bool majorDue_ = false;
    size_t rememberedBytes_ = 0; // rescanned by the last minor collection
    size_t limit_ = 0;
    size_t minorCollections_ = 0;
    size_t majorCollections_ = 0;
    double longestPause_ = 0, totalPause_ = 0;
    std::vector<Obj*> gray_;
    std::vector<Obj*> remembered_;
    std::vector<Obj*> graveyard_; // LANGOOST_GC_VERIFY: freed, poisoned objects
};

} // namespace langoost
