#include "bytecode/Serializer.h"

#include <array>
#include <bit>
#include <cstring>
#include <unordered_set>

#include "bytecode/MathFunction.h"
#include "bytecode/StringObject.h"

namespace langoost {
namespace {

// Nested function protos recurse in the reader; the parser already refuses
// nesting deeper than 200, so anything beyond this is a hostile blob.
constexpr int kMaxProtoNesting = 256;
// Far above any real program; bounds what a hostile blob can make us build.
constexpr uint32_t kMaxModules = 100'000;

enum class ConstantTag : uint8_t { Nil, False, True, Int, Float, String };

const std::array<uint32_t, 256>& crcTable() {
    static const std::array<uint32_t, 256> table = [] {
        std::array<uint32_t, 256> t{};
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    return table;
}

// ---- writing ----

class Writer {
  public:
    void u8(uint8_t v) { out_.push_back(char(v)); }
    void fixed32(uint32_t v) {
        for (int i = 0; i < 4; ++i) u8(uint8_t(v >> (8 * i)));
    }
    void fixed64(uint64_t v) {
        for (int i = 0; i < 8; ++i) u8(uint8_t(v >> (8 * i)));
    }
    void varint(uint64_t v) {
        while (v >= 0x80) {
            u8(uint8_t(v | 0x80));
            v >>= 7;
        }
        u8(uint8_t(v));
    }
    void zigzag(int64_t v) { varint((uint64_t(v) << 1) ^ uint64_t(v >> 63)); }
    void bytes(std::string_view s) {
        varint(s.size());
        out_.append(s);
    }
    void strings(const std::vector<std::string>& list) {
        varint(list.size());
        for (const auto& s : list) bytes(s);
    }
    void typeCheck(const TypeCheck& t) {
        bytes(t.name);
        u8(t.isArray ? 1 : 0);
    }
    void constant(const Value& v) {
        switch (v.type()) {
        case ValueType::Nil: u8(uint8_t(ConstantTag::Nil)); return;
        case ValueType::Bool: u8(uint8_t(v.asBool() ? ConstantTag::True : ConstantTag::False)); return;
        case ValueType::Int:
            u8(uint8_t(ConstantTag::Int));
            zigzag(v.asInt());
            return;
        case ValueType::Float:
            u8(uint8_t(ConstantTag::Float));
            fixed64(std::bit_cast<uint64_t>(v.asFloat())); // every bit: nan payloads, -0.0, inf
            return;
        case ValueType::Obj:
            // The compiler only makes string constants; classes, interfaces and
            // closures are built by instructions at run time.
            u8(uint8_t(ConstantTag::String));
            bytes(v.isString() ? v.as<StringObject>()->view() : std::string_view());
            return;
        }
    }
    void proto(const FunctionProto& p) {
        bytes(p.name);
        bytes(p.path);
        varint(p.arity);
        u8(uint8_t((p.variadic ? 1 : 0) | (p.named ? 2 : 0) | (p.isMethod ? 4 : 0)));
        varint(p.maxStack);
        varint(p.upvalueCount);
        varint(p.location.line);
        varint(p.location.column);
        varint(p.code.size());
        for (Instruction word : p.code) fixed32(word);
        // Locations mostly step by a line or a few columns: deltas keep them small.
        SourceLocation prev = p.location;
        for (const SourceLocation& at : p.locations) {
            zigzag(int64_t(at.line) - int64_t(prev.line));
            zigzag(int64_t(at.column) - int64_t(prev.column));
            prev = at;
        }
        varint(p.constants.size());
        for (const Value& v : p.constants) constant(v);
        varint(p.protos.size());
        for (const auto& child : p.protos) proto(*child);
        strings(p.paramNames);
        varint(p.paramTypes.size());
        for (const auto& t : p.paramTypes) typeCheck(t);
        typeCheck(p.returnType);
        varint(p.operandNames.size());
        for (const auto& n : p.operandNames) {
            varint(n.at.line);
            varint(n.at.column);
            u8(n.kind);
            bytes(n.first);
            bytes(n.second);
        }
    }

    std::string& out() { return out_; }

  private:
    std::string out_;
};

// ---- reading ----

struct BlobError {
    std::string message;
};

class Reader {
  public:
    explicit Reader(std::string_view data) : data_(data) {}

    bool atEnd() const { return pos_ == data_.size(); }
    size_t remaining() const { return data_.size() - pos_; }

    uint8_t u8() {
        need(1);
        return uint8_t(data_[pos_++]);
    }
    uint32_t fixed32() {
        need(4);
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v |= uint32_t(uint8_t(data_[pos_ + i])) << (8 * i);
        pos_ += 4;
        return v;
    }
    uint64_t fixed64() {
        uint64_t lo = fixed32();
        return lo | (uint64_t(fixed32()) << 32);
    }
    uint64_t varint() {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            uint8_t b = u8();
            v |= uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80)) return v;
        }
        fail("malformed varint");
    }
    uint32_t u32() {
        uint64_t v = varint();
        if (v > UINT32_MAX) fail("number out of range");
        return uint32_t(v);
    }
    int64_t zigzag() {
        uint64_t v = varint();
        return int64_t(v >> 1) ^ -int64_t(v & 1);
    }
    // A count of items that each take at least `minBytes`: larger than the
    // rest of the blob means corruption, not a reason to allocate.
    uint32_t count(size_t minBytes = 1) {
        uint32_t n = u32();
        if (size_t(n) * minBytes > remaining()) fail("count exceeds the data left");
        return n;
    }
    std::string_view bytes() {
        uint32_t n = count();
        std::string_view s = data_.substr(pos_, n);
        pos_ += n;
        return s;
    }
    std::vector<std::string> strings() {
        std::vector<std::string> list(count());
        for (auto& s : list) s = std::string(bytes());
        return list;
    }
    TypeCheck typeCheck() {
        TypeCheck t;
        t.name = std::string(bytes());
        t.isArray = flag();
        return t;
    }
    bool flag() {
        uint8_t b = u8();
        if (b > 1) fail("malformed flag");
        return b == 1;
    }
    Value constant() {
        switch (ConstantTag(u8())) {
        case ConstantTag::Nil: return Value::nil();
        case ConstantTag::False: return Value::boolean(false);
        case ConstantTag::True: return Value::boolean(true);
        case ConstantTag::Int: return Value::integer(zigzag());
        case ConstantTag::Float: return Value::number(std::bit_cast<double>(fixed64()));
        case ConstantTag::String: return Value::object(internConstant(bytes()));
        }
        fail("unknown constant kind");
    }
    std::unique_ptr<FunctionProto> proto(const CompiledModule& module, int nesting) {
        if (nesting > kMaxProtoNesting) fail("functions nested too deeply");
        auto p = std::make_unique<FunctionProto>();
        p->name = std::string(bytes());
        p->path = std::string(bytes());
        p->arity = u32();
        uint8_t flags = u8();
        if (flags > 7) fail("malformed function flags");
        p->variadic = flags & 1;
        p->named = flags & 2;
        p->isMethod = flags & 4;
        p->maxStack = u32();
        p->upvalueCount = u32();
        p->location.line = u32();
        p->location.column = u32();
        uint32_t words = count(4 + 2); // a word plus at least two location bytes each
        p->code.resize(words);
        for (auto& word : p->code) word = fixed32();
        p->locations.resize(words);
        SourceLocation prev = p->location;
        for (auto& at : p->locations) {
            at.line = uint32_t(int64_t(prev.line) + zigzag());
            at.column = uint32_t(int64_t(prev.column) + zigzag());
            prev = at;
        }
        p->constants.resize(count());
        for (auto& v : p->constants) v = constant();
        p->protos.resize(count());
        for (auto& child : p->protos) child = proto(module, nesting + 1);
        p->paramNames = strings();
        p->paramTypes.resize(count(2));
        for (auto& t : p->paramTypes) t = typeCheck();
        p->returnType = typeCheck();
        p->operandNames.resize(count(4));
        for (auto& n : p->operandNames) {
            n.at.line = u32();
            n.at.column = u32();
            uint8_t kind = u8();
            if (kind > OperandNames::Operator) fail("bad operand-names kind");
            n.kind = OperandNames::Kind(kind);
            n.first = std::string(bytes());
            n.second = std::string(bytes());
        }
        verify(*p, module);
        return p;
    }

    [[noreturn]] void fail(const std::string& what) const {
        throw BlobError{what + " at byte " + std::to_string(kProgramHeaderSize + pos_)};
    }

  private:
    void need(size_t n) const {
        if (remaining() < n) fail("unexpected end of data");
    }

    // Everything the interpreter takes on trust from the compiler, short of
    // stack discipline: every operand names something that exists.
    void verify(const FunctionProto& p, const CompiledModule& module) const {
        auto bad = [&](size_t at, const std::string& what) {
            fail("invalid bytecode in " + p.name + " at word " + std::to_string(at) + ": " + what);
        };
        if (p.maxStack == 0 || p.maxStack > kMaxOperand) bad(0, "bad max stack");
        if (p.code.empty()) bad(0, "no code");
        std::vector<bool> starts(p.code.size(), false);
        size_t pc = 0;
        Opcode last = Opcode::Nop;
        while (pc < p.code.size()) {
            starts[pc] = true;
            Instruction ins = p.code[pc];
            if (ins >> 24 >= uint32_t(kOpcodeCount)) bad(pc, "unknown opcode");
            Opcode op = decodeOpcode(ins);
            if (op == Opcode::Trap) bad(pc, "Trap is placed at run time only");
            size_t length = 1 + (opcodeHasExtraWord(op) ? 1 : 0);
            if (op == Opcode::Closure) {
                if (decodeA(ins) >= p.protos.size()) bad(pc, "no such function");
                length += p.protos[decodeA(ins)]->upvalueCount;
            }
            if (pc + length > p.code.size()) bad(pc, "instruction runs past the end");
            pc += length;
            last = op;
        }
        if (last != Opcode::Return && last != Opcode::ReturnNil && last != Opcode::ReturnLocal && last != Opcode::Jump && last != Opcode::Throw &&
            last != Opcode::Rethrow)
            bad(p.code.size() - 1, "code does not end in a return, jump or throw");

        auto isString = [&](uint32_t index) { return index < p.constants.size() && p.constants[index].isString(); };
        auto jumpTo = [&](size_t at, int64_t target) {
            if (target < 0 || size_t(target) >= p.code.size() || !starts[size_t(target)]) bad(at, "bad jump target");
        };
        auto slot = [&](size_t at, uint32_t s) {
            if (s >= p.maxStack) bad(at, "slot out of range");
        };
        for (pc = 0; pc < p.code.size();) {
            Instruction ins = p.code[pc];
            Opcode op = decodeOpcode(ins);
            uint32_t a = decodeA(ins);
            size_t next = pc + 1 + (opcodeHasExtraWord(op) ? 1 : 0);
            switch (opcodeFormat(op)) {
            case OperandFormat::NONE:
            case OperandFormat::U:
            case OperandFormat::S: break;
            case OperandFormat::CONST:
                if (op == Opcode::Const ? a >= p.constants.size() : !isString(a)) bad(pc, "bad constant");
                break;
            case OperandFormat::LOCAL: slot(pc, a); break;
            case OperandFormat::UPVAL:
                if (a >= p.upvalueCount) bad(pc, "upvalue out of range");
                break;
            case OperandFormat::GLOBAL:
                if (a >= module.globalNames.size()) bad(pc, "global out of range");
                break;
            case OperandFormat::BUILTIN:
                if (a >= module.builtinNames.size()) bad(pc, "builtin out of range");
                break;
            case OperandFormat::JUMP: jumpTo(pc, int64_t(pc) + 1 + decodeSignedA(ins)); break;
            case OperandFormat::PROTO: {
                const FunctionProto& child = *p.protos[a];
                for (uint32_t i = 0; i < child.upvalueCount; ++i) {
                    uint32_t capture = p.code[pc + 1 + i];
                    if (capture & kCaptureLocalBit) slot(pc, capture & ~kCaptureLocalBit);
                    else if (capture >= p.upvalueCount) bad(pc, "captured upvalue out of range");
                }
                next += child.upvalueCount;
                break;
            }
            case OperandFormat::INVOKE:
                if (!isString(p.code[pc + 1])) bad(pc, "bad method name constant");
                break;
            case OperandFormat::FIELD: // B is an inline cache: any value is valid
                if (!isString(a)) bad(pc, "bad field name constant");
                break;
            case OperandFormat::LOCALS_JUMP:
                slot(pc, pairFirst(ins));
                slot(pc, pairSecond(ins));
                jumpTo(pc, int64_t(pc) + 2 + localsJumpTarget(op, p.code[pc + 1]));
                break;
            case OperandFormat::LOCAL_FIELD:
                if (Opcode fused = nextOfLocalFieldFusion(op); fused != Opcode::Nop) {
                    if (next >= p.code.size() || decodeOpcode(p.code[next]) != fused)
                        bad(pc, std::string(opcodeName(op)) + " is not followed by " + opcodeName(fused));
                    if ((fused == Opcode::AddInt || fused == Opcode::SubInt) &&
                        (next + 1 >= p.code.size() || p.code[next + 1] != encode(Opcode::SetLocalField, a)))
                        bad(pc, std::string(opcodeName(op)) + " does not store back to its field");
                }
                slot(pc, pairFirst(ins));
                if (!isString(pairSecond(ins))) bad(pc, "bad field name constant");
                break;
            case OperandFormat::ITER:
                slot(pc, a + (op == Opcode::RangeLoop ? 3 : 2));
                jumpTo(pc, int64_t(pc) + 2 + int32_t(p.code[pc + 1]));
                break;
            case OperandFormat::JUMPK: jumpTo(pc, int64_t(pc) + 2 + decodeSignedA(ins)); break;
            case OperandFormat::LOCAL_JUMPK:
                slot(pc, pairFirst(ins));
                jumpTo(pc, int64_t(pc) + 2 + pairSecondSigned(ins));
                break;
            case OperandFormat::LOCALS_CONST:
                slot(pc, pairFirst(ins));
                slot(pc, pairSecond(ins));
                if (p.code[pc + 1] >= p.constants.size()) bad(pc, "bad constant");
                break;
            case OperandFormat::LOCAL_CONST:
                slot(pc, a);
                if (p.code[pc + 1] >= p.constants.size()) bad(pc, "bad constant");
                break;
            case OperandFormat::JUMPC:
                if (p.code[pc + 1] >= p.constants.size()) bad(pc, "bad constant");
                jumpTo(pc, int64_t(pc) + 2 + decodeSignedA(ins));
                break;
            case OperandFormat::PAIR:
                slot(pc, pairFirst(ins));
                if (op == Opcode::LoadLocal2 || op == Opcode::IndexLocals || op == Opcode::SetIndexLocals ||
                    op == Opcode::AddLocals || op == Opcode::SubLocals || op == Opcode::MulLocals ||
                    op == Opcode::AddLocalToLocal || op == Opcode::SubLocalFromLocal || op == Opcode::AddLocalStore)
                    slot(pc, pairSecond(ins));
                if (op == Opcode::CheckParam && (pairSecond(ins) & kTypeKindMask) > uint32_t(TypeKind::Class))
                    bad(pc, "bad type code");
                break;
            }
            if ((op == Opcode::CheckReturn) && (a & kTypeKindMask) > uint32_t(TypeKind::Class)) bad(pc, "bad type code");
            if (op == Opcode::ModInt && decodeSignedA(ins) <= 0) bad(pc, "ModInt by a constant that is not positive");
            if (op == Opcode::MathCall && a >= kMathFunctionCount) bad(pc, "bad math function");
            pc = next;
        }
    }

    std::string_view data_;
    size_t pos_ = 0;
};

void writeHeader(std::string& out, uint32_t payloadLength, uint32_t checksum) {
    out.append(kProgramMagic, sizeof kProgramMagic);
    for (uint32_t v : {kProgramFormatVersion, payloadLength, checksum})
        for (int i = 0; i < 4; ++i) out.push_back(char(uint8_t(v >> (8 * i))));
}

uint32_t readLE32(std::string_view s, size_t at) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t(uint8_t(s[at + i])) << (8 * i);
    return v;
}

} // namespace

uint32_t crc32(std::string_view bytes) {
    const auto& table = crcTable();
    uint32_t c = 0xFFFFFFFFu;
    for (char ch : bytes) c = table[(c ^ uint8_t(ch)) & 0xff] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

uint32_t opcodeFingerprint() {
    std::string table;
    for (int i = 0; i < kOpcodeCount; ++i) {
        table += opcodeName(Opcode(i));
        table += char('A' + int(opcodeFormat(Opcode(i))));
        table += opcodeHasExtraWord(Opcode(i)) ? '2' : '1';
    }
    return crc32(table);
}

std::string serializeProgram(const ProgramImage& image, std::string_view runtimeVersion) {
    Writer w;
    w.bytes(runtimeVersion);
    w.fixed32(opcodeFingerprint());
    w.varint(image.modules.size());
    for (const auto& module : image.modules) {
        w.bytes(module->path);
        w.bytes(module->key);
        w.strings(module->globalNames);
        w.strings(module->builtinNames);
        w.proto(*module->main);
    }
    std::string blob;
    writeHeader(blob, uint32_t(w.out().size()), crc32(w.out()));
    blob += w.out();
    return blob;
}

DeserializeResult deserializeProgram(std::string_view blob, std::string_view runtimeVersion) {
    DeserializeResult result;
    auto error = [&](std::string message) {
        result.error = std::move(message);
        return result;
    };
    if (blob.size() < sizeof kProgramMagic || std::memcmp(blob.data(), kProgramMagic, sizeof kProgramMagic) != 0)
        return error("not a compiled Langoost program (bad magic)");
    if (blob.size() < kProgramHeaderSize) return error("compiled program is truncated (incomplete header)");
    uint32_t version = readLE32(blob, 8);
    if (version != kProgramFormatVersion)
        return error("compiled program has format version " + std::to_string(version) + "; this runtime reads version " +
                     std::to_string(kProgramFormatVersion));
    uint32_t length = readLE32(blob, 12);
    std::string_view payload = blob.substr(kProgramHeaderSize);
    if (payload.size() < length)
        return error("compiled program is truncated (" + std::to_string(payload.size()) + " of " +
                     std::to_string(length) + " payload bytes)");
    if (payload.size() > length) return error("compiled program has trailing bytes after its payload");
    if (crc32(payload) != readLE32(blob, 16)) return error("compiled program is corrupt (checksum mismatch)");

    Reader r(payload);
    try {
        std::string_view version_ = r.bytes();
        if (version_ != runtimeVersion)
            return error("compiled program was built by langoost " + std::string(version_) + "; this is langoost " +
                         std::string(runtimeVersion));
        if (r.fixed32() != opcodeFingerprint())
            return error("compiled program was built by a langoost with a different instruction set");
        uint32_t moduleCount = r.count();
        if (moduleCount == 0 || moduleCount > kMaxModules) r.fail("bad module count");
        auto image = std::make_shared<ProgramImage>();
        std::unordered_set<std::string> keys;
        for (uint32_t i = 0; i < moduleCount; ++i) {
            auto module = std::make_shared<CompiledModule>();
            module->path = std::string(r.bytes());
            module->key = std::string(r.bytes());
            if (i > 0 && !module->key.starts_with('/')) r.fail("imported module without an absolute key");
            if (!keys.insert(module->key).second) r.fail("module key appears twice");
            module->globalNames = r.strings();
            module->builtinNames = r.strings();
            module->main = r.proto(*module, 0);
            // Top-level code runs as a closure of no arguments and no captures.
            if (module->main->arity != 0 || module->main->variadic || module->main->upvalueCount != 0)
                r.fail("module top level with parameters or upvalues");
            image->modules.push_back(std::move(module));
        }
        if (!r.atEnd()) r.fail("unexpected data after the last module");
        result.image = std::move(image);
    } catch (const BlobError& e) {
        return error("compiled program is malformed: " + e.message);
    }
    return result;
}

} // namespace langoost
