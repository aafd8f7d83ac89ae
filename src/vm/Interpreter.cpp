// Interpreter: the dispatch loop. One handler per opcode, generated from
// Opcodes.def; computed goto when LANGOOST_COMPUTED_GOTO is set, a switch
// otherwise. Hot state lives in locals (ip, sp, base, constants, globals)
// and is written back to the frame/VM (SYNC) before anything that can
// raise, allocate-and-collect, or call out. Handlers stay short: the int
// and float fast paths are inline, everything else is in Operations.cpp.
#include "vm/ArithmeticHandlers.h"
#include "vm/ArrayOps.h"
#include "vm/CompareHandlers.h"
#include "vm/MapOps.h"
#include "vm/MathFunctions.h"
#include "vm/VM.h"

namespace langoost {

#if defined(LANGOOST_COMPUTED_GOTO) && (defined(__GNUC__) || defined(__clang__))
#define USE_COMPUTED_GOTO 1
#else
#define USE_COMPUTED_GOTO 0
#endif

Value VM::run(size_t stopFrames) {
    // The running frame is not cached in a local: one register more for
    // base, sp and ip, at the price of a load in SYNC and upvalue access.
#define frame (&frames_.back())
    const Instruction* ip;
    Value* base;
    Value* sp = sp_;
    const Value* k;
    Value* globals;
    Instruction ins;
    const CallFrame* const stopAt = frames_.begin() + stopFrames; // run() returns when the frames shrink to this

#define LOAD_FRAME()                                                                                              \
    do {                                                                                                          \
        ip = frame->ip;                                                                                           \
        base = frame->base;                                                                                       \
        k = frame->constants;                                                                                     \
        globals = frame->globals;                                                                                 \
    } while (0)
// Enters closure c with its frame at slot, loading the new frame's state
// straight into the locals. A callee of the running module keeps `globals`
// as it is: a recursive call's next global read then does not wait for
// c->module->globals to be loaded (fib 0.44 -> 0.42 s).
#define ENTER_FRAME(c, slot)                                                                                      \
    do {                                                                                                          \
        ClosureObject* entered = (c);                                                                             \
        const FunctionProto* enteredProto = entered->proto;                                                       \
        base = (slot);                                                                                            \
        if (__builtin_expect(entered->module != frame->closure->module, 0))                                       \
            globals = entered->module->globals.data();                                                            \
        ip = entered->code;                                                                                       \
        k = enteredProto->constants.data();                                                                       \
        frames_.push(entered, ip, base, k, globals);                                                              \
    } while (0)
#define SYNC()                                                                                                    \
    do {                                                                                                          \
        frame->ip = ip;                                                                                           \
        sp_ = sp;                                                                                                 \
    } while (0)
#define SAFEPOINT()                                                                                               \
    do {                                                                                                          \
        if (--heap_.poll <= 0) {                                                                                  \
            SYNC();                                                                                               \
            safepoint();                                                                                          \
        }                                                                                                         \
    } while (0)
#define A (ins & kMaxOperand)
// Handlers read operands in place (`const Value&` into the VM stack): a
// Value copy bound for a slow-path call would be spilled to the C stack
// before the fast-path test.
// Equality without a call when the answer is plain: identical non-floats
// are equal (a float may be NaN), and nil equals only nil.
#define QUICK_EQUALS(a, b) ((a).identical(b) && !(a).isFloat() ? true : ((a).isNil() || (b).isNil()) ? false : equals(a, b))
#define SA (static_cast<int32_t>(ins << 8) >> 8)

#if USE_COMPUTED_GOTO
    static void* const labels[] = {
#define X(name, format, effect, doc) &&op_##name,
#include "bytecode/Opcodes.def"
#undef X
    };
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
// The opcode is the word's top byte: one byte load instead of a shift of ins.
#define NEXT_OPCODE() (reinterpret_cast<const uint8_t*>(ip)[-1])
#else
#define NEXT_OPCODE() (ins >> 24)
#endif
#define DISPATCH()                                                                                                \
    do {                                                                                                          \
        ins = *ip++;                                                                                              \
        goto* labels[NEXT_OPCODE()];                                                                              \
    } while (0)
#define CASE(name) op_##name:
// A direct jump to GetField's handler when the next instruction is one (it
// is, unless hostile bytecode says otherwise).
#define DISPATCH_CHAINED_GET_FIELD()                                                                              \
    do {                                                                                                          \
        ins = *ip++;                                                                                              \
        if (__builtin_expect(NEXT_OPCODE() == uint8_t(Opcode::GetField), 1)) goto op_GetField;                    \
        goto* labels[NEXT_OPCODE()];                                                                              \
    } while (0)
#else
#define DISPATCH_CHAINED_GET_FIELD() DISPATCH()
#define DISPATCH() goto dispatch
#define CASE(name) case Opcode::name:
#endif

    LOAD_FRAME();
    for (;;) {
        try {
#if USE_COMPUTED_GOTO
            DISPATCH();
#else
        dispatch:
            ins = *ip++;
        dispatchLoaded:
            switch (static_cast<Opcode>(ins >> 24)) {
#endif
            CASE(Nop) DISPATCH();
            CASE(Const) *sp++ = k[A]; DISPATCH();
            CASE(Int) *sp++ = Value::integer(SA); DISPATCH();
            CASE(Nil) *sp++ = Value(); DISPATCH();
            CASE(True) *sp++ = Value::boolean(true); DISPATCH();
            CASE(False) *sp++ = Value::boolean(false); DISPATCH();
            CASE(Pop) --sp; DISPATCH();
            CASE(PopN) sp -= A; DISPATCH();
            CASE(Dup) sp[0] = sp[-1]; ++sp; DISPATCH();
            CASE(Dup2) sp[0] = sp[-2]; sp[1] = sp[-1]; sp += 2; DISPATCH();
            CASE(LoadLocal) *sp++ = base[A]; DISPATCH();
            CASE(StoreLocal) base[A] = *--sp; DISPATCH();
            CASE(LoadLocal2) {
                sp[0] = base[pairFirst(ins)];
                sp[1] = base[pairSecond(ins)];
                sp += 2;
                DISPATCH();
            }
            CASE(IncLocal) {
                Value& v = base[pairFirst(ins)];
                if (v.isInt()) {
                    v = Value::integer(int64_t(uint64_t(v.asInt()) + uint64_t(int64_t(pairSecondSigned(ins)))));
                } else {
                    SYNC();
                    v = arithmetic(Opcode::Add, v, Value::integer(pairSecondSigned(ins)));
                }
                DISPATCH();
            }
            ARITH_TO_LOCAL(AddToLocal, +, Opcode::Add)
            ARITH_TO_LOCAL(SubFromLocal, -, Opcode::Sub)
            CASE(DecLocal) {
                Value& v = base[pairFirst(ins)];
                if (v.isInt()) {
                    v = Value::integer(int64_t(uint64_t(v.asInt()) - uint64_t(int64_t(pairSecondSigned(ins)))));
                } else {
                    SYNC();
                    v = arithmetic(Opcode::Sub, v, Value::integer(pairSecondSigned(ins)));
                }
                DISPATCH();
            }
            CASE(LoadUpval) *sp++ = *frame->closure->upvalues[A]->location; DISPATCH();
            CASE(StoreUpval) {
                UpvalueObject* u = frame->closure->upvalues[A];
                heap_.writeBarrier(u, sp[-1]);
                *u->location = *--sp;
                DISPATCH();
            }
            CASE(LoadGlobal) *sp++ = globals[A]; DISPATCH();
            CASE(StoreGlobal) globals[A] = *--sp; DISPATCH();
            CASE(LoadBuiltin) *sp++ = builtins_[A]; DISPATCH();
            // Field access: the instruction's cache word holds the slot the
            // field was last found in here; a hit is one compare.
// Pushes (pushed = 1) or replaces the top with (0) field nameIndex of
// objExpr. The slow path recomputes its operands, like SET_FIELD's.
#define GET_FIELD(objExpr, nameIndex, pushed, NEXT)                                                               \
    do {                                                                                                          \
        const Value& obj = objExpr;                                                                               \
        if (obj.isObjType(ObjType::Map)) {                                                                        \
            if (const Value* v = mapFindAtSite(obj.as<MapObject>(), k[nameIndex].as<StringObject>(), ip)) {      \
                sp[pushed - 1] = *v;                                                                              \
                sp += pushed;                                                                                     \
                ++ip;                                                                                             \
                NEXT();                                                                                           \
            }                                                                                                     \
        }                                                                                                         \
        ++ip;                                                                                                     \
        SYNC();                                                                                                   \
        sp[pushed - 1] = getFieldAtSite(objExpr, k[nameIndex].as<StringObject>(), ip - 1);                        \
        sp += pushed;                                                                                             \
        NEXT();                                                                                                   \
    } while (0)
            CASE(GetField) GET_FIELD(sp[-1], A, 0, DISPATCH);
            CASE(GetLocalField) GET_FIELD(base[pairFirst(ins)], pairSecond(ins), 1, DISPATCH);
            CASE(GetLocalFieldChain) GET_FIELD(base[pairFirst(ins)], pairSecond(ins), 1, DISPATCH_CHAINED_GET_FIELD);
            // The site's slot holds the key: a plain store, unless the field
            // appears or disappears (setFieldAtSite) or an object goes into an
            // old map (the barrier, out of line). The slow path recomputes its
            // operands, so the fast path keeps nothing alive across a call.
#define SET_FIELD(objExpr, nameIndex, popped)                                                                 \
    do {                                                                                                          \
        const Value& obj = objExpr;                                                                               \
        if (obj.isObjType(ObjType::Map)) {                                                                        \
            MapObject* map = obj.as<MapObject>();                                                                 \
            Value* slot = mapFindAtSite(map, k[nameIndex].as<StringObject>(), ip);                                \
            const Value& v = sp[-1];                                                                              \
            if (slot && slot->isNil() == v.isNil()) {                                                             \
                if (__builtin_expect(v.isObj() && map->marked, 0)) storeIntoMarkedMap(map, slot, v);              \
                else *slot = v;                                                                                   \
                sp -= popped;                                                                                     \
                ++ip;                                                                                             \
                DISPATCH();                                                                                       \
            }                                                                                                     \
        }                                                                                                         \
        ++ip;                                                                                                     \
        SYNC();                                                                                                   \
        setFieldAtSite(objExpr, k[nameIndex].as<StringObject>(), sp[-1], ip - 1);                                \
        sp -= popped;                                                                                             \
        DISPATCH();                                                                                               \
    } while (0)
            CASE(SetField) SET_FIELD(sp[-2], A, 2);
            CASE(SetLocalField) SET_FIELD(base[pairFirst(ins)], pairSecond(ins), 1);
            CASE(GetIndex) {
                Value obj = sp[-2], key = sp[-1];
                if (obj.isObjType(ObjType::Array) && key.isInt()) {
                    auto* a = obj.as<ArrayObject>();
                    if (uint64_t(key.asInt()) < a->length) {
                        sp[-2] = a->at(uint32_t(key.asInt()));
                        --sp;
                        DISPATCH();
                    }
                }
                SYNC();
                sp[-2] = getIndex(obj, key);
                --sp;
                DISPATCH();
            }
            CASE(IndexLocals) {
                Value obj = base[pairFirst(ins)], key = base[pairSecond(ins)];
                if (obj.isObjType(ObjType::Array) && key.isInt()) {
                    auto* a = obj.as<ArrayObject>();
                    if (uint64_t(key.asInt()) < a->length) {
                        *sp++ = a->at(uint32_t(key.asInt()));
                        DISPATCH();
                    }
                }
                SYNC();
                *sp++ = getIndex(obj, key);
                DISPATCH();
            }
            // An in-bounds store into an unshared array: the write barrier
            // only when an object goes into an array the collector has marked,
            // out of line; the slow path re-reads its operands.
#define SET_ARRAY_ITEM(objExpr, keyExpr, valueExpr, popped)                                                       \
    do {                                                                                                          \
        const Value &obj = objExpr, &key = keyExpr, &value = valueExpr;                                           \
        if (obj.isObjType(ObjType::Array) && key.isInt()) {                                                       \
            auto* a = obj.as<ArrayObject>();                                                                      \
            if (uint64_t(key.asInt()) < a->length && a->store->refs == 1) {                                       \
                if (__builtin_expect(value.isObj() && a->marked, 0)) storeIntoMarkedArray(a, uint32_t(key.asInt()), value); \
                else a->at(uint32_t(key.asInt())) = value;                                                        \
                sp -= popped;                                                                                     \
                DISPATCH();                                                                                       \
            }                                                                                                     \
        }                                                                                                         \
        SYNC();                                                                                                   \
        setIndex(objExpr, keyExpr, valueExpr);                                                                    \
        sp -= popped;                                                                                             \
        DISPATCH();                                                                                               \
    } while (0)
            CASE(SetIndex) SET_ARRAY_ITEM(sp[-3], sp[-2], sp[-1], 3);
            CASE(SetIndexLocals) SET_ARRAY_ITEM(base[pairFirst(ins)], base[pairSecond(ins)], sp[-1], 1);
            CASE(SetIndexLocalsK) {
                ++ip;
                SET_ARRAY_ITEM(base[pairFirst(ins)], base[pairSecond(ins)], k[ip[-1]], 0);
            }
            CASE(Add) {
                const Value &a = sp[-2], &b = sp[-1];
                if (a.isInt() && b.isInt()) {
                    sp[-2] = Value::integer(int64_t(uint64_t(a.asInt()) + uint64_t(b.asInt())));
                } else if (a.isFloat() && b.isFloat()) {
                    sp[-2] = Value::number(a.asFloat() + b.asFloat());
                } else {
                    SYNC();
                    sp[-2] = arithmetic(Opcode::Add, a, b);
                }
                --sp;
                DISPATCH();
            }
            CASE(AddInChain) {
                const Value &a = sp[-2], &b = sp[-1];
                if (a.isInt() && b.isInt()) {
                    sp[-2] = Value::integer(int64_t(uint64_t(a.asInt()) + uint64_t(b.asInt())));
                } else {
                    SYNC();
                    sp[-2] = concatInChain(a, b, A);
                }
                --sp;
                DISPATCH();
            }
            CASE(Sub) {
                const Value &a = sp[-2], &b = sp[-1];
                if (a.isInt() && b.isInt()) {
                    sp[-2] = Value::integer(int64_t(uint64_t(a.asInt()) - uint64_t(b.asInt())));
                } else if (a.isFloat() && b.isFloat()) {
                    sp[-2] = Value::number(a.asFloat() - b.asFloat());
                } else {
                    SYNC();
                    sp[-2] = arithmetic(Opcode::Sub, a, b);
                }
                --sp;
                DISPATCH();
            }
            CASE(Mul) {
                const Value &a = sp[-2], &b = sp[-1];
                if (a.isInt() && b.isInt()) {
                    sp[-2] = Value::integer(int64_t(uint64_t(a.asInt()) * uint64_t(b.asInt())));
                } else if (a.isFloat() && b.isFloat()) {
                    sp[-2] = Value::number(a.asFloat() * b.asFloat());
                } else {
                    SYNC();
                    sp[-2] = arithmetic(Opcode::Mul, a, b);
                }
                --sp;
                DISPATCH();
            }
            CASE(Div) {
                const Value &a = sp[-2], &b = sp[-1];
                if (a.isInt() && b.isInt() && b.asInt() > 0) {
                    sp[-2] = Value::integer(a.asInt() / b.asInt());
                    --sp;
                    DISPATCH();
                }
                if (a.isFloat() && b.isFloat()) { // IEEE: x / 0.0 is ±inf or nan
                    sp[-2] = Value::number(a.asFloat() / b.asFloat());
                    --sp;
                    DISPATCH();
                }
                if ((a.isFloat() || b.isFloat()) && a.isNumber() && b.isNumber()) { // `1.0 / n`: IEEE too
                    sp[-2] = Value::number(a.asNumber() / b.asNumber());
                    --sp;
                    DISPATCH();
                }
                SYNC();
                sp[-2] = arithmetic(Opcode::Div, a, b);
                --sp;
                DISPATCH();
            }
            CASE(Mod) {
                const Value &a = sp[-2], &b = sp[-1];
                if (a.isInt() && b.isInt() && b.asInt() > 0) {
                    sp[-2] = Value::integer(a.asInt() % b.asInt());
                    --sp;
                    DISPATCH();
                }
                SYNC();
                sp[-2] = arithmetic(Opcode::Mod, a, b);
                --sp;
                DISPATCH();
            }
            SLOW_BINARY(BitAnd)
            SLOW_BINARY(BitOr)
            SLOW_BINARY(BitXor)
            SLOW_BINARY(Shl)
            SLOW_BINARY(Shr)
            CASE(AddInt) {
                Value a = sp[-1];
                if (a.isInt()) {
                    sp[-1] = Value::integer(int64_t(uint64_t(a.asInt()) + uint64_t(int64_t(SA))));
                } else {
                    SYNC();
                    sp[-1] = arithmetic(Opcode::Add, a, Value::integer(SA));
                }
                DISPATCH();
            }
            CASE(SubInt) {
                Value a = sp[-1];
                if (a.isInt()) {
                    sp[-1] = Value::integer(int64_t(uint64_t(a.asInt()) - uint64_t(int64_t(SA))));
                } else {
                    SYNC();
                    sp[-1] = arithmetic(Opcode::Sub, a, Value::integer(SA));
                }
                DISPATCH();
            }
            CASE(ModInt) {
                Value a = sp[-1];
                if (a.isInt()) {
                    // 32-bit division is several times cheaper than 64-bit when both
                    // fit, and a mask cheaper still for a power of two (`x % 2`).
                    uint64_t x = uint64_t(a.asInt());
                    uint32_t m = uint32_t(SA);
                    if (x <= UINT32_MAX)
                        sp[-1] = Value::integer((m & (m - 1)) == 0 ? int64_t(uint32_t(x) & (m - 1)) : int64_t(uint32_t(x) % m));
                    else
                        sp[-1] = Value::integer(a.asInt() % SA);
                } else {
                    SYNC();
                    sp[-1] = arithmetic(Opcode::Mod, a, Value::integer(SA));
                }
                DISPATCH();
            }
            ARITH_WITH_LOCAL(AddLocal, Add, +)
            ARITH_WITH_LOCAL(SubLocal, Sub, -)
            ARITH_WITH_LOCAL(MulLocal, Mul, *)
            ARITH_LOCAL_TO_LOCAL(AddLocalToLocal, Add, +)
            ARITH_LOCAL_TO_LOCAL(SubLocalFromLocal, Sub, -)
            CASE(AddLocalStore) { // AddLocal second + StoreLocal first
                const Value &a = sp[-1], &b = base[pairSecond(ins)];
                Value& target = base[pairFirst(ins)];
                if (a.isInt() && b.isInt()) {
                    target = Value::integer(int64_t(uint64_t(a.asInt()) + uint64_t(b.asInt())));
                } else if (a.isFloat() && b.isFloat()) {
                    target = Value::number(a.asFloat() + b.asFloat());
                } else {
                    SYNC();
                    target = arithmetic(Opcode::Add, a, b);
                }
                --sp;
                DISPATCH();
            }
            ARITH_LOCALS(AddLocals, Add, +)
            ARITH_LOCALS(SubLocals, Sub, -)
            ARITH_LOCALS(MulLocals, Mul, *)
            ARITH_LOCAL_INT(AddLocalInt, Add, +)
            ARITH_LOCAL_INT(SubLocalInt, Sub, -)
            ARITH_LOCAL_CONST(AddLocalConst, Add, +, local, constant)
            ARITH_LOCAL_CONST(SubLocalConst, Sub, -, local, constant)
            ARITH_LOCAL_CONST(MulLocalConst, Mul, *, local, constant)
            ARITH_LOCAL_CONST(ConstAddLocal, Add, +, constant, local)
            ARITH_LOCAL_CONST(ConstSubLocal, Sub, -, constant, local)
            ARITH_LOCAL_CONST(ConstMulLocal, Mul, *, constant, local)
            CASE(Neg) {
                Value a = sp[-1];
                if (a.isInt()) sp[-1] = Value::integer(int64_t(0 - uint64_t(a.asInt())));
                else if (a.isFloat()) sp[-1] = Value::number(-a.asFloat());
                else {
                    SYNC();
                    sp[-1] = unary(Opcode::Neg, a);
                }
                DISPATCH();
            }
            CASE(Not) sp[-1] = Value::boolean(!sp[-1].truthy()); DISPATCH();
            CASE(BitNot) {
                SYNC();
                sp[-1] = unary(Opcode::BitNot, sp[-1]);
                DISPATCH();
            }
            CASE(MathCall) {
                Value& x = sp[-1];
                if (A == uint32_t(MathFunction::Sqrt) && x.isFloat()) {
                    x = Value::number(__builtin_sqrt(x.asFloat()));
                } else {
                    SYNC();
                    x = callMathFunction(*this, MathFunction(A), x);
                }
                DISPATCH();
            }
            CASE(ToBool) sp[-1] = Value::boolean(sp[-1].truthy()); DISPATCH();
            CASE(Eq) {
                const Value &a = sp[-2], &b = sp[-1];
                sp[-2] = Value::boolean(QUICK_EQUALS(a, b));
                --sp;
                DISPATCH();
            }
            CASE(Ne) {
                const Value &a = sp[-2], &b = sp[-1];
                sp[-2] = Value::boolean(!QUICK_EQUALS(a, b));
                --sp;
                DISPATCH();
            }
            COMPARE(Lt, <, "<")
            COMPARE(Le, <=, "<=")
            COMPARE(Gt, >, ">")
            COMPARE(Ge, >=, ">=")
            CASE(Is) {
                SYNC();
                sp[-2] = Value::boolean(isA(sp[-2], sp[-1]));
                --sp;
                DISPATCH();
            }
            CASE(Jump) ip += SA; DISPATCH();
            CASE(JumpIfFalse) {
                if (!(--sp)->truthy()) ip += SA;
                DISPATCH();
            }
            CASE(JumpIfTrue) {
                if ((--sp)->truthy()) ip += SA;
                DISPATCH();
            }
            COMPARE_FAMILY(K, COMPARE_TO_CONSTANT, )
            COMPARE_FAMILY(Jump, COMPARE_TWO, JUMP_UNLESS)
            COMPARE_FAMILY(JumpK, COMPARE_CONSTANT, JUMP_UNLESS)
            COMPARE_FAMILY(JumpC, COMPARE_TABLE_CONSTANT, JUMP_UNLESS)
            COMPARE_FAMILY(Loop, COMPARE_TWO, LOOP_WHILE)
            COMPARE_FAMILY(LoopK, COMPARE_CONSTANT, LOOP_WHILE)
            COMPARE_FAMILY(LoopLocalK, COMPARE_LOCAL_CONSTANT, LOOP_WHILE)
            COMPARE_FAMILY(JumpLocals, COMPARE_LOCALS, JUMP_UNLESS)
            COMPARE_FAMILY(LoopLocals, COMPARE_LOCALS, LOOP_WHILE)
            COMPARE_FAMILY(LoopLocalsPop, COMPARE_LOCALS, LOOP_WHILE_POPPING)
            // `x == nil` / `x != nil` as conditions: nil equals only nil.
            CASE(EqNilJump) JUMP_UNLESS((--sp)->isNil(), SA) DISPATCH();
            CASE(NeNilJump) JUMP_UNLESS(!(--sp)->isNil(), SA) DISPATCH();
            CASE(EqNilLoop) LOOP_WHILE((--sp)->isNil(), SA) DISPATCH();
            CASE(NeNilLoop) LOOP_WHILE(!(--sp)->isNil(), SA) DISPATCH();
            // LocalField<branch>: GetLocalField's value kept in a register and
            // tested by the branch after the site word (the verifier checks
            // that it is that branch), whose words are read and passed over.
#define LOCAL_FIELD_INTO(value)                                                                                   \
    Value value;                                                                                                  \
    {                                                                                                             \
        const Value& obj = base[pairFirst(ins)];                                                                  \
        StringObject* name = k[pairSecond(ins)].as<StringObject>();                                               \
        const uint32_t* site = ip++;                                                                              \
        const Value* found = obj.isObjType(ObjType::Map) ? mapFindAtSite(obj.as<MapObject>(), name, site) : nullptr; \
        if (__builtin_expect(found != nullptr, 1)) {                                                              \
            value = *found;                                                                                       \
        } else {                                                                                                  \
            SYNC();                                                                                               \
            value = getFieldAtSite(obj, name, site);                                                              \
        }                                                                                                         \
    }                                                                                                             \
    ins = *ip++;
#define LOCAL_FIELD_CONSTANT(name, BRANCH, op, test)                                                              \
    CASE(LocalField##name) {                                                                                      \
        LOCAL_FIELD_INTO(a)                                                                                       \
        int32_t constant = int32_t(*ip++);                                                                        \
        BRANCH_ON_CONSTANT(BRANCH, op, test, SA)                                                                  \
    }
            COMPARE_FAMILY(JumpK, LOCAL_FIELD_CONSTANT, JUMP_UNLESS)
            CASE(LocalFieldEqNilJump) {
                LOCAL_FIELD_INTO(a)
                JUMP_UNLESS(a.isNil(), SA)
                DISPATCH();
            }
            CASE(LocalFieldNeNilJump) {
                LOCAL_FIELD_INTO(a)
                JUMP_UNLESS(!a.isNil(), SA)
                DISPATCH();
            }
            CASE(LocalFieldEqNilLoop) {
                LOCAL_FIELD_INTO(a)
                LOOP_WHILE(a.isNil(), SA)
                DISPATCH();
            }
            CASE(LocalFieldNeNilLoop) {
                LOCAL_FIELD_INTO(a)
                LOOP_WHILE(!a.isNil(), SA)
                DISPATCH();
            }
            // LocalFieldAddInt / SubInt: an int field updated in place, the AddInt
            // and SetLocalField after it (verified: same field) passed over;
            // anything else is pushed for those two to handle as written.
#define LOCAL_FIELD_UPDATE(name, op)                                                                              \
    CASE(name) {                                                                                                  \
        const Value& obj = base[pairFirst(ins)];                                                                  \
        StringObject* key = k[pairSecond(ins)].as<StringObject>();                                                \
        const uint32_t* site = ip++;                                                                              \
        if (obj.isObjType(ObjType::Map)) {                                                                        \
            Value* v = mapFindAtSite(obj.as<MapObject>(), key, site);                                             \
            if (v && v->isInt()) {                                                                                \
                *v = Value::integer(int64_t(uint64_t(v->asInt()) op uint64_t(int64_t(decodeSignedA(*ip)))));      \
                ip += 3;                                                                                          \
                DISPATCH();                                                                                       \
            }                                                                                                     \
        }                                                                                                         \
        SYNC();                                                                                                   \
        *sp++ = getFieldAtSite(obj, key, site);                                                                   \
        DISPATCH();                                                                                               \
    }
            LOCAL_FIELD_UPDATE(LocalFieldAddInt, +)
            LOCAL_FIELD_UPDATE(LocalFieldSubInt, -)
            CASE(LoopIfTrue) {
                if ((--sp)->truthy()) {
                    ip += SA;
                    SAFEPOINT();
                }
                DISPATCH();
            }
            CASE(Loop) {
                ip += SA;
                SAFEPOINT();
                DISPATCH();
            }
            CASE(Call) {
                uint32_t argc = A;
                Value* slot = sp - argc - 1;
                frame->ip = ip;
                if (--heap_.poll <= 0) {
                    sp_ = sp;
                    safepoint();
                }
                if (slot->isObjType(ObjType::Closure)) {
                    ClosureObject* c = slot->as<ClosureObject>();
                    const FunctionProto* p = c->proto;
                    if (argc == p->arity && !p->variadic && frames_.hasRoom() && slot + p->maxStack + 1 < stackLimit_) {
                        ENTER_FRAME(c, slot);
                        DISPATCH();
                    }
                }
                sp_ = sp;
                if (callValue(*slot, slot, argc)) LOAD_FRAME();
                sp = sp_;
                DISPATCH();
            }
            CASE(Invoke) {
                uint32_t argc = pairFirst(ins);
                uint32_t nameIndex = *ip++; // the name is only needed off the cached path
                Value* slot = sp - argc - 1;
                SYNC();
                if (--heap_.poll <= 0) safepoint();
                if (slot->isObjType(ObjType::Map)) {
                    ClassObject* klass = slot->as<MapObject>()->klass;
                    const InvokeCacheEntry* cached = &invokeSiteEntry(pairSecond(ins));
                    if (cached->klass != klass || cached->site != ip)
                        cached = &invokeSiteClassEntry(pairSecond(ins), klass);
                    if (cached->site == ip && cached->klass == klass && !klass->fieldShadowsMethod &&
                        frames_.hasRoom() && slot + cached->frameSlots < stackLimit_) {
                        base = slot;
                        ip = cached->code;
                        k = cached->constants;
                        globals = cached->globals;
                        frames_.push(cached->method, ip, base, k, globals);
                        DISPATCH();
                    }
                }
                StringObject* name = k[nameIndex].as<StringObject>();
                if (ClosureObject* method = directMethod(slot, argc, name, ip, pairSecond(ins))) {
                    ENTER_FRAME(method, slot);
                    DISPATCH();
                }
                if (invoke(slot, argc, name)) LOAD_FRAME();
                sp = sp_;
                DISPATCH();
            }
            CASE(SuperInvoke) {
                uint32_t argc = A;
                StringObject* name = k[*ip++].as<StringObject>();
                Value* slot = sp - argc - 1;
                SYNC();
                if (superInvoke(slot, argc, name, frame->closure->ownerClass)) LOAD_FRAME();
                sp = sp_;
                DISPATCH();
            }
            CASE(Closure) {
                const FunctionProto* p = frame->closure->proto->protos[A].get();
                SYNC();
                ClosureObject* c = heap_.newClosure(p, frame->closure->module);
                c->ownerClass = frame->closure->ownerClass;
                for (uint32_t i = 0; i < p->upvalueCount; ++i) {
                    uint32_t w = *ip++;
                    c->upvalues[i] = (w & kCaptureLocalBit) ? captureUpvalue(base + (w & ~kCaptureLocalBit))
                                                            : frame->closure->upvalues[w];
                }
                *sp++ = Value::object(c);
                DISPATCH();
            }
            CASE(CloseUpvals) closeUpvalues(base + A); DISPATCH();
            // A return moves its value into the frame's slot 0 and pops the
            // frame. Each of the three has its own copy: sharing one through
            // a goto made the value a join point that GCC kept in a stack
            // spill on every return.
#define RETURN_VALUE(value)                                                                                       \
    do {                                                                                                          \
        if (openUpvalues_ && openUpvalues_->location >= base) closeUpvalues(base);                                \
        base[0] = (value);                                                                                        \
        sp = base + 1;                                                                                            \
        frames_.pop();                                                                                            \
        if (frames_.end() == stopAt) {                                                                            \
            sp_ = sp;                                                                                             \
            return base[0];                                                                                       \
        }                                                                                                         \
        LOAD_FRAME();                                                                                             \
        DISPATCH();                                                                                               \
    } while (0)
            CASE(Return) RETURN_VALUE(sp[-1]);
            CASE(ReturnLocal) RETURN_VALUE(base[A]);
            CASE(ReturnNil) RETURN_VALUE(Value());
            CASE(Array) {
                uint32_t n = A;
                SYNC();
                ArrayObject* a = heap_.newArray(n);
                for (uint32_t i = 0; i < n; ++i) a->at(i) = sp[int(i) - int(n)];
                sp -= n;
                *sp++ = Value::object(a);
                DISPATCH();
            }
            CASE(Object) {
                uint32_t n = A;
                SYNC();
                Value obj = makeObject(sp - 2 * n, n, nullptr);
                sp -= 2 * n;
                *sp++ = obj;
                DISPATCH();
            }
            CASE(Struct) {
                uint32_t n = A;
                Value* slot = sp - 2 * n - 1;
                SYNC();
                if (!slot->isObjType(ObjType::Class))
                    raise("TypeError", std::string("struct literal needs a class, got ") + typeName(*slot));
                *slot = makeObject(slot + 1, n, slot->as<ClassObject>());
                sp = slot + 1;
                DISPATCH();
            }
            CASE(Class) {
                SYNC();
                *sp++ = Value::object(heap_.newClass(k[A].as<StringObject>()));
                DISPATCH();
            }
            CASE(Inherit) {
                Value parent = sp[-1];
                SYNC();
                if (!parent.isObjType(ObjType::Class))
                    raise("TypeError", std::string("a class can only extend a class, got ") + typeName(parent));
                heap_.writeBarrier(sp[-2].asObj());
                sp[-2].as<ClassObject>()->parent = parent.as<ClassObject>();
                sp[-2].as<ClassObject>()->methodBloom |= parent.as<ClassObject>()->methodBloom;
                --sp;
                DISPATCH();
            }
            CASE(Method) {
                SYNC();
                auto* klass = sp[-2].as<ClassObject>();
                heap_.writeBarrier(sp[-1].asObj());
                sp[-1].as<ClosureObject>()->ownerClass = klass;
                mapSet(heap_, klass->methods, k[A].as<StringObject>(), sp[-1]);
                klass->methodBloom |= ClassObject::bloomBits(k[A].as<StringObject>());
                --sp;
                DISPATCH();
            }
            CASE(Interface) {
                uint32_t n = A;
                SYNC();
                Value iface = makeInterface(sp - n - 1, n);
                sp -= n + 1;
                *sp++ = iface;
                DISPATCH();
            }
            CASE(IterInit) {
                SYNC();
                sp[-1] = iterationSource(sp[-1]);
                *sp++ = Value::integer(0);
                DISPATCH();
            }
            CASE(IterLoop) {
                Value* slots = base + A;
                int32_t back = int32_t(*ip++);
                int64_t cursor = slots[1].asInt();
                Obj* src = slots[0].asObj();
                if (src->type == ObjType::Array) {
                    auto* a = static_cast<ArrayObject*>(src);
                    if (cursor >= a->length) DISPATCH();
                    slots[2] = a->at(uint32_t(cursor));
                } else if (src->type == ObjType::String) {
                    auto* str = static_cast<StringObject*>(src);
                    if (cursor >= str->length) DISPATCH();
                    slots[2] = Value::integer(static_cast<unsigned char>(str->chars[cursor]));
                } else {
                    auto* r = static_cast<RangeObject*>(src);
                    int64_t v = r->start + cursor * r->step;
                    if (cursor < 0 || !(r->step > 0 ? v < r->end : v > r->end)) DISPATCH();
                    slots[2] = Value::integer(v);
                    int64_t next;
                    if (__builtin_add_overflow(v, r->step, &next)) cursor = -2; // stop after this one
                }
                slots[1] = Value::integer(cursor + 1);
                ip += back;
                SAFEPOINT();
                DISPATCH();
            }
            CASE(RangeInit) {
                SYNC();
                checkRange(sp - 3);
                DISPATCH();
            }
            CASE(RangeLoop) {
                Value* slots = base + A;
                int32_t back = int32_t(*ip++);
                int64_t c = slots[0].asInt(), end = slots[1].asInt(), step = slots[2].asInt();
                if (step > 0 ? c < end : c > end) {
                    slots[3] = Value::integer(c);
                    int64_t next;
                    slots[0] = Value::integer(__builtin_add_overflow(c, step, &next) ? end : next);
                    ip += back;
                    SAFEPOINT();
                }
                DISPATCH();
            }
            CASE(TryBegin) {
                handlers_.push_back({frames_.size(), sp, ip + SA});
                DISPATCH();
            }
            CASE(TryEnd) handlers_.pop_back(); DISPATCH();
            CASE(Throw) {
                SYNC();
                throwValue(sp[-1]);
            }
            CASE(Rethrow) {
                SYNC();
                rethrow(sp[-1]);
            }
            CASE(Import) {
                SYNC();
                *sp++ = importModule(k[A].as<StringObject>());
                DISPATCH();
            }
            CASE(CheckParam) {
                SYNC();
                checkType(base[pairFirst(ins)], pairSecond(ins), Value(), frame->closure->proto, int(pairFirst(ins)));
                DISPATCH();
            }
            CASE(CheckParamClass) {
                SYNC();
                Value type = *--sp;
                checkType(base[pairFirst(ins)], uint32_t(TypeKind::Class) | pairSecond(ins), type, frame->closure->proto,
                          int(pairFirst(ins)));
                DISPATCH();
            }
            CASE(CheckReturn) {
                SYNC();
                checkType(sp[-1], A, Value(), frame->closure->proto, -1);
                DISPATCH();
            }
            CASE(CheckReturnClass) {
                SYNC();
                Value type = *--sp;
                checkType(sp[-1], uint32_t(TypeKind::Class), type, frame->closure->proto, -1);
                DISPATCH();
            }
            CASE(Trap) {
                SYNC();
                ins = trapHit(ip - 1);
#if USE_COMPUTED_GOTO
                goto* labels[ins >> 24];
#else
                goto dispatchLoaded;
#endif
            }
#if !USE_COMPUTED_GOTO
            case Opcode::Count_: break;
            }
#endif
        } catch (ScriptThrow&) {
            if (!handlers_.empty() && handlers_.back().frameCount > stopFrames) {
                Handler h = handlers_.back();
                handlers_.pop_back();
                closeUpvalues(h.sp);
                frames_.resize(h.frameCount);
                LOAD_FRAME();
                sp = h.sp;
                *sp++ = exception_;
                ip = h.target;
                continue;
            }
            while (!handlers_.empty() && handlers_.back().frameCount > stopFrames) handlers_.pop_back();
            frames_.resize(stopFrames);
            throw;
        }
    }
#undef A
#undef GET_FIELD
#undef ENTER_FRAME
#undef frame
#undef SA
}

} // namespace langoost
