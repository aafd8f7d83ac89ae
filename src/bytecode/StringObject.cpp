#include "bytecode/StringObject.h"

#include <cstdlib>
#include <functional>
#include <mutex>
#include <new>
#include <unordered_map>

namespace langoost {

uint32_t hashBytes(std::string_view bytes) {
    // libstdc++'s hash (Murmur-based, 8 bytes a step), folded to 32 bits;
    // never 0, which marks "not computed".
    uint64_t h = std::hash<std::string_view>{}(bytes);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL; // finalizer: spread high bits into the low ones the table masks
    h ^= h >> 33;
    uint32_t folded = uint32_t(h);
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
    static auto& table = *new std::unordered_map<std::string_view, StringObject*>;
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
