#include "vm/MapOps.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace langoost {
namespace {

// Equal bytes under another pointer (a key built at run time): out of line,
// so findSlot's probe loop stays a leaf.
[[gnu::noinline]] bool sameBytes(const StringObject* a, const StringObject* b) { return a->equals(b); }

StringObject* findSlot(MapEntry* entries, uint32_t capacity, const StringObject* key, MapEntry** out) {
    uint32_t mask = capacity - 1;
    // The slot this key was last found in (StringObject::slotHint): same-shaped
    // objects keep a key in the same slot, so this one compare usually hits.
    auto* hintSlot = const_cast<uint32_t*>(&key->slotHint);
    uint32_t hint = __atomic_load_n(hintSlot, __ATOMIC_RELAXED) & mask;
    if (entries[hint].key == key) {
        *out = &entries[hint];
        return entries[hint].key;
    }
    uint32_t hash = key->hash();
    uint32_t i = hash & mask;
    StringObject* const tombstone = mapTombstone();
    MapEntry* tomb = nullptr;
    // At most `capacity` probes: small tables may be full (see loadLimit).
    for (uint32_t probes = capacity; probes; --probes, i = (i + 1) & mask) {
        MapEntry* e = &entries[i];
        StringObject* k = e->key;
        if (k == key) {
            __atomic_store_n(hintSlot, i, __ATOMIC_RELAXED);
            *out = e;
            return k;
        }
        if (!k) {
            *out = tomb ? tomb : e;
            return nullptr;
        }
        if (k == tombstone) { // a deleted key keeps its hash: test this first
            if (!tomb) tomb = e;
            continue;
        }
        if (e->hash == hash && sameBytes(k, key)) {
            *out = e;
            return k;
        }
    }
    *out = tomb; // null when the table is full: the caller grows it first
    return nullptr;
}

// Slots (live keys + tombstones) a table may fill before it grows: tables of up
// to four slots may fill completely (probes are bounded by the capacity),
// so a two-field object needs two slots, not four; larger ones keep 3/4.
uint32_t loadLimit(uint32_t capacity) { return capacity <= 4 ? capacity : capacity / 4 * 3; }

void growTo(Heap& heap, MapObject* map, uint32_t newCapacity) {
    // The inline table is taken only as the first one (it is zeroed then).
    bool useInline = map->capacity == 0 && newCapacity <= map->inlineAllocated;
    if (useInline) newCapacity = map->inlineAllocated;
    auto* entries = useInline ? map->inlineEntries()
                              : static_cast<MapEntry*>(std::calloc(newCapacity, sizeof(MapEntry)));
    if (!entries) throw std::bad_alloc();
    uint32_t count = 0;
    for (uint32_t i = 0; i < map->capacity; ++i) {
        MapEntry& old = map->entries[i];
        if (!old.key || old.key == mapTombstone() || old.value.isNil()) continue;
        MapEntry* slot;
        findSlot(entries, newCapacity, old.key, &slot);
        *slot = old;
        ++count;
    }
    ptrdiff_t oldBytes = ptrdiff_t(map->separateTableBytes());
    if (!map->entriesInline()) std::free(map->entries);
    heap.accountExtra((useInline ? 0 : ptrdiff_t(sizeof(MapEntry) * newCapacity)) - oldBytes);
    map->inlineCapacity = useInline ? newCapacity : 0;
    map->entries = entries;
    map->capacity = newCapacity;
    map->count = count;
    map->filled = count;
}

void grow(Heap& heap, MapObject* map) {
    growTo(heap, map, map->capacity ? map->capacity * 2 : 2); // small objects (1-2 fields) are common
}

} // namespace

char mapTombstoneSentinel;

// The smallest table that holds `count` keys without growing.
uint32_t mapCapacityFor(uint32_t count) {
    uint32_t capacity = 2;
    while (loadLimit(capacity) < count) capacity *= 2;
    return capacity;
}

Value* mapFind(const MapObject* map, const StringObject* key) {
    if (map->count == 0) return nullptr;
    MapEntry* slot;
    return findSlot(map->entries, map->capacity, key, &slot) && !slot->value.isNil() ? &slot->value : nullptr;
}

Value* mapFindForSite(const MapObject* map, const StringObject* key, const uint32_t* site) {
    if (map->count == 0) return nullptr;
    MapEntry* slot;
    if (!findSlot(map->entries, map->capacity, key, &slot)) return nullptr;
    __atomic_store_n(const_cast<uint32_t*>(site), uint32_t(slot - map->entries), __ATOMIC_RELAXED);
    return &slot->value;
}

Value* mapFind(const MapObject* map, std::string_view key) {
    if (map->count == 0) return nullptr;
    uint32_t hash = hashBytes(key);
    uint32_t mask = map->capacity - 1;
    uint32_t i = hash & mask;
    for (uint32_t probes = 0; probes < map->capacity; ++probes, i = (i + 1) & mask) {
        MapEntry* e = &map->entries[i];
        if (!e->key) return nullptr;
        if (e->hash == hash && e->key != mapTombstone() && e->key->view() == key)
            return e->value.isNil() ? nullptr : &e->value;
    }
    return nullptr;
}

void mapSet(Heap& heap, MapObject* map, StringObject* key, Value value) {
    if (value.isNil()) {
        mapDelete(map, key);
        return;
    }
    heap.writeBarrier(map);
    MapEntry* slot = nullptr;
    if (map->capacity && findSlot(map->entries, map->capacity, key, &slot)) {
        if (slot->value.isNil()) { // a key set to nil earlier comes back
            ++map->count;
            map->sortedKeys.reset();
        }
        slot->value = value; // replacing never grows, even a full small table
        return;
    }
    if (map->filled + 1 > loadLimit(map->capacity)) {
        grow(heap, map);
        findSlot(map->entries, map->capacity, key, &slot);
    }
    if (!slot->key) ++map->filled;
    if (isMethodName(map, key)) map->klass->fieldShadowsMethod = true;
    slot->key = key;
    slot->hash = key->hash();
    slot->value = value;
    ++map->count;
    map->sortedKeys.reset();
}

void mapReserve(Heap& heap, MapObject* map, uint32_t count) {
    if (loadLimit(map->capacity) < count) growTo(heap, map, mapCapacityFor(count));
}

void mapDeclare(Heap& heap, MapObject* map, StringObject* key) {
    MapEntry* slot = nullptr;
    if (map->capacity && findSlot(map->entries, map->capacity, key, &slot)) {
        mapDelete(map, key);
        return;
    }
    if (isMethodName(map, key)) return;
    heap.writeBarrier(map);
    if (map->filled + 1 > loadLimit(map->capacity)) {
        grow(heap, map);
        findSlot(map->entries, map->capacity, key, &slot);
    }
    if (!slot->key) ++map->filled;
    slot->key = key;
    slot->hash = key->hash();
    slot->value = Value();
}

bool mapDelete(MapObject* map, const StringObject* key) {
    if (map->count == 0) return false;
    MapEntry* slot;
    if (!findSlot(map->entries, map->capacity, key, &slot) || slot->value.isNil()) return false;
    // The key stays in its slot with value nil (absent to every reader) so
    // that `o.f = nil` and a later `o.f` or `o.f = x` find it at their site's
    // cached slot instead of probing to an empty one; a method name of the
    // class becomes a tombstone, so `o.m` finds the method again.
    if (isMethodName(map, key)) slot->key = mapTombstone();
    slot->value = Value();
    --map->count;
    map->sortedKeys.reset();
    return true;
}

const std::vector<StringObject*>& mapSortedKeys(MapObject* map) {
    if (!map->sortedKeys) {
        auto keys = std::make_unique<std::vector<StringObject*>>();
        keys->reserve(map->count);
        for (uint32_t i = 0; i < map->capacity; ++i) {
            StringObject* k = map->entries[i].key;
            if (k && k != mapTombstone() && !map->entries[i].value.isNil()) keys->push_back(k);
        }
        std::sort(keys->begin(), keys->end(),
                  [](const StringObject* a, const StringObject* b) { return a->view() < b->view(); });
        map->sortedKeys = std::move(keys);
    }
    return *map->sortedKeys;
}

} // namespace langoost
