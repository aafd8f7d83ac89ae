// strings.format(fmt, args…): Go's fmt verbs with flags, width and
// precision (%5d, %-8s, %08.3f, %+d, %#x, %q …). Widths count UTF-8 code
// points, as Go does; a verb that does not fit its argument is a TypeError.
#include "stdlib/StringFormat.h"

#include <cmath>
#include <cstdio>

#include "bytecode/ValueFormat.h"
#include "common/Utf8.h"

namespace langoost {
namespace {

struct Spec {
    bool minus = false, plus = false, space = false, zero = false, sharp = false;
    int width = -1;
    int precision = -1;
    char verb = 0;
};

constexpr int kMaxWidth = 1 << 20; // widths and precisions above this are a ValueError

size_t runeCount(std::string_view s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

// The first `runes` code points of `s`.
std::string_view firstRunes(std::string_view s, size_t runes) {
    size_t i = 0;
    for (; i < s.size(); ++i)
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && runes-- == 0) break;
    return s.substr(0, i);
}

// Pads `body` to the spec's width: spaces on the left (on the right with
// '-'), or zeros after the sign and prefix when `zeroAfter` is set.
void pad(std::string& out, std::string_view body, const Spec& spec, size_t zeroAfter = std::string_view::npos) {
    size_t len = runeCount(body);
    size_t fill = spec.width > 0 && size_t(spec.width) > len ? size_t(spec.width) - len : 0;
    if (spec.minus) {
        out += body;
        out.append(fill, ' ');
    } else if (spec.zero && zeroAfter != std::string_view::npos) {
        out += body.substr(0, zeroAfter);
        out.append(fill, '0');
        out += body.substr(zeroAfter);
    } else {
        out.append(fill, ' ');
        out += body;
    }
}

std::string sign(bool negative, const Spec& spec) {
    return negative ? "-" : spec.plus ? "+" : spec.space ? " " : "";
}

// %d %x %X %o %b of an integer, Go style: the sign before any prefix, a
// precision is a minimum number of digits (and turns off zero padding).
void formatInteger(std::string& out, int64_t v, const Spec& spec) {
    uint64_t magnitude = v < 0 ? 0 - uint64_t(v) : uint64_t(v);
    int base = spec.verb == 'd' ? 10 : spec.verb == 'o' ? 8 : spec.verb == 'b' ? 2 : 16;
    const char* digitChars = spec.verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string digits;
    do {
        digits.insert(digits.begin(), digitChars[magnitude % unsigned(base)]);
        magnitude /= unsigned(base);
    } while (magnitude);
    if (spec.precision == 0 && v == 0) digits.clear();
    if (spec.precision > 0 && digits.size() < size_t(spec.precision))
        digits.insert(0, size_t(spec.precision) - digits.size(), '0');
    std::string prefix = sign(v < 0, spec);
    if (spec.sharp) prefix += base == 16 ? (spec.verb == 'X' ? "0X" : "0x") : base == 8 ? "0" : base == 2 ? "0b" : "";
    pad(out, prefix + digits, spec, spec.precision < 0 ? prefix.size() : std::string_view::npos);
}

// %f %e %g (and %F %E %G) through snprintf, which shares Go's layout for them.
void formatFloat(std::string& out, double v, const Spec& spec) {
    if (!std::isfinite(v)) { // Go: +Inf, -Inf, NaN, padded with spaces only
        Spec plain = spec;
        plain.zero = false;
        pad(out, std::isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf", plain);
        return;
    }
    std::string cfmt = "%";
    if (spec.plus) cfmt += '+';
    if (spec.space) cfmt += ' ';
    if (spec.sharp) cfmt += '#';
    cfmt += ".*";
    cfmt += spec.verb;
    int precision = spec.precision < 0 ? 6 : spec.precision;
    int size = std::snprintf(nullptr, 0, cfmt.c_str(), precision, v);
    std::string body(size_t(size), '\0');
    std::snprintf(body.data(), body.size() + 1, cfmt.c_str(), precision, v);
    size_t signEnd = !body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ') ? 1 : 0;
    pad(out, body, spec, signEnd);
}

// Go's strconv.Quote: printable UTF-8 kept, the rest escaped.
std::string quote(std::string_view s) {
    static const char* hex = "0123456789abcdef";
    std::string q = "\"";
    for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        switch (c) {
        case '"': q += "\\\""; continue;
        case '\\': q += "\\\\"; continue;
        case '\n': q += "\\n"; continue;
        case '\r': q += "\\r"; continue;
        case '\t': q += "\\t"; continue;
        default: break;
        }
        if (c >= 0x20 && c < 0x7f) {
            q += char(c);
            continue;
        }
        if (c >= 0x80) { // a whole, valid UTF-8 sequence is kept as it is
            int len = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
            bool valid = len > 0 && i + size_t(len) <= s.size();
            for (int k = 1; valid && k < len; ++k) valid = (static_cast<unsigned char>(s[i + size_t(k)]) & 0xC0) == 0x80;
            if (valid) {
                q.append(s.substr(i, size_t(len)));
                i += size_t(len) - 1;
                continue;
            }
        }
        q += "\\x";
        q += hex[c >> 4];
        q += hex[c & 15];
    }
    return q + "\"";
}

[[noreturn]] void mismatch(VM& vm, const Spec& spec, Value v, const char* wants) {
    vm.raise("TypeError", std::string("strings.format: %") + spec.verb + " needs " + wants + ", got " + vm.typeName(v));
}

void formatOne(VM& vm, std::string& out, const Spec& spec, Value v) {
    switch (spec.verb) {
    case 's':
    case 'v': {
        std::string text;
        vm.appendString(text, v);
        std::string_view body = text;
        if (spec.precision >= 0) body = firstRunes(body, size_t(spec.precision));
        pad(out, body, spec, spec.zero ? 0 : std::string_view::npos);
        return;
    }
    case 'q':
        if (!v.isString()) mismatch(vm, spec, v, "a string");
        pad(out, quote(v.as<StringObject>()->view()), spec);
        return;
    case 't':
        if (!v.isBool()) mismatch(vm, spec, v, "a bool");
        pad(out, v.asBool() ? "true" : "false", spec);
        return;
    case 'c':
        if (!v.isInt()) mismatch(vm, spec, v, "an int (a code point)");
        {
            std::string ch;
            appendUtf8(ch, v.asInt() < 0 || v.asInt() > 0x10FFFF ? 0xFFFD : uint32_t(v.asInt()));
            pad(out, ch, spec);
        }
        return;
    case 'd':
        if (v.isFloat()) { // as toInt: truncated; NaN, inf or out of range is a ValueError
            double d = v.asFloat();
            if (std::isnan(d) || d >= 9.2233720368547758e18 || d < -9.2233720368547758e18)
                vm.raise("ValueError", "strings.format: " + vm.toString(v) + " is out of the int range for %d");
            v = Value::integer(int64_t(d));
        }
        if (!v.isInt()) mismatch(vm, spec, v, "a number");
        formatInteger(out, v.asInt(), spec);
        return;
    case 'x':
    case 'X':
        if (v.isString()) { // the bytes in hex, two digits each
            const char* hex = spec.verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
            std::string body;
            for (unsigned char ch : v.as<StringObject>()->view()) {
                body += hex[ch >> 4];
                body += hex[ch & 15];
            }
            pad(out, body, spec);
            return;
        }
        [[fallthrough]];
    case 'o':
    case 'b':
        if (!v.isInt()) mismatch(vm, spec, v, spec.verb == 'x' || spec.verb == 'X' ? "an int or a string" : "an int");
        formatInteger(out, v.asInt(), spec);
        return;
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G':
        if (!v.isNumber()) mismatch(vm, spec, v, "a number");
        formatFloat(out, v.asNumber(), spec);
        return;
    default: break;
    }
}

} // namespace

Value stringsFormat(VM& vm, std::string_view fmt, Value* args, int argc) {
    std::string out;
    int next = 0;
    auto number = [&](size_t& i) {
        int n = 0;
        while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
            n = n * 10 + (fmt[i++] - '0');
            if (n > kMaxWidth) vm.raise("ValueError", "strings.format: width or precision too large");
        }
        return n;
    };
    for (size_t i = 0; i < fmt.size(); ++i) {
        if (fmt[i] != '%') {
            out += fmt[i];
            continue;
        }
        size_t start = i++;
        Spec spec;
        for (; i < fmt.size(); ++i) {
            char f = fmt[i];
            if (f == '-') spec.minus = true;
            else if (f == '+') spec.plus = true;
            else if (f == ' ') spec.space = true;
            else if (f == '0') spec.zero = true;
            else if (f == '#') spec.sharp = true;
            else break;
        }
        if (i < fmt.size() && fmt[i] >= '1' && fmt[i] <= '9') spec.width = number(i);
        if (i < fmt.size() && fmt[i] == '.') {
            ++i;
            spec.precision = number(i);
        }
        if (i >= fmt.size())
            vm.raise("ValueError", "strings.format: '" + std::string(fmt.substr(start)) + "' at the end has no verb");
        spec.verb = fmt[i];
        if (spec.verb == '%') {
            out += '%';
            continue;
        }
        if (std::string_view("svqtcdxXobfFeEgG").find(spec.verb) == std::string_view::npos)
            vm.raise("ValueError", "strings.format: unknown verb '%" + std::string(1, spec.verb) +
                                       "' (use %s %v %d %f %x %q, or %% for a percent sign)");
        if (next >= argc) vm.raise("ValueError", "strings.format: not enough arguments for the format");
        formatOne(vm, out, spec, args[next++]);
    }
    if (out.size() > kMaxStringLength) vm.raise("ValueError", "string would exceed the maximum length");
    vm.checkAllocation(out.size());
    return vm.stringValue(out);
}

} // namespace langoost
