// Serialized programs: every constant kind and proto field survives a round
// trip; truncated, corrupted, foreign and hostile blobs are refused with a
// message (never a crash).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "bytecode/MathFunction.h"
#include "bytecode/Serializer.h"
#include "bytecode/StringObject.h"
#include "compiler/Compiler.h"
#include "stdlib/Stdlib.h"

using namespace langoost;

namespace {

constexpr const char* kVersion = "test-1";

std::shared_ptr<const CompiledModule> compile(const std::string& text, const std::string& key = "/app/main.goost") {
    SourceFile file("main.goost", text);
    Diagnostics diags;
    CompileOptions options;
    options.builtinNames = builtinNames();
    std::shared_ptr<CompiledModule> module = compileSource(file, diags, options);
    EXPECT_TRUE(module) << diags.format();
    if (module) module->key = key;
    return module;
}

ProgramImage imageOf(const std::string& text) {
    ProgramImage image;
    image.modules.push_back(compile(text));
    return image;
}

const char* kProgram = R"(
fn add(a: int, b: float, ...rest: string[]): float {
    let big = 9223372036854775807
    let small = -9223372036854775807 - 1
    let f = 1.5e300 * 1e10
    let z = -0.0
    let s = "nul\x00inside" + "and more"
    return fn() { return a + b + big + small + f + z + len(s) + len(rest) }
}
class Box { fn get() { return self.v } }
interface Getter { fn get() }
let counter = 0
for i in range(3) { counter += i }
println(add(1, 2.0)(), Box{v: 1}.get(), Box is Getter)
)";

void expectSameProto(const FunctionProto& a, const FunctionProto& b) {
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.path, b.path);
    EXPECT_EQ(a.arity, b.arity);
    EXPECT_EQ(a.variadic, b.variadic);
    EXPECT_EQ(a.named, b.named);
    EXPECT_EQ(a.isMethod, b.isMethod);
    EXPECT_EQ(a.maxStack, b.maxStack);
    EXPECT_EQ(a.upvalueCount, b.upvalueCount);
    EXPECT_EQ(a.location.line, b.location.line);
    EXPECT_EQ(a.location.column, b.location.column);
    EXPECT_EQ(a.code, b.code);
    ASSERT_EQ(a.locations.size(), b.locations.size());
    for (size_t i = 0; i < a.locations.size(); ++i) {
        EXPECT_EQ(a.locations[i].line, b.locations[i].line);
        EXPECT_EQ(a.locations[i].column, b.locations[i].column);
    }
    ASSERT_EQ(a.constants.size(), b.constants.size());
    for (size_t i = 0; i < a.constants.size(); ++i) {
        const Value& x = a.constants[i];
        const Value& y = b.constants[i];
        ASSERT_EQ(x.type(), y.type());
        if (x.isString()) EXPECT_EQ(x.as<StringObject>()->view(), y.as<StringObject>()->view());
        else if (x.isFloat()) EXPECT_EQ(std::bit_cast<uint64_t>(x.asFloat()), std::bit_cast<uint64_t>(y.asFloat()));
        else EXPECT_TRUE(x.identical(y));
    }
    EXPECT_EQ(a.paramNames, b.paramNames);
    ASSERT_EQ(a.paramTypes.size(), b.paramTypes.size());
    for (size_t i = 0; i < a.paramTypes.size(); ++i) {
        EXPECT_EQ(a.paramTypes[i].name, b.paramTypes[i].name);
        EXPECT_EQ(a.paramTypes[i].isArray, b.paramTypes[i].isArray);
    }
    EXPECT_EQ(a.returnType.name, b.returnType.name);
    ASSERT_EQ(a.operandNames.size(), b.operandNames.size());
    for (size_t i = 0; i < a.operandNames.size(); ++i) {
        EXPECT_EQ(a.operandNames[i].at.line, b.operandNames[i].at.line);
        EXPECT_EQ(a.operandNames[i].at.column, b.operandNames[i].at.column);
        EXPECT_EQ(a.operandNames[i].kind, b.operandNames[i].kind);
        EXPECT_EQ(a.operandNames[i].first, b.operandNames[i].first);
        EXPECT_EQ(a.operandNames[i].second, b.operandNames[i].second);
    }
    ASSERT_EQ(a.protos.size(), b.protos.size());
    for (size_t i = 0; i < a.protos.size(); ++i) expectSameProto(*a.protos[i], *b.protos[i]);
}

// Rewrites the header's checksum so a deliberately altered payload gets
// past the CRC and reaches the structural checks.
void fixChecksum(std::string& blob) {
    uint32_t crc = crc32(std::string_view(blob).substr(kProgramHeaderSize));
    for (int i = 0; i < 4; ++i) blob[16 + i] = char(uint8_t(crc >> (8 * i)));
}

} // namespace

TEST(Serializer, RoundTripKeepsEveryField) {
    ProgramImage image = imageOf(kProgram);
    std::string blob = serializeProgram(image, kVersion);
    DeserializeResult loaded = deserializeProgram(blob, kVersion);
    ASSERT_TRUE(loaded.image) << loaded.error;
    ASSERT_EQ(loaded.image->modules.size(), 1u);
    const CompiledModule& a = *image.modules[0];
    const CompiledModule& b = *loaded.image->modules[0];
    EXPECT_FALSE(a.main->operandNames.empty()); // `counter += i`, `add(1, 2.0)`: names to keep
    EXPECT_EQ(a.path, b.path);
    EXPECT_EQ(a.key, b.key);
    EXPECT_EQ(a.globalNames, b.globalNames);
    EXPECT_EQ(a.builtinNames, b.builtinNames);
    expectSameProto(*a.main, *b.main);
    EXPECT_EQ(serializeProgram(*loaded.image, kVersion), blob);
}

TEST(Serializer, SpecialFloatsAndBoundaryInts) {
    auto module = std::const_pointer_cast<CompiledModule>(compile("println(1)\n"));
    double nan = std::numeric_limits<double>::quiet_NaN();
    for (double d : {nan, -nan, std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(), -0.0,
                     std::numeric_limits<double>::denorm_min()})
        module->main->constants.push_back(Value::number(d));
    for (int64_t i : {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), int64_t(0), int64_t(-1)})
        module->main->constants.push_back(Value::integer(i));
    module->main->constants.push_back(Value::boolean(true));
    module->main->constants.push_back(Value::nil());
    module->main->constants.push_back(Value::object(internConstant(std::string_view("\0\xff", 2))));
    ProgramImage image;
    image.modules.push_back(module);
    DeserializeResult loaded = deserializeProgram(serializeProgram(image, kVersion), kVersion);
    ASSERT_TRUE(loaded.image) << loaded.error;
    expectSameProto(*module->main, *loaded.image->modules[0]->main);
}

TEST(Serializer, RefusesWrongMagicVersionAndRuntime) {
    std::string blob = serializeProgram(imageOf("println(1)\n"), kVersion);
    std::string badMagic = blob;
    badMagic[0] = 'X';
    EXPECT_NE(deserializeProgram(badMagic, kVersion).error.find("bad magic"), std::string::npos);
    std::string badFormat = blob;
    badFormat[8] = char(kProgramFormatVersion + 1);
    EXPECT_NE(deserializeProgram(badFormat, kVersion).error.find("format version"), std::string::npos);
    EXPECT_NE(deserializeProgram(blob, "other-9").error.find("built by langoost test-1"), std::string::npos);
    EXPECT_EQ(deserializeProgram("", kVersion).image, nullptr);
}

TEST(Serializer, EveryTruncationIsRefused) {
    std::string blob = serializeProgram(imageOf(kProgram), kVersion);
    for (size_t n = 0; n < blob.size(); ++n) {
        DeserializeResult r = deserializeProgram(std::string_view(blob).substr(0, n), kVersion);
        EXPECT_EQ(r.image, nullptr) << n;
        EXPECT_FALSE(r.error.empty());
    }
    EXPECT_NE(deserializeProgram(blob.substr(0, blob.size() - 1), kVersion).error.find("truncated"), std::string::npos);
}

TEST(Serializer, EveryBitFlipIsRefused) {
    std::string blob = serializeProgram(imageOf(kProgram), kVersion);
    for (size_t i = 0; i < blob.size(); ++i) {
        std::string bad = blob;
        bad[i] = char(bad[i] ^ (1 << (i % 8)));
        EXPECT_EQ(deserializeProgram(bad, kVersion).image, nullptr) << i;
    }
    std::string bad = blob;
    bad[blob.size() / 2] ^= 0x10;
    EXPECT_NE(deserializeProgram(bad, kVersion).error.find("checksum"), std::string::npos);
}

// Past the checksum (recomputed), every byte value at every position still
// gives either a verified program or an error — exercised under ASan.
TEST(Serializer, HostilePayloadsNeverCrash) {
    std::string blob = serializeProgram(imageOf(kProgram), kVersion);
    size_t accepted = 0;
    for (size_t i = kProgramHeaderSize; i < blob.size(); ++i) {
        for (uint8_t v : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
            std::string bad = blob;
            bad[i] = char(v);
            fixChecksum(bad);
            DeserializeResult r = deserializeProgram(bad, kVersion);
            if (r.image) ++accepted;
            else EXPECT_FALSE(r.error.empty());
        }
    }
    SUCCEED() << accepted << " altered payloads were still well-formed";
}

TEST(Serializer, VerifierRejectsOutOfRangeOperands) {
    auto check = [](auto mutate, const char* expected) {
        auto module = std::const_pointer_cast<CompiledModule>(compile("let g = 1\nprintln(g + 1)\n"));
        auto copy = std::make_shared<CompiledModule>();
        copy->path = module->path;
        copy->key = module->key;
        copy->globalNames = module->globalNames;
        copy->builtinNames = module->builtinNames;
        copy->main = std::make_unique<FunctionProto>(std::move(*module->main));
        mutate(*copy);
        ProgramImage image;
        image.modules.push_back(copy);
        DeserializeResult r = deserializeProgram(serializeProgram(image, kVersion), kVersion);
        EXPECT_EQ(r.image, nullptr);
        EXPECT_NE(r.error.find(expected), std::string::npos) << r.error;
    };
    check([](CompiledModule& m) { m.globalNames.clear(); }, "global out of range");
    check([](CompiledModule& m) { m.main->code.insert(m.main->code.begin(), encode(Opcode::Const, 999)); m.main->locations.push_back({}); }, "bad constant");
    check([](CompiledModule& m) { m.main->code.insert(m.main->code.begin(), encodeSigned(Opcode::Jump, 5000)); m.main->locations.push_back({}); }, "bad jump target");
    check([](CompiledModule& m) { m.main->code.insert(m.main->code.begin(), encode(Opcode::LoadLocal, 4000)); m.main->locations.push_back({}); }, "slot out of range");
    check([](CompiledModule& m) { m.main->code.back() = encode(Opcode::Nop); }, "does not end");
    auto insertField = [](CompiledModule& m, Instruction ins) {
        m.main->code.insert(m.main->code.begin(), {ins, 0xffffffffu}); // any cache word is valid
        m.main->locations.resize(m.main->code.size());
    };
    check([&](CompiledModule& m) { insertField(m, encode(Opcode::GetField, 999)); }, "bad field name constant");
    check([&](CompiledModule& m) { insertField(m, encode(Opcode::GetLocalField, encodePair(4000, 0))); }, "slot out of range");
    check([](CompiledModule& m) { m.main->code.insert(m.main->code.begin(), 0xff000000u); m.main->locations.push_back({}); }, "unknown opcode");
    // ModInt divides without a zero check (x % 0 and INT64_MIN % -1 trap).
    check([](CompiledModule& m) { m.main->code.insert(m.main->code.begin(), {encode(Opcode::Int, 7), encodeSigned(Opcode::ModInt, 0), encode(Opcode::Pop)}); m.main->locations.resize(m.main->code.size()); }, "not positive");
    check([](CompiledModule& m) { m.main->code.insert(m.main->code.begin(), {encode(Opcode::Int, 7), encodeSigned(Opcode::ModInt, -1), encode(Opcode::Pop)}); m.main->locations.resize(m.main->code.size()); }, "not positive");
    // XxLoopLocalK: a slot, and a jump in the pair's signed second field.
    check([](CompiledModule& m) { m.main->code.insert(m.main->code.begin(), {encode(Opcode::LtLoopLocalK, encodePair(4000, -1)), 7u}); m.main->locations.resize(m.main->code.size()); }, "slot out of range");
    check([](CompiledModule& m) { m.main->code.insert(m.main->code.begin(), {encode(Opcode::LtLoopLocalK, encodePair(0, -5)), 7u}); m.main->locations.resize(m.main->code.size()); }, "bad jump target");
    check([](CompiledModule& m) { m.main->code.insert(m.main->code.begin(), {encode(Opcode::LtLoopLocalK, encodePair(0, 2000)), 7u}); m.main->locations.resize(m.main->code.size()); }, "bad jump target");
    // MathCall's operand indexes the math functions.
    check([](CompiledModule& m) { m.main->code.insert(m.main->code.begin(), {encode(Opcode::Int, 7), encode(Opcode::MathCall, kMathFunctionCount), encode(Opcode::Pop)}); m.main->locations.resize(m.main->code.size()); }, "bad math function");
    // A LocalField<branch> reads its branch's words as operands: the branch must follow.
    check([&](CompiledModule& m) { insertField(m, encode(Opcode::LocalFieldLtJumpK, encodePair(0, 0))); },
          "LocalFieldLtJumpK is not followed by LtJumpK");
    // LocalFieldAddInt writes the field it read: the SetLocalField after the AddInt must name it.
    auto insertUpdate = [](CompiledModule& m, uint32_t storedSlot) {
        m.main->code.insert(m.main->code.begin(), {encode(Opcode::LocalFieldAddInt, encodePair(0, 0)), 0u,
                                                   encodeSigned(Opcode::AddInt, 1),
                                                   encode(Opcode::SetLocalField, encodePair(storedSlot, 0)), 0u});
        m.main->locations.resize(m.main->code.size());
    };
    check([&](CompiledModule& m) { insertUpdate(m, 1); }, "LocalFieldAddInt does not store back to its field");
    // XxJumpC and SetIndexLocalsK read their second word as a constant index.
    auto insertTwo = [](CompiledModule& m, Instruction first, uint32_t second) {
        m.main->constants.push_back(Value::number(4.0)); // so that index 0 is valid
        m.main->code.insert(m.main->code.begin(), {first, second});
        m.main->locations.resize(m.main->code.size());
    };
    check([&](CompiledModule& m) { insertTwo(m, encodeSigned(Opcode::GtJumpC, 0), 999); }, "bad constant");
    check([&](CompiledModule& m) { insertTwo(m, encodeSigned(Opcode::LtJumpC, 5000), 0); }, "bad jump target");
    check([&](CompiledModule& m) { insertTwo(m, encodeSigned(Opcode::EqJumpC, -1), 0); }, "bad jump target"); // into its own word
    check([&](CompiledModule& m) { insertTwo(m, encode(Opcode::SetIndexLocalsK, encodePair(0, 0)), 999); }, "bad constant");
    check([&](CompiledModule& m) { insertTwo(m, encode(Opcode::SetIndexLocalsK, encodePair(4000, 0)), 0); }, "slot out of range");
    check([&](CompiledModule& m) { insertTwo(m, encode(Opcode::SetIndexLocalsK, encodePair(0, 4000)), 0); }, "slot out of range");
    check([](CompiledModule& m) { m.main->code.insert(m.main->code.begin(), encode(Opcode::AddLocalStore, encodePair(0, 4000))); m.main->locations.push_back({}); }, "slot out of range");
    check([](CompiledModule& m) { m.main->code.insert(m.main->code.begin(), encode(Opcode::AddLocalStore, encodePair(4000, 0))); m.main->locations.push_back({}); }, "slot out of range");
    // LOCAL_CONST: a slot and a constant index; XxLoopLocalsPop: the offset
    // is the low 24 bits of its word, whatever the pop count above them.
    check([&](CompiledModule& m) { insertTwo(m, encode(Opcode::ConstMulLocal, 0), 999); }, "bad constant");
    check([&](CompiledModule& m) { insertTwo(m, encode(Opcode::MulLocalConst, 4000), 0); }, "slot out of range");
    check([&](CompiledModule& m) { insertTwo(m, encode(Opcode::LtLoopLocalsPop, encodePair(0, 0)), encodeLocalsJumpWord(5000, 2)); }, "bad jump target");
    check([&](CompiledModule& m) { insertTwo(m, encode(Opcode::LtLoopLocalsPop, encodePair(0, 0)), encodeLocalsJumpWord(-1, 255)); }, "bad jump target");
    // Without Pop, the whole word is the offset: a pop count there is a far jump.
    check([&](CompiledModule& m) { insertTwo(m, encode(Opcode::LtLoopLocals, encodePair(0, 0)), encodeLocalsJumpWord(0, 2)); }, "bad jump target");
}

// Compiles `source`, round-trips it through the serializer (whose verifier
// must accept it) and lists the instructions of its first function that
// `keep` selects, each with its second word (0 when it has none).
std::vector<std::pair<Opcode, uint32_t>> verifiedInstructions(const std::string& source, bool (*keep)(Opcode)) {
    ProgramImage image;
    image.modules.push_back(compile(source));
    DeserializeResult r = deserializeProgram(serializeProgram(image, kVersion), kVersion);
    EXPECT_NE(r.image, nullptr) << r.error;
    std::vector<std::pair<Opcode, uint32_t>> kept;
    if (!r.image) return kept;
    const FunctionProto& f = *r.image->modules[0]->main->protos[0];
    for (size_t i = 0; i < f.code.size(); i += opcodeHasExtraWord(decodeOpcode(f.code[i])) ? 2 : 1)
        if (Opcode op = decodeOpcode(f.code[i]); keep(op)) kept.push_back({op, opcodeHasExtraWord(op) ? f.code[i + 1] : 0});
    return kept;
}

std::vector<Opcode> opcodesOf(const std::vector<std::pair<Opcode, uint32_t>>& instructions) {
    std::vector<Opcode> ops;
    for (auto [op, word] : instructions) ops.push_back(op);
    return ops;
}

TEST(Serializer, VerifierAcceptsLoopPopsAndLocalConstantsAsCompiled) {
    auto kept = verifiedInstructions(
        "fn f(n) {\n    let i = 0\n    let s = 0.0\n    while i < n {\n        let t = 2.0 * s\n        let u = t - 0.5\n"
        "        s = u + 1.0\n        i += 1\n    }\n    return s\n}\nprintln(f(3))\n",
        [](Opcode op) {
            return opcodeFormat(op) == OperandFormat::LOCAL_CONST || opcodeFormat(op) == OperandFormat::LOCALS_JUMP ||
                   op == Opcode::PopN;
        });
    EXPECT_EQ(opcodesOf(kept), (std::vector<Opcode>{Opcode::LtJumpLocals, Opcode::ConstMulLocal, Opcode::SubLocalConst,
                                                    Opcode::AddLocalConst, Opcode::LtLoopLocalsPop}));
    ASSERT_FALSE(kept.empty());
    EXPECT_EQ(localsJumpPops(kept.back().second), 2u);
}

TEST(Serializer, VerifierAcceptsLoopsOnALocalAndAConstantAsCompiled) {
    auto kept = verifiedInstructions("fn f() {\n    let i = 0\n    while i < 100 {\n        i += 3\n    }\n"
                                     "    while i >= -5 {\n        i -= 7\n    }\n    return i\n}\nprintln(f())\n",
                                     [](Opcode op) { return opcodeFormat(op) == OperandFormat::LOCAL_JUMPK; });
    EXPECT_EQ(opcodesOf(kept), (std::vector<Opcode>{Opcode::LtLoopLocalK, Opcode::GeLoopLocalK}));
    ASSERT_EQ(kept.size(), 2u);
    EXPECT_EQ(int32_t(kept[0].second), 100);
    EXPECT_EQ(int32_t(kept[1].second), -5);
}

TEST(Serializer, VerifierAcceptsConstantOperandFusionsAsCompiled) {
    auto kept = verifiedInstructions(
        "fn f(a, x, s) {\n    if x > 4.0 { return 1 }\n    if s == \"+\" { return 2 }\n    let i = 0\n    if x < 9007199254740993 { a[i] = true }\n"
        "    let y = 0.5\n    x = x * 2.0 + y\n    return 0\n}\nprintln(f([false], 1.0, \"-\"))\n",
        [](Opcode op) {
            return opcodeFormat(op) == OperandFormat::JUMPC || op == Opcode::SetIndexLocalsK || op == Opcode::AddLocalStore;
        });
    EXPECT_EQ(opcodesOf(kept), (std::vector<Opcode>{Opcode::GtJumpC, Opcode::EqJumpC, Opcode::LtJumpC,
                                                    Opcode::SetIndexLocalsK, Opcode::AddLocalStore}));
}

TEST(Serializer, VerifierAcceptsLocalFieldFusionsAsCompiled) {
    auto kept = verifiedInstructions(
        "fn f(o) {\n    if o.n >= 2 { return 1 }\n    while o.next != nil { o = o.next }\n    o.n -= 1\n    return 0\n}\n"
        "println(f({n: 2}), f({n: 0, next: {n: 1}}))\n",
        [](Opcode op) { return nextOfLocalFieldFusion(op) != Opcode::Nop; });
    EXPECT_EQ(opcodesOf(kept),
              (std::vector<Opcode>{Opcode::LocalFieldGeJumpK, Opcode::LocalFieldNeNilLoop, Opcode::LocalFieldSubInt}));
}
