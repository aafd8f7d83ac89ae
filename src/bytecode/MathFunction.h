// MathFunction: the one-argument functions of the `math` module that a call
// compiles to one MathCall instruction (operand = the function) when
// `math` is surely the standard module: `math.sqrt(x)` after `import math`,
// or `sqrt(x)` after `import { sqrt } from "math"`, the binding never
// assigned. The numbering is part of the bytecode format.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace langoost {

enum class MathFunction : uint8_t { Sqrt, Abs, Floor, Ceil, Round, Exp, Log, Sin, Cos, Tan };
inline constexpr uint32_t kMathFunctionCount = 10;

inline constexpr std::string_view kMathFunctionNames[kMathFunctionCount] = {
    "sqrt", "abs", "floor", "ceil", "round", "exp", "log", "sin", "cos", "tan"};

inline std::string_view mathFunctionName(MathFunction f) { return kMathFunctionNames[uint32_t(f)]; }

inline std::optional<MathFunction> mathFunctionNamed(std::string_view name) {
    for (uint32_t i = 0; i < kMathFunctionCount; ++i)
        if (kMathFunctionNames[i] == name) return MathFunction(i);
    return std::nullopt;
}

} // namespace langoost
