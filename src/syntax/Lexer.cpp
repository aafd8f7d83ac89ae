#include "syntax/Lexer.h"

#include "common/Utf8.h"
#include "syntax/SyntaxHints.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <unordered_map>

namespace langoost {
namespace {

const std::unordered_map<std::string_view, TokenKind>& keywordTable() {
    static const std::unordered_map<std::string_view, TokenKind> table = {
        {"let", TokenKind::KwLet},         {"fn", TokenKind::KwFn},
        {"return", TokenKind::KwReturn},   {"if", TokenKind::KwIf},
        {"else", TokenKind::KwElse},       {"while", TokenKind::KwWhile},
        {"for", TokenKind::KwFor},         {"in", TokenKind::KwIn},
        {"break", TokenKind::KwBreak},     {"continue", TokenKind::KwContinue},
        {"try", TokenKind::KwTry},         {"catch", TokenKind::KwCatch},
        {"throw", TokenKind::KwThrow},     {"class", TokenKind::KwClass},
        {"interface", TokenKind::KwInterface}, {"extends", TokenKind::KwExtends},
        {"is", TokenKind::KwIs},           {"import", TokenKind::KwImport},
        {"from", TokenKind::KwFrom},       {"true", TokenKind::KwTrue},
        {"false", TokenKind::KwFalse},     {"nil", TokenKind::KwNil},
        {"self", TokenKind::KwSelf},       {"type", TokenKind::KwType},
        {"int", TokenKind::KwInt},         {"float", TokenKind::KwFloat},
        {"string", TokenKind::KwString},   {"bool", TokenKind::KwBool},
    };
    return table;
}

bool isIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c); }
int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

class Lexer {
  public:
    Lexer(const SourceFile& file, std::vector<Comment>* comments) : src_(file.text()), comments_(comments) {}

    std::vector<Token> run() {
        std::vector<Token> tokens;
        for (;;) {
            bool newline = skipTrivia(tokens);
            Token t = next();
            t.newlineBefore = newline || tokens.empty();
            bool eof = t.kind == TokenKind::Eof;
            tokens.push_back(std::move(t));
            if (eof) break;
        }
        return tokens;
    }

  private:
    std::string_view src_;
    std::vector<Comment>* comments_;
    size_t pos_ = 0;
    uint32_t line_ = 1;
    size_t lineStart_ = 0;

    char peek(size_t ahead = 0) const {
        return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0';
    }
    bool atEnd() const { return pos_ >= src_.size(); }
    SourceLocation here() const { return {line_, uint32_t(pos_ - lineStart_ + 1)}; }
    void newline() {
        ++line_;
        lineStart_ = pos_;
    }

    // Skips whitespace and comments; returns whether a newline was crossed.
    // An unterminated block comment is reported as an error token.
    bool skipTrivia(std::vector<Token>& tokens) {
        bool sawNewline = false;
        while (!atEnd()) {
            char c = peek();
            if (c == '\n') {
                ++pos_;
                newline();
                sawNewline = true;
            } else if (c == ' ' || c == '\t' || c == '\r') {
                ++pos_;
            } else if (c == '/' && peek(1) == '/') {
                SourceLocation start = here();
                size_t startPos = pos_;
                while (!atEnd() && peek() != '\n') ++pos_;
                if (comments_) comments_->push_back({uint32_t(startPos), uint32_t(pos_ - startPos), start});
            } else if (c == '/' && peek(1) == '*') {
                SourceLocation start = here();
                size_t startPos = pos_;
                pos_ += 2;
                bool closed = false;
                while (!atEnd()) {
                    if (peek() == '*' && peek(1) == '/') {
                        pos_ += 2;
                        closed = true;
                        break;
                    }
                    if (peek() == '\n') {
                        ++pos_;
                        newline();
                        sawNewline = true;
                    } else {
                        ++pos_;
                    }
                }
                if (closed && comments_)
                    comments_->push_back({uint32_t(startPos), uint32_t(pos_ - startPos), start});
                if (!closed) {
                    Token t;
                    t.kind = TokenKind::Error;
                    t.location = start;
                    t.offset = uint32_t(startPos);
                    t.text = "unterminated block comment";
                    tokens.push_back(std::move(t));
                }
            } else {
                break;
            }
        }
        return sawNewline;
    }

    Token make(TokenKind kind, size_t start, SourceLocation at) {
        Token t;
        t.kind = kind;
        t.location = at;
        t.offset = uint32_t(start);
        t.length = uint32_t(pos_ - start);
        return t;
    }

    Token error(size_t start, SourceLocation at, std::string message) {
        Token t = make(TokenKind::Error, start, at);
        t.text = std::move(message);
        return t;
    }

    Token next() {
        size_t start = pos_;
        SourceLocation at = here();
        if (atEnd()) return make(TokenKind::Eof, start, at);
        char c = peek();
        if (isIdentStart(c)) return identifier(start, at);
        if (isDigit(c) || (c == '.' && isDigit(peek(1)))) return number(start, at);
        if (c == '"') return string(start, at);
        ++pos_;
        auto one = [&](TokenKind k) { return make(k, start, at); };
        auto two = [&](char second, TokenKind ifTwo, TokenKind ifOne) {
            if (peek() == second) {
                ++pos_;
                return make(ifTwo, start, at);
            }
            return make(ifOne, start, at);
        };
        switch (c) {
        case '(': return one(TokenKind::LParen);
        case ')': return one(TokenKind::RParen);
        case '{': return one(TokenKind::LBrace);
        case '}': return one(TokenKind::RBrace);
        case '[': return one(TokenKind::LBracket);
        case ']': return one(TokenKind::RBracket);
        case ',': return one(TokenKind::Comma);
        case ':': return one(TokenKind::Colon);
        case ';': return one(TokenKind::Semicolon);
        case '~': return one(TokenKind::Tilde);
        case '^': return one(TokenKind::Caret);
        case '.':
            if (peek() == '.' && peek(1) == '.') {
                pos_ += 2;
                return one(TokenKind::Ellipsis);
            }
            return one(TokenKind::Dot);
        case '+': return two('=', TokenKind::PlusAssign, TokenKind::Plus);
        case '-': return two('=', TokenKind::MinusAssign, TokenKind::Minus);
        case '*': return two('=', TokenKind::StarAssign, TokenKind::Star);
        case '/': return two('=', TokenKind::SlashAssign, TokenKind::Slash);
        case '%': return two('=', TokenKind::PercentAssign, TokenKind::Percent);
        case '!': return two('=', TokenKind::NotEq, TokenKind::Bang);
        case '=': return two('=', TokenKind::Eq, TokenKind::Assign);
        case '&': return two('&', TokenKind::AndAnd, TokenKind::Amp);
        case '|': return two('|', TokenKind::OrOr, TokenKind::Pipe);
        case '<':
            if (peek() == '<') {
                ++pos_;
                return one(TokenKind::Shl);
            }
            return two('=', TokenKind::LessEq, TokenKind::Less);
        case '>':
            if (peek() == '>') {
                ++pos_;
                return one(TokenKind::Shr);
            }
            return two('=', TokenKind::GreaterEq, TokenKind::Greater);
        case '\'':
        case '`': return foreignQuote(c, start, at);
        default: break;
        }
        std::string shown;
        unsigned char uc = static_cast<unsigned char>(c);
        size_t sequence = uc >= 0xF0 ? 4 : uc >= 0xE0 ? 3 : uc >= 0xC0 ? 2 : 1;
        if (uc >= 0x20 && uc < 0x7f) {
            shown = std::string("'") + c + "'";
        } else if (sequence > 1 && start + sequence <= src_.size() &&
                   validUtf8(src_.substr(start, sequence))) {
            // One error for a whole (valid) multi-byte character, not one per byte.
            uint32_t cp = uc & (0x7F >> sequence);
            for (size_t k = 1; k < sequence; ++k) cp = cp << 6 | (static_cast<unsigned char>(src_[start + k]) & 0x3F);
            pos_ = start + sequence;
            char code[16];
            std::snprintf(code, sizeof code, "U+%04X", unsigned(cp));
            shown = code;
            if (cp == 0xFEFF) shown += " (a byte-order mark is only allowed at the start of a file)";
        } else {
            static const char* hex = "0123456789abcdef";
            shown = std::string("byte 0x") + hex[uc >> 4] + hex[uc & 15];
        }
        return error(start, at, "unexpected character " + shown);
    }

    // 'text' or `text` (another language's string): one error token up to
    // the closing quote on the same line, with the Langoost spelling as hint.
    Token foreignQuote(char quote, size_t start, SourceLocation at) {
        size_t end = pos_;
        while (end < src_.size() && src_[end] != quote && src_[end] != '\n') ++end;
        bool closed = end < src_.size() && src_[end] == quote;
        std::string body(src_.substr(pos_, closed ? end - pos_ : 0));
        if (closed) pos_ = end + 1;
        std::string why = quote == '\'' ? "Langoost strings are double-quoted"
                                        : "Langoost strings are double-quoted, with no interpolation: join values with +";
        std::string hint = closed && body.size() <= 30 && body.find('"') == std::string::npos
                               ? "write \"" + body + "\" (" + why + ")"
                               : why;
        std::string message = quote == '\'' ? (closed ? "single quotes do not make a string" : "unexpected character '''")
                                             : (closed ? "backquotes do not make a string" : "unexpected character '`'");
        return error(start, at, message + kLexHintSeparator + hint);
    }

    Token identifier(size_t start, SourceLocation at) {
        while (isIdentChar(peek())) ++pos_;
        std::string_view word = src_.substr(start, pos_ - start);
        auto it = keywordTable().find(word);
        Token t = make(it == keywordTable().end() ? TokenKind::Identifier : it->second, start, at);
        t.text = std::string(word);
        return t;
    }

    // number := decimal | 0x hex | 0b binary, with '_' separators;
    //           decimal may carry a fraction and/or exponent (then it's a float)
    Token number(size_t start, SourceLocation at) {
        std::string digits;
        // Why the literal is malformed (the first problem found wins).
        std::string why;
        auto problem = [&](std::string reason) {
            if (why.empty()) why = std::move(reason);
        };
        auto malformed = [&](const char* what) {
            std::string text(src_.substr(start, pos_ - start));
            return error(start, at, std::string("malformed ") + what + " literal '" + text + "': " + why);
        };
        auto takeDigits = [&](auto accept) {
            bool any = false, lastUnderscore = false;
            while (accept(peek()) || (peek() == '_' && any && !lastUnderscore)) {
                lastUnderscore = peek() == '_';
                if (!lastUnderscore) {
                    digits += peek();
                    any = true;
                }
                ++pos_;
            }
            if (lastUnderscore || (peek() == '_' && any)) problem("'_' may only separate two digits");
            return any && !lastUnderscore;
        };
        if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X' || peek(1) == 'b' || peek(1) == 'B')) {
            bool hex = peek(1) == 'x' || peek(1) == 'X';
            pos_ += 2;
            bool ok = hex ? takeDigits([](char ch) { return hexValue(ch) >= 0; })
                          : takeDigits([](char ch) { return ch == '0' || ch == '1'; });
            if (digits.empty()) problem(hex ? "expected hex digits after '0x'" : "expected binary digits after '0b'");
            if (isIdentChar(peek())) {
                if (isDigit(peek()) && !hex) problem(std::string("'") + peek() + "' is not a binary digit");
                else if (peek() != '_') problem(std::string("unexpected '") + peek() + "' in the number");
                while (isIdentChar(peek())) ++pos_;
                ok = false;
            }
            if (!ok) return malformed(hex ? "hex" : "binary");
            uint64_t value = 0;
            for (char d : digits) {
                uint64_t next = value * (hex ? 16 : 2) + uint64_t(hexValue(d));
                if ((hex && value > (UINT64_MAX >> 4)) || (!hex && value > (UINT64_MAX >> 1)))
                    return error(start, at, "integer literal is too large (hex and binary literals hold at most 64 bits)");
                value = next;
            }
            Token t = make(TokenKind::Int, start, at);
            t.intValue = int64_t(value);
            return t;
        }
        bool ok = true;
        if (peek() != '.') ok = takeDigits(isDigit);
        bool isFloat = false;
        if (peek() == '.' && isDigit(peek(1))) {
            isFloat = true;
            digits += '.';
            ++pos_;
            ok = takeDigits(isDigit) && ok;
        }
        if (peek() == 'e' || peek() == 'E') {
            digits += 'e';
            ++pos_;
            if (peek() == '+' || peek() == '-') digits += src_[pos_++];
            if (takeDigits(isDigit)) {
                isFloat = true;
            } else {
                if (!isDigit(peek()) && peek() != '_') problem("expected digits after the exponent");
                ok = false; // the exponent and its sign stay part of the bad literal
            }
        }
        if (isIdentChar(peek())) {
            if (peek() != '_') problem(std::string("unexpected '") + peek() + "' in the number");
            while (isIdentChar(peek())) ++pos_;
            ok = false;
        }
        if (!ok) {
            problem("expected digits");
            return malformed("number");
        }
        Token t = make(isFloat ? TokenKind::Float : TokenKind::Int, start, at);
        if (isFloat) {
            t.floatValue = std::strtod(digits.c_str(), nullptr);
            // Like an int literal that does not fit: an error, not a silent inf.
            if (std::isinf(t.floatValue))
                return error(start, at, "float literal is too large (the largest float is about 1.8e308)");
        } else {
            errno = 0;
            unsigned long long v = std::strtoull(digits.c_str(), nullptr, 10);
            // 9223372036854775808 is allowed so that -9223372036854775808 works.
            if (errno == ERANGE || v > 9223372036854775808ULL)
                return error(start, at, "integer literal is too large (the largest int is 9223372036854775807)");
            t.intValue = int64_t(v);
        }
        return t;
    }

    Token string(size_t start, SourceLocation at) {
        ++pos_;
        std::string out;
        std::string problem;
        SourceLocation problemAt;
        auto fail = [&](SourceLocation where, std::string msg) {
            if (problem.empty()) {
                problem = std::move(msg);
                problemAt = where;
            }
        };
        for (;;) {
            if (atEnd() || peek() == '\n') {
                Token t = error(start, at, "unterminated string literal: expected a closing '\"' before the end of the line");
                return t;
            }
            char c = src_[pos_];
            if (c == '"') {
                ++pos_;
                break;
            }
            if (c != '\\') {
                out += c;
                ++pos_;
                continue;
            }
            SourceLocation escAt = here();
            ++pos_;
            char e = atEnd() ? '\0' : src_[pos_++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case '0': out += '\0'; break;
            case 'x': {
                int h = hexValue(peek()), l = h >= 0 ? hexValue(peek(1)) : -1;
                if (h < 0 || l < 0) {
                    fail(escAt, "invalid \\x escape: expected two hex digits");
                    break;
                }
                pos_ += 2;
                out += char(h * 16 + l);
                break;
            }
            case 'u': {
                uint32_t cp = 0;
                bool ok = true;
                if (peek() == '{') {
                    ++pos_;
                    int n = 0;
                    while (hexValue(peek()) >= 0 && n < 8) {
                        cp = cp * 16 + uint32_t(hexValue(peek()));
                        ++pos_;
                        ++n;
                    }
                    if (n == 0 || peek() != '}') ok = false;
                    else ++pos_;
                } else {
                    for (int i = 0; i < 4; ++i) {
                        int h = hexValue(peek());
                        if (h < 0) {
                            ok = false;
                            break;
                        }
                        cp = cp * 16 + uint32_t(h);
                        ++pos_;
                    }
                }
                if (!ok) {
                    fail(escAt, "invalid \\u escape: expected \\uXXXX or \\u{X...}");
                } else if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                    fail(escAt, "\\u escape is not a valid Unicode code point");
                } else {
                    appendUtf8(out, cp);
                }
                break;
            }
            default:
                if (e == '\n') newline();
                fail(escAt, std::string("unknown escape sequence '\\") + (e ? std::string(1, e) : "") + "'");
                break;
            }
        }
        if (!problem.empty()) return error(start, problemAt, problem);
        Token t = make(TokenKind::String, start, at);
        t.text = std::move(out);
        return t;
    }
};

} // namespace

std::vector<Token> tokenize(const SourceFile& file, std::vector<Comment>* comments) {
    return Lexer(file, comments).run();
}

} // namespace langoost
