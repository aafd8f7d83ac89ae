#include "vm/Heap.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <ctime>
#include <unordered_set>

#include "vm/MapOps.h"

namespace langoost {
namespace {

// A major collection once the heap passes twice its size after the last
// one, never below this.
constexpr size_t kInitialThreshold = 1u << 20;
// A minor collection after every kNursery bytes. 1 MiB keeps short-lived
// garbage within the L2 cache until it is swept (strings 0.50 -> 0.42 s,
// arrays -7% against 4 MiB, when every collection was a full one). A
// nursery of old/8 (up
// to 16 MiB) took gc_live_heap from 1.4 to 2.1 s: sweeping a young list
// that no longer fits in the caches costs more than the extra minor
// collections' roots and remembered sets.
constexpr size_t kNursery = 1u << 20;
constexpr size_t kMaxNursery = 64u << 20;
// Major cycles: each collection during marking scans markPace bytes of
// objects per byte allocated since the last one, and sweeps one object per
// sweepPace bytes, within these bounds per slice (a slice scanning 4 MiB
// of small objects takes a few milliseconds). Arrays and maps are scanned
// scanChunk items at a time. LANGOOST_GC_STRESS uses tiny slices.
struct Pacing {
    size_t markPace, minMarkSlice, maxMarkSlice;
    size_t sweepPace, minSweepSlice, maxSweepSlice;
    uint32_t scanChunk;
};
constexpr Pacing kPacing{2, 256u << 10, 4u << 20, 64, 4096, 1u << 15, 4096};
constexpr Pacing kStressPacing{1, 512, 512, 1, 16, 16, 4};

bool envFlag(const char* name) {
    const char* v = std::getenv(name);
    return v && *v && std::string_view(v) != "0";
}

// The testing switches, read once per process.
struct Testing {
    bool stress = envFlag("LANGOOST_GC_STRESS");
    bool verify = envFlag("LANGOOST_GC_VERIFY");
};
const Testing& testing() {
    static const Testing t;
    return t;
}
const Pacing& pacing() { return testing().stress ? kStressPacing : kPacing; }

// Marking work charged for a reference (touching the child's header).
constexpr size_t kChildCost = 64;
// Freed array stores from 1 MiB up are kept, 64 MiB at most, for reuse by
// the next large array (Heap::largeStores_). Not under AddressSanitizer,
// which must see every store freed.
constexpr size_t kLargeStore = 1u << 20;
constexpr size_t kLargeStoreCache = 64u << 20;
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kKeepLargeStores = false;
#else
constexpr bool kKeepLargeStores = true;
#endif
// LANGOOST_GC_VERIFY=1: the type of a freed object kept for the verifier.
constexpr ObjType kPoisoned = ObjType(0xEE);

void* allocate(size_t size) {
    void* p = std::malloc(size);
    if (!p) throw std::bad_alloc();
    return p;
}

} // namespace

Heap::Heap() : nextCollection_(kInitialThreshold), nextMajor_(kInitialThreshold) {
    if (testing().stress) nextCollection_ = 0;
}

Heap::~Heap() {
    for (Obj* list : {young_, old_, sweepList_}) {
        while (list) {
            Obj* next = list->next;
            freeObject(list);
            list = next;
        }
    }
    releaseGraveyard();
    for (ArrayStore* store : largeStores_) std::free(store);
}

template <typename T> T* Heap::track(T* o, size_t size) {
    o->next = young_;
    young_ = o;
    accountBytes(size);
    return o;
}

StringObject* Heap::newString(std::string_view bytes) {
    size_t size = StringObject::allocationSize(bytes.size());
    return track(StringObject::construct(allocate(size), bytes), size);
}

StringObject* Heap::newStringUninitialized(size_t length) { return newStringUninitialized(length, 0); }

StringObject* Heap::newStringUninitialized(size_t length, size_t spare) {
    size_t size = StringObject::allocationSize(length);
    auto* s = new (allocate(size + spare)) StringObject{Obj(ObjType::String), 0, uint32_t(length), 0, {0}};
    s->chars[length] = '\0';
    return track(s, size);
}

void Heap::finishString(StringObject* s) { s->hashCache = 0; }

ArrayStore* Heap::newStore(uint32_t capacity) {
    size_t size = sizeof(ArrayStore) + sizeof(Value) * capacity;
    ArrayStore* store = nullptr;
    if (size >= kLargeStore) {
        // A kept store with room enough and at most a quarter to spare.
        for (size_t i = 0; i < largeStores_.size(); ++i) {
            ArrayStore* kept = largeStores_[i];
            if (kept->capacity >= capacity && kept->capacity - capacity <= capacity / 4) {
                store = kept;
                largeStores_.erase(largeStores_.begin() + ptrdiff_t(i));
                size = sizeof(ArrayStore) + sizeof(Value) * kept->capacity;
                largeStoreBytes_ -= size;
                capacity = kept->capacity;
                break;
            }
        }
    }
    if (!store) store = static_cast<ArrayStore*>(allocate(size));
    store->refs = 1;
    store->used = 0;
    store->capacity = capacity;
    accountBytes(size);
    return store;
}

void Heap::releaseStore(ArrayStore* store, bool reusable) {
    if (!store || --store->refs != 0) return;
    size_t size = sizeof(ArrayStore) + sizeof(Value) * store->capacity;
    bytesAllocated_ -= std::min(bytesAllocated_, size);
    if (kKeepLargeStores && reusable && size >= kLargeStore && largeStoreBytes_ + size <= kLargeStoreCache) {
        largeStores_.push_back(store);
        largeStoreBytes_ += size;
        return;
    }
    std::free(store);
}

ArrayObject* Heap::newArray(uint32_t length, uint32_t capacity) {
    auto* a = new (allocate(sizeof(ArrayObject))) ArrayObject();
    if (capacity < length) capacity = length;
    if (capacity > 0) {
        a->store = newStore(capacity);
        a->store->used = length;
        Value* items = a->store->items();
        for (uint32_t i = 0; i < length; ++i) new (&items[i]) Value();
    }
    a->length = length;
    return track(a, sizeof(ArrayObject));
}

MapObject* Heap::newMap(uint32_t inlineCapacity) {
    size_t size = sizeof(MapObject) + sizeof(MapEntry) * inlineCapacity;
    auto* m = new (allocate(size)) MapObject();
    m->inlineAllocated = inlineCapacity;
    std::memset(static_cast<void*>(m->inlineEntries()), 0, sizeof(MapEntry) * inlineCapacity);
    return track(m, size);
}

ClosureObject* Heap::newClosure(const FunctionProto* proto, ModuleObject* module) {
    size_t size = ClosureObject::allocationSize(proto->upvalueCount);
    auto* c = new (allocate(size)) ClosureObject();
    c->proto = proto;
    c->code = proto->code.data();
    c->module = module;
    c->upvalueCount = proto->upvalueCount;
    for (uint32_t i = 0; i < proto->upvalueCount; ++i) c->upvalues[i] = nullptr;
    return track(c, size);
}

UpvalueObject* Heap::newUpvalue(Value* slot) {
    auto* u = new (allocate(sizeof(UpvalueObject))) UpvalueObject();
    u->location = slot;
    return track(u, sizeof(UpvalueObject));
}

BoundMethodObject* Heap::newBoundMethod(Value receiver, Value method) {
    auto* b = new (allocate(sizeof(BoundMethodObject))) BoundMethodObject();
    b->receiver = receiver;
    b->method = method;
    return track(b, sizeof(BoundMethodObject));
}

RangeObject* Heap::newRange(int64_t start, int64_t end, int64_t step) {
    auto* r = new (allocate(sizeof(RangeObject))) RangeObject();
    r->start = start;
    r->end = end;
    r->step = step;
    return track(r, sizeof(RangeObject));
}

ClassObject* Heap::newClass(StringObject* name) {
    auto* c = new (allocate(sizeof(ClassObject))) ClassObject();
    c->name = name;
    c->methods = nullptr;
    track(c, sizeof(ClassObject));
    c->methods = newMap();
    return c;
}

InterfaceObject* Heap::newInterface(StringObject* name) {
    auto* i = new (allocate(sizeof(InterfaceObject))) InterfaceObject();
    i->name = name;
    return track(i, sizeof(InterfaceObject));
}

ModuleObject* Heap::newModule(StringObject* name) {
    auto* m = new (allocate(sizeof(ModuleObject))) ModuleObject();
    m->name = name;
    return track(m, sizeof(ModuleObject));
}

namespace {

// Calls visitObj(Obj*) and visitValue(const Value&) for every reference
// `o` holds: the one definition of an object's children, for marking and
// for the verifier. An open upvalue's slot is on a VM stack (a root) and
// module globals are rescanned as roots: both are reported as roots
// (visitRoot) so the verifier can tell them apart.
template <typename ObjFn, typename ValueFn, typename RootFn>
void forEachChild(Obj* o, ObjFn&& visitObj, ValueFn&& visitValue, RootFn&& visitRoot) {
    switch (o->type) {
    case ObjType::String:
    case ObjType::Native:
    case ObjType::Range: break;
    case ObjType::Array: {
        auto* a = static_cast<ArrayObject*>(o);
        for (uint32_t i = 0; i < a->length; ++i) visitValue(a->at(i));
        break;
    }
    case ObjType::Map: {
        auto* m = static_cast<MapObject*>(o);
        visitObj(m->klass);
        for (uint32_t i = 0; i < m->used; ++i) {
            MapEntry& e = m->entries[i];
            if (e.key != mapTombstone()) {
                visitObj(e.key);
                visitValue(e.value);
            }
        }
        break;
    }
    case ObjType::Closure: {
        auto* c = static_cast<ClosureObject*>(o);
        visitObj(c->module);
        visitObj(c->ownerClass);
        for (uint32_t i = 0; i < c->upvalueCount; ++i) visitObj(c->upvalues[i]);
        break;
    }
    case ObjType::Upvalue: {
        auto* u = static_cast<UpvalueObject*>(o);
        if (u->location == &u->closed) visitValue(u->closed);
        else visitRoot(*u->location);
        break;
    }
    case ObjType::BoundMethod: {
        auto* b = static_cast<BoundMethodObject*>(o);
        visitValue(b->receiver);
        visitValue(b->method);
        break;
    }
    case ObjType::Class: {
        auto* c = static_cast<ClassObject*>(o);
        visitObj(c->name);
        visitObj(c->parent);
        visitObj(c->methods);
        break;
    }
    case ObjType::Interface: {
        auto* i = static_cast<InterfaceObject*>(o);
        visitObj(i->name);
        for (auto* m : i->methods) visitObj(m);
        break;
    }
    case ObjType::Module: {
        auto* m = static_cast<ModuleObject*>(o);
        visitObj(m->name);
        visitObj(m->exports);
        for (const Value& v : m->globals) visitRoot(v);
        break;
    }
    }
}

} // namespace

void Heap::markRootModule(Obj* module) {
    if (!module->marked) {
        markObject(module); // young: traced like any object
        return;
    }
    if (majorMarking_) module->majorMark = majorSense_; // black: its children are greyed now
    blacken(module);
}

void Heap::blacken(Obj* o) {
    auto value = [this](const Value& v) { markValue(v); };
    forEachChild(o, [this](Obj* child) { markObject(child); }, value, value);
}

void Heap::drainGray() {
    while (!gray_.empty()) {
        Obj* o = gray_.back();
        gray_.pop_back();
        blacken(o);
    }
}

void Heap::freeObject(Obj* o) {
    size_t size = 0;
    switch (o->type) {
    case ObjType::String: size = StringObject::allocationSize(static_cast<StringObject*>(o)->length); break;
    case ObjType::Closure: size = ClosureObject::allocationSize(static_cast<ClosureObject*>(o)->upvalueCount); break;
    case ObjType::Upvalue: size = sizeof(UpvalueObject); break;
    case ObjType::BoundMethod: size = sizeof(BoundMethodObject); break;
    case ObjType::Range: size = sizeof(RangeObject); break;
    case ObjType::Class: size = sizeof(ClassObject); break;
    default: break;
    }
    switch (o->type) {
    case ObjType::Array: {
        auto* a = static_cast<ArrayObject*>(o);
        releaseStore(a->store, true);
        a->~ArrayObject();
        size = sizeof(ArrayObject);
        break;
    }
    case ObjType::Map: {
        auto* m = static_cast<MapObject*>(o);
        size = sizeof(MapObject) + sizeof(MapEntry) * m->inlineAllocated + m->separateBytes();
        if (!m->entriesInline()) std::free(m->entries);
        std::free(m->index);
        m->~MapObject();
        break;
    }
    case ObjType::Interface:
        static_cast<InterfaceObject*>(o)->~InterfaceObject();
        size = sizeof(InterfaceObject);
        break;
    case ObjType::Module:
        static_cast<ModuleObject*>(o)->~ModuleObject();
        size = sizeof(ModuleObject);
        break;
    default: break;
    }
    bytesAllocated_ -= std::min(bytesAllocated_, size);
    if (testing().verify) {
        o->type = kPoisoned;
        graveyard_.push_back(o);
    } else {
        std::free(o);
    }
}

namespace {

// LANGOOST_GC_STATS: collections and pauses of every heap of the process,
// printed to stderr at exit. A pause is one collect(): a minor collection
// and, while a major cycle runs, a slice of its marking or sweeping.
struct ProcessStats {
    std::atomic<uint64_t> heaps{0}, minor{0}, major{0}, majorPauses{0};
    std::atomic<uint64_t> longestMinorNs{0}, longestMajorNs{0}, totalNs{0};
    std::atomic<uint64_t> longestMinorCpuNs{0}, longestMajorCpuNs{0};
    static void print() {
        ProcessStats& s = instance();
        std::fprintf(stderr,
                     "gc: %llu heaps, %llu minor collections, %llu major cycles (%llu pauses with major work), "
                     "longest pause %.2f ms (minor only %.2f ms, with major work %.2f ms), total %.1f ms; "
                     "longest pause in thread CPU time %.2f ms (minor only %.2f ms, with major work %.2f ms)\n",
                     (unsigned long long)s.heaps.load(), (unsigned long long)s.minor.load(),
                     (unsigned long long)s.major.load(), (unsigned long long)s.majorPauses.load(),
                     double(std::max(s.longestMinorNs.load(), s.longestMajorNs.load())) / 1e6,
                     double(s.longestMinorNs.load()) / 1e6, double(s.longestMajorNs.load()) / 1e6,
                     double(s.totalNs.load()) / 1e6,
                     double(std::max(s.longestMinorCpuNs.load(), s.longestMajorCpuNs.load())) / 1e6,
                     double(s.longestMinorCpuNs.load()) / 1e6, double(s.longestMajorCpuNs.load()) / 1e6);
    }
    static ProcessStats& instance() {
        static ProcessStats* s = new ProcessStats; // outlives static destructors
        return *s;
    }
    static ProcessStats* enabled() {
        static ProcessStats* s = [] {
            const char* env = std::getenv("LANGOOST_GC_STATS");
            if (!env || !*env || std::string_view(env) == "0") return static_cast<ProcessStats*>(nullptr);
            std::atexit(print);
            return &instance();
        }();
        return s;
    }
};

// Pauses are wall-clock time; on a loaded machine descheduling inflates
// them, so the thread's CPU time is recorded as well.
uint64_t threadCpuNs() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return uint64_t(t.tv_sec) * 1000000000u + uint64_t(t.tv_nsec);
}

void raiseTo(std::atomic<uint64_t>& slot, uint64_t v) {
    uint64_t cur = slot.load();
    while (v > cur && !slot.compare_exchange_weak(cur, v)) {}
}

} // namespace

void Heap::collect(const std::function<void(Heap&)>& markRoots) {
    auto start = std::chrono::steady_clock::now();
    uint64_t cpuStart = ProcessStats::enabled() ? threadCpuNs() : 0;
    releaseGraveyard();
    size_t minorsBefore = minorCollections_, cyclesBefore = majorCollections_;
    bool majorWork = phase_ != Phase::Idle;
    if (testing().stress) {
        size_t n = minorCollections_;
        if (n % 64 == 63) {
            fullCollection(markRoots);
        } else {
            if (phase_ == Phase::Idle && n % 8 == 7) beginMarking();
            minorCollection(markRoots);
        }
    } else {
        if (phase_ == Phase::Idle && majorDue_) beginMarking();
        minorCollection(markRoots);
    }
    // A slice of major work, paced by the bytes allocated since the last
    // collection (markPace bytes scanned, sweepPace objects swept per
    // byte), within bounds that keep the pause short.
    if (phase_ == Phase::Marking) {
        size_t budget = std::clamp(pacing().markPace * lastNursery_, pacing().minMarkSlice, pacing().maxMarkSlice);
        markSlice(budget);
        if (majorGray_.empty()) {
            finishMarking(); // roots and remembered set were scanned by this pause's minor
            // A first, smallest sweep slice at once: a heap of few old
            // objects (a big array or two) is swept in this pause.
            sweepSlice(pacing().minSweepSlice);
        }
        majorWork = true;
    } else if (phase_ == Phase::Sweeping) {
        sweepSlice(std::clamp(lastNursery_ / pacing().sweepPace, pacing().minSweepSlice, pacing().maxSweepSlice));
        majorWork = true;
    }
    // A limit judges live data: old garbage must not count against it.
    if (overLimit()) {
        fullCollection(markRoots);
        majorWork = true;
    }
    // A full re-mark: after cycles and every eighth minor collection only
    // (at every one, GC_STRESS runs of the larger scripts passed 120 s).
    if (majorCollections_ != cyclesBefore || minorCollections_ % 8 == 0) verifyReachable(markRoots);
    scheduleNext();
    if (ProcessStats* stats = ProcessStats::enabled()) {
        uint64_t ns = uint64_t(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count());
        uint64_t cpuNs = threadCpuNs() - cpuStart;
        if (minorsBefore == 0) ++stats->heaps; // this heap's first pause
        stats->minor += minorCollections_ - minorsBefore;
        stats->major += majorCollections_ - cyclesBefore;
        if (majorWork) ++stats->majorPauses;
        raiseTo(majorWork ? stats->longestMajorNs : stats->longestMinorNs, ns);
        raiseTo(majorWork ? stats->longestMajorCpuNs : stats->longestMinorCpuNs, cpuNs);
        stats->totalNs += ns;
    }
}

void Heap::minorCollection(const std::function<void(Heap&)>& markRoots) {
    verifyBarrier();
    markRoots(*this);
    rememberedBytes_ = 0;
    for (Obj* o : remembered_) {
        o->remembered = false;
        if (o->type == ObjType::Array) {
            auto* a = static_cast<ArrayObject*>(o);
            for (uint32_t i = a->dirtyFrom; i < a->length; ++i) markValue(a->at(i));
            rememberedBytes_ += sizeof(Value) * (a->length - std::min(a->dirtyFrom, a->length));
        } else if (o->type == ObjType::Map) {
            auto* m = static_cast<MapObject*>(o);
            for (uint32_t i = m->dirtyFrom; i < m->used; ++i) {
                if (m->entries[i].key != mapTombstone()) markObject(m->entries[i].key);
                markValue(m->entries[i].value);
            }
            rememberedBytes_ += sizeof(MapEntry) * (m->used - std::min(m->dirtyFrom, m->used));
        } else {
            blacken(o);
            rememberedBytes_ += 64;
        }
    }
    remembered_.clear();
    drainGray();
    // Survivors join the old list, marked (and black for a major cycle:
    // marking them greyed their children); the rest is freed.
    Obj* o = young_;
    young_ = nullptr;
    while (o) {
        Obj* next = o->next;
        if (o->marked) {
            o->majorMark = majorSense_;
            o->next = old_;
            old_ = o;
        } else {
            freeObject(o);
        }
        o = next;
    }
    ++minorCollections_;
}

void Heap::beginMarking() {
    phase_ = Phase::Marking;
    majorMarking_ = true;
    majorSense_ = !majorSense_; // every old object is white now
}

size_t Heap::markSlice(size_t budget) {
    size_t done = 0;
    while (done < budget && !majorGray_.empty()) {
        GrayEntry entry = majorGray_.back();
        majorGray_.pop_back();
        done += scanForMajor(entry);
    }
    return done;
}

// Greys the old children of one gray object (arrays and maps a chunk at a
// time: a 2-million-element array is not one slice). Sizes and tables are
// read afresh: a store into a partly scanned object is remembered and its
// children greyed by the next minor collection, whatever moved.
size_t Heap::scanForMajor(const GrayEntry& entry) {
    Obj* o = entry.object;
    auto value = [this](const Value& v) {
        if (v.isObj()) markMajorChild(v.asObj());
    };
    if (o->type == ObjType::Array) {
        auto* a = static_cast<ArrayObject*>(o);
        uint32_t end = std::min(a->length, entry.from + pacing().scanChunk);
        if (end < a->length) majorGray_.push_back({o, end}); // under the children: depth first
        size_t work = sizeof(ArrayObject);
        for (uint32_t i = entry.from; i < end; ++i) {
            const Value& v = a->at(i);
            work += v.isObj() ? kChildCost : sizeof(Value); // a child's header is a cache miss
            value(v);
        }
        return work;
    }
    if (o->type == ObjType::Map) {
        auto* m = static_cast<MapObject*>(o);
        if (entry.from == 0) markMajorChild(m->klass);
        uint32_t end = std::min(m->used, entry.from + pacing().scanChunk);
        if (end < m->used) majorGray_.push_back({o, end});
        size_t work = sizeof(MapObject);
        for (uint32_t i = entry.from; i < end; ++i) {
            MapEntry& e = m->entries[i];
            work += e.value.isObj() ? kChildCost : sizeof(MapEntry);
            if (e.key != mapTombstone()) {
                markMajorChild(e.key);
                value(e.value);
            }
        }
        return work;
    }
    forEachChild(o, [this](Obj* child) { markMajorChild(child); }, value, value);
    return 64;
}

void Heap::finishMarking() {
    verifyMarkingComplete();
    phase_ = Phase::Sweeping;
    majorMarking_ = false;
    sweepList_ = old_; // the young list is empty: every object is here
    old_ = nullptr;
    bytesAtMarkEnd_ = bytesAllocated_;
    freedBySweep_ = 0;
    // Stores kept since the last sweep and not reused go back now.
    for (ArrayStore* store : largeStores_) std::free(store);
    largeStores_.clear();
    largeStoreBytes_ = 0;
}

void Heap::sweepSlice(size_t budget) {
    size_t before = bytesAllocated_;
    for (; sweepList_ && budget > 0; --budget) {
        Obj* o = sweepList_;
        sweepList_ = o->next;
        if (o->majorMark == majorSense_) {
            o->next = old_;
            old_ = o;
        } else {
            freeObject(o);
        }
    }
    freedBySweep_ += before - std::min(before, bytesAllocated_);
    if (!sweepList_) {
        phase_ = Phase::Idle;
        ++majorCollections_;
        // The next cycle when the heap has doubled over what this one found
        // live (what marking left, less what the sweep freed), not over
        // what was allocated meanwhile: a program allocating one big array
        // per round otherwise kept five rounds of garbage.
        size_t live = bytesAtMarkEnd_ - std::min(bytesAtMarkEnd_, freedBySweep_);
        nextMajor_ = std::max(kInitialThreshold, live * 2);
    }
}

// Stop-the-world: finishes the cycle in progress, then runs a whole one.
void Heap::fullCollection(const std::function<void(Heap&)>& markRoots) {
    if (phase_ == Phase::Marking) {
        minorCollection(markRoots);
        markSlice(SIZE_MAX);
        finishMarking();
    }
    if (phase_ == Phase::Sweeping) sweepSlice(SIZE_MAX);
    beginMarking();
    minorCollection(markRoots);
    markSlice(SIZE_MAX);
    finishMarking();
    sweepSlice(SIZE_MAX);
}

void Heap::scheduleNext() {
    majorDue_ = bytesAllocated_ > nextMajor_; // after a collection: old bytes
    if (testing().stress) {
        bytesAllocated_ = 0;
        nextCollection_ = 0;
        lastNursery_ = 0;
        return;
    }
    // Rescanning the remembered set costs about as much as sweeping as many
    // young bytes: a larger nursery when it is big (a map of a million keys
    // written in a loop is rescanned whole at every minor collection).
    size_t nursery = std::clamp(2 * rememberedBytes_, kNursery, kMaxNursery);
    nextCollection_ = bytesAllocated_ + nursery;
    lastNursery_ = nursery;
    if (limit_) nextCollection_ = std::min(nextCollection_, std::max(limit_, bytesAllocated_ + bytesAllocated_ / 8));
}

namespace {

[[noreturn]] void verifyFailed(const char* what, const Obj* holder, const Obj* child) {
    std::fprintf(stderr, "GC verify: %s (holder %p type %d, child %p type %d)\n", what, static_cast<const void*>(holder),
                 holder ? int(holder->type) : -1, static_cast<const void*>(child), child ? int(child->type) : -1);
    std::abort();
}

} // namespace

// Every old object that was not remembered may reference only old or
// permanent objects: otherwise a store missed its write barrier. During
// marking the same barrier keeps the tri-colour invariant: a black object
// (marked this cycle, not on the gray stack) that was not remembered
// references no white old object.
void Heap::verifyBarrier() {
    if (!testing().verify) return;
    std::unordered_set<Obj*> gray;
    if (majorMarking_)
        for (const GrayEntry& e : majorGray_) gray.insert(e.object);
    auto verifyList = [&](Obj* list) {
        for (Obj* o = list; o; o = o->next) {
            if (!o->marked) verifyFailed("unmarked object on the old list", o, nullptr);
            if (phase_ == Phase::Sweeping && o->majorMark != majorSense_) continue; // garbage, not yet swept
            // (Modules are rescanned as roots by every collection.)
            bool black = majorMarking_ && o->majorMark == majorSense_ && o->type != ObjType::Module && !gray.count(o);
            auto check = [&](Obj* child) {
                if (!child || child->permanent) return;
                if (!child->marked) verifyFailed("old object references a young one", o, child);
                if (black && child->majorMark != majorSense_) verifyFailed("black object references a white one", o, child);
            };
            if (o->remembered) {
                if (o->type == ObjType::Array) {
                    auto* a = static_cast<ArrayObject*>(o); // remembered from dirtyFrom up only
                    for (uint32_t i = 0; i < std::min(a->dirtyFrom, a->length); ++i)
                        if (a->at(i).isObj()) check(a->at(i).asObj());
                } else if (o->type == ObjType::Map) {
                    auto* m = static_cast<MapObject*>(o); // likewise
                    for (uint32_t i = 0; i < std::min(m->dirtyFrom, m->used); ++i) {
                        if (m->entries[i].key != mapTombstone()) check(m->entries[i].key);
                        if (m->entries[i].value.isObj()) check(m->entries[i].value.asObj());
                    }
                }
                continue;
            }
            forEachChild(o, check, [&](const Value& v) { if (v.isObj()) check(v.asObj()); }, [](const Value&) {});
        }
    };
    verifyList(old_);
    verifyList(sweepList_);
}

// At the end of marking (young list empty, roots just scanned): every
// child of a marked object, roots included, is marked.
void Heap::verifyMarkingComplete() {
    if (!testing().verify) return;
    if (young_) verifyFailed("young objects left when marking ended", nullptr, young_);
    for (Obj* o = old_; o; o = o->next) {
        if (o->majorMark != majorSense_) continue;
        auto check = [o, this](Obj* child) {
            if (child && !child->permanent && child->majorMark != majorSense_)
                verifyFailed("marking ended with a marked object referencing an unmarked one", o, child);
        };
        auto value = [&](const Value& v) { if (v.isObj()) check(v.asObj()); };
        forEachChild(o, check, value, value);
    }
}

// Every object reachable from the roots must still be allocated (freed
// objects are poisoned and kept in graveyard_ until the next collection)
// and, while a cycle sweeps, marked by it. Marks the heap again from
// scratch, then restores the sticky bits.
void Heap::verifyReachable(const std::function<void(Heap&)>& markRoots) {
    if (!testing().verify) return;
    bool marking = majorMarking_;
    majorMarking_ = false; // leave the cycle's marks alone
    for (Obj* list : {old_, sweepList_})
        for (Obj* o = list; o; o = o->next) o->marked = false;
    markRoots(*this);
    while (!gray_.empty()) {
        Obj* o = gray_.back();
        gray_.pop_back();
        if (o->type == kPoisoned) verifyFailed("reachable object was freed", nullptr, o);
        if (phase_ == Phase::Sweeping && o->majorMark != majorSense_)
            verifyFailed("reachable object left unmarked by the major cycle", nullptr, o);
        auto check = [this, o](Obj* child) {
            if (child && child->type == kPoisoned) verifyFailed("reachable object was freed", o, child);
            markObject(child);
        };
        forEachChild(o, check, [&](const Value& v) { if (v.isObj()) check(v.asObj()); },
                     [&](const Value& v) { if (v.isObj()) check(v.asObj()); });
    }
    for (Obj* list : {old_, sweepList_})
        for (Obj* o = list; o; o = o->next) o->marked = true;
    majorMarking_ = marking;
}

void Heap::releaseGraveyard() {
    for (Obj* o : graveyard_) std::free(o);
    graveyard_.clear();
}


} // namespace langoost
