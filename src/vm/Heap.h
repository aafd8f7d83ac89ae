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
// stops at old objects) and sweeps only the young list. So every store of
// a reference into an object that may be old must call writeBarrier,
// which remembers the (old) object: its children are traced at the next
// minor collection (an array's or a map's from the first item or entry
// written). Module globals are rescanned at every collection.
//
// The old generation is collected by incremental major cycles: marking,
// then sweeping, in slices that run after minor collections, each bounded
// by work paced by allocation. A cycle flips the sense of Obj::majorMark
// (so all old objects turn white at once); the minor collections during
// marking grey every old object they reach (roots, the remembered set's
// children, promoted objects' children) and promote survivors black. So
// the generational barrier is also the incremental one: a reference
// stored into a black object is remembered, and the next minor
// collection greys it. Marking ends in a pause whose slice empties the
// gray stack right after that pause's minor collection (no mutator in
// between, the young list empty); sweeping then walks the old list in
// slices. A heap limit, or LANGOOST_GC_STRESS now and then, finishes a
// cycle at once (fullCollection).
//
// With LANGOOST_GC_STRESS every safe point after any allocation collects,
// major cycles run almost continuously with tiny slices; LANGOOST_GC_VERIFY
// checks the barriers before every minor collection (old objects that are
// not remembered reference no young object, and during marking no black
// one references a white one), that marking ended with every child of a
// marked object marked, and that each object reachable from the roots is
// still allocated (after cycles and every eighth minor collection).
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
    // `reusable`: the array died (a sweep), so a large store is kept for
    // the next large array until the next sweep (see largeStores_).
    void releaseStore(ArrayStore* store, bool reusable = false);
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
    // Young objects are marked for the minor collection; during major
    // marking, old ones the cycle has not reached are greyed for it.
    void markObject(Obj* o) {
        if (!o || o->permanent) return;
        if (!o->marked) {
            o->marked = true;
            gray_.push_back(o);
        } else if (majorMarking_ && o->majorMark != majorSense_) {
            greyForMajor(o);
        }
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
    bool majorInProgress() const { return phase_ != Phase::Idle; }

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
    // Incremental major cycles.
    enum class Phase : uint8_t { Idle, Marking, Sweeping };
    struct GrayEntry {
        Obj* object;
        uint32_t from; // arrays and maps are scanned in chunks: the next item
    };
    void greyForMajor(Obj* o) {
        o->majorMark = majorSense_;
        majorGray_.push_back({o, 0});
    }
    void markMajorChild(Obj* o) {
        // Young children are the minor collections' (their holder is remembered).
        if (o && o->marked && o->majorMark != majorSense_ && !o->permanent) greyForMajor(o);
    }
    void beginMarking();
    // Returns the work done (bytes of objects scanned).
    size_t markSlice(size_t budget);
    size_t scanForMajor(const GrayEntry& entry);
    void finishMarking();
    void sweepSlice(size_t budget);
    void fullCollection(const std::function<void(Heap&)>& markRoots);
    void scheduleNext();
    // LANGOOST_GC_VERIFY (no-ops otherwise).
    void verifyBarrier();
    void verifyMarkingComplete();
    void verifyReachable(const std::function<void(Heap&)>& markRoots);
    void releaseGraveyard();

    Obj* young_ = nullptr; // allocated since the last collection
    Obj* old_ = nullptr;   // survivors (marked)
    Obj* sweepList_ = nullptr; // while sweeping: old objects not yet swept
    size_t bytesAllocated_ = 0;
    size_t nextCollection_;
    size_t nextMajor_;     // a major cycle once old bytes pass this
    size_t bytesAtMarkEnd_ = 0, freedBySweep_ = 0; // this cycle's live bytes, for the next nextMajor_
    bool majorDue_ = false;
    size_t lastNursery_ = 0; // bytes allowed between the last two collections
    Phase phase_ = Phase::Idle;
    bool majorMarking_ = false; // phase_ == Marking (tested by markObject)
    bool majorSense_ = false;   // Obj::majorMark of objects marked this cycle
    std::vector<GrayEntry> majorGray_;
    size_t rememberedBytes_ = 0; // rescanned by the last minor collection
    size_t limit_ = 0;
    size_t minorCollections_ = 0;
    size_t majorCollections_ = 0;
    double longestPause_ = 0, totalPause_ = 0;
    std::vector<Obj*> gray_;
    std::vector<Obj*> remembered_;
    std::vector<Obj*> graveyard_; // LANGOOST_GC_VERIFY: freed, poisoned objects
    // Stores of kLargeStore bytes and more of arrays the last sweep freed,
    // kept for the next large array (newStore) until the next sweep: the
    // allocator hands such blocks back to the OS at once, so a program that
    // builds a fresh big array per round (a sieve) would otherwise
    // page-fault all of its pages every round.
    std::vector<ArrayStore*> largeStores_;
    size_t largeStoreBytes_ = 0;
};

} // namespace langoost
