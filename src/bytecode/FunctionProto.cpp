#include "bytecode/FunctionProto.h"

namespace langoost {

const char* typeKindName(TypeKind kind) {
    switch (kind) {
    case TypeKind::Any: return "any";
    case TypeKind::Int: return "int";
    case TypeKind::Float: return "float";
    case TypeKind::String: return "string";
    case TypeKind::Bool: return "bool";
    case TypeKind::Object: return "object";
    case TypeKind::Array: return "array";
    case TypeKind::Void: return "void";
    case TypeKind::Class: return "class";
    }
    return "?";
}

const OperandNames* FunctionProto::operandNamesAt(SourceLocation at, OperandNames::Kind kind) const {
    for (const auto& n : operandNames)
        if (n.at.line == at.line && n.at.column == at.column && n.kind == kind) return &n;
    return nullptr;
}

size_t instructionLength(const FunctionProto& proto, size_t pc) {
    Opcode op = decodeOpcode(proto.code[pc]);
    size_t length = opcodeHasExtraWord(op) ? 2 : 1;
    if (op == Opcode::Closure) length += proto.protos[decodeA(proto.code[pc])]->upvalueCount;
    return length;
}

} // namespace langoost
