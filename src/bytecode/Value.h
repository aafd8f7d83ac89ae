// Value: a 16-byte tagged union (tag + 64-bit payload). We chose it over
// NaN-boxing because Langoost ints are full 64-bit: a tagged union keeps
// them unboxed with no range checks, and the measured cost of the wider
// value on our benchmarks is small (see docs/design.md). All access goes
// through isX()/asX() so the representation can change in one place.
//
// Obj is the header every heap object starts with. The bytecode layer only
// needs strings (constants); the other object types live in the VM.
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace langoost {

enum class ObjType : uint8_t {
    String, Array, Map, Closure, Native, BoundMethod, Upvalue, Range, Class, Interface, Module
};

struct MapObject;

struct Obj {
    ObjType type;
    // Set by marking; stays set on survivors, so marked == old between
    // collections (sticky mark bits, see Heap.h).
    bool marked = false;
    // An old object written since the last collection (Heap::writeBarrier).
    bool remembered = false;
    // Permanent objects (compiled constants) live outside every isolate heap:
    // the GC never marks through or frees them.
    bool permanent = false;
    // Marked by the current incremental major cycle when it equals the
    // heap's cycle sense (flipped per cycle, so no unmarking pass).
    bool majorMark = false;
    Obj* next = nullptr;
    explicit Obj(ObjType t) : type(t) {}
};

enum class ValueType : uint8_t { Nil = 0, Bool, Int, Float, Obj };

class Value {
  public:
    Value() = default; // nil (all-zero bits are nil, so zeroed memory is nil)
    // Copies move the tag and the payload as two 8-byte words. A single
    // 16-byte vector copy would defeat store-to-load forwarding right after
    // a handler wrote just the payload (x += 1), stalling the next read.
    Value(const Value& o) noexcept : tag_(o.tag_), as_(o.as_) {}
    Value& operator=(const Value& o) noexcept {
        tag_ = o.tag_;
        as_ = o.as_;
        return *this;
    }
    static Value nil() { return Value(); }
    static Value boolean(bool b) {
        Value v;
        v.tag_ = uint64_t(ValueType::Bool);
        v.as_.i = int64_t(b); // the whole word: a byte store would stall the next 8-byte copy
        return v;
    }
    static Value integer(int64_t i) {
        Value v;
        v.tag_ = uint64_t(ValueType::Int);
        v.as_.i = i;
        return v;
    }
    static Value number(double d) {
        Value v;
        v.tag_ = uint64_t(ValueType::Float);
        v.as_.d = d;
        return v;
    }
    // The tag is known from the pointer's static type, except for a plain
    // Obj*, whose header says whether it is a map.
    template <typename T> static Value object(T* o) {
        Value v;
        if constexpr (std::is_same_v<std::remove_cv_t<T>, MapObject>) v.tag_ = kMapTag;
        else if constexpr (std::is_same_v<std::remove_cv_t<T>, Obj>)
            v.tag_ = o->type == ObjType::Map ? kMapTag : uint64_t(ValueType::Obj);
        else v.tag_ = uint64_t(ValueType::Obj);
        v.as_.o = const_cast<std::remove_cv_t<T>*>(o);
        return v;
    }

    ValueType type() const { return tag_ >= uint64_t(ValueType::Obj) ? ValueType::Obj : ValueType(tag_); }
    bool isNil() const { return tag_ == uint64_t(ValueType::Nil); }
    bool isBool() const { return tag_ == uint64_t(ValueType::Bool); }
    bool isInt() const { return tag_ == uint64_t(ValueType::Int); }
    bool isFloat() const { return tag_ == uint64_t(ValueType::Float); }
    bool isNumber() const { return isInt() || isFloat(); }
    bool isObj() const { return tag_ >= uint64_t(ValueType::Obj); }
    // A map's type is in its tag, so the interpreter's field and method
    // paths test it without loading the object's header first.
    bool isObjType(ObjType t) const {
        return t == ObjType::Map ? tag_ == kMapTag : tag_ == uint64_t(ValueType::Obj) && as_.o->type == t;
    }
    bool isString() const { return isObjType(ObjType::String); }

    bool asBool() const { return as_.b; }
    int64_t asInt() const { return as_.i; }
    double asFloat() const { return as_.d; }
    double asNumber() const { return isInt() ? double(as_.i) : as_.d; }
    Obj* asObj() const { return as_.o; }
    template <typename T> T* as() const { return static_cast<T*>(as_.o); }

    bool truthy() const { return !(tag_ == uint64_t(ValueType::Nil) || (tag_ == uint64_t(ValueType::Bool) && !as_.b)); }
    // Bitwise identity: same tag and payload.
    bool identical(const Value& o) const { return tag_ == o.tag_ && as_.i == o.as_.i; }

  private:
    // The tag of an object that is a map (objects and class instances):
    // one above ValueType::Obj, and type() still says Obj.
    static constexpr uint64_t kMapTag = uint64_t(ValueType::Obj) + 1;
    uint64_t tag_ = 0; // a ValueType (or kMapTag), widened to a full word (see the copy constructor)
    union {
        bool b;
        int64_t i;
        double d;
        Obj* o;
    } as_ = {.i = 0};
};

static_assert(sizeof(Value) == 16);

} // namespace langoost
