#include "vm/ArrayOps.h"
#include "vm/ObjectMethods.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>

namespace langoost {
namespace {

uint32_t grownCapacity(uint32_t current, uint32_t needed) {
    uint64_t cap = current < 4 ? 4 : current;
    while (cap < needed) cap *= 2;
    return uint32_t(std::min<uint64_t>(cap, kMaxArrayLength));
}

void checkLength(VM& vm, uint64_t length) {
    if (length > kMaxArrayLength)
        vm.raise("ValueError", "array would exceed the maximum length of " + std::to_string(kMaxArrayLength));
}

// Moves `a` onto a fresh private buffer with room for `capacity` items.
void moveToNewStore(VM& vm, ArrayObject* a, uint32_t capacity) {
    vm.checkAllocation(uint64_t(capacity) * sizeof(Value));
    ArrayStore* store = vm.heap().newStore(capacity);
    if (a->length) std::memcpy(static_cast<void*>(store->items()), a->data(), sizeof(Value) * a->length);
    store->used = a->length;
    vm.heap().releaseStore(a->store);
    a->store = store;
}

int64_t indexArg(VM& vm, const char* fn, Value* args, int argc, int i) {
    vm.checkArgs(fn, args, argc, i, ValueType::Int);
    return args[i].asInt();
}

Value self_push(VM& vm, Value self, Value* args, int argc) {
    auto* a = self.as<ArrayObject>();
    for (int i = 0; i < argc; ++i) arrayPush(vm, a, args[i]);
    return self;
}

Value self_pop(VM& vm, Value self, Value*, int) {
    auto* a = self.as<ArrayObject>();
    if (a->length == 0) vm.raise("IndexError", "pop from an empty array");
    arrayEnsureUnique(vm, a);
    Value v = a->at(--a->length);
    a->store->used = a->length;
    return v;
}

void clampRange(int64_t len, int64_t& start, int64_t& end) {
    start = std::clamp<int64_t>(start, 0, len);
    end = std::clamp<int64_t>(end, start, len);
}

Value self_slice(VM& vm, Value self, Value* args, int argc) {
    auto* a = self.as<ArrayObject>();
    int64_t start = argc > 0 ? indexArg(vm, "slice", args, argc, 0) : 0;
    int64_t end = argc > 1 ? indexArg(vm, "slice", args, argc, 1) : a->length;
    clampRange(a->length, start, end);
    ArrayObject* out = vm.heap().newArray(uint32_t(end - start));
    for (int64_t i = start; i < end; ++i) out->at(uint32_t(i - start)) = a->at(uint32_t(i));
    return Value::object(out);
}

Value self_indexOf(VM& vm, Value self, Value* args, int) {
    auto* a = self.as<ArrayObject>();
    for (uint32_t i = 0; i < a->length; ++i)
        if (vm.equals(a->at(i), args[0])) return Value::integer(i);
    return Value::integer(-1);
}

Value self_contains(VM& vm, Value self, Value* args, int argc) {
    return Value::boolean(self_indexOf(vm, self, args, argc).asInt() >= 0);
}

Value self_reverse(VM& vm, Value self, Value*, int) {
    auto* a = self.as<ArrayObject>();
    arrayEnsureUnique(vm, a);
    if (a->length) std::reverse(a->data(), a->data() + a->length);
    return self;
}

// Stable bottom-up merge sort of data[0..n) through scratch. Unlike
// std::stable_sort (whose insertion sort walks unguarded, trusting the
// comparator), it stays in bounds whatever `less` answers: a script
// comparator may be inconsistent, random or stateful.
template <class Less> void mergeSort(Value* data, Value* scratch, uint32_t n, Less less) {
    Value* src = data;
    Value* dst = scratch;
    for (uint64_t width = 1; width < n; width *= 2) {
        for (uint64_t lo = 0; lo < n; lo += 2 * width) {
            uint64_t mid = std::min<uint64_t>(lo + width, n), hi = std::min<uint64_t>(lo + 2 * width, n);
            uint64_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) dst[k++] = less(src[j], src[i]) ? src[j++] : src[i++];
            while (i < mid) dst[k++] = src[i++];
            while (j < hi) dst[k++] = src[j++];
        }
        std::swap(src, dst);
    }
    if (src != data) std::copy(src, src + n, data);
}

// The default order: numbers by value with every NaN after every other
// number (a total order, as Go's slices.Sort), strings bytewise; anything
// else is a TypeError.
bool defaultLess(VM& vm, const Value& x, const Value& y) {
    if (x.isFloat() || y.isFloat()) {
        if (x.isNumber() && y.isNumber()) {
            bool xNaN = std::isnan(x.asNumber()), yNaN = std::isnan(y.asNumber());
            if (xNaN || yNaN) return !xNaN;
        }
    }
    return vm.compare(x, y, "<") == -1;
}

// Sorts a private copy (kept alive as a temporary root, since the
// comparator may run the GC or even change the array), then installs it.
Value self_sort(VM& vm, Value self, Value* args, int argc) {
    auto* a = self.as<ArrayObject>();
    ArrayObject* work = vm.heap().newArray(a->length);
    TempRoot root(vm, Value::object(work));
    if (a->length) std::memcpy(static_cast<void*>(work->data()), a->data(), sizeof(Value) * a->length);
    Value* begin = work->data();
    Value* end = begin ? begin + work->length : begin;
    if (argc > 0) {
        Value cmp = args[0];
        ArrayObject* scratch = vm.heap().newArray(work->length); // rooted: values live in both halves
        TempRoot scratchRoot(vm, Value::object(scratch));
        mergeSort(begin, scratch->data(), work->length, [&](const Value& x, const Value& y) {
            Value pair[2] = {x, y};
            return vm.call(cmp, pair).truthy();
        });
    } else {
        std::stable_sort(begin, end, [&](const Value& x, const Value& y) { return defaultLess(vm, x, y); });
    }
    vm.heap().writeBarrier(a, 0);
    std::swap(a->store, work->store);
    std::swap(a->length, work->length);
    return self;
}

Value self_join(VM& vm, Value self, Value* args, int argc) {
    auto* a = self.as<ArrayObject>();
    std::string sep;
    if (argc > 0) {
        vm.checkArgs("join", args, argc, 0, ValueType::Obj);
        if (!args[0].isString()) vm.raise("TypeError", "join: separator must be a string");
        sep = std::string(args[0].as<StringObject>()->view());
    }
    std::string out;
    for (uint32_t i = 0; i < a->length; ++i) {
        if (i) out += sep;
        vm.appendString(out, a->at(i));
        if (out.size() > kMaxStringLength) vm.raise("ValueError", "join: result is too long");
    }
    return vm.stringValue(out);
}

// The elements an array held when a callback method started: the callback
// may push, remove or clear (language.md: callbacks visit the elements
// present when they start). An array sharing `a`'s buffer, so nothing is
// copied unless the callback writes to `a` (copy-on-write moves `a`, never
// this), rooted while it lives, and letting go of the buffer at the end.
class Snapshot {
  public:
    Snapshot(VM& vm, ArrayObject* a) : vm_(vm), copy_(vm.heap().newArray(0)), root_(vm, Value::object(copy_)) {
        if (a->store) {
            copy_->store = a->store;
            ++a->store->refs;
            copy_->length = a->length;
        }
    }
    ~Snapshot() {
        vm_.heap().releaseStore(copy_->store);
        copy_->store = nullptr;
        copy_->length = 0;
    }
    Snapshot(const Snapshot&) = delete;
    Snapshot& operator=(const Snapshot&) = delete;
    uint32_t size() const { return copy_->length; }
    Value at(uint32_t i) const { return copy_->at(i); }

  private:
    VM& vm_;
    ArrayObject* copy_;
    TempRoot root_;
};

Value self_map(VM& vm, Value self, Value* args, int) {
    Snapshot items(vm, self.as<ArrayObject>());
    ArrayObject* out = vm.heap().newArray(0, items.size());
    TempRoot root(vm, Value::object(out));
    for (uint32_t i = 0; i < items.size(); ++i) {
        Value item = items.at(i);
        arrayPush(vm, out, vm.call(args[0], std::span(&item, 1)));
    }
    return Value::object(out);
}

Value self_filter(VM& vm, Value self, Value* args, int) {
    Snapshot items(vm, self.as<ArrayObject>());
    ArrayObject* out = vm.heap().newArray(0);
    TempRoot root(vm, Value::object(out));
    for (uint32_t i = 0; i < items.size(); ++i) {
        Value item = items.at(i);
        if (vm.call(args[0], std::span(&item, 1)).truthy()) arrayPush(vm, out, item);
    }
    return Value::object(out);
}

// reduce(f, init): acc = f(acc, x) over the elements; without `init` the
// first element starts (an empty array then raises ValueError).
Value self_reduce(VM& vm, Value self, Value* args, int argc) {
    Snapshot items(vm, self.as<ArrayObject>());
    uint32_t i = 0;
    Value acc;
    if (argc > 1) {
        acc = args[1];
    } else {
        if (items.size() == 0) vm.raise("ValueError", "reduce of an empty array with no initial value");
        acc = items.at(i++);
    }
    for (; i < items.size(); ++i) {
        Value pair[2] = {acc, items.at(i)};
        acc = vm.call(args[0], pair);
    }
    return acc;
}

// The index of the first element for which f is truthy, or -1.
int64_t findFirst(VM& vm, Value self, Value f) {
    Snapshot items(vm, self.as<ArrayObject>());
    for (uint32_t i = 0; i < items.size(); ++i) {
        Value item = items.at(i);
        if (vm.call(f, std::span(&item, 1)).truthy()) return i;
    }
    return -1;
}

Value self_find(VM& vm, Value self, Value* args, int) {
    Snapshot items(vm, self.as<ArrayObject>()); // the element, even if the callback removed it
    int64_t i = findFirst(vm, self, args[0]);
    return i < 0 || uint32_t(i) >= items.size() ? Value() : items.at(uint32_t(i));
}
Value self_findIndex(VM& vm, Value self, Value* args, int) { return Value::integer(findFirst(vm, self, args[0])); }
Value self_some(VM& vm, Value self, Value* args, int) { return Value::boolean(findFirst(vm, self, args[0]) >= 0); }
Value self_every(VM& vm, Value self, Value* args, int) {
    Snapshot items(vm, self.as<ArrayObject>());
    for (uint32_t i = 0; i < items.size(); ++i) {
        Value item = items.at(i);
        if (!vm.call(args[0], std::span(&item, 1)).truthy()) return Value::boolean(false);
    }
    return Value::boolean(true);
}

Value self_insert(VM& vm, Value self, Value* args, int argc) {
    auto* a = self.as<ArrayObject>();
    int64_t i = indexArg(vm, "insert", args, argc, 0);
    if (i < 0 || i > a->length)
        vm.raise("IndexError", "insert index " + std::to_string(i) + " out of range for array of length " +
                                   std::to_string(a->length));
    arrayPush(vm, a, Value());
    vm.heap().writeBarrier(a, uint32_t(i)); // items from i move up one
    Value* d = a->data();
    std::memmove(static_cast<void*>(d + i + 1), d + i, sizeof(Value) * (a->length - 1 - size_t(i)));
    d[i] = args[1];
    return self;
}

Value self_remove(VM& vm, Value self, Value* args, int argc) {
    auto* a = self.as<ArrayObject>();
    int64_t i = indexArg(vm, "remove", args, argc, 0);
    if (i < 0 || i >= a->length)
        vm.raise("IndexError", "remove index " + std::to_string(i) + " out of range for array of length " +
                                   std::to_string(a->length));
    arrayEnsureUnique(vm, a);
    Value* d = a->data();
    Value removed = d[i];
    std::memmove(static_cast<void*>(d + i), d + i + 1, sizeof(Value) * (a->length - 1 - size_t(i)));
    a->store->used = --a->length;
    return removed;
}

Value self_clear(VM& vm, Value self, Value*, int) {
    auto* a = self.as<ArrayObject>();
    vm.heap().releaseStore(a->store);
    a->store = nullptr;
    a->length = 0;
    return self;
}

Value self_copy(VM& vm, Value self, Value*, int) {
    auto* a = self.as<ArrayObject>();
    ArrayObject* out = vm.heap().newArray(a->length);
    if (a->length) std::memcpy(static_cast<void*>(out->data()), a->data(), sizeof(Value) * a->length);
    return Value::object(out);
}

} // namespace

namespace {

void makeUnique(VM& vm, ArrayObject* a, uint32_t extraCapacity) {
    if (!a->store) {
        if (extraCapacity) a->store = vm.heap().newStore(grownCapacity(0, extraCapacity));
        return;
    }
    if (a->store->refs > 1) moveToNewStore(vm, a, grownCapacity(a->length, a->length + extraCapacity));
}

} // namespace

void arrayEnsureUnique(VM& vm, ArrayObject* a, uint32_t extraCapacity) {
    vm.heap().writeBarrier(a, 0); // every caller may store into a, anywhere
    makeUnique(vm, a, extraCapacity);
}

void arrayPush(VM& vm, ArrayObject* a, Value v) {
    checkLength(vm, uint64_t(a->length) + 1);
    vm.heap().writeBarrier(a, a->length, v);
    makeUnique(vm, a, 1);
    if (a->length >= a->store->capacity) moveToNewStore(vm, a, grownCapacity(a->store->capacity, a->length + 1));
    a->store->items()[a->length++] = v;
    a->store->used = a->length;
}

ArrayObject* arrayAppend(VM& vm, ArrayObject* a, const Value* items, int n) {
    uint64_t newLength = uint64_t(a->length) + uint64_t(n);
    checkLength(vm, newLength);
    ArrayObject* out = vm.heap().newArray(0);
    ArrayStore* store = a->store;
    if (store && a->length == store->used && newLength <= store->capacity) {
        ++store->refs; // share: nobody else has written past a's end
        out->store = store;
    } else if (store && a->length == store->used) {
        // Grow into a new buffer that `out` owns; later appends share it.
        out->length = a->length;
        out->store = store;
        ++store->refs;
        moveToNewStore(vm, out, grownCapacity(store->capacity, uint32_t(newLength)));
    } else {
        out->length = a->length;
        out->store = store;
        if (store) ++store->refs;
        moveToNewStore(vm, out, grownCapacity(0, uint32_t(newLength)));
    }
    out->length = a->length;
    for (int i = 0; i < n; ++i) out->store->items()[out->length++] = items[i];
    out->store->used = out->length;
    return out;
}

NativeObject* arrayMethodObject(const StringObject* name) {
    static const NativeDef defs[] = {
        {"push", self_push, 0, -1},      {"pop", self_pop, 0, 0},           {"slice", self_slice, 0, 2},
        {"indexOf", self_indexOf, 1, 1}, {"contains", self_contains, 1, 1}, {"reverse", self_reverse, 0, 0},
        {"sort", self_sort, 0, 1},       {"join", self_join, 0, 1},         {"map", self_map, 1, 1},
        {"filter", self_filter, 1, 1},   {"insert", self_insert, 2, 2},     {"remove", self_remove, 1, 1},
        {"clear", self_clear, 0, 0},     {"copy", self_copy, 0, 0},         {"reduce", self_reduce, 1, 2},
        {"find", self_find, 1, 1},       {"findIndex", self_findIndex, 1, 1}, {"some", self_some, 1, 1},
        {"every", self_every, 1, 1},
    };
    static const auto& table = makeMethodTable(defs);
    auto it = table.find(name->view());
    return it == table.end() ? nullptr : it->second;
}

} // namespace langoost
