#include "format/Formatter.h"

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "syntax/Lexer.h"
#include "syntax/Parser.h"

namespace langoost {
namespace {

using TK = TokenKind;

// What a postfix chain ended with; the parser only reads `Name{...}` and
// `a.b{...}` as struct literals.
enum class Shape { Name, Member, Other };

int countNewlines(std::string_view text) { return int(std::count(text.begin(), text.end(), '\n')); }

class Formatter {
  public:
    explicit Formatter(const SourceFile& file) : src_(file.text()) {
        tokens_ = tokenize(file, &comments_);
        indexTrivia();
        indexBrackets();
    }

    std::string run() {
        while (kind() != TK::Eof) {
            if (kind() == TK::Semicolon) {
                skip();
                continue;
            }
            lineBreak(0, true);
            contBase_ = 0;
            statement();
        }
        flushComments(pos_, 0);
        trimTrailingSpaces();
        while (!out_.empty() && out_.back() == '\n') out_.pop_back();
        if (!out_.empty()) out_ += '\n';
        alignTrailingComments();
        return out_;
    }

  private:
    std::string_view src_;
    std::vector<Token> tokens_;
    std::vector<Comment> comments_;
    std::vector<int> tokenGap_;        // newlines between a token and the item (token or comment) before it
    std::vector<int> commentGap_;      // the same for each comment
    std::vector<bool> commentBreakAfter_; // a newline follows the comment in the source
    std::vector<size_t> closer_;       // index of the matching bracket, for ( [ {
    size_t pos_ = 0;
    size_t nextComment_ = 0;

    // The parser's context, mirrored.
    int groupDepth_ = 0;
    bool noStruct_ = false;
    int methodDepth_ = 0;

    // The writer.
    std::string out_;
    int lineIndent_ = 0;
    int pendingBreaks_ = 0;
    int pendingIndent_ = 0;
    bool pendingAllowBlank_ = false;
    bool atOpen_ = false;  // just after a block's or multi-line list's opener: no blank line
    bool spaceAfterComment_ = false; // an inline block comment is followed by a space
    int contBase_ = 0;     // continuation lines are indented one level deeper than this
    std::vector<size_t> trailingComments_; // offsets in out_ of `//` comments that end a code line

    // Trailing `//` comments on consecutive lines start in one column, one
    // space after the longest line's code.
    void alignTrailingComments() {
        std::vector<size_t> lineStarts = {0};
        for (size_t i = 0; i < out_.size(); ++i)
            if (out_[i] == '\n') lineStarts.push_back(i + 1);
        auto lineOf = [&](size_t offset) {
            return size_t(std::upper_bound(lineStarts.begin(), lineStarts.end(), offset) - lineStarts.begin()) - 1;
        };
        auto codeEnd = [&](size_t offset) {
            while (offset > 0 && out_[offset - 1] == ' ') --offset;
            return offset;
        };
        auto width = [&](size_t from, size_t to) {
            size_t w = 0;
            for (size_t i = from; i < to; ++i) w += (static_cast<unsigned char>(out_[i]) & 0xC0) != 0x80;
            return w;
        };
        struct Edit {
            size_t from, to, pad;
        };
        std::vector<Edit> edits;
        for (size_t first = 0; first < trailingComments_.size();) {
            size_t last = first;
            while (last + 1 < trailingComments_.size() &&
                   lineOf(trailingComments_[last + 1]) == lineOf(trailingComments_[last]) + 1)
                ++last;
            if (last > first) {
                size_t column = 0;
                for (size_t k = first; k <= last; ++k) {
                    size_t c = trailingComments_[k];
                    column = std::max(column, width(lineStarts[lineOf(c)], codeEnd(c)));
                }
                for (size_t k = first; k <= last; ++k) {
                    size_t c = trailingComments_[k], end = codeEnd(c);
                    edits.push_back({end, c, column + 1 - width(lineStarts[lineOf(c)], end)});
                }
            }
            first = last + 1;
        }
        for (auto it = edits.rbegin(); it != edits.rend(); ++it)
            out_.replace(it->from, it->to - it->from, std::string(it->pad, ' '));
    }

    // ---- indexes ----
    void indexTrivia() {
        tokenGap_.assign(tokens_.size(), 0);
        commentGap_.assign(comments_.size(), 0);
        commentBreakAfter_.assign(comments_.size(), false);
        size_t prevEnd = 0, c = 0;
        bool prevIsComment = false;
        size_t prevComment = 0;
        for (size_t t = 0; t < tokens_.size(); ++t) {
            if (tokens_[t].kind == TK::Error) throw std::logic_error("error token in a parsed file");
            while (c < comments_.size() && comments_[c].offset < tokens_[t].offset) {
                int gap = countNewlines(src_.substr(prevEnd, comments_[c].offset - prevEnd));
                commentGap_[c] = gap;
                if (prevIsComment) commentBreakAfter_[prevComment] = gap > 0;
                prevEnd = comments_[c].offset + comments_[c].length;
                prevIsComment = true;
                prevComment = c;
                ++c;
            }
            int gap = countNewlines(src_.substr(prevEnd, tokens_[t].offset - prevEnd));
            tokenGap_[t] = gap;
            if (prevIsComment) commentBreakAfter_[prevComment] = gap > 0;
            prevIsComment = false;
            prevEnd = tokens_[t].offset + tokens_[t].length;
        }
    }

    void indexBrackets() {
        closer_.assign(tokens_.size(), 0);
        std::vector<size_t> open;
        for (size_t i = 0; i < tokens_.size(); ++i) {
            TK k = tokens_[i].kind;
            if (k == TK::LParen || k == TK::LBracket || k == TK::LBrace) {
                open.push_back(i);
            } else if ((k == TK::RParen || k == TK::RBracket || k == TK::RBrace) && !open.empty()) {
                closer_[open.back()] = i;
                open.pop_back();
            }
        }
    }

    // ---- token access ----
    TK kind(size_t ahead = 0) const {
        size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
        return tokens_[i].kind;
    }
    const Token& peek(size_t ahead = 0) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
    std::string_view spelling(size_t i) const { return src_.substr(tokens_[i].offset, tokens_[i].length); }
    bool atLineBreak() const { return peek().newlineBefore && groupDepth_ == 0; }
    bool atStatementEnd() const {
        return kind() == TK::Semicolon || kind() == TK::RBrace || kind() == TK::Eof || peek().newlineBefore;
    }
    bool isName(TK k) const { return k == TK::Identifier || isKeyword(k); }
    [[noreturn]] void unexpected() const {
        throw std::logic_error("formatter: unexpected " + std::string(tokenKindText(kind())) + " at line " +
                               std::to_string(peek().location.line));
    }
    void expectKind(TK k) const {
        if (kind() != k) unexpected();
    }

    // ---- writer ----
    void trimTrailingSpaces() {
        while (!out_.empty() && (out_.back() == ' ' || out_.back() == '\t')) out_.pop_back();
    }
    void lineBreak(int indent, bool allowBlank) {
        pendingBreaks_ = 1;
        pendingIndent_ = indent;
        pendingAllowBlank_ = allowBlank;
    }
    void put(std::string_view text, bool space, int gap) {
        if (pendingBreaks_ > 0) {
            if (!out_.empty()) {
                trimTrailingSpaces();
                out_ += '\n';
                if (pendingAllowBlank_ && gap >= 2 && !atOpen_) out_ += '\n';
            }
            out_.append(size_t(pendingIndent_) * 4, ' ');
            lineIndent_ = pendingIndent_;
            pendingBreaks_ = 0;
        } else if ((space || spaceAfterComment_) && !out_.empty() && out_.back() != ' ' && out_.back() != '\n') {
            out_ += ' ';
        }
        out_ += text;
        atOpen_ = false;
        spaceAfterComment_ = false;
    }

    // Writes the comments before token `until`. Own-line comments go on their
    // own line at `indent`; trailing ones stay at the end of the current line.
    void flushComments(size_t until, int indent) {
        while (nextComment_ < comments_.size() && comments_[nextComment_].offset < tokens_[until].offset) {
            size_t c = nextComment_++;
            std::string text = commentText(comments_[c]);
            bool ownLine = out_.empty() || commentGap_[c] > 0;
            if (ownLine) {
                bool allowBlank = pendingBreaks_ == 0 || pendingAllowBlank_;
                lineBreak(indent, allowBlank);
                put(text, false, commentGap_[c]);
            } else {
                int saved = pendingBreaks_;
                pendingBreaks_ = 0;
                put(text, out_.back() != '(' && out_.back() != '[', 0);
                pendingBreaks_ = saved;
                if (text.starts_with("//")) trailingComments_.push_back(out_.size() - text.size());
            }
            bool lineComment = text.starts_with("//");
            if (lineComment || commentBreakAfter_[c]) lineBreak(indent, true);
            else spaceAfterComment_ = true;
        }
    }

    // A comment's text without trailing whitespace on any of its lines.
    std::string commentText(const Comment& c) const {
        std::string_view raw = src_.substr(c.offset, c.length);
        std::string text;
        size_t start = 0;
        for (;;) {
            size_t nl = raw.find('\n', start);
            std::string_view line = raw.substr(start, nl == std::string_view::npos ? raw.size() - start : nl - start);
            while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
                line.remove_suffix(1);
            text += line;
            if (nl == std::string_view::npos) break;
            text += '\n';
            start = nl + 1;
        }
        return text;
    }

    // Emits the current token. A line break before it in the source is kept
    // (as a continuation line) unless `join` says the layout decides.
    void emit(bool space, bool join = false) {
        size_t i = pos_;
        if (!join && tokens_[i].newlineBefore && pendingBreaks_ == 0 && !out_.empty()) lineBreak(contBase_ + 1, true);
        flushComments(i, pendingBreaks_ ? pendingIndent_ : lineIndent_);
        put(spelling(i), space, tokenGap_[i]);
        if (pos_ < tokens_.size() - 1) ++pos_;
    }
    void emitJoined(bool space) { emit(space, true); }
    // Drops the current token (a ';' or a trailing comma), keeping its comments.
    void skip() {
        flushComments(pos_, pendingBreaks_ ? pendingIndent_ : lineIndent_);
        if (pos_ < tokens_.size() - 1) ++pos_;
    }

    struct Context {
        Formatter& f;
        int savedGroup;
        bool savedNoStruct;
        Context(Formatter& formatter, int group, bool noStruct)
            : f(formatter), savedGroup(formatter.groupDepth_), savedNoStruct(formatter.noStruct_) {
            f.groupDepth_ = group;
            f.noStruct_ = noStruct;
        }
        ~Context() {
            f.groupDepth_ = savedGroup;
            f.noStruct_ = savedNoStruct;
        }
    };

    // ---- lists: ( ) [ ] { } with comma-separated elements ----

    // A list whose source breaks the line right after the opener or right
    // before the closer is "open": the closer goes on its own line, the
    // elements one level deeper, and the last one gets a trailing comma.
    // Otherwise the closer stays on the last element's line and a trailing
    // comma is dropped. Either way the breaks between elements stay as written.
    bool isOpen(size_t open, size_t close) const {
        if (open + 1 == close) return commentsBetween(open, close);
        return tokens_[open + 1].newlineBefore || tokens_[close].newlineBefore;
    }
    bool commentsBetween(size_t open, size_t close) const {
        for (size_t c = nextComment_; c < comments_.size() && comments_[c].offset < tokens_[close].offset; ++c)
            if (comments_[c].offset > tokens_[open].offset) return true;
        return false;
    }

    // `element(space)` formats one element; `padded` puts spaces inside a
    // one-line list (`{ a, b }` of import).
    void list(bool spaceBefore, bool padded, const std::function<void(bool)>& element) {
        size_t open = pos_, close = closer_[open];
        TK closeKind = tokens_[close].kind;
        bool openList = isOpen(open, close);
        emit(spaceBefore);
        Context ctx(*this, 1, false);
        if (!openList) {
            bool first = true;
            while (kind() != closeKind) {
                element(first ? padded : true);
                first = false;
                if (kind() == TK::Comma) {
                    if (kind(1) == closeKind) skip();
                    else emit(false);
                }
            }
            emit(padded && !first);
            return;
        }
        int outer = lineIndent_, inner = outer + 1, savedBase = contBase_;
        atOpen_ = true;
        bool first = true;
        while (kind() != closeKind) {
            if (first || peek().newlineBefore) lineBreak(inner, true);
            contBase_ = inner;
            element(true);
            first = false;
            if (kind() == TK::Comma) emit(false);
            else put(",", false, 0);
        }
        flushComments(pos_, inner);
        contBase_ = savedBase;
        lineBreak(outer, false);
        emit(false);
    }

    // ---- statements ----
    void statement() {
        switch (kind()) {
        case TK::KwLet: letStatement(); break;
        case TK::KwFn:
            if (isName(kind(1))) {
                emit(true);
                emit(true);
                functionRest(false);
                return;
            }
            simpleStatement();
            break;
        case TK::KwClass: classStatement(); return;
        case TK::KwInterface: interfaceStatement(); return;
        case TK::KwImport: importStatement(); break;
        case TK::KwIf: ifStatement(); return;
        case TK::KwWhile: {
            emit(true);
            int outer = lineIndent_;
            headerExpression();
            block(outer);
            return;
        }
        case TK::KwFor: {
            emit(true);
            int outer = lineIndent_;
            emit(true);
            expectKind(TK::KwIn);
            emit(true);
            headerExpression();
            block(outer);
            return;
        }
        case TK::KwTry: tryStatement(); return;
        case TK::KwThrow:
            emit(true);
            expression(true);
            break;
        case TK::KwReturn:
            emit(true);
            if (!atStatementEnd()) expression(true);
            break;
        case TK::KwBreak:
        case TK::KwContinue: emit(true); break;
        case TK::LBrace: block(pendingBreaks_ ? pendingIndent_ : lineIndent_); return;
        default: simpleStatement(); break;
        }
        if (kind() == TK::Semicolon) skip();
    }

    void letStatement() {
        emit(true);
        emit(true);
        if (kind() == TK::Colon) {
            emit(false);
            typeRef(true);
        }
        if (kind() == TK::Assign) {
            emit(true);
            expression(true);
        }
    }

    void simpleStatement() {
        expression(true);
        TK op = kind();
        if (op == TK::Assign || op == TK::PlusAssign || op == TK::MinusAssign || op == TK::StarAssign ||
            op == TK::SlashAssign || op == TK::PercentAssign) {
            emit(true);
            expression(true);
        }
    }

    void headerExpression() {
        Context ctx(*this, 0, true);
        expression(true);
    }

    void ifStatement() {
        emit(true);
        int outer = lineIndent_;
        headerExpression();
        block(outer);
        if (kind() == TK::KwElse) {
            emitJoined(true);
            if (kind() == TK::KwIf) ifStatement();
            else block(outer);
        }
    }

    void tryStatement() {
        emit(true);
        int outer = lineIndent_;
        block(outer);
        if (kind() == TK::KwCatch) {
            emitJoined(true);
            if (kind() == TK::Identifier) emit(true);
            block(outer);
        }
        if (kind() == TK::Identifier && peek().text == "finally") {
            emitJoined(true);
            block(outer);
        }
    }

    // A `{ }` body of statements (or class/interface members). It stays on
    // one line when the source has it on one line with at most one member.
    // Its members go one level deeper than `outer` and its `}` at `outer`:
    // the indent of the line its statement (or `fn`) starts on, not of the
    // line the `{` ends up on after a header split over lines.
    void body(int outer, const std::function<void()>& member) {
        size_t open = pos_, close = closer_[open];
        expectKind(TK::LBrace);
        emitJoined(true);
        Context ctx(*this, 0, false);
        int savedBase = contBase_;
        if (fitsOnOneLine(open, close)) {
            while (kind() != TK::RBrace) {
                if (kind() == TK::Semicolon) {
                    skip();
                    continue;
                }
                member();
            }
            flushComments(pos_, lineIndent_);
            emitJoined(!out_.empty() && out_.back() != '{');
            contBase_ = savedBase;
            return;
        }
        int inner = outer + 1;
        atOpen_ = true;
        while (kind() != TK::RBrace) {
            if (kind() == TK::Semicolon) {
                skip();
                continue;
            }
            lineBreak(inner, true);
            contBase_ = inner;
            member();
        }
        flushComments(pos_, inner);
        contBase_ = savedBase;
        lineBreak(outer, false);
        emit(false);
    }

    bool fitsOnOneLine(size_t open, size_t close) const {
        if (open + 1 == close && !commentsBetween(open, close)) return true;
        if (countNewlines(src_.substr(tokens_[open].offset, tokens_[close].offset - tokens_[open].offset)) > 0)
            return false;
        int depth = 0;
        for (size_t i = open + 1; i < close; ++i) {
            TK k = tokens_[i].kind;
            if (k == TK::LParen || k == TK::LBracket || k == TK::LBrace) ++depth;
            else if (k == TK::RParen || k == TK::RBracket || k == TK::RBrace) --depth;
            else if (k == TK::Semicolon && depth == 0 && i + 1 != close) return false;
        }
        return true;
    }

    // `outer`: see body(); the block statement `{ }` has its own line's.
    void block(int outer) {
        body(outer, [this] { statement(); });
    }

    // '(' params ')' (':' type)? block
    // Called just after `fn` (and its name) were written: the body's indent
    // is the one of their line.
    void functionRest(bool isMethod) {
        int outer = lineIndent_;
        parameters();
        if (kind() == TK::Colon) {
            emit(false);
            typeRef(true);
        }
        if (isMethod) ++methodDepth_;
        block(outer);
        if (isMethod) --methodDepth_;
    }

    void parameters() {
        expectKind(TK::LParen);
        list(false, false, [this](bool space) {
            if (kind() == TK::Ellipsis) {
                emit(space);
                emit(false);
            } else {
                emit(space);
            }
            if (kind() == TK::Colon) {
                emit(false);
                typeRef(true);
            }
        });
    }

    void typeRef(bool space) {
        emit(space);
        while (kind() == TK::Dot && !peek().newlineBefore) {
            emit(false);
            emit(false);
        }
        while (kind() == TK::LBracket && kind(1) == TK::RBracket) {
            emit(false);
            emit(false);
        }
    }

    void typePath(bool space) {
        emit(space);
        while (kind() == TK::Dot && !atLineBreak()) {
            emit(false);
            emit(false);
        }
    }

    void classStatement() {
        emit(true);
        int outer = lineIndent_;
        emit(true);
        if (kind() == TK::KwExtends) {
            emit(true);
            typePath(true);
        }
        body(outer, [this] {
            expectKind(TK::KwFn);
            emit(true);
            emit(true);
            functionRest(true);
        });
    }

    void interfaceStatement() {
        emit(true);
        int outer = lineIndent_;
        emit(true);
        body(outer, [this] {
            expectKind(TK::KwFn);
            emit(true);
            emit(true);
            parameters();
            if (kind() == TK::Colon) {
                emit(false);
                typeRef(true);
            }
        });
    }

    void importStatement() {
        emit(true);
        if (kind() == TK::LBrace) {
            list(true, true, [this](bool space) { emit(space); });
            emit(true); // from
            emit(true); // "spec"
            return;
        }
        emit(true);
        while (kind() == TK::Slash && !peek().newlineBefore) {
            emit(false);
            emit(false);
        }
    }

    // ---- expressions ----
    static int precedence(TK k) {
        switch (k) {
        case TK::OrOr: return 1;
        case TK::AndAnd: return 2;
        case TK::Eq: case TK::NotEq: case TK::Less: case TK::LessEq:
        case TK::Greater: case TK::GreaterEq: case TK::KwIs: return 3;
        case TK::Plus: case TK::Minus: case TK::Pipe: case TK::Caret: return 4;
        case TK::Star: case TK::Slash: case TK::Percent: case TK::Shl:
        case TK::Shr: case TK::Amp: return 5;
        default: return 0;
        }
    }

    Shape expression(bool space) { return binary(1, space); }

    Shape binary(int minPrec, bool space) {
        Shape shape = unary(space);
        for (;;) {
            if (atLineBreak()) return shape;
            TK op = kind();
            int prec = precedence(op);
            if (prec == 0 || prec < minPrec) return shape;
            emit(true);
            shape = Shape::Other;
            if (op == TK::KwIs) {
                typePath(true);
                continue;
            }
            binary(prec + 1, true);
        }
    }

    Shape unary(bool space) {
        TK k = kind();
        if (k == TK::Bang || k == TK::Minus || k == TK::Tilde) {
            emit(space);
            unary(false);
            return Shape::Other;
        }
        return postfix(primary(space));
    }

    Shape postfix(Shape shape) {
        for (;;) {
            TK k = kind();
            bool breakHere = atLineBreak();
            if (k == TK::Dot) {
                emit(false);
                if (!isName(kind())) unexpected();
                emit(false);
                shape = Shape::Member;
            } else if (breakHere) {
                return shape;
            } else if (k == TK::LParen) {
                list(false, false, [this](bool space) { expression(space); });
                shape = Shape::Other;
            } else if (k == TK::LBracket) {
                emit(false);
                {
                    Context ctx(*this, 1, false);
                    expression(false);
                    expectKind(TK::RBracket);
                    emit(false);
                }
                shape = Shape::Other;
            } else if (k == TK::LBrace && !noStruct_ && (shape == Shape::Name || shape == Shape::Member)) {
                objectBody(false);
                shape = Shape::Other;
            } else {
                return shape;
            }
        }
    }

    void objectBody(bool space) {
        list(space, false, [this](bool elementSpace) {
            emit(elementSpace); // key
            expectKind(TK::Colon);
            emit(false);
            expression(true);
        });
    }

    Shape primary(bool space) {
        switch (kind()) {
        case TK::Identifier:
            if (peek().text == "super" && kind(1) == TK::Dot && methodDepth_ > 0) {
                emit(space);
                emit(false);
                emit(false);
                return Shape::Other;
            }
            emit(space);
            return Shape::Name;
        case TK::Int: case TK::Float: case TK::String: case TK::KwTrue: case TK::KwFalse: case TK::KwNil:
        case TK::KwSelf:
            emit(space);
            return Shape::Other;
        case TK::LParen: {
            emit(space);
            Context ctx(*this, 1, false);
            Shape shape = expression(false);
            expectKind(TK::RParen);
            emit(false);
            return shape;
        }
        case TK::LBracket:
            list(space, false, [this](bool elementSpace) { expression(elementSpace); });
            return Shape::Other;
        case TK::LBrace: objectBody(space); return Shape::Other;
        case TK::KwFn: {
            emit(space);
            Context ctx(*this, 0, false);
            int savedMethods = methodDepth_;
            functionRest(false);
            methodDepth_ = savedMethods;
            return Shape::Other;
        }
        default: unexpected();
        }
    }
};

} // namespace

std::optional<std::string> formatSource(const SourceFile& file, Diagnostics& diagnostics) {
    parseProgram(file, diagnostics);
    if (diagnostics.hasErrors()) return std::nullopt;
    return Formatter(file).run();
}

} // namespace langoost
