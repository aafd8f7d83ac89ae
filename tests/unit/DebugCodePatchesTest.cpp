// The debugger's code patches (src/tools/debug/CodePatches) and the
// compiler's local-name table they rely on: where a breakpoint lands, that
// replacing or stepping leaves the code as it was, and which locals are in
// scope at which instruction.
#include <gtest/gtest.h>

#include "compiler/Compiler.h"
#include "tools/debug/CodePatches.h"

using namespace langoost;
using namespace langoost::debug;

namespace {

const char* kSource = "fn add(a, b) {\n"    // 1
                      "    let s = a + b\n" // 2
                      "\n"                  // 3
                      "    return s\n"      // 4
                      "}\n"                 // 5
                      "let x = add(1, 2)\n" // 6
                      "println(x)\n";       // 7

std::shared_ptr<const CompiledModule> compile() {
    Diagnostics diags;
    CompileOptions options;
    options.builtinNames = {"println"};
    std::shared_ptr<const CompiledModule> m = compileSource(SourceFile("/t/a.goost", kSource), diags, options);
    EXPECT_TRUE(m) << diags.format();
    return m;
}

size_t traps(const FunctionProto& p) {
    size_t n = 0;
    for (size_t pc = 0; pc < p.code.size(); pc += instructionLength(p, pc))
        n += decodeOpcode(p.code[pc]) == Opcode::Trap;
    for (const auto& nested : p.protos) n += traps(*nested);
    return n;
}

} // namespace

TEST(DebugCodePatches, BreakpointsLandOnCodeAndComeOff) {
    auto m = compile();
    std::vector<Instruction> before = m->main->protos[0]->code;
    CodePatches patches;
    patches.addModule(m);
    auto placed = patches.setBreakpoints("/t/a.goost", {{2, ""}, {3, "s > 1"}, {40, ""}});
    ASSERT_EQ(placed.size(), 3u);
    EXPECT_TRUE(placed[0].verified);
    EXPECT_EQ(placed[0].line, 2u);
    EXPECT_TRUE(placed[1].verified); // a blank line: the next line with code
    EXPECT_EQ(placed[1].line, 4u);
    EXPECT_FALSE(placed[2].verified);
    EXPECT_EQ(traps(*m->main), 2u);
    const Instruction* line4 = nullptr;
    const FunctionProto& add = *m->main->protos[0];
    for (size_t pc = 0; pc < add.code.size(); ++pc)
        if (add.locations[pc].line == 4 && !line4) line4 = &add.code[pc];
    ASSERT_TRUE(patches.find(line4));
    EXPECT_EQ(patches.find(line4)->condition, "s > 1");
    EXPECT_EQ(patches.find(line4)->original, before[size_t(line4 - add.code.data())]);

    patches.setBreakpoints("/t/a.goost", {});
    EXPECT_EQ(traps(*m->main), 0u);
    EXPECT_EQ(add.code, before);
}

TEST(DebugCodePatches, SteppingTrapsEveryLineStartAndKeepsBreakpoints) {
    auto m = compile();
    CodePatches patches;
    patches.addModule(m);
    patches.setBreakpoints("/t/a.goost", {{6, ""}});
    patches.setStepping(true);
    EXPECT_GE(traps(*m->main), 5u); // lines 2 and 4 in add; 1 (fn add), 6 and 7 at the top
    patches.setStepping(false);
    EXPECT_EQ(traps(*m->main), 1u);
}

TEST(DebugCodePatches, PendingFileLandsWhenLoaded) {
    CodePatches patches;
    auto placed = patches.setBreakpoints("/t/a.goost", {{4, ""}});
    EXPECT_FALSE(placed[0].verified);
    auto m = compile();
    auto landed = patches.addModule(m);
    ASSERT_EQ(landed.size(), 1u);
    EXPECT_TRUE(landed[0].verified);
    EXPECT_EQ(landed[0].id, placed[0].id);
}

TEST(DebugLocalNames, ScopesFollowTheCode) {
    auto m = compile();
    const FunctionProto& add = *m->main->protos[0];
    std::vector<std::string> names;
    for (const LocalName& l : add.localNames) names.push_back(l.name);
    ASSERT_GE(names.size(), 3u);
    EXPECT_EQ(names[1], "a");
    EXPECT_EQ(names[2], "b");
    const LocalName& s = add.localNames.back();
    EXPECT_EQ(s.name, "s");
    EXPECT_GT(s.startPc, 0u); // only after its `let`
    EXPECT_EQ(add.locations[s.startPc].line, 4u);
}
