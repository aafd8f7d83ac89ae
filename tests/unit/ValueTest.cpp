#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "bytecode/StringObject.h"
#include "bytecode/Value.h"
#include "bytecode/ValueFormat.h"
#include "vm/Objects.h"

using namespace langoost;

TEST(Value, DefaultIsNilAndZeroBitsAreNil) {
    Value v;
    EXPECT_TRUE(v.isNil());
    Value zeroed;
    std::memset(static_cast<void*>(&zeroed), 0, sizeof zeroed);
    EXPECT_TRUE(zeroed.isNil());
    EXPECT_FALSE(v.truthy());
}

TEST(Value, FullSixtyFourBitInts) {
    for (int64_t i : {int64_t(0), int64_t(-1), std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
        Value v = Value::integer(i);
        EXPECT_TRUE(v.isInt());
        EXPECT_EQ(v.asInt(), i);
    }
}

TEST(Value, FloatsAndBools) {
    EXPECT_EQ(Value::number(1.5).asFloat(), 1.5);
    EXPECT_TRUE(Value::number(0.0).truthy());
    EXPECT_FALSE(Value::boolean(false).truthy());
    EXPECT_TRUE(Value::integer(0).truthy());
}

TEST(Value, InternedConstantsAreShared) {
    StringObject* a = internConstant("hello");
    StringObject* b = internConstant("hello");
    EXPECT_EQ(a, b);
    EXPECT_EQ(a->view(), "hello");
    EXPECT_TRUE(a->permanent);
    StringObject* nul = internConstant(std::string_view("a\0b", 3));
    EXPECT_EQ(nul->length, 3u);
}

// A map's type is in its Value's tag: whichever way the Value is made
// (from a MapObject*, or from a plain Obj* that is a map) it tests as a map
// without the header, and still reports ValueType::Obj to everyone else.
TEST(Value, MapsCarryTheirTypeInTheTag) {
    MapObject map;
    StringObject* text = internConstant("x");
    Value direct = Value::object(&map);
    Value generic = Value::object(static_cast<Obj*>(&map));
    Value string = Value::object(static_cast<Obj*>(text));
    for (const Value& v : {direct, generic}) {
        EXPECT_TRUE(v.isObj());
        EXPECT_TRUE(v.isObjType(ObjType::Map));
        EXPECT_FALSE(v.isObjType(ObjType::String));
        EXPECT_EQ(v.type(), ValueType::Obj);
        EXPECT_EQ(v.asObj(), &map);
    }
    EXPECT_TRUE(direct.identical(generic));
    EXPECT_TRUE(string.isObj());
    EXPECT_TRUE(string.isString());
    EXPECT_FALSE(string.isObjType(ObjType::Map));
    EXPECT_EQ(string.type(), ValueType::Obj);
}

TEST(ValueFormat, FloatsRoundTripInJavaScriptStyle) {
    EXPECT_EQ(formatFloat(36.0), "36.0");
    EXPECT_EQ(formatFloat(1.5), "1.5");
    EXPECT_EQ(formatFloat(0.0025), "0.0025");
    EXPECT_EQ(formatFloat(1e21), "1e+21");
    EXPECT_EQ(formatFloat(1e-7), "1e-7");
    EXPECT_EQ(formatFloat(1.5e-7), "1.5e-7");
    EXPECT_EQ(formatFloat(123456789012.0), "123456789012.0");
    EXPECT_EQ(formatFloat(0.1 + 0.2), "0.30000000000000004");
    EXPECT_EQ(formatFloat(-2.5), "-2.5");
    EXPECT_EQ(formatFloat(INFINITY), "inf");
    EXPECT_EQ(formatFloat(-INFINITY), "-inf");
    EXPECT_EQ(formatFloat(NAN), "nan");
    EXPECT_EQ(formatFloat(1e-6), "0.000001");
}
