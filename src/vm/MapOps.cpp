#include "vm/MapOps.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace langoost {
namespace {

constexpr uint32_t kNotFound = UINT32_MAX;

// Equal bytes under another pointer (a key built at run time): out of line,
// so the lookup loops stay leaves.
[[gnu::noinline]] bool sameBytes(const StringObject* a, const StringObject* b) { return a->equals(b); }

uint32_t* hintOf(const StringObject* key) { return const_cast<uint32_t*>(&key->slotHint); }

// A map without an index: key pointers first (constant keys are interned, so
// this usually finds it), then hashes and bytes. Keys in a map are hashed.
uint32_t scanEntries(const MapObject* map, const StringObject* key) {
    const MapEntry* entries = map->entries;
    uint32_t used = map->used;
    for (uint32_t i = 0; i < used; ++i)
        if (entries[i].key == key) return i;
    uint32_t hash = key->hash();
    const StringObject* tombstone = mapTombstone();
    for (uint32_t i = 0; i < used; ++i) {
        const StringObject* k = entries[i].key;
        if (k != tombstone && k->hashCache == hash && sameBytes(k, key)) return i;
    }
    return kNotFound;
}

// The index is at most 3/4 full, so every probe sequence ends at an empty bucket.
uint32_t probeIndex(const MapObject* map, const StringObject* key, uint32_t hash) {
    const MapIndexSlot* index = map->index;
    uint32_t mask = map->indexMask;
    const StringObject* tombstone = mapTombstone();
    for (uint32_t i = hash & mask;; i = (i + 1) & mask) {
        MapIndexSlot slot = index[i];
        if (!slot.entryPlusOne) return kNotFound;
        if (slot.hash == hash) {
            const StringObject* k = map->entries[slot.entryPlusOne - 1].key;
            if (k == key || (k != tombstone && sameBytes(k, key))) return slot.entryPlusOne - 1;
        }
    }
}

// The position of key's entry (its value may be nil), or kNotFound.
uint32_t findEntry(const MapObject* map, const StringObject* key) {
    // The entry this key was last found in (StringObject::slotHint): objects
    // built the same way add their keys in the same order, so this one
    // compare usually hits.
    uint32_t hint = __atomic_load_n(hintOf(key), __ATOMIC_RELAXED);
    if (hint < map->used && map->entries[hint].key == key) return hint;
    uint32_t found = map->index ? probeIndex(map, key, key->hash()) : scanEntries(map, key);
    if (found != kNotFound) __atomic_store_n(hintOf(key), found, __ATOMIC_RELAXED);
    return found;
}

void indexInsert(MapIndexSlot* index, uint32_t mask, uint32_t hash, uint32_t position) {
    uint32_t i = hash & mask;
    while (index[i].entryPlusOne) i = (i + 1) & mask;
    index[i] = {hash, position + 1};
}

// Drops the dead entries (nil values, tombstones), moves the rest to an
// array of newCapacity (>= count) and rebuilds the index for it. The inline
// entries are taken only as the first array; a separate array is
// reallocated (for large ones the kernel moves the pages, no copy).
void rebuild(Heap& heap, MapObject* map, uint32_t newCapacity) {
    ptrdiff_t oldBytes = ptrdiff_t(map->separateBytes());
    MapEntry* entries = map->entries;
    uint32_t live = 0, firstDropped = map->used;
    for (uint32_t i = 0; i < map->used; ++i) {
        if (entries[i].key == mapTombstone() || entries[i].value.isNil()) {
            firstDropped = std::min(firstDropped, i);
            continue;
        }
        if (live != i) entries[live] = entries[i];
        ++live;
    }
    // Entries moved down, at most to the first dropped position: a store
    // for the barrier (young values must be found by the next minor
    // collection, and a map partly scanned by an incremental major cycle
    // must not hide an entry below the position its scan resumes at).
    if (live > firstDropped) heap.writeBarrier(map, firstDropped);
    if (map->entriesInline()) // unused inline entries stay zero (mapFindAtSite reads them)
        std::memset(static_cast<void*>(entries + live), 0, sizeof(MapEntry) * (map->used - live));
    if (map->capacity == 0 && newCapacity <= map->inlineAllocated) {
        entries = map->inlineEntries();
        newCapacity = map->inlineAllocated;
    } else if (newCapacity != map->capacity) {
        size_t bytes = sizeof(MapEntry) * size_t(newCapacity);
        if (entries && !map->entriesInline()) {
            entries = static_cast<MapEntry*>(std::realloc(static_cast<void*>(entries), bytes));
        } else {
            entries = static_cast<MapEntry*>(std::malloc(bytes));
            if (entries && live) std::memcpy(static_cast<void*>(entries), map->entries, sizeof(MapEntry) * live);
        }
        if (!entries) throw std::bad_alloc();
    }
    std::free(map->index);
    map->index = nullptr;
    map->indexMask = 0;
    map->entries = entries;
    map->capacity = newCapacity;
    map->used = live;
    map->count = live;
    map->inlineCapacity = map->entriesInline() ? newCapacity : 0;
    if (newCapacity > kMapScanLimit) {
        uint32_t buckets = 16;
        while (buckets / 4 * 3 < newCapacity) buckets *= 2;
        auto* index = static_cast<MapIndexSlot*>(std::calloc(buckets, sizeof(MapIndexSlot)));
        if (!index) throw std::bad_alloc();
        for (uint32_t i = 0; i < live; ++i) indexInsert(index, buckets - 1, entries[i].key->hash(), i);
        map->index = index;
        map->indexMask = buckets - 1;
    }
    heap.accountExtra(ptrdiff_t(map->separateBytes()) - oldBytes);
}

// Full entries: compacted in place when at least half of them are dead,
// else doubled (small objects, of 1-2 fields, are common).
void makeRoom(Heap& heap, MapObject* map) {
    uint32_t capacity = map->capacity;
    if (capacity && map->count + 1 <= capacity / 2) rebuild(heap, map, capacity);
    else rebuild(heap, map, capacity ? capacity * 2 : 2);
}

void append(Heap& heap, MapObject* map, StringObject* key, const Value& value) {
    uint32_t hash = key->hash();
    if (map->used == map->capacity) makeRoom(heap, map);
    uint32_t position = map->used++;
    heap.writeBarrier(map, position);
    map->entries[position] = {key, value};
    if (map->index) indexInsert(map->index, map->indexMask, hash, position);
    __atomic_store_n(hintOf(key), position, __ATOMIC_RELAXED);
}

} // namespace

char mapTombstoneSentinel;

Value* mapFind(const MapObject* map, const StringObject* key) {
    if (map->count == 0) return nullptr;
    uint32_t at = findEntry(map, key);
    return at != kNotFound && !map->entries[at].value.isNil() ? &map->entries[at].value : nullptr;
}

Value* mapFindForSite(const MapObject* map, const StringObject* key, const uint32_t* site) {
    if (map->count == 0) return nullptr;
    uint32_t at = findEntry(map, key);
    if (at == kNotFound) return nullptr;
    __atomic_store_n(const_cast<uint32_t*>(site), at, __ATOMIC_RELAXED);
    return &map->entries[at].value;
}

Value* mapFind(const MapObject* map, std::string_view key) {
    if (map->count == 0) return nullptr;
    uint32_t hash = hashBytes(key);
    const StringObject* tombstone = mapTombstone();
    auto matches = [&](const StringObject* k) { return k != tombstone && k->hashCache == hash && k->view() == key; };
    uint32_t at = kNotFound;
    if (!map->index) {
        for (uint32_t i = 0; i < map->used && at == kNotFound; ++i)
            if (matches(map->entries[i].key)) at = i;
    } else {
        for (uint32_t i = hash & map->indexMask; map->index[i].entryPlusOne; i = (i + 1) & map->indexMask) {
            MapIndexSlot slot = map->index[i];
            if (slot.hash == hash && matches(map->entries[slot.entryPlusOne - 1].key)) {
                at = slot.entryPlusOne - 1;
                break;
            }
        }
    }
    return at != kNotFound && !map->entries[at].value.isNil() ? &map->entries[at].value : nullptr;
}

void mapSet(Heap& heap, MapObject* map, StringObject* key, Value value) {
    if (value.isNil()) {
        mapDelete(map, key);
        return;
    }
    if (map->used) {
        uint32_t at = findEntry(map, key);
        if (at != kNotFound) {
            Value& slot = map->entries[at].value;
            if (slot.isNil()) { // a key set to nil earlier comes back
                ++map->count;
                map->sortedKeys.reset();
            }
            heap.writeBarrier(map, at, value);
            slot = value;
            return;
        }
    }
    if (isMethodName(map, key)) map->klass->fieldShadowsMethod = true;
    append(heap, map, key, value);
    ++map->count;
    map->sortedKeys.reset();
}

void mapReserve(Heap& heap, MapObject* map, uint32_t count) {
    if (map->capacity < count) rebuild(heap, map, count);
}

void mapDeclare(Heap& heap, MapObject* map, StringObject* key) {
    if (map->used && findEntry(map, key) != kNotFound) {
        mapDelete(map, key);
        return;
    }
    if (isMethodName(map, key)) return;
    append(heap, map, key, Value());
}

bool mapDelete(MapObject* map, const StringObject* key) {
    if (map->count == 0) return false;
    uint32_t at = findEntry(map, key);
    if (at == kNotFound || map->entries[at].value.isNil()) return false;
    // The key keeps its entry with value nil (absent to every reader) so
    // that `o.f = nil` and a later `o.f` or `o.f = x` find it at their site's
    // cached entry; a method name of the class becomes a tombstone, so `o.m`
    // finds the method again.
    MapEntry& e = map->entries[at];
    if (isMethodName(map, key)) e.key = mapTombstone();
    e.value = Value();
    --map->count;
    map->sortedKeys.reset();
    return true;
}

const std::vector<StringObject*>& mapSortedKeys(MapObject* map) {
    if (!map->sortedKeys) {
        auto keys = std::make_unique<std::vector<StringObject*>>();
        keys->reserve(map->count);
        for (uint32_t i = 0; i < map->used; ++i) {
            const MapEntry& e = map->entries[i];
            if (e.key != mapTombstone() && !e.value.isNil()) keys->push_back(e.key);
        }
        std::sort(keys->begin(), keys->end(),
                  [](const StringObject* a, const StringObject* b) { return a->view() < b->view(); });
        map->sortedKeys = std::move(keys);
    }
    return *map->sortedKeys;
}

} // namespace langoost
