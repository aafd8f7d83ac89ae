// Opcode: the enum, mnemonic, operand-format and stack-effect tables, all
// generated from Opcodes.def, plus the 32-bit instruction encoding.
#pragma once
#include <cstdint>

namespace langoost {

enum class Opcode : uint8_t {
#define X(name, format, effect, doc) name,
#include "bytecode/Opcodes.def"
#undef X
    Count_
};

enum class OperandFormat : uint8_t { NONE, U, S, CONST, LOCAL, UPVAL, GLOBAL, BUILTIN, JUMP, PROTO, INVOKE, ITER, JUMPK, JUMPC, PAIR, FIELD, LOCAL_FIELD, LOCALS_JUMP, LOCALS_CONST, LOCAL_CONST, LOCAL_JUMPK };

// Marks a stack effect that depends on the operand.
constexpr int VAR = 1000;

constexpr int kOpcodeCount = static_cast<int>(Opcode::Count_);

const char* opcodeName(Opcode op);
const char* opcodeDoc(Opcode op);
OperandFormat opcodeFormat(Opcode op);
int opcodeStackEffect(Opcode op);
// Instructions that occupy two words (the second holds operand B).
bool opcodeHasExtraWord(Opcode op);
// The LocalField<op> opcode that fuses GetLocalField with the one-value
// branch, AddInt or SubInt `op` after it, or Nop; and back, the opcode a
// LocalField<op> instruction must be followed by (AddInt and SubInt then by
// a SetLocalField of the same field).
Opcode localFieldFusionFor(Opcode next);
Opcode nextOfLocalFieldFusion(Opcode fused);

// ---- Instruction encoding: [ opcode : 8 | A : 24 ] ----
using Instruction = uint32_t;

constexpr uint32_t kMaxOperand = (1u << 24) - 1;
constexpr int32_t kMaxSignedOperand = (1 << 23) - 1;
constexpr int32_t kMinSignedOperand = -(1 << 23);

constexpr Instruction encode(Opcode op, uint32_t a = 0) {
    return (static_cast<uint32_t>(op) << 24) | (a & kMaxOperand);
}
constexpr Instruction encodeSigned(Opcode op, int32_t a) {
    return encode(op, static_cast<uint32_t>(a) & kMaxOperand);
}
constexpr Opcode decodeOpcode(Instruction i) { return static_cast<Opcode>(i >> 24); }
constexpr uint32_t decodeA(Instruction i) { return i & kMaxOperand; }
constexpr int32_t decodeSignedA(Instruction i) {
    return static_cast<int32_t>(i << 8) >> 8; // sign-extend the low 24 bits
}

// PAIR operands: two 12-bit fields in A (the second may be signed).
constexpr uint32_t kMaxPairField = (1u << 12) - 1;
constexpr uint32_t encodePair(uint32_t first, int32_t second) {
    return (first & kMaxPairField) | ((static_cast<uint32_t>(second) & kMaxPairField) << 12);
}
constexpr uint32_t pairFirst(Instruction i) { return i & kMaxPairField; }
// Invoke's A is a PAIR (argc, cache slot hint), so a call has at most this many arguments.
constexpr uint32_t kMaxCallArguments = kMaxPairField;
constexpr uint32_t pairSecond(Instruction i) { return (i >> 12) & kMaxPairField; }
constexpr int32_t pairSecondSigned(Instruction i) { return static_cast<int32_t>(i << 8) >> 20; }

// The second word of an XxLoopLocalsPop: [ values popped first : 8 | signed offset : 24 ].
constexpr uint32_t kMaxLocalsJumpPops = 255;
constexpr uint32_t encodeLocalsJumpWord(int32_t offset, uint32_t pops) {
    return (pops << 24) | (static_cast<uint32_t>(offset) & kMaxOperand);
}
constexpr int32_t localsJumpOffset(uint32_t word) { return decodeSignedA(word); }
constexpr uint32_t localsJumpPops(uint32_t word) { return word >> 24; }
constexpr bool isLoopLocalsPop(Opcode op) {
    return op >= Opcode::LtLoopLocalsPop && op <= Opcode::NeLoopLocalsPop;
}
// The XxLoopLocalsPop form of an XxLoopLocals, or Nop.
constexpr Opcode loopLocalsPopOf(Opcode op) {
    return op >= Opcode::LtLoopLocals && op <= Opcode::NeLoopLocals
               ? Opcode(uint8_t(op) - uint8_t(Opcode::LtLoopLocals) + uint8_t(Opcode::LtLoopLocalsPop))
               : Opcode::Nop;
}
// A LOCALS_JUMP's jump offset, either layout.
constexpr int32_t localsJumpTarget(Opcode op, uint32_t word) {
    return isLoopLocalsPop(op) ? localsJumpOffset(word) : int32_t(word);
}

} // namespace langoost
