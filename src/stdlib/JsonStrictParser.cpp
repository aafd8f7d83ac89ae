#include "stdlib/JsonStrictParser.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

#include "common/Utf8.h"
#include "vm/ArrayOps.h"
#include "vm/MapOps.h"
#include "vm/VM.h"

namespace langoost {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Does a number token that overflowed a double name a huge magnitude (an
// error, as in simdjson) rather than a tiny one (zero)? Decided by the
// power of ten of its first significant digit.
bool overflows(std::string_view token) {
    size_t exponentAt = token.find_first_of("eE");
    std::string_view mantissa = token.substr(0, exponentAt);
    size_t point = std::min(mantissa.find('.'), mantissa.size());
    size_t first = mantissa.find_first_of("123456789");
    if (first == std::string_view::npos) return false;
    long magnitude = first < point ? long(point - first) : -long(first - point - 1);
    long exponent = 0;
    if (exponentAt != std::string_view::npos) {
        std::string_view digits = token.substr(exponentAt + 1);
        bool negative = digits[0] == '-';
        if (digits[0] == '+' || digits[0] == '-') digits.remove_prefix(1);
        if (std::from_chars(digits.data(), digits.data() + digits.size(), exponent).ec != std::errc())
            return !negative;
        if (negative) exponent = -exponent;
    }
    return magnitude + exponent > 0;
}

class StrictParser {
  public:
    StrictParser(VM& vm, std::string_view text, int maxDepth)
        : vm_(vm), s_(text), maxDepth_(maxDepth), growth_(vm, "json.parse") {}

    Value document() {
        space();
        Value v = value(0);
        space();
        if (i_ < s_.size()) throw JsonFaultAt{i_, JsonFault::Trailing};
        return v;
    }

  private:
    VM& vm_;
    std::string_view s_;
    int maxDepth_;
    GrowthGuard growth_;
    size_t i_ = 0;

    [[noreturn]] void fault(size_t at, JsonFault what) { throw JsonFaultAt{std::min(at, s_.size()), what}; }
    char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
    void space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }
    void expect(char c) {
        space();
        if (peek() != c) fault(i_, JsonFault::Structure);
        ++i_;
    }

    Value value(int depth) {
        switch (peek()) {
        case '[': return array(depth);
        case '{': return object(depth);
        case '"': return vm_.stringValue(string());
        case 't': return literal("true", Value::boolean(true));
        case 'f': return literal("false", Value::boolean(false));
        case 'n': return literal("null", Value());
        default:
            if (peek() == '-' || isDigit(peek())) return number();
            fault(i_, JsonFault::Structure);
        }
    }

    void enter(int depth) {
        if (depth >= maxDepth_) fault(i_, JsonFault::Nesting);
        growth_.check();
        ++i_;
        space();
    }

    Value array(int depth) {
        enter(depth);
        ArrayObject* out = vm_.heap().newArray(0);
        if (peek() == ']') return ++i_, Value::object(out);
        for (;;) {
            space();
            arrayPush(vm_, out, value(depth + 1));
            growth_.tick();
            space();
            if (peek() == ']') return ++i_, Value::object(out);
            expect(',');
        }
    }

    Value object(int depth) {
        enter(depth);
        MapObject* out = vm_.heap().newMap();
        if (peek() == '}') return ++i_, Value::object(out);
        for (;;) {
            space();
            if (peek() != '"') fault(i_, JsonFault::Structure);
            StringObject* key = vm_.newString(string());
            expect(':');
            space();
            mapSet(vm_.heap(), out, key, value(depth + 1));
            growth_.tick();
            space();
            if (peek() == '}') return ++i_, Value::object(out);
            expect(',');
        }
    }

    Value literal(std::string_view word, Value v) {
        size_t start = i_;
        while (i_ < s_.size() && s_[i_] >= 'a' && s_[i_] <= 'z') ++i_;
        if (s_.substr(start, i_ - start) != word) fault(start, JsonFault::Literal);
        return v;
    }

    // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, checked over the whole
    // run of letters, digits, signs and points, so that `01`, `1.` or `0x10`
    // is one bad number.
    Value number() {
        size_t start = i_;
        while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-' ||
                                  s_[i_] == '+' || s_[i_] == '.'))
            ++i_;
        std::string_view token = s_.substr(start, i_ - start);
        size_t k = token[0] == '-' ? 1 : 0;
        auto digits = [&] {
            size_t from = k;
            while (k < token.size() && isDigit(token[k])) ++k;
            return k - from;
        };
        size_t whole = digits();
        bool integral = true;
        bool valid = whole > 0 && !(whole > 1 && token[k - whole] == '0');
        if (valid && k < token.size() && token[k] == '.') {
            ++k;
            integral = false;
            valid = digits() > 0;
        }
        if (valid && k < token.size() && (token[k] == 'e' || token[k] == 'E')) {
            ++k;
            integral = false;
            if (k < token.size() && (token[k] == '+' || token[k] == '-')) ++k;
            valid = digits() > 0;
        }
        if (!valid || k != token.size()) fault(start, JsonFault::Number);
        const char* first = token.data();
        const char* last = first + token.size();
        if (integral) {
            int64_t i;
            if (std::from_chars(first, last, i).ec == std::errc()) return Value::integer(i);
        }
        double d;
        auto [end, ec] = std::from_chars(first, last, d);
        if (ec == std::errc::result_out_of_range) {
            if (overflows(token)) fault(start, JsonFault::Number);
            d = token[0] == '-' ? -0.0 : 0.0;
        } else if (ec != std::errc() || end != last) {
            fault(start, JsonFault::Number);
        }
        return Value::number(d);
    }

    std::string string() {
        size_t start = i_++;
        std::string out;
        for (;;) {
            if (i_ >= s_.size()) fault(s_.size(), JsonFault::Structure);
            char c = s_[i_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fault(start, JsonFault::Structure);
            if (c != '\\') {
                out += c;
                continue;
            }
            char e = peek();
            ++i_;
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': out += codePoint(start); break;
            default: fault(start, JsonFault::Escape);
            }
        }
    }

    // After `\u`: four hex digits, a surrogate pair taken whole.
    std::string codePoint(size_t stringStart) {
        uint32_t cp = hex4(stringStart);
        if (cp >= 0xDC00 && cp <= 0xDFFF) fault(stringStart, JsonFault::Escape);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (s_.substr(i_, 2) != "\\u") fault(stringStart, JsonFault::Escape);
            i_ += 2;
            uint32_t low = hex4(stringStart);
            if (low < 0xDC00 || low > 0xDFFF) fault(stringStart, JsonFault::Escape);
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        std::string utf8;
        appendUtf8(utf8, cp);
        return utf8;
    }

    uint32_t hex4(size_t stringStart) {
        if (i_ + 4 > s_.size()) fault(stringStart, JsonFault::Escape);
        uint32_t cp = 0;
        auto [end, ec] = std::from_chars(s_.data() + i_, s_.data() + i_ + 4, cp, 16);
        if (ec != std::errc() || end != s_.data() + i_ + 4) fault(stringStart, JsonFault::Escape);
        i_ += 4;
        return cp;
    }
};

} // namespace

Value parseJsonStrictly(VM& vm, std::string_view text, int maxDepth) {
    return StrictParser(vm, text, maxDepth).document();
}

} // namespace langoost
