// libFuzzer target: lex + parse + compile arbitrary bytes as a source file,
// and disassemble the result when it compiles. Any crash, sanitizer report
// or hang here is a bug in src/syntax, src/compiler or the disassembler:
// every input must end in either a module or diagnostics.
#include <cstddef>
#include <cstdint>
#include <string>

#include "bytecode/Disassembler.h"
#include "compiler/Compiler.h"
#include "stdlib/Stdlib.h"

using namespace langoost;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const CompileOptions options{builtinNames()};
    SourceFile file("fuzz.goost", std::string(reinterpret_cast<const char*>(data), size));
    Diagnostics diags;
    auto module = compileSource(file, diags, options);
    if (module) {
        if (diags.hasErrors()) __builtin_trap(); // a module must mean "no errors"
        std::string listing = disassemble(*module);
        if (listing.empty()) __builtin_trap();
    } else {
        if (!diags.hasErrors()) __builtin_trap(); // failure must come with a diagnostic
        (void)diags.format();
    }
    return 0;
}
