// The `math` module (stdlib.md): numeric functions and the `bitwise`
// namespace. floor/ceil/round return ints; abs/min/max keep ints as ints;
// the transcendental functions always return floats.
#include <cmath>
#include <random>

#include "stdlib/Stdlib.h"
#include "vm/MathFunctions.h"

namespace langoost {
namespace {

double num(VM& vm, const char* fn, Value* args, int argc, int i) {
    if (i < argc && args[i].isNumber()) [[likely]]
        return args[i].asNumber();
    mathArgumentError(vm, fn, args, argc, i, "a number");
}

int64_t integer(VM& vm, const char* fn, Value* args, int argc, int i) {
    if (i < argc && args[i].isInt()) [[likely]]
        return args[i].asInt();
    mathArgumentError(vm, fn, args, argc, i, "an int");
}

// The one-argument functions are shared with the MathCall instruction.
#define MATH_FUNCTION(name, function)                                                                                  \
    Value m_##name(VM& vm, Value, Value* a, int) { return callMathFunction(vm, MathFunction::function, a[0]); }
MATH_FUNCTION(abs, Abs)
MATH_FUNCTION(floor, Floor)
MATH_FUNCTION(ceil, Ceil)
MATH_FUNCTION(round, Round)
MATH_FUNCTION(sqrt, Sqrt)
MATH_FUNCTION(exp, Exp)
MATH_FUNCTION(log, Log)
MATH_FUNCTION(sin, Sin)
MATH_FUNCTION(cos, Cos)
MATH_FUNCTION(tan, Tan)
#undef MATH_FUNCTION

// min/max over the arguments, or over the elements of a single array
// argument. The chosen value is returned as it is (ints stay ints); any NaN
// makes the result NaN.
Value extremum(VM& vm, Value* a, int n, bool wantMax) {
    const char* fn = wantMax ? "max" : "min";
    Value* items = a;
    uint32_t count = uint32_t(n);
    if (n == 1 && a[0].isObjType(ObjType::Array)) {
        auto* arr = a[0].as<ArrayObject>();
        items = arr->data();
        count = arr->length;
        if (count == 0) vm.raise("ValueError", std::string("math.") + fn + ": empty array");
    }
    Value best;
    for (uint32_t i = 0; i < count; ++i) {
        Value v = items[i];
        if (!v.isNumber())
            vm.raise("TypeError", std::string("math.") + fn + ": values must be numbers, got " + vm.typeName(v));
        if (v.isFloat() && std::isnan(v.asFloat())) return v;
        if (i == 0) {
            best = v;
            continue;
        }
        bool better;
        if (v.isInt() && best.isInt()) better = wantMax ? v.asInt() > best.asInt() : v.asInt() < best.asInt();
        else better = wantMax ? v.asNumber() > best.asNumber() : v.asNumber() < best.asNumber();
        if (better) best = v;
    }
    return best;
}
Value m_min(VM& vm, Value, Value* a, int n) { return extremum(vm, a, n, false); }
Value m_max(VM& vm, Value, Value* a, int n) { return extremum(vm, a, n, true); }

Value m_pow(VM& vm, Value, Value* a, int n) { return Value::number(std::pow(num(vm, "pow", a, n, 0), num(vm, "pow", a, n, 1))); }
Value m_atan2(VM& vm, Value, Value* a, int n) {
    return Value::number(std::atan2(num(vm, "atan2", a, n, 0), num(vm, "atan2", a, n, 1)));
}

Value m_isNaN(VM& vm, Value, Value* a, int n) {
    double x = num(vm, "isNaN", a, n, 0);
    return Value::boolean(std::isnan(x));
}

std::mt19937_64& rng() {
    static thread_local std::mt19937_64 engine{[] {
        std::random_device rd;
        std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
        return std::mt19937_64(seq);
    }()};
    return engine;
}

Value m_random(VM&, Value, Value*, int) {
    // 53 random bits -> [0, 1)
    return Value::number(double(rng()() >> 11) * 0x1.0p-53);
}

Value m_randomInt(VM& vm, Value, Value* a, int n) {
    int64_t lo = integer(vm, "randomInt", a, n, 0);
    int64_t hi = integer(vm, "randomInt", a, n, 1);
    if (lo > hi)
        vm.raise("ValueError", "math.randomInt: lo (" + std::to_string(lo) + ") is greater than hi (" + std::to_string(hi) + ")");
    return Value::integer(std::uniform_int_distribution<int64_t>(lo, hi)(rng()));
}

// ---- bitwise ----
Value b_and(VM& vm, Value, Value* a, int n) { return Value::integer(integer(vm, "bitwise.and", a, n, 0) & integer(vm, "bitwise.and", a, n, 1)); }
Value b_or(VM& vm, Value, Value* a, int n) { return Value::integer(integer(vm, "bitwise.or", a, n, 0) | integer(vm, "bitwise.or", a, n, 1)); }
Value b_xor(VM& vm, Value, Value* a, int n) { return Value::integer(integer(vm, "bitwise.xor", a, n, 0) ^ integer(vm, "bitwise.xor", a, n, 1)); }
Value b_not(VM& vm, Value, Value* a, int n) { return Value::integer(~integer(vm, "bitwise.not", a, n, 0)); }

int64_t shiftCount(VM& vm, const char* fn, Value* a, int n) {
    int64_t y = integer(vm, fn, a, n, 1);
    if (y < 0) vm.raise("ValueError", std::string("math.") + fn + ": negative shift count " + std::to_string(y));
    return y;
}
Value b_shl(VM& vm, Value, Value* a, int n) {
    int64_t x = integer(vm, "bitwise.shl", a, n, 0);
    int64_t y = shiftCount(vm, "bitwise.shl", a, n);
    return Value::integer(y >= 64 ? 0 : int64_t(uint64_t(x) << y));
}
Value b_shr(VM& vm, Value, Value* a, int n) {
    int64_t x = integer(vm, "bitwise.shr", a, n, 0);
    int64_t y = shiftCount(vm, "bitwise.shr", a, n);
    return Value::integer(y >= 64 ? (x < 0 ? -1 : 0) : x >> y);
}

} // namespace

const NativeModuleDef& mathModule() {
    static const NativeModuleDef def = {
        "math",
        {
            {"abs", m_abs, 1, 1},       {"min", m_min, 1, -1},     {"max", m_max, 1, -1},
            {"floor", m_floor, 1, 1},   {"ceil", m_ceil, 1, 1},    {"round", m_round, 1, 1},
            {"sqrt", m_sqrt, 1, 1},     {"pow", m_pow, 2, 2},      {"exp", m_exp, 1, 1},
            {"log", m_log, 1, 1},       {"sin", m_sin, 1, 1},      {"cos", m_cos, 1, 1},
            {"tan", m_tan, 1, 1},       {"atan2", m_atan2, 2, 2},  {"isNaN", m_isNaN, 1, 1},
            {"random", m_random, 0, 0}, {"randomInt", m_randomInt, 2, 2},
        },
        {
            {"bitwise",
             {
                 {"and", b_and, 2, 2},
                 {"or", b_or, 2, 2},
                 {"xor", b_xor, 2, 2},
                 {"not", b_not, 1, 1},
                 {"shl", b_shl, 2, 2},
                 {"shr", b_shr, 2, 2},
             },
             {}},
        },
        {{"pi", Value::number(M_PI)}, {"e", Value::number(M_E)},
         {"inf", Value::number(INFINITY)}, {"nan", Value::number(NAN)}},
    };
    return def;
}

} // namespace langoost
