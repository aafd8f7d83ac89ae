#include <gtest/gtest.h>

#include "bytecode/Opcode.h"

using namespace langoost;

TEST(Instruction, EncodesOpcodeInTopByte) {
    Instruction i = encode(Opcode::LoadLocal, 42);
    EXPECT_EQ(decodeOpcode(i), Opcode::LoadLocal);
    EXPECT_EQ(decodeA(i), 42u);
    EXPECT_EQ(i >> 24, static_cast<uint32_t>(Opcode::LoadLocal));
}

TEST(Instruction, MaxOperandRoundTrips) {
    Instruction i = encode(Opcode::Const, kMaxOperand);
    EXPECT_EQ(decodeA(i), kMaxOperand);
    EXPECT_EQ(decodeOpcode(i), Opcode::Const);
}

TEST(Instruction, SignedOperandsSignExtend) {
    for (int32_t v : {0, 1, -1, 1000, -1000, kMaxSignedOperand, kMinSignedOperand}) {
        Instruction i = encodeSigned(Opcode::Jump, v);
        EXPECT_EQ(decodeSignedA(i), v);
        EXPECT_EQ(decodeOpcode(i), Opcode::Jump);
    }
}

TEST(Instruction, TablesAreGeneratedForEveryOpcode) {
    for (int op = 0; op < kOpcodeCount; ++op) {
        EXPECT_NE(opcodeName(Opcode(op)), nullptr);
        EXPECT_GT(std::string(opcodeDoc(Opcode(op))).size(), 0u);
    }
    EXPECT_STREQ(opcodeName(Opcode::Add), "Add");
    EXPECT_EQ(opcodeStackEffect(Opcode::Add), -1);
    EXPECT_EQ(opcodeStackEffect(Opcode::Call), VAR);
    EXPECT_TRUE(opcodeHasExtraWord(Opcode::Invoke));
    EXPECT_FALSE(opcodeHasExtraWord(Opcode::Call));
}
