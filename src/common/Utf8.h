// UTF-8 validation, shared by every layer that must refuse malformed text
// (json.parse, WebSocket text frames, runtime.core keys): the strict form
// of RFC 3629 — no overlong encodings, no surrogates, nothing above
// U+10FFFF; and encoding one code point (string escapes, strings.format).
// Header-only so libraries without a link dependency on
// `common` (the store) can use it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace langoost {

// The byte offset where `s` stops being valid UTF-8; s.size() when it is valid.
inline size_t firstInvalidUtf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        if (len == 0 || i + len > s.size()) return i;
        uint32_t cp = c & (0x7F >> len);
        for (size_t k = 1; k < len; ++k) {
            unsigned char d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (d & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += len;
    }
    return s.size();
}

inline bool validUtf8(std::string_view s) { return firstInvalidUtf8(s) == s.size(); }

// Appends the UTF-8 encoding of `cp`; a surrogate or a value above
// U+10FFFF becomes U+FFFD.
inline void appendUtf8(std::string& out, uint32_t cp) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

} // namespace langoost
