// MapOps: the string-keyed hash table behind objects, instances, class
// method tables and module exports (layout: MapObject in Objects.h).
// Entries are appended in insertion order; an index of hash + position
// finds them once a map has more than kMapScanLimit. Setting a key to nil
// (deleting it) keeps its entry with value nil, absent to every reader
// (mapFind, count, keys), unless the name is a method of the map's class,
// which leaves a tombstone; when the entries are full, growing (or
// compacting, when at least half of them are dead) drops both. Lookups
// compare the key pointer first (constant keys are interned) and then
// hash + bytes.
#pragma once
#include <string_view>
#include <vector>

#include "vm/Heap.h"

namespace langoost {

// Marks a deleted entry: the address of a private byte, never dereferenced,
// so no key can ever be this pointer (and no guard variable on every probe).
extern char mapTombstoneSentinel;
inline StringObject* mapTombstone() { return reinterpret_cast<StringObject*>(&mapTombstoneSentinel); }

// Returns the value stored under `key`, or nullptr.
Value* mapFind(const MapObject* map, const StringObject* key);
// The interpreter's inline fast path: the value under `key` when the key
// still sits in the entry it was last found in (StringObject::slotHint; true
// for same-shaped objects), else nullptr and the caller falls back to mapFind.
inline Value* mapFindAtHint(const MapObject* map, const StringObject* key) {
    uint32_t slot = __atomic_load_n(&key->slotHint, __ATOMIC_RELAXED);
    if (slot >= map->used) return nullptr;
    MapEntry& e = map->entries[slot];
    return e.key == key ? &e.value : nullptr;
}
// Inline caches: `site` is a GetField/SetField instruction's cache word (the
// entry the field was last found in at that site; shared code, so read and
// written with relaxed atomics, and any value is only a hint).
// A map still on its inline entries (inlineCapacity != 0; the ones not yet
// used are zero) has its entry's address computed from the object alone, no
// load of `entries` first; the branch is predicted, so the key's load starts
// with the header's.
inline Value* mapFindAtSite(const MapObject* map, const StringObject* key, const uint32_t* site) {
    uint32_t slot = __atomic_load_n(site, __ATOMIC_RELAXED);
    const MapEntry* e;
    if (__builtin_expect(slot < map->inlineCapacity, 1)) e = map->inlineEntries() + slot;
    else if (slot < map->used) e = map->entries + slot; // else also an empty map, or a stale word
    else return nullptr;
    return e->key == key ? const_cast<Value*>(&e->value) : nullptr;
}
// mapFind that also points the site's cache at the slot found. Both may
// return a nil value (a key set to nil): reads take it as nil, writes go
// through mapOverwrite, which counts the key out or back in.
Value* mapFindForSite(const MapObject* map, const StringObject* key, const uint32_t* site);
Value* mapFind(const MapObject* map, std::string_view key);
// A method name of the map's class (or its ancestors): deleting such a
// field must leave a tombstone (so `o.m` finds the method again), not a nil
// entry. The bloom answers most names without a lookup.
inline bool isMethodName(const MapObject* map, const StringObject* key) {
    if (!map->klass || !map->klass->mayHaveMethod(key)) return false;
    for (const ClassObject* c = map->klass; c; c = c->parent)
        if (mapFind(c->methods, key)) return true;
    return false;
}
// The write barrier for storing `stored` into `slot`, a value in map's
// entries (the entry's position is worked out only for an old map).
inline void mapWriteBarrier(Heap& heap, MapObject* map, const Value* slot, const Value& stored) {
    if (stored.isObj() && map->marked)
        heap.writeBarrier(map, uint32_t((reinterpret_cast<const char*>(slot) - reinterpret_cast<const char*>(map->entries)) /
                                        ptrdiff_t(sizeof(MapEntry))));
}
// Stores v into `slot`, the entry of `key` found at a site (nil or not),
// keeping the key count and sorted-key cache right; false when v is nil
// and the key needs a tombstone (the caller takes mapSet).
inline bool mapOverwrite(Heap& heap, MapObject* map, const StringObject* key, Value& slot, const Value& v) {
    if (slot.isNil() != v.isNil()) {
        if (v.isNil() && isMethodName(map, key)) return false;
        if (v.isNil()) --map->count;
        else ++map->count;
        map->sortedKeys.reset();
    }
    mapWriteBarrier(heap, map, &slot, v);
    slot = v;
    return true;
}
// Adds or replaces; a nil value deletes the key (language rule).
void mapSet(Heap& heap, MapObject* map, StringObject* key, Value value);
bool mapDelete(MapObject* map, const StringObject* key);
// Room for `count` keys without growing.
void mapReserve(Heap& heap, MapObject* map, uint32_t count);
// `key` = nil in a literal: the key takes its slot with value nil (absent
// to readers), so every object built by one literal has one layout and its
// field sites keep hitting when the field is set later (richards' `v1: nil`).
void mapDeclare(Heap& heap, MapObject* map, StringObject* key);
// Keys in bytewise order (cached until the key set changes).
const std::vector<StringObject*>& mapSortedKeys(MapObject* map);

} // namespace langoost
