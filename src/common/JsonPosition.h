// Where a JSON text stops being valid, as line:column: simdjson says only
// *that* a document is malformed, so the commands that read small JSON files
// the user edits by hand (langoost.json) find the position with this strict
// RFC 8259 scan before reporting. Header-only, like JsonText.h.
#pragma once
#include <cctype>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace langoost {

struct JsonProblem {
    size_t line = 1;
    size_t column = 1; // 1-based, in bytes
    std::string message;
};

namespace jsonposition {

class Scanner {
  public:
    explicit Scanner(std::string_view s) : s_(s) {}

    std::optional<JsonProblem> run() {
        ws();
        if (!value(0)) return problem();
        ws();
        if (i_ < s_.size()) fail("unexpected content after the JSON value");
        if (at_ == std::string_view::npos) return std::nullopt;
        return problem();
    }

  private:
    static constexpr int kMaxDepth = 512;
    std::string_view s_;
    size_t i_ = 0;
    size_t at_ = std::string_view::npos;
    std::string message_;

    bool fail(const char* why) {
        if (at_ == std::string_view::npos) {
            at_ = i_;
            message_ = i_ >= s_.size() ? std::string("unexpected end of file: ") + why : why;
        }
        return false;
    }
    JsonProblem problem() const {
        JsonProblem p;
        for (size_t k = 0; k < at_ && k < s_.size(); ++k) {
            if (s_[k] == '\n') {
                ++p.line;
                p.column = 1;
            } else {
                ++p.column;
            }
        }
        p.message = message_;
        return p;
    }
    char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
    void ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }
    bool digits() {
        if (!(peek() >= '0' && peek() <= '9')) return fail("expected a digit");
        while (peek() >= '0' && peek() <= '9') ++i_;
        return true;
    }
    bool number() {
        if (peek() == '-') ++i_;
        if (peek() == '0') {
            ++i_;
        } else if (!digits()) {
            return false;
        }
        if (peek() == '.') {
            ++i_;
            if (!digits()) return false;
        }
        if (peek() == 'e' || peek() == 'E') {
            ++i_;
            if (peek() == '+' || peek() == '-') ++i_;
            if (!digits()) return false;
        }
        return true;
    }
    bool string() {
        ++i_; // the opening quote
        while (i_ < s_.size()) {
            unsigned char c = static_cast<unsigned char>(s_[i_]);
            if (c == '"') {
                ++i_;
                return true;
            }
            if (c < 0x20) return fail("control character in a string (escape it)");
            if (c == '\\') {
                ++i_;
                char e = peek();
                if (e == 'u') {
                    for (int k = 1; k <= 4; ++k)
                        if (!std::isxdigit(static_cast<unsigned char>(i_ + k < s_.size() ? s_[i_ + k] : 'x')))
                            return fail("invalid \\u escape (four hex digits expected)");
                    i_ += 5;
                    continue;
                }
                if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos || e == '\0')
                    return fail("invalid escape in a string");
            }
            ++i_;
        }
        return fail("unterminated string");
    }
    bool literal(std::string_view word) {
        if (s_.substr(i_, word.size()) != word) return fail("expected a JSON value");
        i_ += word.size();
        return true;
    }
    bool value(int depth) {
        if (depth > kMaxDepth) return fail("nested too deeply");
        switch (peek()) {
        case '{': return object(depth);
        case '[': return array(depth);
        case '"': return string();
        case 't': return literal("true");
        case 'f': return literal("false");
        case 'n': return literal("null");
        default:
            if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return number();
            return fail("expected a JSON value");
        }
    }
    bool array(int depth) {
        ++i_;
        ws();
        if (peek() == ']') return ++i_, true;
        for (;;) {
            ws();
            if (!value(depth + 1)) return false;
            ws();
            if (peek() == ']') return ++i_, true;
            if (peek() != ',') return fail("expected ',' or ']' after an array element");
            ++i_;
        }
    }
    bool object(int depth) {
        ++i_;
        ws();
        if (peek() == '}') return ++i_, true;
        for (;;) {
            ws();
            if (peek() != '"') return fail("expected a string key (in double quotes)");
            if (!string()) return false;
            ws();
            if (peek() != ':') return fail("expected ':' after the key");
            ++i_;
            ws();
            if (!value(depth + 1)) return false;
            ws();
            if (peek() == '}') return ++i_, true;
            if (peek() != ',') return fail("expected ',' or '}' after an object member");
            ++i_;
        }
    }
};

} // namespace jsonposition

// The first syntax error in `text`, or nullopt when it is well-formed JSON.
inline std::optional<JsonProblem> findJsonProblem(std::string_view text) {
    return jsonposition::Scanner(text).run();
}

// "PATH:LINE:COL: MESSAGE" for a malformed file, or "PATH is not valid JSON"
// when the scan finds nothing (simdjson refused it for another reason).
inline std::string describeJsonProblem(const std::string& path, std::string_view text) {
    auto p = findJsonProblem(text);
    if (!p) return path + " is not valid JSON";
    return path + ":" + std::to_string(p->line) + ":" + std::to_string(p->column) + ": invalid JSON: " + p->message;
}

} // namespace langoost
