// Builtins: the global functions of language.md §7 — len, append, typeof,
// toString, toInt, toFloat, print, println, eprint, eprintln, range, exit,
// error, assert, makeArray.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "stdlib/Stdlib.h"
#include "vm/ArrayOps.h"
#include "vm/MapOps.h"

namespace langoost {
namespace {

Value builtin_len(VM& vm, Value, Value* args, int) {
    Value v = args[0];
    if (v.isString()) return Value::integer(v.as<StringObject>()->length);
    if (v.isObjType(ObjType::Array)) return Value::integer(v.as<ArrayObject>()->length);
    if (v.isObjType(ObjType::Map)) return Value::integer(v.as<MapObject>()->count);
    vm.raise("TypeError", std::string("len: unsupported type ") + vm.typeName(v));
}

Value builtin_append(VM& vm, Value, Value* args, int argc) {
    if (!args[0].isObjType(ObjType::Array))
        vm.raise("TypeError", std::string("append: first argument must be an array, got ") + vm.typeName(args[0]));
    return Value::object(arrayAppend(vm, args[0].as<ArrayObject>(), args + 1, argc - 1));
}

Value builtin_typeof(VM& vm, Value, Value* args, int) { return Value::object(internConstant(vm.typeName(args[0]))); }

Value builtin_toString(VM& vm, Value, Value* args, int) {
    if (args[0].isString()) return args[0];
    if (args[0].isInt()) { // the common case, without a std::string in between
        char digits[24];
        auto end = std::to_chars(digits, digits + sizeof digits, args[0].asInt()).ptr;
        return vm.stringValue(std::string_view(digits, size_t(end - digits)));
    }
    return vm.stringValue(vm.toString(args[0]));
}

// Go strconv syntax: optional sign, decimal digits; nothing else.
bool parseInt(std::string_view s, int64_t& out) {
    if (s.empty()) return false;
    size_t i = 0;
    bool negative = false;
    if (s[0] == '+' || s[0] == '-') {
        negative = s[0] == '-';
        i = 1;
    }
    if (i == s.size()) return false;
    uint64_t value = 0;
    for (; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        uint64_t d = uint64_t(s[i] - '0');
        if (value > (uint64_t(INT64_MAX) + 1 - d) / 10) return false;
        value = value * 10 + d;
    }
    if (!negative && value > uint64_t(INT64_MAX)) return false;
    out = negative ? int64_t(0 - value) : int64_t(value);
    return true;
}

bool parseFloat(std::string_view s, double& out) {
    if (s.empty()) return false;
    std::string_view body = s;
    if (body[0] == '+' || body[0] == '-') body.remove_prefix(1);
    if (body == "inf" || body == "Inf" || body == "infinity" || body == "Infinity") {
        out = s[0] == '-' ? -INFINITY : INFINITY;
        return true;
    }
    if (body == "nan" || body == "NaN") {
        out = NAN;
        return true;
    }
    for (char c : body)
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) return false;
    std::string copy(s);
    char* end = nullptr;
    errno = 0;
    out = std::strtod(copy.c_str(), &end);
    return end == copy.c_str() + copy.size() && !copy.empty() && (std::isdigit(static_cast<unsigned char>(body[0])) || body[0] == '.');
}

Value builtin_toInt(VM& vm, Value, Value* args, int) {
    Value v = args[0];
    if (v.isInt()) return v;
    if (v.isFloat()) {
        double d = v.asFloat();
        if (std::isnan(d) || d >= 9.2233720368547758e18 || d < -9.2233720368547758e18)
            vm.raise("ValueError", "toInt: " + vm.toString(v) + " is out of the int range");
        return Value::integer(int64_t(d));
    }
    if (v.isString()) {
        int64_t out;
        if (parseInt(v.as<StringObject>()->view(), out)) return Value::integer(out);
        vm.raise("ValueError", "toInt: invalid integer \"" + std::string(v.as<StringObject>()->view()) + "\"");
    }
    if (v.isBool()) return Value::integer(v.asBool() ? 1 : 0);
    vm.raise("TypeError", std::string("toInt: cannot convert ") + vm.typeName(v));
}

Value builtin_toFloat(VM& vm, Value, Value* args, int) {
    Value v = args[0];
    if (v.isFloat()) return v;
    if (v.isInt()) return Value::number(double(v.asInt()));
    if (v.isString()) {
        double out;
        if (parseFloat(v.as<StringObject>()->view(), out)) return Value::number(out);
        vm.raise("ValueError", "toFloat: invalid number \"" + std::string(v.as<StringObject>()->view()) + "\"");
    }
    if (v.isBool()) return Value::number(v.asBool() ? 1.0 : 0.0);
    vm.raise("TypeError", std::string("toFloat: cannot convert ") + vm.typeName(v));
}

void writeArgs(VM& vm, Value* args, int argc) {
    std::string out;
    for (int i = 0; i < argc; ++i) {
        if (i) out += ' ';
        vm.appendString(out, args[i]);
    }
    vm.write(out);
}

Value builtin_print(VM& vm, Value, Value* args, int argc) {
    writeArgs(vm, args, argc);
    return Value();
}

Value builtin_println(VM& vm, Value, Value* args, int argc) {
    writeArgs(vm, args, argc);
    vm.write("\n");
    return Value();
}

// eprint/eprintln: stderr, unbuffered. What print wrote before is flushed
// first, so a terminal shows both in program order (in server mode print
// writes the response body, which stays where it is).
void writeError(VM& vm, Value* args, int argc, bool newline) {
    std::string out;
    for (int i = 0; i < argc; ++i) {
        if (i) out += ' ';
        vm.appendString(out, args[i]);
    }
    if (newline) out += '\n';
    vm.flush();
    std::fwrite(out.data(), 1, out.size(), stderr);
    std::fflush(stderr);
}

Value builtin_eprint(VM& vm, Value, Value* args, int argc) {
    writeError(vm, args, argc, false);
    return Value();
}

Value builtin_eprintln(VM& vm, Value, Value* args, int argc) {
    writeError(vm, args, argc, true);
    return Value();
}

Value builtin_range(VM& vm, Value, Value* args, int argc) {
    for (int i = 0; i < argc; ++i) vm.checkArgs("range", args, argc, i, ValueType::Int);
    int64_t start = argc == 1 ? 0 : args[0].asInt();
    int64_t end = argc == 1 ? args[0].asInt() : args[1].asInt();
    int64_t step = argc == 3 ? args[2].asInt() : 1;
    if (step == 0) vm.raise("ValueError", "range step must not be zero");
    return Value::object(vm.heap().newRange(start, end, step));
}

Value builtin_exit(VM& vm, Value, Value* args, int argc) {
    int64_t code = 0;
    if (argc > 0) {
        vm.checkArgs("exit", args, argc, 0, ValueType::Int);
        code = args[0].asInt();
    }
    throw ExitRequest{int(code & 0xff)};
}

Value builtin_error(VM& vm, Value, Value* args, int argc) {
    std::string kind = args[0].isString() ? std::string(args[0].as<StringObject>()->view()) : vm.toString(args[0]);
    std::string message = argc > 1 ? (args[1].isString() ? std::string(args[1].as<StringObject>()->view())
                                                         : vm.toString(args[1]))
                                   : "";
    return Value::object(vm.newError(kind, message));
}

Value builtin_assert(VM& vm, Value, Value* args, int argc) {
    if (args[0].truthy()) return Value();
    std::string message = argc > 1 ? vm.toString(args[1]) : "assertion failed";
    vm.raise("AssertionError", message);
}

// makeArray(n, fill): n copies of fill (nil by default) in one allocation.
Value builtin_makeArray(VM& vm, Value, Value* args, int argc) {
    vm.checkArgs("makeArray", args, argc, 0, ValueType::Int);
    int64_t n = args[0].asInt();
    if (n < 0) vm.raise("ValueError", "makeArray: length must not be negative, got " + std::to_string(n));
    if (n > int64_t(kMaxArrayLength))
        vm.raise("ValueError", "makeArray: length " + std::to_string(n) + " exceeds the maximum array length of " +
                                   std::to_string(kMaxArrayLength));
    vm.checkAllocation(uint64_t(n) * sizeof(Value));
    ArrayObject* a = vm.heap().newArray(uint32_t(n));
    if (argc > 1 && !args[1].isNil()) std::fill_n(a->data(), size_t(n), args[1]);
    return Value::object(a);
}

} // namespace

const std::vector<NativeDef>& builtinFunctions() {
    static const std::vector<NativeDef> defs = {
        {"len", builtin_len, 1, 1},
        {"append", builtin_append, 1, -1},
        {"typeof", builtin_typeof, 1, 1},
        {"toString", builtin_toString, 1, 1},
        {"toInt", builtin_toInt, 1, 1},
        {"toFloat", builtin_toFloat, 1, 1},
        {"print", builtin_print, 0, -1},
        {"println", builtin_println, 0, -1},
        {"range", builtin_range, 1, 3},
        {"exit", builtin_exit, 0, 1},
        {"error", builtin_error, 1, 2},
        {"assert", builtin_assert, 1, 2},
        {"eprint", builtin_eprint, 0, -1},
        {"eprintln", builtin_eprintln, 0, -1},
        {"makeArray", builtin_makeArray, 1, 2},
    };
    return defs;
}

} // namespace langoost
