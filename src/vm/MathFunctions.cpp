// MathFunctions: see MathFunctions.h.
#include "vm/MathFunctions.h"

#include <cmath>
#include <string>

#include "vm/VM.h"

namespace langoost {

void mathArgumentError(VM& vm, const char* fn, const Value* args, int argc, int i, const char* wanted) {
    vm.raise("TypeError", std::string("math.") + fn + ": argument " + std::to_string(i + 1) + " must be " + wanted +
                              ", got " + (i < argc ? vm.typeName(args[i]) : "nothing"));
}

namespace {

// A float result converted to int for floor/ceil/round.
Value intResult(VM& vm, MathFunction f, double d) {
    if (std::isnan(d) || d >= 9.2233720368547758e18 || d < -9.2233720368547758e18)
        vm.raise("ValueError", "math." + std::string(mathFunctionName(f)) + ": " + vm.toString(Value::number(d)) +
                                   " is out of the int range");
    return Value::integer(int64_t(d));
}

} // namespace

Value callMathFunction(VM& vm, MathFunction f, Value x) {
    if (x.isInt()) {
        int64_t i = x.asInt();
        switch (f) {
        case MathFunction::Abs:
            // -INT64_MIN is not an int: an error rather than a negative "absolute value".
            if (i == INT64_MIN)
                vm.raise("ValueError", "math.abs: " + std::to_string(i) + " has no absolute value in the int range");
            return Value::integer(i < 0 ? -i : i);
        case MathFunction::Floor:
        case MathFunction::Ceil:
        case MathFunction::Round: return x;
        default: break;
        }
    } else if (!x.isFloat()) {
        mathArgumentError(vm, std::string(mathFunctionName(f)).c_str(), &x, 1, 0, "a number");
    }
    double d = x.asNumber();
    switch (f) {
    case MathFunction::Sqrt: return Value::number(std::sqrt(d));
    case MathFunction::Abs: return Value::number(std::fabs(d));
    case MathFunction::Floor: return intResult(vm, f, std::floor(d));
    case MathFunction::Ceil: return intResult(vm, f, std::ceil(d));
    case MathFunction::Round: return intResult(vm, f, std::round(d));
    case MathFunction::Exp: return Value::number(std::exp(d));
    case MathFunction::Log: return Value::number(std::log(d));
    case MathFunction::Sin: return Value::number(std::sin(d));
    case MathFunction::Cos: return Value::number(std::cos(d));
    case MathFunction::Tan: return Value::number(std::tan(d));
    }
    return Value::number(d);
}

} // namespace langoost
