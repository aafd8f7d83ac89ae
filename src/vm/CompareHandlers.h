// Handler templates for the compare and compare-and-branch opcodes,
// expanded in place inside VM::run (Interpreter.cpp), where ins, ip, sp,
// base, k, SYNC(), SAFEPOINT() and DISPATCH() are in scope. Only
// Interpreter.cpp includes it.
#pragma once

#define COMPARE(name, op, text)                                                                                   \
    CASE(name) {                                                                                                  \
        const Value &a = sp[-2], &b = sp[-1];                                                                     \
        if (a.isInt() && b.isInt()) {                                                                             \
            sp[-2] = Value::boolean(a.asInt() op b.asInt());                                                      \
        } else if (a.isFloat() && b.isFloat()) {                                                                  \
            sp[-2] = Value::boolean(a.asFloat() op b.asFloat());                                                  \
        } else {                                                                                                  \
            SYNC();                                                                                               \
            int c = compare(a, b, text);                                                                          \
            sp[-2] = Value::boolean(c != 2 && c op 0);                                                            \
        }                                                                                                         \
        --sp;                                                                                                     \
        DISPATCH();                                                                                               \
    }

// Fused compare-and-branch handlers, three macros for all 36: COMPARE_TWO
// pops two values, COMPARE_CONSTANT one plus the int constant in the next
// word (made a Value only on the slow path), COMPARE_LOCALS reads two
// locals and takes its jump offset (and a count of values to pop first) from
// the next word; the int and float cases are inline,
// everything else goes through compare()/equals(), and BRANCH is either
// "jump unless true" (a condition) or "jump back while true, a safe point"
// (the bottom test of a rotated loop).
#define JUMP_UNLESS(yes, offset)                                                                                  \
    if (!(yes)) ip += (offset);

#define LOOP_WHILE(yes, offset)                                                                                   \
    if (yes) {                                                                                                    \
        ip += (offset);                                                                                           \
        SAFEPOINT();                                                                                              \
    }

// XxLoopLocalsPop: a loop's bottom test on two locals that first drops the
// body's locals (the count in its word, above a 24-bit offset).
#define LOOP_WHILE_POPPING(yes, offset) LOOP_WHILE(yes, offset)
#define OFFSET_AFTER_POPS_LOOP_WHILE_POPPING(word) (sp -= localsJumpPops(word), localsJumpOffset(word))
#define OFFSET_AFTER_POPS_LOOP_WHILE(word) int32_t(word)
#define OFFSET_AFTER_POPS_JUMP_UNLESS(word) int32_t(word)

// The branch on `a op b` for Values a and b in scope: two ints or two
// floats branch on the compare itself (no bool in between; IEEE: nan is
// unordered, unequal to all), the rest on `test`.
#define BRANCH_ON_TWO(BRANCH, op, test, offset)                                                                   \
    if (a.isInt() && b.isInt()) {                                                                                 \
        BRANCH(a.asInt() op b.asInt(), offset)                                                                    \
        DISPATCH();                                                                                               \
    }                                                                                                             \
    if (a.isFloat() && b.isFloat()) {                                                                             \
        BRANCH(a.asFloat() op b.asFloat(), offset)                                                                \
        DISPATCH();                                                                                               \
    }                                                                                                             \
    SYNC();                                                                                                       \
    bool yes = test;                                                                                              \
    BRANCH(yes, offset)                                                                                           \
    DISPATCH();

#define COMPARE_TWO(name, BRANCH, op, test)                                                                       \
    CASE(name) {                                                                                                  \
        const Value &a = sp[-2], &b = sp[-1];                                                                     \
        sp -= 2;                                                                                                  \
        BRANCH_ON_TWO(BRANCH, op, test, SA)                                                                       \
    }

#define COMPARE_LOCALS(name, BRANCH, op, test)                                                                    \
    CASE(name) {                                                                                                  \
        const Value &a = base[pairFirst(ins)], &b = base[pairSecond(ins)];                                        \
        uint32_t word = *ip++;                                                                                    \
        int32_t offset = OFFSET_AFTER_POPS_##BRANCH(word);                                                        \
        BRANCH_ON_TWO(BRANCH, op, test, offset)                                                                   \
    }

// The branch on `a op constant`, the int case inline.
#define BRANCH_ON_CONSTANT(BRANCH, op, test, offset)                                                              \
    if (a.isInt()) {                                                                                              \
        BRANCH(a.asInt() op constant, offset)                                                                     \
        DISPATCH();                                                                                               \
    }                                                                                                             \
    SYNC();                                                                                                       \
    Value b = Value::integer(constant);                                                                           \
    bool yes = test;                                                                                              \
    BRANCH(yes, offset)                                                                                           \
    DISPATCH();

#define COMPARE_CONSTANT(name, BRANCH, op, test)                                                                  \
    CASE(name) {                                                                                                  \
        const Value& a = sp[-1];                                                                                  \
        int32_t constant = int32_t(*ip++);                                                                        \
        --sp;                                                                                                     \
        BRANCH_ON_CONSTANT(BRANCH, op, test, SA)                                                                  \
    }

// A local against the int constant in the next word (`while i < 100`),
// the jump offset in the pair's signed second field.
#define COMPARE_LOCAL_CONSTANT(name, BRANCH, op, test)                                                            \
    CASE(name) {                                                                                                  \
        const Value& a = base[pairFirst(ins)];                                                                    \
        int32_t constant = int32_t(*ip++);                                                                        \
        BRANCH_ON_CONSTANT(BRANCH, op, test, pairSecondSigned(ins))                                               \
    }

// The branch on `a op constants[B]` (a float, a string, a large int): two
// floats inline, the rest compared with the constant itself.
#define COMPARE_TABLE_CONSTANT(name, BRANCH, op, test)                                                           \
    CASE(name) {                                                                                                  \
        const Value& a = sp[-1];                                                                                  \
        const Value& b = k[*ip++];                                                                                \
        --sp;                                                                                                     \
        if (a.isFloat() && b.isFloat()) {                                                                         \
            BRANCH(a.asFloat() op b.asFloat(), SA)                                                                \
            DISPATCH();                                                                                           \
        }                                                                                                         \
        SYNC();                                                                                                   \
        bool yes = test;                                                                                          \
        BRANCH(yes, SA)                                                                                           \
        DISPATCH();                                                                                               \
    }

#define ORDERED(op, text) [&] { int c = compare(a, b, text); return c != 2 && c op 0; }()

#define COMPARE_FAMILY(suffix, COMPARE, BRANCH)                                                                   \
    COMPARE(Lt##suffix, BRANCH, <, ORDERED(<, "<"))                                                               \
    COMPARE(Le##suffix, BRANCH, <=, ORDERED(<=, "<="))                                                            \
    COMPARE(Gt##suffix, BRANCH, >, ORDERED(>, ">"))                                                               \
    COMPARE(Ge##suffix, BRANCH, >=, ORDERED(>=, ">="))                                                            \
    COMPARE(Eq##suffix, BRANCH, ==, QUICK_EQUALS(a, b))                                                           \
    COMPARE(Ne##suffix, BRANCH, !=, !QUICK_EQUALS(a, b))

// A compare with a small int constant as a value (the BRANCH slot unused).
#define COMPARE_TO_CONSTANT(name, UNUSED, op, test)                                                               \
    CASE(name) {                                                                                                  \
        const Value& a = sp[-1];                                                                                  \
        if (a.isInt()) {                                                                                          \
            sp[-1] = Value::boolean(a.asInt() op SA);                                                             \
            DISPATCH();                                                                                           \
        }                                                                                                         \
        SYNC();                                                                                                   \
        Value b = Value::integer(SA);                                                                             \
        bool yes = test;                                                                                          \
        sp[-1] = Value::boolean(yes);                                                                             \
        DISPATCH();                                                                                               \
    }
