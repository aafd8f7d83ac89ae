#include "compiler/FunctionState.h"

#include <algorithm>
#include <cstring>

#include "bytecode/StringObject.h"

namespace langoost {

namespace {

// The LOCALS_JUMP form of a two-operand compare-and-branch, or Nop.
Opcode comparisonOfLocals(Opcode op) {
    switch (op) {
    case Opcode::LtJump: return Opcode::LtJumpLocals;
    case Opcode::LeJump: return Opcode::LeJumpLocals;
    case Opcode::GtJump: return Opcode::GtJumpLocals;
    case Opcode::GeJump: return Opcode::GeJumpLocals;
    case Opcode::EqJump: return Opcode::EqJumpLocals;
    case Opcode::NeJump: return Opcode::NeJumpLocals;
    case Opcode::LtLoop: return Opcode::LtLoopLocals;
    case Opcode::LeLoop: return Opcode::LeLoopLocals;
    case Opcode::GtLoop: return Opcode::GtLoopLocals;
    case Opcode::GeLoop: return Opcode::GeLoopLocals;
    case Opcode::EqLoop: return Opcode::EqLoopLocals;
    case Opcode::NeLoop: return Opcode::NeLoopLocals;
    default: return Opcode::Nop;
    }
}

// The LOCAL_JUMPK form of a loop's bottom test against an int constant, or Nop.
Opcode loopOnLocalConstant(Opcode op) {
    switch (op) {
    case Opcode::LtLoopK: return Opcode::LtLoopLocalK;
    case Opcode::LeLoopK: return Opcode::LeLoopLocalK;
    case Opcode::GtLoopK: return Opcode::GtLoopLocalK;
    case Opcode::GeLoopK: return Opcode::GeLoopLocalK;
    case Opcode::EqLoopK: return Opcode::EqLoopLocalK;
    case Opcode::NeLoopK: return Opcode::NeLoopLocalK;
    default: return Opcode::Nop;
    }
}

} // namespace

size_t FunctionState::emit(Opcode op, uint32_t a, SourceLocation at) {
    size_t index = proto_->code.size();
    // Peephole: LoadLocal a; LoadLocal b  =>  LoadLocal2 a b
    if (op == Opcode::LoadLocal && lastInstruction_ + 1 == index && lastLabel_ != index && a <= kMaxPairField) {
        Instruction prev = proto_->code[lastInstruction_];
        if (decodeOpcode(prev) == Opcode::LoadLocal && decodeA(prev) <= kMaxPairField) {
            proto_->code[lastInstruction_] = encode(Opcode::LoadLocal2, encodePair(decodeA(prev), int32_t(a)));
            // lastInstruction_ stays on the LoadLocal2: a GetIndex may fuse with it next
            adjustStack(1);
            return index - 1;
        }
    }
    // Peephole: LoadLocal2 a b; GetIndex | Add | Sub | Mul  =>  IndexLocals |
    // AddLocals | SubLocals | MulLocals a b, located at the operator (errors
    // point there)
    if (lastInstruction_ + 1 == index && lastLabel_ != index &&
        decodeOpcode(proto_->code[lastInstruction_]) == Opcode::LoadLocal2) {
        Opcode fused = op == Opcode::GetIndex ? Opcode::IndexLocals
                       : op == Opcode::Add    ? Opcode::AddLocals
                       : op == Opcode::Sub    ? Opcode::SubLocals
                       : op == Opcode::Mul    ? Opcode::MulLocals
                                              : Opcode::Nop;
        if (fused != Opcode::Nop) {
            proto_->code[lastInstruction_] = encode(fused, decodeA(proto_->code[lastInstruction_]));
            proto_->locations[lastInstruction_] = at;
            lastInstruction_ = SIZE_MAX;
            adjustStack(-1);
            return index - 1;
        }
    }
    // Peephole: GetLocalField x k; B  =>  LocalFieldB x k; B for a branch B
    // that tests one value (`if self.state >= 4`, `while self.next != nil`):
    // B stays, as the fused instruction's operands and for jump patching.
    if (Opcode fused = localFieldFusionFor(op); fused != Opcode::Nop &&
        (opcodeFormat(op) == OperandFormat::JUMP || opcodeFormat(op) == OperandFormat::JUMPK) &&
        lastLocalField_ != SIZE_MAX && lastLocalField_ + 2 == index && lastLabel_ != index &&
        decodeOpcode(proto_->code[lastLocalField_]) == Opcode::GetLocalField)
        proto_->code[lastLocalField_] = encode(fused, decodeA(proto_->code[lastLocalField_]));
    // Peephole: LoadLocal2 a b; XxJump | XxLoop  =>  XxJumpLocals | XxLoopLocals
    // a b, the offset in the second word (emitSigned / patchJump put it there)
    if (lastInstruction_ + 1 == index && lastLabel_ != index &&
        decodeOpcode(proto_->code[lastInstruction_]) == Opcode::LoadLocal2) {
        if (Opcode fused = comparisonOfLocals(op); fused != Opcode::Nop) {
            proto_->code[lastInstruction_] = encode(fused, decodeA(proto_->code[lastInstruction_]));
            proto_->locations[lastInstruction_] = at;
            emitWord(0, at);
            adjustStack(-2);
            return index - 1;
        }
    }
    // Peephole: LoadLocal x; Add | Sub | Mul  =>  AddLocal | SubLocal |
    // MulLocal x (the value under x is the left operand), and LoadLocal y;
    // AddToLocal x | SubFromLocal x  =>  AddLocalToLocal | SubLocalFromLocal
    // x y; located at the operator
    if (lastInstruction_ + 1 == index && lastLabel_ != index &&
        decodeOpcode(proto_->code[lastInstruction_]) == Opcode::LoadLocal) {
        uint32_t loaded = decodeA(proto_->code[lastInstruction_]);
        Opcode fused = op == Opcode::Add   ? Opcode::AddLocal
                       : op == Opcode::Sub ? Opcode::SubLocal
                       : op == Opcode::Mul ? Opcode::MulLocal
                                           : Opcode::Nop;
        uint32_t operand = loaded;
        if ((op == Opcode::AddToLocal || op == Opcode::SubFromLocal) && a <= kMaxPairField &&
            loaded <= kMaxPairField) {
            fused = op == Opcode::AddToLocal ? Opcode::AddLocalToLocal : Opcode::SubLocalFromLocal;
            operand = encodePair(a, int32_t(loaded));
        }
        if (fused != Opcode::Nop) {
            proto_->code[lastInstruction_] = encode(fused, operand);
            proto_->locations[lastInstruction_] = at;
            if (fused != Opcode::AddLocal) lastInstruction_ = SIZE_MAX; // a StoreLocal may fuse with it next
            adjustStack(-1);
            return index - 1;
        }
    }
    // Peephole: AddLocal y; StoreLocal x  =>  AddLocalStore x y, located at
    // the operator (`zr = zr2 - zi2 + cr`)
    if (op == Opcode::StoreLocal && lastInstruction_ + 1 == index && lastLabel_ != index && a <= kMaxPairField &&
        decodeOpcode(proto_->code[lastInstruction_]) == Opcode::AddLocal &&
        decodeA(proto_->code[lastInstruction_]) <= kMaxPairField) {
        proto_->code[lastInstruction_] =
            encode(Opcode::AddLocalStore, encodePair(a, int32_t(decodeA(proto_->code[lastInstruction_]))));
        lastInstruction_ = SIZE_MAX;
        adjustStack(-1);
        return index - 1;
    }
    // Peephole: LoadLocal a; Return  =>  ReturnLocal a (the caller's emitReturn
    // still drops the value from the compile-time stack depth)
    if (op == Opcode::Return && lastInstruction_ + 1 == index && lastLabel_ != index &&
        decodeOpcode(proto_->code[lastInstruction_]) == Opcode::LoadLocal) {
        proto_->code[lastInstruction_] = encode(Opcode::ReturnLocal, decodeA(proto_->code[lastInstruction_]));
        lastInstruction_ = SIZE_MAX;
        return index - 1;
    }
    lastInstruction_ = index;
    if (a > kMaxOperand) overflowed_ = true;
    proto_->code.push_back(encode(op, a));
    proto_->locations.push_back(at);
    int effect = opcodeStackEffect(op);
    if (effect != VAR) adjustStack(effect);
    return index;
}

size_t FunctionState::emitSigned(Opcode op, int32_t a, SourceLocation at) {
    size_t index = proto_->code.size();
    // Peephole: LoadLocal x; AddInt k | SubInt k  =>  AddLocalInt | SubLocalInt x k
    // (k within the pair's signed 12 bits), located at the operator
    if ((op == Opcode::AddInt || op == Opcode::SubInt) && lastInstruction_ + 1 == index && lastLabel_ != index &&
        decodeOpcode(proto_->code[lastInstruction_]) == Opcode::LoadLocal && a >= -2048 && a <= 2047) {
        Instruction prev = proto_->code[lastInstruction_];
        if (decodeA(prev) <= kMaxPairField) {
            Opcode fused = op == Opcode::AddInt ? Opcode::AddLocalInt : Opcode::SubLocalInt;
            proto_->code[lastInstruction_] = encode(fused, encodePair(decodeA(prev), a));
            proto_->locations[lastInstruction_] = at;
            lastInstruction_ = SIZE_MAX;
            return index - 1;
        }
    }
    // Peephole: LoadLocal x; XxLoopK off  =>  XxLoopLocalK x off+1 (the
    // fused instruction starts a word earlier), when off+1 fits the pair's
    // signed 12 bits; the caller appends the constant word as for XxLoopK
    if (Opcode fused = loopOnLocalConstant(op); fused != Opcode::Nop && lastInstruction_ + 1 == index &&
        lastLabel_ != index && decodeOpcode(proto_->code[lastInstruction_]) == Opcode::LoadLocal &&
        decodeA(proto_->code[lastInstruction_]) <= kMaxPairField && a + 1 >= -2048 && a + 1 <= 2047) {
        proto_->code[lastInstruction_] = encode(fused, encodePair(decodeA(proto_->code[lastInstruction_]), a + 1));
        proto_->locations[lastInstruction_] = at;
        lastInstruction_ = SIZE_MAX;
        adjustStack(-1);
        return index - 1;
    }
    index = emit(op, 0, at);
    if (opcodeFormat(decodeOpcode(proto_->code[index])) == OperandFormat::LOCALS_JUMP)
        proto_->code[index + 1] = uint32_t(a); // fused with the LoadLocal2 before it
    else
        proto_->code[index] = encodeSigned(op, a);
    return index;
}

void FunctionState::emitWord(uint32_t word, SourceLocation at) {
    lastInstruction_ = SIZE_MAX;
    proto_->code.push_back(word);
    proto_->locations.push_back(at);
}

size_t FunctionState::emitField(Opcode op, uint32_t name, SourceLocation at) {
    size_t index = proto_->code.size();
    // Peephole: GetLocalField x k; GetField j  =>  GetLocalFieldChain x k;
    // GetField j (`self.a.b`: the GetField runs without a dispatch of its own)
    if (op == Opcode::GetField && lastLocalField_ != SIZE_MAX && lastLocalField_ + 2 == index && lastLabel_ != index) {
        Instruction& first = proto_->code[lastLocalField_];
        first = encode(Opcode::GetLocalFieldChain, decodeA(first));
    }
    // Peephole: LoadLocal x; GetField k  =>  GetLocalField x k, located at the field
    if (op == Opcode::GetField && lastInstruction_ + 1 == index && lastLabel_ != index && name <= kMaxPairField &&
        decodeOpcode(proto_->code[lastInstruction_]) == Opcode::LoadLocal &&
        decodeA(proto_->code[lastInstruction_]) <= kMaxPairField) {
        proto_->code[lastInstruction_] =
            encode(Opcode::GetLocalField, encodePair(decodeA(proto_->code[lastInstruction_]), int32_t(name)));
        proto_->locations[lastInstruction_] = at;
        lastLocalField_ = lastInstruction_;
        emitWord(0, at);
        return index - 1;
    }
    // Peephole: LoadLocal2 a b; GetField k  =>  LoadLocal a; GetLocalField b k
    // (the pair formed across a statement boundary, `let x = y` then
    // `self.n += 1`, must not keep the field read from its own fusions)
    if (op == Opcode::GetField && lastInstruction_ + 1 == index && lastLabel_ != index && name <= kMaxPairField &&
        decodeOpcode(proto_->code[lastInstruction_]) == Opcode::LoadLocal2) {
        Instruction pair = proto_->code[lastInstruction_];
        proto_->code[lastInstruction_] = encode(Opcode::LoadLocal, pairFirst(pair));
        proto_->code.push_back(encode(Opcode::GetLocalField, encodePair(pairSecond(pair), int32_t(name))));
        proto_->locations.push_back(at);
        lastLocalField_ = index;
        emitWord(0, at);
        return index;
    }
    index = emit(op, name, at);
    emitWord(0, at);
    return index;
}

void FunctionState::emitLocalField(Opcode op, uint32_t slot, uint32_t name, SourceLocation at) {
    // Peephole: GetLocalField x k; AddInt j | SubInt j; SetLocalField x k  =>
    // LocalFieldAddInt | LocalFieldSubInt x k; the same two (`self.n += 1`)
    size_t index = proto_->code.size();
    if (op == Opcode::SetLocalField && lastLocalField_ != SIZE_MAX && lastLocalField_ + 3 == index &&
        lastLabel_ <= lastLocalField_ &&
        proto_->code[lastLocalField_] == encode(Opcode::GetLocalField, encodePair(slot, int32_t(name)))) {
        Opcode fused = localFieldFusionFor(decodeOpcode(proto_->code[index - 1]));
        if (fused == Opcode::LocalFieldAddInt || fused == Opcode::LocalFieldSubInt)
            proto_->code[lastLocalField_] = encode(fused, decodeA(proto_->code[lastLocalField_]));
    }
    emit(op, encodePair(slot, int32_t(name)), at);
    emitWord(0, at);
}

void FunctionState::threadJumpsToReturns() {
    std::vector<uint32_t>& code = proto_->code;
    auto length = [&](size_t i) {
        Opcode op = decodeOpcode(code[i]);
        size_t words = opcodeHasExtraWord(op) ? 2 : 1;
        if (op == Opcode::Closure) words += proto_->protos[decodeA(code[i])]->upvalueCount;
        return words;
    };
    for (size_t i = 0; i < code.size(); i += length(i))
        if (decodeOpcode(code[i]) == Opcode::TryBegin) return;
    for (size_t i = 0; i < code.size(); i += length(i)) {
        if (decodeOpcode(code[i]) != Opcode::Jump) continue;
        int64_t target = int64_t(i) + 1 + decodeSignedA(code[i]);
        if (target < 0 || target >= int64_t(code.size())) continue;
        Opcode op = decodeOpcode(code[size_t(target)]);
        if (op == Opcode::Return || op == Opcode::ReturnNil || op == Opcode::ReturnLocal) {
            code[i] = code[size_t(target)];
            proto_->locations[i] = proto_->locations[size_t(target)];
        }
    }
}

size_t FunctionState::emitJump(Opcode op, SourceLocation at) { return emit(op, 0, at); }

bool FunctionState::patchJump(size_t jump) {
    Opcode op = decodeOpcode(proto_->code[jump]);
    int64_t offset = int64_t(label()) - int64_t(jump) - 1 - (opcodeHasExtraWord(op) ? 1 : 0);
    if (offset > kMaxSignedOperand) {
        overflowed_ = true;
        return false;
    }
    if (opcodeFormat(op) == OperandFormat::LOCALS_JUMP) proto_->code[jump + 1] = uint32_t(int32_t(offset));
    else proto_->code[jump] = encodeSigned(op, int32_t(offset));
    return true;
}

bool FunctionState::patchWordJump(size_t word) {
    int64_t offset = int64_t(label()) - int64_t(word) - 1;
    proto_->code[word] = uint32_t(int32_t(offset));
    return true;
}

bool FunctionState::emitLoop(size_t target, SourceLocation at) {
    int64_t offset = int64_t(target) - int64_t(proto_->code.size()) - 1;
    if (offset < kMinSignedOperand) {
        overflowed_ = true;
        return false;
    }
    emitSigned(Opcode::Loop, int32_t(offset), at);
    return true;
}

void FunctionState::adjustStack(int delta) {
    depth_ += delta;
    if (depth_ < 0) depth_ = 0;
    if (uint32_t(depth_) > proto_->maxStack) proto_->maxStack = uint32_t(depth_);
}

uint32_t FunctionState::addConstant(Value v) {
    if (v.isNil() || v.isBool()) {
        for (size_t i = 0; i < proto_->constants.size(); ++i)
            if (proto_->constants[i].identical(v)) return uint32_t(i);
    } else if (v.isInt()) {
        auto it = intConstants_.find(v.asInt());
        if (it != intConstants_.end()) return it->second;
    } else if (v.isFloat()) {
        uint64_t bits;
        double d = v.asFloat();
        std::memcpy(&bits, &d, sizeof bits);
        auto it = floatConstants_.find(bits);
        if (it != floatConstants_.end()) return it->second;
    }
    uint32_t index = uint32_t(proto_->constants.size());
    proto_->constants.push_back(v);
    if (v.isInt()) intConstants_[v.asInt()] = index;
    if (v.isFloat()) {
        uint64_t bits;
        double d = v.asFloat();
        std::memcpy(&bits, &d, sizeof bits);
        floatConstants_[bits] = index;
    }
    return index;
}

uint32_t FunctionState::stringConstant(const std::string& s) {
    auto it = stringConstants_.find(s);
    if (it != stringConstants_.end()) return it->second;
    uint32_t index = uint32_t(proto_->constants.size());
    proto_->constants.push_back(Value::object(internConstant(s)));
    stringConstants_.emplace(s, index);
    return index;
}

Local& FunctionState::declareLocal(const std::string& name) {
    uint32_t slot = uint32_t(depth_ - 1);
    declareLocalAt(name, slot);
    return locals_.back();
}

void FunctionState::declareLocalAt(const std::string& name, uint32_t slot) {
    localsByName_[name].push_back(uint32_t(locals_.size()));
    locals_.push_back({name, scopeDepth_, slot, false, {}, uint32_t(proto_->localNames.size())});
    proto_->localNames.push_back({name, slot, uint32_t(proto_->code.size())});
}

// Locals are ordered by scope depth (an inner scope's are popped before it
// ends), so the innermost local named `name` is in the current scope exactly
// when it and the last local both have the current depth.
Local* FunctionState::findLocalInScope(const std::string& name) {
    auto it = localsByName_.find(name);
    if (it == localsByName_.end() || it->second.empty() || locals_.back().depth != scopeDepth_) return nullptr;
    Local& local = locals_[it->second.back()];
    return local.depth == scopeDepth_ ? &local : nullptr;
}

int FunctionState::resolveLocal(const std::string& name) {
    auto it = localsByName_.find(name);
    if (it == localsByName_.end() || it->second.empty()) return -1;
    return int(locals_.size() - 1 - it->second.back());
}

void FunctionState::forgetLocalsFrom(size_t keep) {
    for (size_t i = locals_.size(); i > keep; --i) {
        auto it = localsByName_.find(locals_[i - 1].name);
        proto_->localNames[locals_[i - 1].debugIndex].endPc = uint32_t(proto_->code.size());
        it->second.pop_back();
        if (it->second.empty()) localsByName_.erase(it);
    }
    locals_.resize(keep);
}

int FunctionState::addUpvalue(const std::string& name, bool fromLocal, uint32_t index) {
    for (size_t i = 0; i < upvalues.size(); ++i)
        if (upvalues[i].fromLocal == fromLocal && upvalues[i].index == index) return int(i);
    upvalues.push_back({name, fromLocal, index});
    proto_->upvalueNames.push_back(name);
    proto_->upvalueCount = uint32_t(upvalues.size());
    return int(upvalues.size() - 1);
}

int FunctionState::resolveUpvalue(const std::string& name) {
    if (!enclosing_) return -1;
    int rev = enclosing_->resolveLocal(name);
    if (rev >= 0) {
        Local& local = enclosing_->locals_[enclosing_->locals_.size() - 1 - size_t(rev)];
        local.captured = true;
        return addUpvalue(name, true, local.slot);
    }
    int up = enclosing_->resolveUpvalue(name);
    if (up >= 0) return addUpvalue(name, false, uint32_t(up));
    return -1;
}

void FunctionState::popLocalsTo(size_t keep, SourceLocation at, bool forget) {
    if (locals_.size() <= keep) return;
    bool anyCaptured = false;
    for (size_t i = keep; i < locals_.size(); ++i) anyCaptured |= locals_[i].captured;
    uint32_t count = uint32_t(locals_.size() - keep);
    if (anyCaptured) emit(Opcode::CloseUpvals, locals_[keep].slot, at);
    lastPop_ = proto_->code.size();
    if (count == 1) {
        emit(Opcode::Pop, 0, at);
    } else {
        emit(Opcode::PopN, count, at);
        adjustStack(-int(count));
    }
    if (forget) {
        forgetLocalsFrom(keep);
    } else {
        adjustStack(int(count)); // the other paths still see these locals
    }
}

bool FunctionState::foldPopIntoLoopTest(size_t popAt) {
    std::vector<Instruction>& code = proto_->code;
    if (popAt != lastPop_ || popAt + 3 != code.size() || lastLabel_ > popAt) return false;
    Opcode pop = decodeOpcode(code[popAt]);
    uint32_t count = pop == Opcode::Pop ? 1 : pop == Opcode::PopN ? decodeA(code[popAt]) : 0;
    Opcode popping = loopLocalsPopOf(decodeOpcode(code[popAt + 1]));
    int32_t offset = int32_t(code[popAt + 2]) + 1; // the test moves back one word
    if (count == 0 || count > kMaxLocalsJumpPops || popping == Opcode::Nop || offset < kMinSignedOperand) return false;
    code[popAt] = encode(popping, decodeA(code[popAt + 1]));
    code[popAt + 1] = encodeLocalsJumpWord(offset, count);
    code.pop_back();
    proto_->locations.erase(proto_->locations.begin() + long(popAt));
    for (LocalName& local : proto_->localNames)
        if (local.endPc != UINT32_MAX && local.endPc > popAt) --local.endPc;
    lastInstruction_ = SIZE_MAX;
    lastPop_ = SIZE_MAX;
    return true;
}

void FunctionState::endScope(SourceLocation at) {
    size_t keep = locals_.size();
    while (keep > 0 && locals_[keep - 1].depth == scopeDepth_) --keep;
    popLocalsTo(keep, at, true);
    --scopeDepth_;
}

} // namespace langoost
