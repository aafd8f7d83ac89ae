// Disassembler: prints a compiled module function by function — offset,
// line:col, mnemonic, operand, and what the operand refers to (constant,
// global or builtin name, jump target).
#pragma once
#include <string>

#include "bytecode/FunctionProto.h"

namespace langoost {

std::string disassemble(const CompiledModule& module);

} // namespace langoost
