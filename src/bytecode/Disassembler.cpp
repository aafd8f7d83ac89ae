#include "bytecode/Disassembler.h"

#include <cstdio>

#include "bytecode/MathFunction.h"
#include "bytecode/StringObject.h"
#include "bytecode/ValueFormat.h"

namespace langoost {
namespace {

std::string constantText(const Value& v) {
    std::string s;
    switch (v.type()) {
    case ValueType::Nil: return "nil";
    case ValueType::Bool: return v.asBool() ? "true" : "false";
    case ValueType::Int: appendInt(s, v.asInt()); return s;
    case ValueType::Float: appendFloat(s, v.asFloat()); return s;
    case ValueType::Obj:
        if (v.isString()) {
            auto* str = v.as<StringObject>();
            appendQuoted(s, str->chars, str->length);
            return s;
        }
        return "<object>";
    }
    return "?";
}

std::string nameAt(const std::vector<std::string>& names, uint32_t i) {
    return i < names.size() ? names[i] : "?";
}

void disassembleProto(const CompiledModule& module, const FunctionProto& proto, std::string& out) {
    char line[256];
    std::snprintf(line, sizeof line, "== %s (%s:%u:%u) arity %u%s, max stack %u, upvalues %u ==\n",
                  proto.name.c_str(), proto.path.c_str(), proto.location.line, proto.location.column,
                  proto.arity, proto.variadic ? " variadic" : "", proto.maxStack, proto.upvalueCount);
    out += line;
    const auto& code = proto.code;
    for (size_t pc = 0; pc < code.size(); ++pc) {
        Instruction ins = code[pc];
        Opcode op = decodeOpcode(ins);
        if (static_cast<int>(op) >= kOpcodeCount) {
            std::snprintf(line, sizeof line, "%04zu  %-7s  <bad opcode %u>\n", pc, "", unsigned(ins >> 24));
            out += line;
            continue;
        }
        SourceLocation at = pc < proto.locations.size() ? proto.locations[pc] : SourceLocation{};
        char pos[32];
        std::snprintf(pos, sizeof pos, "%u:%u", at.line, at.column);
        uint32_t a = decodeA(ins);
        std::string operand, note;
        switch (opcodeFormat(op)) {
        case OperandFormat::NONE: break;
        case OperandFormat::U:
            operand = std::to_string(a);
            if (op == Opcode::CheckReturn) note = std::string("return value is ") + typeKindName(TypeKind(a & kTypeKindMask));
            if (op == Opcode::MathCall && a < kMathFunctionCount) note = "math." + std::string(mathFunctionName(MathFunction(a)));
            break;
        case OperandFormat::S: operand = std::to_string(decodeSignedA(ins)); break;
        case OperandFormat::CONST:
            operand = std::to_string(a);
            note = a < proto.constants.size() ? constantText(proto.constants[a]) : "?";
            break;
        case OperandFormat::LOCAL: operand = std::to_string(a); note = "slot"; break;
        case OperandFormat::UPVAL: operand = std::to_string(a); note = "upvalue"; break;
        case OperandFormat::GLOBAL:
            operand = std::to_string(a);
            note = nameAt(module.globalNames, a);
            break;
        case OperandFormat::BUILTIN:
            operand = std::to_string(a);
            note = nameAt(module.builtinNames, a);
            break;
        case OperandFormat::JUMP: {
            int32_t off = decodeSignedA(ins);
            operand = std::to_string(off);
            note = "-> " + std::to_string(int64_t(pc) + 1 + off);
            break;
        }
        case OperandFormat::PROTO: {
            operand = std::to_string(a);
            const FunctionProto* child = a < proto.protos.size() ? proto.protos[a].get() : nullptr;
            note = child ? child->name : "?";
            if (child) {
                for (uint32_t u = 0; u < child->upvalueCount && pc + 1 < code.size(); ++u) {
                    uint32_t w = code[++pc];
                    note += (w & kCaptureLocalBit) ? " local:" : " upvalue:";
                    note += std::to_string(w & ~kCaptureLocalBit);
                }
            }
            break;
        }
        case OperandFormat::INVOKE: {
            // Invoke's A is a PAIR of argc and a cache slot hint (not shown:
            // it depends on the file's path); SuperInvoke's A is argc.
            uint32_t argc = op == Opcode::Invoke ? pairFirst(ins) : a;
            uint32_t b = pc + 1 < code.size() ? code[++pc] : 0;
            operand = std::to_string(argc) + " " + std::to_string(b);
            note = (b < proto.constants.size() ? constantText(proto.constants[b]) : "?") + ", " +
                   std::to_string(argc) + " args";
            break;
        }
        case OperandFormat::FIELD: // the inline-cache word is not shown: it changes as the code runs
            ++pc;
            operand = std::to_string(a);
            note = a < proto.constants.size() ? constantText(proto.constants[a]) : "?";
            break;
        case OperandFormat::LOCAL_FIELD: {
            ++pc;
            uint32_t name = pairSecond(ins);
            operand = std::to_string(pairFirst(ins)) + " " + std::to_string(name);
            note = "slot " + std::to_string(pairFirst(ins)) + "." +
                   (name < proto.constants.size() ? constantText(proto.constants[name]) : "?");
            break;
        }
        case OperandFormat::LOCALS_JUMP: {
            uint32_t word = pc + 1 < code.size() ? code[++pc] : 0;
            int32_t off = localsJumpTarget(op, word);
            uint32_t pops = isLoopLocalsPop(op) ? localsJumpPops(word) : 0;
            operand = std::to_string(pairFirst(ins)) + " " + std::to_string(pairSecond(ins)) + " " + std::to_string(off);
            if (pops) operand += " pop " + std::to_string(pops);
            note = "slots, " + std::string(off < 0 ? "while true" : "else") + " -> " + std::to_string(int64_t(pc) + 1 + off);
            break;
        }
        case OperandFormat::LOCAL_CONST: {
            uint32_t c = pc + 1 < code.size() ? code[++pc] : 0;
            operand = std::to_string(a) + " " + std::to_string(c);
            note = "slot " + std::to_string(a) + ", " + (c < proto.constants.size() ? constantText(proto.constants[c]) : "?");
            break;
        }
        case OperandFormat::JUMPK: {
            int32_t off = decodeSignedA(ins);
            int32_t k = pc + 1 < code.size() ? int32_t(code[++pc]) : 0;
            operand = std::to_string(off) + " " + std::to_string(k);
            note = "const " + std::to_string(k) + ", else -> " + std::to_string(int64_t(pc) + 1 + off);
            break;
        }
        case OperandFormat::LOCAL_JUMPK: {
            int32_t off = pairSecondSigned(ins);
            int32_t k = pc + 1 < code.size() ? int32_t(code[++pc]) : 0;
            operand = std::to_string(pairFirst(ins)) + " " + std::to_string(off) + " " + std::to_string(k);
            note = "slot, const " + std::to_string(k) + ", while true -> " + std::to_string(int64_t(pc) + 1 + off);
            break;
        }
        case OperandFormat::LOCALS_CONST: {
            uint32_t c = pc + 1 < code.size() ? code[++pc] : 0;
            operand = std::to_string(pairFirst(ins)) + " " + std::to_string(pairSecond(ins)) + " " + std::to_string(c);
            note = "slot " + std::to_string(pairFirst(ins)) + "[slot " + std::to_string(pairSecond(ins)) +
                   "] = " + (c < proto.constants.size() ? constantText(proto.constants[c]) : "?");
            break;
        }
        case OperandFormat::JUMPC: {
            int32_t off = decodeSignedA(ins);
            uint32_t c = pc + 1 < code.size() ? code[++pc] : 0;
            operand = std::to_string(off) + " " + std::to_string(c);
            note = (c < proto.constants.size() ? constantText(proto.constants[c]) : "?") + ", else -> " +
                   std::to_string(int64_t(pc) + 1 + off);
            break;
        }
        case OperandFormat::PAIR:
            if (op == Opcode::CheckParam || op == Opcode::CheckParamClass) {
                uint32_t typeCode = pairSecond(ins);
                operand = std::to_string(pairFirst(ins)) + " " + std::to_string(typeCode);
                note = "slot " + std::to_string(pairFirst(ins)) + " is " +
                       (op == Opcode::CheckParamClass ? "the class on top" : typeKindName(TypeKind(typeCode & kTypeKindMask))) +
                       ((typeCode & kTypeEachElement) ? " (each element)" : "");
            } else if (op == Opcode::IncLocal || op == Opcode::DecLocal) {
                operand = std::to_string(pairFirst(ins)) + " " + std::to_string(pairSecondSigned(ins));
                note = "slot " + std::to_string(pairFirst(ins)) + (op == Opcode::IncLocal ? " += " : " -= ") +
                       std::to_string(pairSecondSigned(ins));
            } else if (op == Opcode::AddLocalToLocal || op == Opcode::SubLocalFromLocal) {
                operand = std::to_string(pairFirst(ins)) + " " + std::to_string(pairSecond(ins));
                note = "slot " + std::to_string(pairFirst(ins)) + (op == Opcode::AddLocalToLocal ? " += " : " -= ") +
                       "slot " + std::to_string(pairSecond(ins));
            } else if (op == Opcode::AddLocalStore) {
                operand = std::to_string(pairFirst(ins)) + " " + std::to_string(pairSecond(ins));
                note = "slot " + std::to_string(pairFirst(ins)) + " = top + slot " + std::to_string(pairSecond(ins));
            } else if (op == Opcode::AddLocalInt || op == Opcode::SubLocalInt) {
                operand = std::to_string(pairFirst(ins)) + " " + std::to_string(pairSecondSigned(ins));
                note = "slot " + std::to_string(pairFirst(ins)) + (op == Opcode::AddLocalInt ? " + " : " - ") +
                       std::to_string(pairSecondSigned(ins));
            } else {
                operand = std::to_string(pairFirst(ins)) + " " + std::to_string(pairSecond(ins));
                note = "slots";
            }
            break;
        case OperandFormat::ITER: {
            int32_t b = pc + 1 < code.size() ? int32_t(code[++pc]) : 0;
            operand = std::to_string(a) + " " + std::to_string(b);
            note = "slots " + std::to_string(a) + ", next -> " + std::to_string(int64_t(pc) + 1 + b);
            break;
        }
        }
        size_t shownPc = pc - (opcodeHasExtraWord(op) ? 1 : 0);
        if (opcodeFormat(op) == OperandFormat::PROTO) {
            const FunctionProto* child = a < proto.protos.size() ? proto.protos[a].get() : nullptr;
            shownPc = pc - (child ? child->upvalueCount : 0);
        }
        std::snprintf(line, sizeof line, "%04zu  %-7s  %-12s %-8s", shownPc, pos, opcodeName(op), operand.c_str());
        out += line;
        if (!note.empty()) out += " ; " + note;
        while (!out.empty() && out.back() == ' ') out.pop_back();
        out += '\n';
    }
    for (const auto& child : proto.protos) {
        out += '\n';
        disassembleProto(module, *child, out);
    }
}

} // namespace

std::string disassemble(const CompiledModule& module) {
    std::string out;
    disassembleProto(module, *module.main, out);
    return out;
}

} // namespace langoost
