// FunctionProto: one compiled function — its code, constants, nested
// functions and debug tables. Protos are immutable once compiled and may be
// shared by every isolate that runs the module (constants are permanent
// strings and numbers, never isolate heap objects).
//
// Frame layout: slot 0 holds the callee (or `self` in a method), parameters
// occupy slots 1..arity, further locals follow; temporaries sit above them.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "bytecode/Opcode.h"
#include "bytecode/Value.h"
#include "common/SourceFile.h"

namespace langoost {

// A parameter or return annotation kept for run-time checks.
struct TypeCheck {
    std::string name; // empty: no annotation
    bool isArray = false;
};

// Type codes of CheckParam/CheckReturn: a builtin kind in the low bits,
// plus flags. `T[]` is checked as Array (elements are not checked).
enum class TypeKind : uint8_t { Any, Int, Float, String, Bool, Object, Array, Void, Class };
constexpr uint32_t kTypeEachElement = 1u << 8; // variadic `...rest: T`: check every element
constexpr uint32_t kTypeKindMask = 0xff;
const char* typeKindName(TypeKind kind);

// Trailing word of a Closure instruction: bit 23 set = capture the
// enclosing frame's local slot; clear = reuse the enclosing closure's upvalue.
constexpr uint32_t kCaptureLocalBit = 1u << 23;

// The source names of an operation's operands (`cfg.port` of a call,
// `cfg.prot` and `1`... of an addition: empty when the operand is not a
// name or field chain), keyed by the operation's location. Read only when
// the operation raises a TypeError, to say which value was wrong.
struct OperandNames {
    enum Kind : uint8_t { Call, Operator }; // a call's callee; an operator's operands
    SourceLocation at;
    Kind kind = Operator;
    std::string first, second;
};

// A named local for the debugger: its frame slot and the code range
// [startPc, endPc) where the name is in scope.
struct LocalName {
    std::string name;
    uint32_t slot = 0;
    uint32_t startPc = 0;
    uint32_t endPc = UINT32_MAX;
};

struct FunctionProto {
    std::string name;   // "<main>" for a module's top-level code
    std::string path;   // source file, for traces
    uint32_t arity = 0; // declared parameters, the variadic one included
    bool variadic = false;
    bool named = false; // a `fn name` declaration (typeof "function") vs a literal ("closure")
    bool isMethod = false;
    uint32_t maxStack = 0; // frame slots needed, slot 0 included
    uint32_t upvalueCount = 0;
    SourceLocation location;
    std::vector<Instruction> code;
    std::vector<SourceLocation> locations; // one per code word
    std::vector<Value> constants;
    std::vector<std::unique_ptr<FunctionProto>> protos;
    std::vector<std::string> paramNames;
    std::vector<TypeCheck> paramTypes;
    TypeCheck returnType;
    std::vector<OperandNames> operandNames; // in code order
    // Debug tables (not serialized: the debugger compiles from source).
    std::vector<LocalName> localNames; // in declaration order
    std::vector<std::string> upvalueNames;

    // The names recorded for the operation of `kind` at `at`, or null.
    const OperandNames* operandNamesAt(SourceLocation at, OperandNames::Kind kind) const;
};

// The words of the instruction at `pc` (Closure carries one per upvalue).
size_t instructionLength(const FunctionProto& proto, size_t pc);

// The compiled form of one source file.
struct CompiledModule {
    std::string path; // as shown in diagnostics and traces
    std::string key;  // identity for imports: the canonical absolute path (empty for stdin/REPL code)
    std::unique_ptr<FunctionProto> main;
    std::vector<std::string> globalNames; // module global slots
    std::vector<std::string> builtinNames; // LoadBuiltin operands index this table
};

} // namespace langoost
