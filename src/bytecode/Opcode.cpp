#include "bytecode/Opcode.h"

#include <utility>

namespace langoost {
namespace {

struct OpcodeInfo {
    const char* name;
    OperandFormat format;
    int stackEffect;
    const char* doc;
};

constexpr OpcodeInfo kInfo[] = {
#define X(name, format, effect, doc) {#name, OperandFormat::format, effect, doc},
#include "bytecode/Opcodes.def"
#undef X
};

} // namespace

const char* opcodeName(Opcode op) { return kInfo[static_cast<int>(op)].name; }
const char* opcodeDoc(Opcode op) { return kInfo[static_cast<int>(op)].doc; }
OperandFormat opcodeFormat(Opcode op) { return kInfo[static_cast<int>(op)].format; }
int opcodeStackEffect(Opcode op) { return kInfo[static_cast<int>(op)].stackEffect; }
bool opcodeHasExtraWord(Opcode op) {
    OperandFormat f = opcodeFormat(op);
    return f == OperandFormat::INVOKE || f == OperandFormat::ITER || f == OperandFormat::JUMPK || f == OperandFormat::JUMPC || f == OperandFormat::FIELD ||
           f == OperandFormat::LOCAL_FIELD || f == OperandFormat::LOCALS_JUMP || f == OperandFormat::LOCAL_JUMPK ||
           f == OperandFormat::LOCALS_CONST || f == OperandFormat::LOCAL_CONST;
}

namespace {
constexpr std::pair<Opcode, Opcode> kLocalFieldFusions[] = {
    {Opcode::LtJumpK, Opcode::LocalFieldLtJumpK},         {Opcode::LeJumpK, Opcode::LocalFieldLeJumpK},
    {Opcode::GtJumpK, Opcode::LocalFieldGtJumpK},         {Opcode::GeJumpK, Opcode::LocalFieldGeJumpK},
    {Opcode::EqJumpK, Opcode::LocalFieldEqJumpK},         {Opcode::NeJumpK, Opcode::LocalFieldNeJumpK},
    {Opcode::EqNilJump, Opcode::LocalFieldEqNilJump},     {Opcode::NeNilJump, Opcode::LocalFieldNeNilJump},
    {Opcode::EqNilLoop, Opcode::LocalFieldEqNilLoop},     {Opcode::NeNilLoop, Opcode::LocalFieldNeNilLoop},
    {Opcode::AddInt, Opcode::LocalFieldAddInt},           {Opcode::SubInt, Opcode::LocalFieldSubInt},
};
} // namespace

Opcode localFieldFusionFor(Opcode next) {
    for (auto [n, fused] : kLocalFieldFusions)
        if (n == next) return fused;
    return Opcode::Nop;
}

Opcode nextOfLocalFieldFusion(Opcode fused) {
    for (auto [n, f] : kLocalFieldFusions)
        if (f == fused) return n;
    return Opcode::Nop;
}

} // namespace langoost
