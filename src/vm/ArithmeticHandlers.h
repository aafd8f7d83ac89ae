// Handler templates for the arithmetic opcodes, expanded in place inside
// VM::run (Interpreter.cpp), where ins, sp, base, k, SYNC() and DISPATCH()
// are in scope: the int and float fast paths inline, everything else
// through arithmetic() (Operations.cpp). Only Interpreter.cpp includes it.
#pragma once

// a = a op b in place, for `Value& a` and a Value b in scope: two ints or
// two floats inline, the rest through arithmetic().
#define UPDATE_ARITH(opcode, op)                                                                                  \
    if (a.isInt() && b.isInt()) {                                                                                 \
        a = Value::integer(int64_t(uint64_t(a.asInt()) op uint64_t(b.asInt())));                                  \
    } else if (a.isFloat() && b.isFloat()) {                                                                      \
        a = Value::number(a.asFloat() op b.asFloat());                                                            \
    } else {                                                                                                      \
        SYNC();                                                                                                   \
        a = arithmetic(opcode, a, b);                                                                             \
    }                                                                                                             \
    DISPATCH();

#define ARITH_TO_LOCAL(name, op, opcode)                                                                       \
    CASE(name) {                                                                                                  \
        Value& a = base[A];                                                                                       \
        Value b = *--sp;                                                                                          \
        UPDATE_ARITH(opcode, op)                                                                                  \
    }

#define SLOW_BINARY(name)                                                                                         \
    CASE(name) {                                                                                                  \
        SYNC();                                                                                                   \
        sp[-2] = arithmetic(Opcode::name, sp[-2], sp[-1]);                                                        \
        --sp;                                                                                                     \
        DISPATCH();                                                                                               \
    }

// Arithmetic on two locals, or a local and a small int, pushed as one
// instruction; same fast paths and fallbacks as Add/Sub/Mul/AddInt/SubInt.
// Pushes a op b for Values a and b in scope: two ints or two floats inline.
#define PUSH_ARITH(generic, op)                                                                                   \
    if (a.isInt() && b.isInt()) {                                                                                 \
        *sp++ = Value::integer(int64_t(uint64_t(a.asInt()) op uint64_t(b.asInt())));                              \
    } else if (a.isFloat() && b.isFloat()) {                                                                      \
        *sp++ = Value::number(a.asFloat() op b.asFloat());                                                        \
    } else {                                                                                                      \
        SYNC();                                                                                                   \
        *sp++ = arithmetic(Opcode::generic, a, b);                                                                \
    }                                                                                                             \
    DISPATCH();

#define ARITH_LOCALS(name, generic, op)                                                                           \
    CASE(name) {                                                                                                  \
        Value a = base[pairFirst(ins)], b = base[pairSecond(ins)];                                               \
        PUSH_ARITH(generic, op)                                                                                   \
    }

#define ARITH_LOCAL_INT(name, generic, op)                                                                        \
    CASE(name) {                                                                                                  \
        Value a = base[pairFirst(ins)];                                                                           \
        int64_t constant = pairSecondSigned(ins);                                                                 \
        if (a.isInt()) {                                                                                          \
            *sp++ = Value::integer(int64_t(uint64_t(a.asInt()) op uint64_t(constant)));                           \
        } else {                                                                                                  \
            SYNC();                                                                                               \
            *sp++ = arithmetic(Opcode::generic, a, Value::integer(constant));                                     \
        }                                                                                                         \
        DISPATCH();                                                                                               \
    }

// The value on top with a local as the right operand, in place.
#define ARITH_WITH_LOCAL(name, generic, op)                                                                       \
    CASE(name) {                                                                                                  \
        Value& a = sp[-1];                                                                                        \
        const Value& b = base[A];                                                                                 \
        UPDATE_ARITH(Opcode::generic, op)                                                                         \
    }

// One local updated by another (`x += y`).
#define ARITH_LOCAL_TO_LOCAL(name, generic, op)                                                                   \
    CASE(name) {                                                                                                  \
        Value& a = base[pairFirst(ins)];                                                                          \
        const Value& b = base[pairSecond(ins)];                                                                   \
        UPDATE_ARITH(Opcode::generic, op)                                                                         \
    }

// A local and a number constant, either side first (`x * 0.5`, `2.0 * zr`).
#define ARITH_LOCAL_CONST(name, generic, op, first, second)                                                       \
    CASE(name) {                                                                                                  \
        Value local = base[A], constant = k[*ip++];                                                               \
        Value a = first, b = second;                                                                              \
        PUSH_ARITH(generic, op)                                                                                   \
    }
