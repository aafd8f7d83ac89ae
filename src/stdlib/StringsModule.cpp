// The `strings` module (stdlib.md): byte-oriented string functions.
// Positions and lengths are bytes; bad argument types raise TypeError.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "bytecode/ValueFormat.h"
#include "stdlib/StringFormat.h"
#include "stdlib/Stdlib.h"
#include "vm/ArrayOps.h"

namespace langoost {
namespace {

std::string_view str(VM& vm, const char* fn, Value* args, int argc, int i) {
    if (i >= argc || !args[i].isString())
        vm.raise("TypeError", std::string("strings.") + fn + ": argument " + std::to_string(i + 1) +
                                  " must be a string, got " + (i < argc ? vm.typeName(args[i]) : "nothing"));
    return args[i].as<StringObject>()->view();
}

int64_t integer(VM& vm, const char* fn, Value* args, int argc, int i) {
    vm.checkArgs(fn, args, argc, i, ValueType::Int);
    return args[i].asInt();
}

// The first `sub` in `s` at or after `from`, or npos. glibc's memmem is
// linear in the worst case (Two-Way), where string_view::find is
// O(len(s) * len(sub)) on inputs like "aaa…a" / "aa…ab".
size_t findBytes(std::string_view s, std::string_view sub, size_t from = 0) {
    if (from > s.size()) return std::string_view::npos;
    if (sub.empty()) return from;
    // One byte: memchr (also what sanitizers check only up to the hit, where
    // their memmem checks the whole rest of the text on every call).
    const void* hit = sub.size() == 1 ? std::memchr(s.data() + from, sub[0], s.size() - from)
                                      : ::memmem(s.data() + from, s.size() - from, sub.data(), sub.size());
    return hit ? size_t(static_cast<const char*>(hit) - s.data()) : std::string_view::npos;
}

// The last `sub` in `s`: a forward search of the reversed strings, linear too.
size_t findLastBytes(std::string_view s, std::string_view sub) {
    if (sub.size() > s.size()) return std::string_view::npos;
    if (sub.size() <= 2) return s.rfind(sub);
    std::string rs(s.rbegin(), s.rend()), rsub(sub.rbegin(), sub.rend());
    size_t i = findBytes(rs, rsub);
    return i == std::string_view::npos ? i : s.size() - i - sub.size();
}

Value make(VM& vm, std::string_view s) {
    if (s.size() > kMaxStringLength) vm.raise("ValueError", "string would exceed the maximum length");
    vm.checkAllocation(s.size());
    return vm.stringValue(s);
}

Value s_slice(VM& vm, Value, Value* a, int n) {
    auto s = str(vm, "slice", a, n, 0);
    int64_t len = int64_t(s.size());
    int64_t start = std::clamp<int64_t>(integer(vm, "slice", a, n, 1), 0, len);
    int64_t end = n > 2 ? std::clamp<int64_t>(integer(vm, "slice", a, n, 2), start, len) : len;
    return make(vm, s.substr(size_t(start), size_t(end - start)));
}

Value s_lower(VM& vm, Value, Value* a, int n) {
    std::string s(str(vm, "lower", a, n, 0));
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = char(c + 32);
    return make(vm, s);
}

Value s_upper(VM& vm, Value, Value* a, int n) {
    std::string s(str(vm, "upper", a, n, 0));
    for (char& c : s)
        if (c >= 'a' && c <= 'z') c = char(c - 32);
    return make(vm, s);
}

Value s_hasPrefix(VM& vm, Value, Value* a, int n) {
    return Value::boolean(str(vm, "hasPrefix", a, n, 0).starts_with(str(vm, "hasPrefix", a, n, 1)));
}
Value s_hasSuffix(VM& vm, Value, Value* a, int n) {
    return Value::boolean(str(vm, "hasSuffix", a, n, 0).ends_with(str(vm, "hasSuffix", a, n, 1)));
}
Value s_indexOf(VM& vm, Value, Value* a, int n) {
    size_t i = findBytes(str(vm, "indexOf", a, n, 0), str(vm, "indexOf", a, n, 1));
    return Value::integer(i == std::string_view::npos ? -1 : int64_t(i));
}
Value s_lastIndexOf(VM& vm, Value, Value* a, int n) {
    size_t i = findLastBytes(str(vm, "lastIndexOf", a, n, 0), str(vm, "lastIndexOf", a, n, 1));
    return Value::integer(i == std::string_view::npos ? -1 : int64_t(i));
}
Value s_contains(VM& vm, Value, Value* a, int n) {
    return Value::boolean(findBytes(str(vm, "contains", a, n, 0), str(vm, "contains", a, n, 1)) != std::string_view::npos);
}

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

Value s_trim(VM& vm, Value, Value* a, int n) {
    auto s = str(vm, "trim", a, n, 0);
    while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
    while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
    return make(vm, s);
}
Value s_trimLeft(VM& vm, Value, Value* a, int n) {
    auto s = str(vm, "trimLeft", a, n, 0);
    auto cut = str(vm, "trimLeft", a, n, 1);
    while (!s.empty() && cut.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
    return make(vm, s);
}
Value s_trimRight(VM& vm, Value, Value* a, int n) {
    auto s = str(vm, "trimRight", a, n, 0);
    auto cut = str(vm, "trimRight", a, n, 1);
    while (!s.empty() && cut.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
    return make(vm, s);
}

Value s_split(VM& vm, Value, Value* a, int n) {
    auto s = str(vm, "split", a, n, 0);
    auto sep = str(vm, "split", a, n, 1);
    ArrayObject* out = vm.heap().newArray(0);
    TempRoot root(vm, Value::object(out));
    GrowthGuard growth(vm, "strings.split");
    if (sep.empty()) {
        for (char c : s) {
            arrayPush(vm, out, vm.stringValue(std::string_view(&c, 1)));
            growth.tick();
        }
        return Value::object(out);
    }
    size_t start = 0;
    for (;;) {
        size_t i = findBytes(s, sep, start);
        if (i == std::string_view::npos) break;
        arrayPush(vm, out, vm.stringValue(s.substr(start, i - start)));
        growth.tick();
        start = i + sep.size();
    }
    arrayPush(vm, out, vm.stringValue(s.substr(start)));
    return Value::object(out);
}

Value s_join(VM& vm, Value, Value* a, int n) {
    if (!a[0].isObjType(ObjType::Array)) vm.raise("TypeError", "strings.join: argument 1 must be an array");
    auto sep = str(vm, "join", a, n, 1);
    auto* arr = a[0].as<ArrayObject>();
    std::string out;
    for (uint32_t i = 0; i < arr->length; ++i) {
        if (i) out += sep;
        vm.appendString(out, arr->at(i));
        vm.checkBuilding(out, "strings.join");
    }
    return make(vm, out);
}

Value s_replace(VM& vm, Value, Value* a, int n) {
    auto s = str(vm, "replace", a, n, 0);
    auto from = str(vm, "replace", a, n, 1);
    auto to = str(vm, "replace", a, n, 2);
    std::string out;
    if (from.empty()) {
        // Go semantics: insert `to` before every byte and at the end. The
        // size is known: refused before anything is built when too large.
        uint64_t total = uint64_t(s.size()) + (uint64_t(s.size()) + 1) * to.size();
        if (total > kMaxStringLength) vm.raise("ValueError", "string would exceed the maximum length");
        vm.checkAllocation(total);
        out.reserve(size_t(total));
        for (size_t i = 0; i < s.size(); ++i) {
            out += to;
            out += s[i];
            if ((i & 0xffff) == 0xffff) vm.checkDeadline();
        }
        out += to;
        return make(vm, out);
    }
    size_t start = 0;
    for (;;) {
        size_t i = findBytes(s, from, start);
        if (i == std::string_view::npos) break;
        out.append(s.substr(start, i - start));
        out.append(to);
        vm.checkBuilding(out, "strings.replace");
        start = i + from.size();
    }
    out.append(s.substr(start));
    return make(vm, out);
}

Value s_byteAt(VM& vm, Value, Value* a, int n) {
    auto s = str(vm, "byteAt", a, n, 0);
    int64_t i = integer(vm, "byteAt", a, n, 1);
    if (i < 0 || i >= int64_t(s.size()))
        vm.raise("IndexError", "byteAt: index " + std::to_string(i) + " out of range for string of length " +
                                   std::to_string(s.size()));
    return Value::integer(static_cast<unsigned char>(s[size_t(i)]));
}

Value s_fromBytes(VM& vm, Value, Value* a, int) {
    if (!a[0].isObjType(ObjType::Array)) vm.raise("TypeError", "strings.fromBytes: argument must be an array of ints");
    auto* arr = a[0].as<ArrayObject>();
    std::string out;
    for (uint32_t i = 0; i < arr->length; ++i) {
        Value v = arr->at(i);
        if (!v.isInt() || v.asInt() < 0 || v.asInt() > 255)
            vm.raise("ValueError", "strings.fromBytes: element " + std::to_string(i) + " is not a byte (0..255)");
        out += char(v.asInt());
    }
    return make(vm, out);
}

Value s_toBytes(VM& vm, Value, Value* a, int n) {
    auto s = str(vm, "toBytes", a, n, 0);
    vm.checkAllocation(uint64_t(s.size()) * sizeof(Value));
    ArrayObject* out = vm.heap().newArray(uint32_t(s.size()));
    for (size_t i = 0; i < s.size(); ++i) {
        out->at(uint32_t(i)) = Value::integer(static_cast<unsigned char>(s[i]));
        if ((i & 0xfffff) == 0xfffff) vm.checkDeadline();
    }
    return Value::object(out);
}

Value pad(VM& vm, Value* a, int n, bool left) {
    const char* fn = left ? "padLeft" : "padRight";
    auto s = str(vm, fn, a, n, 0);
    int64_t width = integer(vm, fn, a, n, 1);
    auto p = n > 2 ? str(vm, fn, a, n, 2) : std::string_view(" ");
    if (width > int64_t(kMaxStringLength)) vm.raise("ValueError", std::string(fn) + ": width is too large");
    if (int64_t(s.size()) >= width || p.empty()) return make(vm, s);
    vm.checkAllocation(uint64_t(width)); // refused before anything is built
    size_t fillBytes = size_t(width) - s.size();
    std::string out;
    out.reserve(size_t(width));
    if (!left) out += s;
    size_t fillStart = out.size();
    // The fill doubles itself: ~30 copies for any width, the clock read between them.
    out.append(p.substr(0, std::min(p.size(), fillBytes)));
    while (out.size() - fillStart < fillBytes) {
        size_t have = out.size() - fillStart;
        out.append(out, fillStart, std::min(have, fillBytes - have));
        vm.checkDeadline();
    }
    if (left) out += s;
    return make(vm, out);
}
Value s_padLeft(VM& vm, Value, Value* a, int n) { return pad(vm, a, n, true); }
Value s_padRight(VM& vm, Value, Value* a, int n) { return pad(vm, a, n, false); }

Value s_repeat(VM& vm, Value, Value* a, int n) {
    auto s = str(vm, "repeat", a, n, 0);
    int64_t count = integer(vm, "repeat", a, n, 1);
    if (count < 0) vm.raise("ValueError", "strings.repeat: negative count");
    if (!s.empty() && uint64_t(count) > kMaxStringLength / s.size())
        vm.raise("ValueError", "string would exceed the maximum length");
    if (s.empty() || count == 0) return make(vm, ""); // O(1), whatever the count
    size_t total = s.size() * size_t(count);
    vm.checkAllocation(total);
    std::string out;
    out.reserve(total);
    out += s;
    // Doubling: ~30 copies for any count, the clock read between them.
    while (out.size() < total) {
        out.append(out, 0, std::min(out.size(), total - out.size()));
        vm.checkDeadline();
    }
    return make(vm, out);
}

Value s_count(VM& vm, Value, Value* a, int n) {
    auto s = str(vm, "count", a, n, 0);
    auto sub = str(vm, "count", a, n, 1);
    if (sub.empty()) return Value::integer(int64_t(s.size()) + 1);
    int64_t c = 0;
    for (size_t i = findBytes(s, sub); i != std::string_view::npos; i = findBytes(s, sub, i + sub.size())) ++c;
    return Value::integer(c);
}

// Decodes one UTF-8 sequence; invalid bytes decode as U+FFFD, one byte each.
uint32_t decodeRune(std::string_view s, size_t& i) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    if (c < 0x80) {
        ++i;
        return c;
    }
    int len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    if (len == 0 || i + size_t(len) > s.size()) {
        ++i;
        return 0xFFFD;
    }
    uint32_t cp = c & (0x7F >> len);
    for (int k = 1; k < len; ++k) {
        if ((b(i + size_t(k)) & 0xC0) != 0x80) {
            ++i;
            return 0xFFFD;
        }
        cp = (cp << 6) | (b(i + size_t(k)) & 0x3F);
    }
    bool overlong = (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF));
    if (overlong || (cp >= 0xD800 && cp <= 0xDFFF)) {
        ++i;
        return 0xFFFD;
    }
    i += size_t(len);
    return cp;
}

Value s_runes(VM& vm, Value, Value* a, int n) {
    auto s = str(vm, "runes", a, n, 0);
    vm.checkAllocation(uint64_t(s.size()) * sizeof(Value));
    ArrayObject* out = vm.heap().newArray(0, uint32_t(s.size()));
    for (size_t i = 0; i < s.size();) {
        arrayPush(vm, out, Value::integer(decodeRune(s, i)));
        if ((out->length & 0xfffff) == 0) vm.checkDeadline();
    }
    return Value::object(out);
}

Value s_runeLen(VM& vm, Value, Value* a, int n) {
    auto s = str(vm, "runeLen", a, n, 0);
    int64_t count = 0;
    for (size_t i = 0; i < s.size(); ++count) decodeRune(s, i);
    return Value::integer(count);
}

Value s_format(VM& vm, Value, Value* a, int n) {
    return stringsFormat(vm, str(vm, "format", a, n, 0), a + 1, n - 1);
}

} // namespace

const NativeModuleDef& stringsModule() {
    static const NativeModuleDef def = {
        "strings",
        {
            {"slice", s_slice, 2, 3},         {"lower", s_lower, 1, 1},         {"upper", s_upper, 1, 1},
            {"hasPrefix", s_hasPrefix, 2, 2}, {"hasSuffix", s_hasSuffix, 2, 2}, {"indexOf", s_indexOf, 2, 2},
            {"lastIndexOf", s_lastIndexOf, 2, 2}, {"contains", s_contains, 2, 2}, {"trim", s_trim, 1, 1},
            {"trimLeft", s_trimLeft, 2, 2},   {"trimRight", s_trimRight, 2, 2}, {"split", s_split, 2, 2},
            {"join", s_join, 2, 2},           {"replace", s_replace, 3, 3},     {"byteAt", s_byteAt, 2, 2},
            {"fromBytes", s_fromBytes, 1, 1}, {"toBytes", s_toBytes, 1, 1},     {"padRight", s_padRight, 2, 3},
            {"padLeft", s_padLeft, 2, 3},     {"repeat", s_repeat, 2, 2},       {"count", s_count, 2, 2},
            {"format", s_format, 1, -1},      {"runes", s_runes, 1, 1},         {"runeLen", s_runeLen, 1, 1},
        },
        {},
    };
    return def;
}

} // namespace langoost
