// The math module's one-argument functions (bytecode/MathFunction.h), one
// implementation for the MathCall instruction and the module's natives
// (stdlib/MathModule.cpp), and the module's argument errors.
#pragma once
#include "bytecode/MathFunction.h"
#include "bytecode/Value.h"

namespace langoost {

class VM;

// math.<f>(x): floor/ceil/round return ints, abs keeps an int an int, the
// others return floats. Raises the module's TypeError/ValueError.
Value callMathFunction(VM& vm, MathFunction f, Value x);

// "math.<fn>: argument <i+1> must be <wanted>, got <type>".
[[noreturn, gnu::cold, gnu::noinline]] void mathArgumentError(VM& vm, const char* fn, const Value* args, int argc,
                                                              int i, const char* wanted);

} // namespace langoost
