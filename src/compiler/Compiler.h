// Compiler: walks the AST of one file and produces a CompiledModule — a
// FunctionProto per function in the fixed 32-bit instruction format. It
// resolves every name at compile time (local slot, upvalue, module global
// or builtin), so the VM never looks names up by string, and reports
// undeclared names and misplaced statements as diagnostics.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bytecode/FunctionProto.h"
#include "common/Diagnostics.h"
#include "syntax/Ast.h"

namespace langoost {

// What an import specifier resolved to (see CompileOptions::resolveImport).
struct ImportResolution {
    bool ok = false;
    std::string key;                  // the Import opcode's constant: a stdlib name or a canonical path
    std::vector<std::string> exports; // the module's top-level names, to check `import { a } from ...`
    std::string error;                // when !ok: the message (module not found, cycle, ...)
    std::string hint;                 // when !ok: a likely fix or the paths tried, if any
    bool reported = false;            // when !ok: the module's own errors were reported; add none here
};

struct CompileOptions {
    // Global builtin functions, in the order the VM's builtin table uses.
    std::vector<std::string> builtinNames;
    // Resolves (and compiles) an imported module. Unset: every import is
    // taken as a standard-library name, checked at run time.
    std::function<ImportResolution(const std::string& spec, SourceLocation at)> resolveImport;
    // REPL: globals of earlier entries keep their slots, new ones follow;
    // redeclaring one is allowed; and a final expression statement's value
    // is returned from the top level instead of being discarded.
    std::vector<std::string> predeclaredGlobals;
    bool replMode = false;
};

// Returns null when diagnostics were reported.
std::unique_ptr<CompiledModule> compileProgram(const SourceFile& file, const Program& program,
                                               Diagnostics& diagnostics, const CompileOptions& options);

// Lex, parse and compile in one step.
std::unique_ptr<CompiledModule> compileSource(const SourceFile& file, Diagnostics& diagnostics,
                                              const CompileOptions& options);

} // namespace langoost
