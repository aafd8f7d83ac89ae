#include "bytecode/StringObject.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>

#include "common/SipHash.h"

namespace langoost {

uint32_t hashBytes(std::string_view bytes) {
    // SipHash-1-3 under the process's random key (common/SipHash.h: no
    // offline collisions), folded to 32 bits; never 0, which marks "not computed".
    uint64_t h = keyedHash(bytes);
    uint32_t folded = uint32_t(h ^ (h >> 32));
    return folded ? folded : 1;
}

StringObject* StringObject::construct(void* memory, std::string_view bytes) {
    auto* s = new (memory) StringObject{Obj(ObjType::String), 0, 0, 0, {0}};
    s->length = uint32_t(bytes.size());
    if (!bytes.empty()) std::memcpy(s->chars, bytes.data(), bytes.size());
    s->chars[bytes.size()] = '\0';
    return s;
}

StringObject* internConstant(std::string_view bytes) {
    // Never destroyed: constants may be referenced until the process ends.
    static std::mutex& mutex = *new std::mutex;
    static auto& table = *new std::unordered_map<std::string_view, StringObject*, KeyedStringHash>;
    std::lock_guard lock(mutex);
    auto it = table.find(bytes);
    if (it != table.end()) return it->second;
    void* memory = std::malloc(StringObject::allocationSize(bytes.size()));
    if (!memory) throw std::bad_alloc();
    StringObject* s = StringObject::construct(memory, bytes);
    s->permanent = true;
    s->hash(); // computed before the string is shared: never written again
    table.emplace(s->view(), s);
    return s;
}

} // namespace langoost
