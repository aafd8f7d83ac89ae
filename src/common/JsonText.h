// JsonText: a JSON string literal for arbitrary bytes — the quote,
// backslash and control characters escaped (\n \r \t as such, the others
// as \u00XX), every other byte copied as it is. Used wherever the runtime
// writes JSON itself: runtime.core's canonical values, `langoost test
// --json`, langoost.lock.
#pragma once
#include <string>
#include <string_view>

namespace langoost {

inline void appendJsonString(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 15];
            } else {
                out += ch;
            }
        }
    }
    out += '"';
}

inline std::string jsonString(std::string_view s) {
    std::string out;
    appendJsonString(out, s);
    return out;
}

} // namespace langoost
