// Inline caches: the cache word of GetField / GetLocalField / SetField and
// Invoke's method-cache slot hint are only hints. Programs give the same
// output whatever they hold (every site sharing one method-cache slot
// included), and a polymorphic site (objects of several shapes) stays
// correct.
#include <gtest/gtest.h>

#include "bytecode/Opcode.h"
#include "compiler/Compiler.h"
#include "stdlib/Stdlib.h"
#include "vm/VM.h"

using namespace langoost;

namespace {

const char* kProgram = R"(
class A { fn sum() { return self.x + self.y } }
class B { fn sum() { return self.y * 10 + self.z } }
let objects = [A{x: 1, y: 2}, B{z: 3, y: 4}, {y: 5, w: 6, x: 7}, A{x: 8, y: 9}]
let total = 0
for round in range(3) {
    for o in objects {
        total += o.y
        o.y = o.y + 1
        if o.x != nil { total += o.x }
    }
    objects[1].z = nil
    objects[1].z = round
    objects[2].w = nil
}
let a = objects[0]
println(total, a.sum(), objects[1].sum(), objects[2].w, objects[3].y)
)";

std::shared_ptr<CompiledModule> compile() {
    SourceFile file("main.goost", kProgram);
    Diagnostics diags;
    CompileOptions options;
    options.builtinNames = builtinNames();
    auto module = compileSource(file, diags, options);
    EXPECT_TRUE(module) << diags.format();
    return module;
}

// Sets every field cache word in `proto` (and nested protos) to `value`,
// or with `invokeHints` every Invoke's slot hint; returns how many.
int fillCaches(FunctionProto& proto, uint32_t value, bool invokeHints = false) {
    int n = 0;
    for (size_t pc = 0; pc < proto.code.size();) {
        Opcode op = decodeOpcode(proto.code[pc]);
        OperandFormat f = opcodeFormat(op);
        if (!invokeHints && (f == OperandFormat::FIELD || f == OperandFormat::LOCAL_FIELD)) {
            proto.code[pc + 1] = value;
            ++n;
        }
        if (invokeHints && op == Opcode::Invoke) {
            proto.code[pc] = encode(op, encodePair(pairFirst(proto.code[pc]), int32_t(value)));
            ++n;
        }
        pc += 1 + (opcodeHasExtraWord(op) ? 1 : 0);
        if (op == Opcode::Closure) pc += proto.protos[decodeA(proto.code[pc - 1])]->upvalueCount;
    }
    for (auto& child : proto.protos) n += fillCaches(*child, value, invokeHints);
    return n;
}

std::string run(std::shared_ptr<const CompiledModule> module) {
    RuntimeConfig config = standardRuntime();
    config.captureOutput = true;
    VM vm(config);
    vm.runMain(module);
    return vm.isolate().out;
}

} // namespace

TEST(InlineCache, AnyCacheWordGivesTheSameOutput) {
    auto module = compile();
    ASSERT_TRUE(module);
    const std::string expected = "120 6 72 nil 12\n";
    EXPECT_EQ(run(module), expected);
    for (uint32_t value : {0u, 1u, 3u, 7u, 0x7fffffffu, 0xffffffffu}) {
        EXPECT_GT(fillCaches(*module->main, value), 10);
        EXPECT_EQ(run(module), expected) << "cache words = " << value;
    }
}

TEST(InlineCache, ARunLeavesItsCachesValidForTheNextRun) {
    auto module = compile();
    ASSERT_TRUE(module);
    std::string first = run(module);
    EXPECT_EQ(run(module), first); // the same shared code, caches warmed by the first VM
}

TEST(InlineCache, AnyInvokeSlotHintGivesTheSameOutput) {
    auto module = compile();
    ASSERT_TRUE(module);
    const std::string expected = run(module);
    for (uint32_t hint : {0u, 1u, 255u, 256u, 4095u}) {
        EXPECT_GE(fillCaches(*module->main, hint, true), 2);
        EXPECT_EQ(run(module), expected) << "slot hints = " << hint;
    }
}

TEST(InlineCache, ACallTakesAtMost4095Arguments) {
    auto compileCall = [](int argc) {
        std::string text = "let o = {}\nfn f(...a) { return a.len() }\nf(";
        for (int i = 0; i < argc; ++i) text += i ? ",1" : "1";
        text += ")\no.m(1";
        for (int i = 1; i < argc; ++i) text += ",1";
        text += ")\n";
        SourceFile file("main.goost", text);
        Diagnostics diags;
        CompileOptions options;
        options.builtinNames = builtinNames();
        auto module = compileSource(file, diags, options);
        return std::make_pair(bool(module), diags.format());
    };
    EXPECT_TRUE(compileCall(4095).first);
    auto [ok, message] = compileCall(4096);
    EXPECT_FALSE(ok);
    EXPECT_NE(message.find("too many arguments in one call (4096; at most 4095)"), std::string::npos) << message;
}
