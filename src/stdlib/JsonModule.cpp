// The `json` module (stdlib.md): parse and stringify.
//
// Parsing uses simdjson's DOM parser (runtime-dispatched SIMD kernels, full
// validation). When it rejects the input — or the tree nests deeper than
// kMaxDepth — JsonStrictParser reads the text again: it knows where the
// text stops being valid (the byte offset in the JSONError), and it accepts
// integers too large for 64 bits (the DOM parser rejects them; the spec
// wants them as floats).
//
// Stringifying is our own writer: sorted keys, canonical number text
// (ValueFormat), JSON string escapes with invalid UTF-8 as \ufffd.
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "bytecode/ValueFormat.h"
#include "common/Utf8.h"
#include "stdlib/DataArgs.h"
#include "stdlib/JsonStrictParser.h"
#include "stdlib/Stdlib.h"
#include "vm/ArrayOps.h"
#include "vm/MapOps.h"

namespace langoost {
namespace {

constexpr int kMaxDepth = 512;

// ---------------------------------------------------------------- parse

[[noreturn]] void syntaxError(VM& vm, size_t offset, std::string_view what) {
    vm.raise("JSONError", "json.parse: " + std::string(what) + " at byte " + std::to_string(offset));
}

// Signals the DOM fast path to hand over to the strict parser.
struct UseSlowPath {};

class DomBuilder {
  public:
    explicit DomBuilder(VM& vm) : vm_(vm), growth_(vm, "json.parse") {}

    Value build(simdjson::dom::element e, int depth) {
        using simdjson::dom::element_type;
        switch (e.type()) {
        case element_type::ARRAY: {
            if (depth >= kMaxDepth) throw UseSlowPath{};
            growth_.check();
            simdjson::dom::array a = e.get_array().value_unsafe();
            ArrayObject* out = vm_.heap().newArray(0, uint32_t(std::min<size_t>(a.size(), 1u << 16)));
            for (simdjson::dom::element item : a) {
                arrayPush(vm_, out, build(item, depth + 1));
                growth_.tick();
            }
            return Value::object(out);
        }
        case element_type::OBJECT: {
            if (depth >= kMaxDepth) throw UseSlowPath{};
            growth_.check();
            MapObject* out = vm_.heap().newMap();
            simdjson::dom::object obj = e.get_object().value_unsafe();
            for (simdjson::dom::key_value_pair kv : obj) {
                Value v = build(kv.value, depth + 1);
                mapSet(vm_.heap(), out, vm_.newString(kv.key), v);
                growth_.tick();
            }
            return Value::object(out);
        }
        case element_type::INT64: return Value::integer(e.get_int64().value_unsafe());
        case element_type::UINT64: return Value::number(double(e.get_uint64().value_unsafe()));
        case element_type::DOUBLE: return Value::number(e.get_double().value_unsafe());
        case element_type::STRING: return vm_.stringValue(e.get_string().value_unsafe());
        case element_type::BOOL: return Value::boolean(e.get_bool().value_unsafe());
        case element_type::NULL_VALUE: return Value();
        }
        return Value();
    }

  private:
    VM& vm_;
    GrowthGuard growth_;
};

// The first raw control character inside a string literal.
size_t firstUnescapedControl(std::string_view s) {
    bool inString = false;
    for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (!inString) {
            if (c == '"') inString = true;
        } else if (c == '\\') {
            ++i;
        } else if (c == '"') {
            inString = false;
        } else if (c < 0x20) {
            return i;
        }
    }
    return s.size();
}

size_t firstNonSpace(std::string_view s) {
    size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    return i;
}

const char* describe(simdjson::error_code e) {
    using namespace simdjson;
    switch (e) {
    case TAPE_ERROR: return "unexpected character or structure";
    case NUMBER_ERROR: return "invalid number";
    case STRING_ERROR: return "invalid string escape";
    case T_ATOM_ERROR:
    case F_ATOM_ERROR:
    case N_ATOM_ERROR:
    case INCORRECT_TYPE: return "invalid literal";
    case UNCLOSED_STRING: return "unterminated string";
    case UNESCAPED_CHARS: return "unescaped control character in string";
    case UTF8_ERROR: return "invalid UTF-8";
    case EMPTY: return "unexpected end of input (no JSON value)";
    case TRAILING_CONTENT: return "unexpected trailing content";
    case DEPTH_ERROR: return "nesting too deep";
    default: return "malformed JSON";
    }
}

const char* describe(JsonFault f) {
    switch (f) {
    case JsonFault::Number: return "invalid number";
    case JsonFault::Escape: return "invalid string escape";
    case JsonFault::Literal: return "invalid literal";
    case JsonFault::Trailing: return "unexpected trailing content";
    default: return "unexpected character or structure";
    }
}

// simdjson's working memory (the padded copy, structural indexes, tape and
// string buffer) is several times the document, outside the heap: a
// document is refused when that alone would pass the heap limit, and a
// parser that grew past kKeptParserBytes gives its buffers back afterwards
// instead of holding them for the thread's life.
constexpr uint64_t kParseWorkFactor = 4;
constexpr size_t kKeptParserBytes = 16u << 20;

template <class Parser> struct ParserTrim {
    Parser& parser;
    ~ParserTrim() {
        if (parser.capacity() > kKeptParserBytes) parser = Parser();
    }
};

Value parseSlow(VM& vm, std::string_view s, simdjson::error_code domError) {
    // Errors found while indexing the input: a scan finds them directly.
    switch (domError) {
    case simdjson::UTF8_ERROR: syntaxError(vm, firstInvalidUtf8(s), describe(domError));
    case simdjson::UNESCAPED_CHARS: syntaxError(vm, firstUnescapedControl(s), describe(domError));
    case simdjson::UNCLOSED_STRING:
    case simdjson::EMPTY: syntaxError(vm, s.size(), describe(domError));
    default: break;
    }
    // The DOM parser's verdict names the problem better than the strict
    // parser's, which knows where it is; NUMBER_ERROR is also what big
    // integers get, which the strict parser accepts.
    bool domNamesIt = domError != simdjson::SUCCESS && domError != simdjson::NUMBER_ERROR;
    Value result;
    try {
        result = parseJsonStrictly(vm, s, kMaxDepth);
    } catch (const JsonFaultAt& f) {
        if (f.fault == JsonFault::Nesting)
            vm.raise("JSONError", "json.parse: nesting deeper than " + std::to_string(kMaxDepth) + " levels at byte " +
                                      std::to_string(f.offset));
        syntaxError(vm, f.offset, f.offset >= s.size()                          ? "unexpected end of input"
                                  : domNamesIt && f.fault != JsonFault::Trailing ? describe(domError)
                                                                                 : describe(f.fault));
    }
    // Anything else the DOM parser rejected stays rejected.
    if (domNamesIt) syntaxError(vm, firstNonSpace(s), describe(domError));
    return result;
}

Value json_parse(VM& vm, Value, Value* args, int argc) {
    if (!args[0].isString())
        vm.raise("TypeError", std::string("json.parse: argument 1 must be a string, got ") +
                                  (argc > 0 ? vm.typeName(args[0]) : "nothing"));
    return jsonParse(vm, args[0].as<StringObject>()->view());
}

// ---------------------------------------------------------------- stringify

class Writer {
  public:
    Writer(VM& vm, int indent, const char* who) : vm_(vm), indent_(indent), who_(who) {}

    void value(Value v, int depth) {
        switch (v.type()) {
        case ValueType::Nil: out_ += "null"; return;
        case ValueType::Bool: out_ += v.asBool() ? "true" : "false"; return;
        case ValueType::Int: appendInt(out_, v.asInt()); return;
        case ValueType::Float: {
            double d = v.asFloat();
            if (!std::isfinite(d))
                vm_.raise("ValueError", std::string(who_) + ": " + vm_.toString(v) + " cannot be represented in JSON");
            appendFloat(out_, d);
            return;
        }
        case ValueType::Obj: break;
        }
        Obj* o = v.asObj();
        switch (o->type) {
        case ObjType::String: {
            auto s = v.as<StringObject>()->view();
            string(s.data(), s.size());
            return;
        }
        case ObjType::Array: {
            auto* a = v.as<ArrayObject>();
            enter(o, depth);
            out_ += '[';
            for (uint32_t i = 0; i < a->length; ++i) {
                if (i) out_ += ',';
                newline(depth + 1);
                value(a->at(i), depth + 1);
                checkSize();
            }
            if (a->length) newline(depth);
            out_ += ']';
            leave();
            return;
        }
        case ObjType::Map: {
            auto* m = v.as<MapObject>();
            enter(o, depth);
            out_ += '{';
            // The map's own cached list: stringify never changes a key set.
            const std::vector<StringObject*>& keys = mapSortedKeys(m);
            bool first = true;
            for (StringObject* k : keys) {
                Value* field = mapFind(m, k);
                if (!field || field->isNil()) continue;
                if (!first) out_ += ',';
                first = false;
                newline(depth + 1);
                string(k->chars, k->length);
                out_ += indent_ > 0 ? ": " : ":";
                value(*field, depth + 1);
                checkSize();
            }
            if (!first) newline(depth);
            out_ += '}';
            leave();
            return;
        }
        case ObjType::Range: {
            auto* r = v.as<RangeObject>();
            out_ += '[';
            bool first = true;
            for (int64_t i = r->start; r->step > 0 ? i < r->end : i > r->end; i += r->step) {
                if (!first) out_ += ',';
                first = false;
                newline(depth + 1);
                appendInt(out_, i);
                checkSize();
                if ((r->step > 0 && i > INT64_MAX - r->step) || (r->step < 0 && i < INT64_MIN - r->step)) break;
            }
            if (!first) newline(depth);
            out_ += ']';
            return;
        }
        default:
            vm_.raise("TypeError", std::string(who_) + ": cannot encode a value of type " + vm_.typeName(v));
        }
    }

    std::string& text() { return out_; }

  private:
    void enter(Obj* o, int depth) {
        for (Obj* open : open_)
            if (open == o) vm_.raise("TypeError", std::string(who_) + ": cyclic structure cannot be encoded");
        if (depth >= kMaxDepth)
            vm_.raise("JSONError", std::string(who_) + ": nesting deeper than " + std::to_string(kMaxDepth) + " levels");
        open_.push_back(o);
        checkSize();
    }
    void leave() { open_.pop_back(); }

    // Shared values (`a = [a, a]` forty times) make the output exponential
    // in the input: length, heap limit and time are checked as it grows.
    void checkSize() { vm_.checkBuilding(out_, who_); }

    void newline(int depth) {
        if (indent_ <= 0) return;
        out_ += '\n';
        out_.append(size_t(depth) * size_t(indent_), ' ');
    }

    void string(const char* p, size_t n) {
        static const char* hex = "0123456789abcdef";
        out_ += '"';
        const auto* s = reinterpret_cast<const unsigned char*>(p);
        size_t i = 0;
        while (i < n) {
            size_t run = i;
            while (run < n && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' && s[run] != '\\') ++run;
            out_.append(p + i, run - i);
            i = run;
            if (i >= n) break;
            unsigned char c = s[i];
            if (c < 0x80) {
                switch (c) {
                case '"': out_ += "\\\""; break;
                case '\\': out_ += "\\\\"; break;
                case '\n': out_ += "\\n"; break;
                case '\r': out_ += "\\r"; break;
                case '\t': out_ += "\\t"; break;
                case '\b': out_ += "\\b"; break;
                case '\f': out_ += "\\f"; break;
                default:
                    out_ += "\\u00";
                    out_ += hex[c >> 4];
                    out_ += hex[c & 15];
                }
                ++i;
                continue;
            }
            size_t len = utf8Length(s + i, n - i);
            if (len == 0) {
                out_ += "\\ufffd";
                ++i;
            } else {
                out_.append(p + i, len);
                i += len;
            }
        }
        out_ += '"';
        // Length only: the caller's checkSize after each element does the rest.
        if (out_.size() > kMaxStringLength) checkSize();
    }

    // Length of the valid UTF-8 sequence at s (lead byte >= 0x80), or 0.
    static size_t utf8Length(const unsigned char* s, size_t avail) {
        unsigned char c = s[0];
        size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        if (len == 0 || len > avail) return 0;
        for (size_t k = 1; k < len; ++k)
            if ((s[k] & 0xC0) != 0x80) return 0;
        if (len == 3) {
            if (c == 0xE0 && s[1] < 0xA0) return 0; // overlong
            if (c == 0xED && s[1] >= 0xA0) return 0; // surrogate
        } else if (len == 4) {
            if (c == 0xF0 && s[1] < 0x90) return 0; // overlong
            if (c == 0xF4 && s[1] >= 0x90) return 0; // > U+10FFFF
        }
        return len;
    }

    VM& vm_;
    int indent_;
    const char* who_; // the function named in error messages
    std::string out_;
    std::vector<Obj*> open_;
};

Value json_stringify(VM& vm, Value, Value* args, int argc) {
    int indent = 0;
    if (argc > 1 && !args[1].isNil()) {
        vm.checkArgs("json.stringify", args, argc, 1, ValueType::Int);
        int64_t n = args[1].asInt();
        if (n < 0 || n > 32) vm.raise("ValueError", "json.stringify: indent must be between 0 and 32, got " + std::to_string(n));
        indent = int(n);
    }
    return vm.stringValue(jsonStringify(vm, args[0], indent));
}

} // namespace

Value jsonParse(VM& vm, std::string_view s) {
    uint64_t limit = vm.config().maxHeapBytes;
    if (limit && uint64_t(s.size()) * kParseWorkFactor > limit)
        vm.raise("MemoryError", "json.parse: parsing a document of " + std::to_string(s.size()) +
                                    " bytes would exceed the heap limit of " + std::to_string(limit) + " bytes");
    simdjson::padded_string text(s);
    static thread_local simdjson::dom::parser parser;
    ParserTrim<simdjson::dom::parser> trim{parser};
    simdjson::dom::element root;
    simdjson::error_code e = parser.parse(text).get(root);
    if (e) return parseSlow(vm, s, e);
    try {
        return DomBuilder(vm).build(root, 0);
    } catch (UseSlowPath&) {
        return parseSlow(vm, s, simdjson::SUCCESS);
    }
}

std::string jsonStringify(VM& vm, Value v, int indent, const char* who) {
    Writer w(vm, indent, who);
    w.value(v, 0);
    return std::move(w.text());
}

const NativeModuleDef& jsonModule() {
    static const NativeModuleDef def = {
        "json",
        {
            {"parse", json_parse, 1, 1},
            {"stringify", json_stringify, 1, 2},
        },
        {},
    };
    return def;
}

} // namespace langoost
