#include "bytecode/StringObject.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>

namespace langoost {

uint32_t hashBytes(std::string_view bytes) {
    // FNV-1a: cheap and good enough for identifier-like keys.
    uint32_t h = 2166136261u;
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 16777619u;
    }
    return h;
}

StringObject* StringObject::construct(void* memory, std::string_view bytes) {
    auto* s = new (memory) StringObject{Obj(ObjType::String), 0, 0, {0}};
    s->length = uint32_t(bytes.size());
    if (!bytes.empty()) std::memcpy(s->chars, bytes.data(), bytes.size());
    s->chars[bytes.size()] = '\0';
    s->hash = hashBytes(bytes);
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
    table.emplace(s->view(), s);
    return s;
}

} // namespace langoost
