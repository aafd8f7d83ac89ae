// Compiler: walks the AST of one file and produces a CompiledModule — a
// FunctionProto per function in the fixed 32-bit instruction format. It
// resolves every name at compile time (local slot, upvalue, module global
// or builtin), so the VM never looks names up by string, and reports
// undeclared names and misplaced statements as diagnostics.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "bytecode/FunctionProto.h"
#include "common/Diagnostics.h"
#include "syntax/Ast.h"

namespace langoost {

struct CompileOptions {
    // Global builtin functions, in the order the VM's builtin table uses.
    std::vector<std::string> builtinNames;
};

// Returns null when diagnostics were reported.
std::unique_ptr<CompiledModule> compileProgram(const SourceFile& file, const Program& program,
                                               Diagnostics& diagnostics, const CompileOptions& options);

// Lex, parse and compile in one step.
std::unique_ptr<CompiledModule> compileSource(const SourceFile& file, Diagnostics& diagnostics,
                                              const CompileOptions& options);

} // namespace langoost
