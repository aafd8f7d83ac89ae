// MapOps: the string-keyed hash table behind objects, instances, class
// method tables and module exports. Open addressing, linear probing,
// tombstones for deletion, grown at 3/4 load. Lookups compare the key
// pointer first (constant keys are interned) and then hash + bytes.
#pragma once
#include <string_view>
#include <vector>

#include "vm/Heap.h"

namespace langoost {

StringObject* mapTombstone();

// Returns the value stored under `key`, or nullptr.
Value* mapFind(const MapObject* map, const StringObject* key);
Value* mapFind(const MapObject* map, std::string_view key);
// Adds or replaces; a nil value deletes the key (language rule).
void mapSet(Heap& heap, MapObject* map, StringObject* key, Value value);
bool mapDelete(MapObject* map, const StringObject* key);
// Keys in bytewise order (cached until the key set changes).
const std::vector<StringObject*>& mapSortedKeys(MapObject* map);

} // namespace langoost
