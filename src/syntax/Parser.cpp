#include "syntax/Parser.h"

#include <cstdint>
#include <set>

#include "syntax/Lexer.h"
#include "syntax/SyntaxHints.h"

namespace langoost {
namespace {

struct ParseError {};

// Nesting limit: deeper input is rejected rather than overflowing the C++ stack.
constexpr int kMaxNesting = 200;
// Left-leaning chains (`a + b + c ...`, `a.b.c ...`, `f()()...`, `else if`
// ...) are parsed iteratively but still build a deep AST, which the compiler
// and the AST destructors walk recursively. Their length counts against this
// larger limit (together with the nesting above).
constexpr int kMaxDepth = 5000;

std::string locText(SourceLocation at) {
    return std::to_string(at.line) + ":" + std::to_string(at.column);
}

bool isNameToken(const Token& t) { return t.kind == TokenKind::Identifier || isKeyword(t.kind); }

class Parser {
  public:
    // Lexer errors stay in the token stream: in an expression an Error token
    // parses as a placeholder value, so `let d = "\q"` does not cascade into
    // "expected an expression". Their diagnostics are reported in source
    // order, interleaved with the parser's own.
    Parser(const SourceFile& file, Diagnostics& diagnostics) : file_(file), diags_(diagnostics) {
        tokens_ = tokenize(file);
        for (const auto& t : tokens_) {
            if (t.kind != TokenKind::Error) continue;
            lexErrors_.push_back(&t);
            lexErrorLines_.insert(t.location.line);
        }
    }

    Program parse() {
        Program program;
        while (!check(TokenKind::Eof)) {
            if (match(TokenKind::Semicolon)) continue;
            if (auto s = statementOrRecover()) program.body.push_back(std::move(s));
        }
        reportLexErrorsBefore(SourceLocation{UINT32_MAX, UINT32_MAX});
        return program;
    }

  private:
    const SourceFile& file_;
    Diagnostics& diags_;
    std::vector<Token> tokens_;
    std::set<uint32_t> lexErrorLines_;
    std::vector<const Token*> lexErrors_; // not yet reported, in source order
    size_t lexErrorsReported_ = 0;
    size_t pos_ = 0;
    int groupDepth_ = 0;     // > 0 inside ( ), [ ] or object-literal braces
    bool noStruct_ = false;  // in an if/while/for header: `ident {` opens the block
    int nesting_ = 0;
    int depth_ = 0; // nesting plus chain links: the AST depth being built
    int functionDepth_ = 0;
    std::vector<FunctionDecl*> functions_; // the enclosing ones, functionDepth_ of them
    int loopDepth_ = 0;
    int methodDepth_ = 0;

    // ---- token helpers ----
    const Token& peek(size_t ahead = 0) const {
        size_t i = pos_ + ahead;
        return i < tokens_.size() ? tokens_[i] : tokens_.back();
    }
    bool check(TokenKind k) const { return peek().kind == k; }
    const Token& advance() {
        const Token& t = peek();
        if (pos_ < tokens_.size() - 1) ++pos_;
        return t;
    }
    bool match(TokenKind k) {
        if (!check(k)) return false;
        advance();
        return true;
    }
    // A newline before the current token ends an expression, unless grouped.
    bool atLineBreak() const { return peek().newlineBefore && groupDepth_ == 0; }

    std::string describe(const Token& t) const {
        if (t.kind == TokenKind::Identifier) return "identifier '" + t.text + "'";
        if (t.kind == TokenKind::Eof) return "end of file";
        if (t.kind == TokenKind::Int || t.kind == TokenKind::Float)
            return "number " + std::string(file_.text().substr(t.offset, t.length));
        if (t.kind == TokenKind::String) {
            std::string_view text = std::string_view(file_.text()).substr(t.offset, t.length);
            if (text.size() > 24) return "string " + std::string(text.substr(0, 20)) + "...\"";
            return "string " + std::string(text);
        }
        return tokenKindText(t.kind);
    }

    void reportLexErrorsBefore(SourceLocation at) {
        while (lexErrorsReported_ < lexErrors_.size()) {
            const Token& t = *lexErrors_[lexErrorsReported_];
            if (t.location.line > at.line || (t.location.line == at.line && t.location.column > at.column))
                break;
            size_t split = t.text.find(kLexHintSeparator);
            if (split == std::string::npos) diags_.error(file_, t.location, t.text);
            else diags_.error(file_, t.location, t.text.substr(0, split), t.text.substr(split + 1));
            ++lexErrorsReported_;
        }
    }

    // A parse error on a line with a lexer error, or right after a bad token,
    // is almost always a consequence of it: report only the lexer's.
    [[noreturn]] void fail(SourceLocation at, const std::string& message, const std::string& hint = {}) {
        reportLexErrorsBefore(at);
        bool afterBadToken = pos_ > 0 && tokens_[pos_ - 1].kind == TokenKind::Error;
        if (!lexErrorLines_.count(at.line) && !afterBadToken) diags_.error(file_, at, message, hint);
        throw ParseError{};
    }
    [[noreturn]] void fail(const SyntaxHint& h) { fail(peek().location, h.message, h.hint); }
    [[noreturn]] void failExpected(const std::string& what, bool afterCondition = false) {
        fail(peek().location, "expected " + what + ", got " + describe(peek()), foreignWordHint(peek(), afterCondition));
    }
    // The source text from token `from` up to the current token (an operand
    // quoted in a hint), or "" when it spans lines or is long.
    std::string textSince(size_t from) const {
        if (from >= pos_) return "";
        const Token& first = tokens_[from];
        const Token& last = tokens_[pos_ - 1];
        std::string_view text = std::string_view(file_.text()).substr(first.offset, last.offset + last.length - first.offset);
        if (text.size() > 40 || text.find('\n') != std::string_view::npos) return "";
        return std::string(text);
    }
    const Token& expect(TokenKind k, const std::string& what) {
        if (!check(k)) failExpected(what);
        return advance();
    }
    const Token& expectClosing(TokenKind k, const Token& opener) {
        if (!check(k))
            failExpected(std::string(tokenKindText(k)) + " to close " + tokenKindText(opener.kind) +
                         " at " + locText(opener.location));
        return advance();
    }
    std::string expectName(const std::string& what) {
        if (!check(TokenKind::Identifier)) {
            if (isKeyword(peek().kind))
                fail(peek().location, "'" + peek().text + "' is a keyword and cannot be used as " + what);
            failExpected(what);
        }
        return advance().text;
    }

    struct NestGuard {
        Parser& p;
        explicit NestGuard(Parser& parser) : p(parser) {
            if (++p.nesting_ > kMaxNesting) {
                --p.nesting_;
                p.fail(p.peek().location, "nesting is too deep (limit " + std::to_string(kMaxNesting) + ")");
            }
            p.addDepth(1);
        }
        ~NestGuard() {
            --p.nesting_;
            --p.depth_;
        }
    };
    // Counts the links of one left-leaning chain against kMaxDepth.
    struct ChainGuard {
        Parser& p;
        int links = 0;
        explicit ChainGuard(Parser& parser) : p(parser) {}
        void link() {
            p.addDepth(1);
            ++links;
        }
        ~ChainGuard() { p.depth_ -= links; }
    };
    void addDepth(int n) {
        if (depth_ + n > kMaxDepth)
            fail(peek().location, "expression or statement chain is too long (limit " + std::to_string(kMaxDepth) +
                                      " levels); split it up");
        depth_ += n;
    }
    // Saves and restores the newline/struct context around a nested region.
    struct Context {
        Parser& p;
        int savedDepth;
        bool savedNoStruct;
        Context(Parser& parser, int depth, bool noStruct)
            : p(parser), savedDepth(parser.groupDepth_), savedNoStruct(parser.noStruct_) {
            p.groupDepth_ = depth;
            p.noStruct_ = noStruct;
        }
        ~Context() {
            p.groupDepth_ = savedDepth;
            p.noStruct_ = savedNoStruct;
        }
    };

    // Skips to the next plausible statement start after an error.
    void synchronize(size_t startPos) {
        if (pos_ == startPos) advance();
        int depth = 0;
        while (!check(TokenKind::Eof)) {
            if (depth == 0) {
                if (check(TokenKind::Semicolon)) {
                    advance();
                    return;
                }
                if (check(TokenKind::RBrace) || peek().newlineBefore) return;
            }
            if (check(TokenKind::LBrace)) ++depth;
            if (check(TokenKind::RBrace)) --depth;
            advance();
        }
    }

    StmtPtr statementOrRecover() {
        size_t start = pos_;
        int savedGroup = groupDepth_, savedLoop = loopDepth_, savedFn = functionDepth_, savedNest = nesting_,
            savedDepth = depth_;
        bool savedNoStruct = noStruct_;
        int savedMethod = methodDepth_;
        try {
            return statement();
        } catch (ParseError&) {
            groupDepth_ = savedGroup;
            loopDepth_ = savedLoop;
            functionDepth_ = savedFn;
            functions_.resize(size_t(savedFn));
            methodDepth_ = savedMethod;
            nesting_ = savedNest;
            depth_ = savedDepth;
            noStruct_ = savedNoStruct;
            synchronize(start);
            return nullptr;
        }
    }

    // Statements end at a newline, ';', or before '}' / end of file.
    void endStatement() {
        if (match(TokenKind::Semicolon)) return;
        if (check(TokenKind::RBrace) || check(TokenKind::Eof) || peek().newlineBefore) return;
        if (pos_ > 0 && isNameToken(tokens_[pos_ - 1]))
            if (auto h = foreignOperator(peek(), peek(1), tokens_[pos_ - 1].text)) fail(*h); // `x := 1`
        failExpected("end of statement (newline or ';')");
    }

    // statement := let | fn-decl | class | interface | import | if | while | for
    //            | try | throw | return | break | continue | block | simple
    StmtPtr statement() {
        NestGuard guard(*this);
        const Token& t = peek();
        StmtPtr s;
        switch (t.kind) {
        case TokenKind::KwLet: s = letStatement(); break;
        case TokenKind::KwFn:
            if (peek(1).kind == TokenKind::Identifier || isKeyword(peek(1).kind)) {
                s = functionStatement();
                return s;
            }
            s = simpleStatement();
            break;
        case TokenKind::KwClass: return classStatement();
        case TokenKind::KwInterface: return interfaceStatement();
        case TokenKind::KwImport: s = importStatement(); break;
        case TokenKind::KwIf: return ifStatement();
        case TokenKind::KwWhile: return whileStatement();
        case TokenKind::KwFor: return forStatement();
        case TokenKind::KwTry: return tryStatement();
        case TokenKind::KwThrow: {
            auto th = std::make_unique<ThrowStmt>(advance().location);
            if (atStatementEnd()) failExpected("an expression after 'throw'");
            th->value = expression();
            s = std::move(th);
            break;
        }
        case TokenKind::KwReturn: s = returnStatement(); break;
        case TokenKind::KwBreak:
        case TokenKind::KwContinue: {
            bool isBreak = t.kind == TokenKind::KwBreak;
            if (loopDepth_ == 0)
                fail(t.location, std::string("'") + (isBreak ? "break" : "continue") + "' outside a loop");
            SourceLocation at = advance().location;
            s = std::make_unique<Stmt>(isBreak ? StmtKind::Break : StmtKind::Continue, at);
            break;
        }
        case TokenKind::LBrace: return block();
        default:
            if (auto h = foreignDeclaration(t, peek(1), peek(2))) fail(*h);
            s = simpleStatement();
            break;
        }
        endStatement();
        return s;
    }

    bool atStatementEnd() const {
        return check(TokenKind::Semicolon) || check(TokenKind::RBrace) || check(TokenKind::Eof) ||
               peek().newlineBefore;
    }

    // let := 'let' name (':' type)? ('=' expression)?
    StmtPtr letStatement() {
        auto s = std::make_unique<LetStmt>(advance().location);
        s->location = peek().location;
        s->name = expectName("a variable name");
        if (auto h = foreignOperator(peek(), peek(1), s->name)) fail(*h); // `let x := 1`
        if (match(TokenKind::Colon)) s->type = typeRef();
        if (match(TokenKind::Assign)) s->init = expression();
        return s;
    }

    // return := 'return' expression?   (a bare return ends at newline, ';' or '}')
    StmtPtr returnStatement() {
        auto s = std::make_unique<ReturnStmt>(advance().location);
        if (functionDepth_ == 0 && false) fail(s->location, "'return' outside a function");
        if (!atStatementEnd()) s->value = expression();
        return s;
    }

    // simple := expression (assign-op expression)?
    StmtPtr simpleStatement() {
        SourceLocation at = peek().location;
        ExprPtr e = expression();
        TokenKind op = peek().kind;
        if (op == TokenKind::Assign || op == TokenKind::PlusAssign || op == TokenKind::MinusAssign ||
            op == TokenKind::StarAssign || op == TokenKind::SlashAssign || op == TokenKind::PercentAssign) {
            SourceLocation opAt = advance().location;
            if (e->kind != ExprKind::Identifier && e->kind != ExprKind::Member && e->kind != ExprKind::Index)
                fail(at, "cannot assign to this expression");
            ExprPtr value = expression();
            return std::make_unique<AssignStmt>(std::move(e), op, std::move(value), opAt);
        }
        return std::make_unique<ExprStmt>(std::move(e), at);
    }

    // block := '{' statement* '}'
    std::unique_ptr<BlockStmt> block() {
        const Token& open = expect(TokenKind::LBrace, "'{'");
        Token opener = open;
        auto b = std::make_unique<BlockStmt>(opener.location);
        Context ctx(*this, 0, false);
        while (!check(TokenKind::RBrace) && !check(TokenKind::Eof)) {
            if (match(TokenKind::Semicolon)) continue;
            if (auto s = statementOrRecover()) b->body.push_back(std::move(s));
        }
        b->endLocation = peek().location;
        expectClosing(TokenKind::RBrace, opener);
        return b;
    }

    // Header expression of if/while/for: `ident {` opens the block.
    ExprPtr headerExpression() {
        Context ctx(*this, 0, true);
        return expression();
    }

    // The block after an if/while/for header, with a hint when the header
    // is another language's (`if x = 1`, `if a and b`, `if x:`).
    std::unique_ptr<BlockStmt> headerBlock(const std::string& after = "the condition") {
        if (check(TokenKind::Assign))
            fail(peek().location, "expected '{' after " + after + ", got '='",
                 "to compare, write '=='; an assignment is a statement, not an expression");
        if (!check(TokenKind::LBrace)) failExpected("'{' after " + after, true);
        return block();
    }

    // if := 'if' expr block ('else' (if | block))?
    StmtPtr ifStatement() {
        auto s = std::make_unique<IfStmt>(advance().location);
        s->condition = headerExpression();
        s->thenBlock = headerBlock();
        if (match(TokenKind::KwElse)) {
            if (check(TokenKind::KwIf)) {
                ChainGuard chain(*this); // a long else-if chain is not deep nesting
                chain.link();
                s->elseBranch = ifStatement();
            } else {
                s->elseBranch = block();
            }
        }
        return s;
    }

    // while := 'while' expr block
    StmtPtr whileStatement() {
        auto s = std::make_unique<WhileStmt>(advance().location);
        s->condition = headerExpression();
        ++loopDepth_;
        s->body = headerBlock();
        --loopDepth_;
        return s;
    }

    // for := 'for' name 'in' expr block
    StmtPtr forStatement() {
        auto s = std::make_unique<ForInStmt>(advance().location);
        s->variableLocation = peek().location;
        s->variable = expectName("a loop variable name");
        expect(TokenKind::KwIn, "'in'");
        s->iterable = headerExpression();
        ++loopDepth_;
        s->body = headerBlock("the loop's iterable");
        --loopDepth_;
        return s;
    }

    // try := 'try' block ('catch' name? block)? ('finally' block)?
    StmtPtr tryStatement() {
        auto s = std::make_unique<TryStmt>(advance().location);
        s->body = block();
        if (match(TokenKind::KwCatch)) {
            s->catchLocation = peek().location;
            if (check(TokenKind::Identifier)) s->catchName = advance().text;
            else if (!check(TokenKind::LBrace)) s->catchName = expectName("a name for the caught value");
            else s->catchName = "_";
            s->catchBody = block();
        }
        if (check(TokenKind::Identifier) && peek().text == "finally") {
            advance();
            s->finallyBody = block();
        }
        if (!s->catchBody && !s->finallyBody) failExpected("'catch' or 'finally' after the try block");
        return s;
    }

    // fn-decl := 'fn' name '(' params ')' (':' type)? block
    StmtPtr functionStatement() {
        SourceLocation at = advance().location;
        auto decl = std::make_shared<FunctionDecl>();
        decl->location = peek().location;
        decl->name = expectName("a function name");
        functionRest(*decl, false);
        return std::make_unique<FunctionStmt>(std::move(decl), at);
    }

    // params := '(' (param (',' param)* ','?)? ')'
    // param := '...'? name (':' type)?
    void functionRest(FunctionDecl& decl, bool isMethod) {
        const Token& open = expect(TokenKind::LParen, "'(' to start the parameter list");
        Token opener = open;
        {
            Context ctx(*this, 1, false);
            std::set<std::string> seen;
            while (!check(TokenKind::RParen)) {
                if (decl.variadic) fail(peek().location, "a variadic parameter must be the last one");
                bool rest = match(TokenKind::Ellipsis);
                Param p;
                p.location = peek().location;
                p.name = expectName("a parameter name");
                if (!seen.insert(p.name).second) fail(p.location, "duplicate parameter '" + p.name + "'");
                if (match(TokenKind::Colon)) p.type = typeRef();
                decl.params.push_back(std::move(p));
                decl.variadic = rest;
                if (!match(TokenKind::Comma)) break;
            }
            expectClosing(TokenKind::RParen, opener);
        }
        if (match(TokenKind::Colon)) decl.returnType = typeRef();
        int savedLoop = loopDepth_;
        loopDepth_ = 0;
        for (FunctionDecl* outer : functions_) outer->hasNestedFunctions = true;
        ++functionDepth_;
        functions_.push_back(&decl);
        if (isMethod) ++methodDepth_;
        auto body = block();
        if (isMethod) --methodDepth_;
        --functionDepth_;
        functions_.pop_back();
        loopDepth_ = savedLoop;
        decl.body = std::move(body->body);
        decl.endLocation = body->endLocation;
        decl.isMethod = isMethod;
    }

    // type := (name ('.' name)*) ('[' ']')*
    TypeRef typeRef() {
        TypeRef t;
        t.location = peek().location;
        if (!isNameToken(peek())) failExpected("a type");
        t.name = advance().text;
        while (check(TokenKind::Dot) && !peek().newlineBefore) {
            advance();
            if (!isNameToken(peek())) failExpected("a type name after '.'");
            t.name += "." + advance().text;
        }
        while (check(TokenKind::LBracket) && peek(1).kind == TokenKind::RBracket) {
            advance();
            advance();
            t.isArray = true;
        }
        return t;
    }

    // class := 'class' name ('extends' path)? '{' ('fn' name params block)* '}'
    StmtPtr classStatement() {
        auto s = std::make_unique<ClassStmt>(advance().location);
        s->location = peek().location;
        s->name = expectName("a class name");
        if (match(TokenKind::KwExtends)) s->superclass = typePath();
        const Token& open = expect(TokenKind::LBrace, "'{' to start the class body");
        Token opener = open;
        Context ctx(*this, 0, false);
        while (!check(TokenKind::RBrace) && !check(TokenKind::Eof)) {
            if (match(TokenKind::Semicolon)) continue;
            size_t memberStart = pos_;
            int savedNest = nesting_, savedDepth = depth_, savedLoop = loopDepth_, savedFn = functionDepth_,
                savedMethod = methodDepth_;
            try {
                if (!check(TokenKind::KwFn)) failExpected("a method ('fn name(...) { }') in the class body");
                advance();
                auto decl = std::make_shared<FunctionDecl>();
                decl->location = peek().location;
                if (!isNameToken(peek())) failExpected("a method name");
                decl->name = advance().text;
                functionRest(*decl, true);
                s->methods.push_back(std::move(decl));
            } catch (ParseError&) {
                // Stay in the class body: skip to the next line starting with
                // 'fn' or to the class's closing brace.
                nesting_ = savedNest;
                depth_ = savedDepth;
                loopDepth_ = savedLoop;
                functionDepth_ = savedFn;
                functions_.resize(size_t(savedFn));
                methodDepth_ = savedMethod;
                groupDepth_ = 0;
                noStruct_ = false;
                if (pos_ == memberStart) advance();
                int braces = 0;
                while (!check(TokenKind::Eof)) {
                    if (braces == 0 && (check(TokenKind::RBrace) ||
                                        (check(TokenKind::KwFn) && peek().newlineBefore)))
                        break;
                    if (check(TokenKind::LBrace)) ++braces;
                    if (check(TokenKind::RBrace)) --braces;
                    advance();
                }
            }
        }
        expectClosing(TokenKind::RBrace, opener);
        return s;
    }

    // interface := 'interface' name '{' ('fn' name params (':' type)?)* '}'
    StmtPtr interfaceStatement() {
        auto s = std::make_unique<InterfaceStmt>(advance().location);
        s->location = peek().location;
        s->name = expectName("an interface name");
        const Token& open = expect(TokenKind::LBrace, "'{' to start the interface body");
        Token opener = open;
        Context ctx(*this, 0, false);
        while (!check(TokenKind::RBrace) && !check(TokenKind::Eof)) {
            if (match(TokenKind::Semicolon)) continue;
            expect(TokenKind::KwFn, "a method signature ('fn name(...)')");
            InterfaceMethod m;
            m.location = peek().location;
            if (!isNameToken(peek())) failExpected("a method name");
            m.name = advance().text;
            FunctionDecl sig;
            const Token& po = expect(TokenKind::LParen, "'('");
            Token popen = po;
            {
                Context inner(*this, 1, false);
                while (!check(TokenKind::RParen)) {
                    match(TokenKind::Ellipsis);
                    expectName("a parameter name");
                    if (match(TokenKind::Colon)) typeRef();
                    ++m.arity;
                    if (!match(TokenKind::Comma)) break;
                }
                expectClosing(TokenKind::RParen, popen);
            }
            if (match(TokenKind::Colon)) typeRef();
            s->methods.push_back(std::move(m));
        }
        expectClosing(TokenKind::RBrace, opener);
        return s;
    }

    // import := 'import' name | 'import' '{' name (',' name)* ','? '}' 'from' string
    StmtPtr importStatement() {
        auto s = std::make_unique<ImportStmt>(advance().location);
        if (check(TokenKind::LBrace)) {
            Token opener = advance();
            Context ctx(*this, 1, false);
            while (!check(TokenKind::RBrace)) {
                SourceLocation at = peek().location;
                s->names.emplace_back(expectName("an imported name"), at);
                if (!match(TokenKind::Comma)) break;
            }
            expectClosing(TokenKind::RBrace, opener);
            expect(TokenKind::KwFrom, "'from'");
            s->spec = expect(TokenKind::String, "a module path string").text;
        } else {
            s->spec = expectName("a module name");
            while (check(TokenKind::Slash) && !peek().newlineBefore) {
                advance();
                s->spec += "/" + expectName("a module name");
            }
            auto slash = s->spec.rfind('/');
            s->binding = slash == std::string::npos ? s->spec : s->spec.substr(slash + 1);
        }
        return s;
    }

    // ---- expressions ----

    // path := name ('.' name)*   (the right side of 'is' and 'extends')
    ExprPtr typePath() {
        SourceLocation at = peek().location;
        ExprPtr e = std::make_unique<IdentifierExpr>(expectName("a type name"), at);
        while (check(TokenKind::Dot) && !atLineBreak()) {
            SourceLocation dot = advance().location;
            if (!isNameToken(peek())) failExpected("a name after '.'");
            e = std::make_unique<MemberExpr>(std::move(e), advance().text, dot);
        }
        return e;
    }

    ExprPtr expression() { return binary(1); }

    static int precedence(TokenKind k) {
        switch (k) {
        case TokenKind::OrOr: return 1;
        case TokenKind::AndAnd: return 2;
        case TokenKind::Eq: case TokenKind::NotEq: case TokenKind::Less: case TokenKind::LessEq:
        case TokenKind::Greater: case TokenKind::GreaterEq: case TokenKind::KwIs: return 3;
        case TokenKind::Plus: case TokenKind::Minus: case TokenKind::Pipe: case TokenKind::Caret: return 4;
        case TokenKind::Star: case TokenKind::Slash: case TokenKind::Percent: case TokenKind::Shl:
        case TokenKind::Shr: case TokenKind::Amp: return 5;
        default: return 0;
        }
    }

    // binary := unary (binop unary)*   (left-assoc, Go precedence)
    ExprPtr binary(int minPrec) {
        NestGuard guard(*this);
        ChainGuard chain(*this);
        size_t leftStart = pos_;
        ExprPtr left = unary();
        for (;;) {
            if (atLineBreak()) return left;
            TokenKind op = peek().kind;
            int prec = precedence(op);
            if (prec == 0 || prec < minPrec) return left;
            // `i++`, `a === b`; `a--b` is a valid `a - (-b)`, `i--` at the end is not.
            bool minusAtEnd = op == TokenKind::Minus && (peek(2).newlineBefore || peek(2).kind == TokenKind::Semicolon ||
                                                         peek(2).kind == TokenKind::RBrace ||
                                                         peek(2).kind == TokenKind::RParen || peek(2).kind == TokenKind::Eof);
            bool glued = peek().offset + peek().length == peek(1).offset; // checked first: it is rare
            if (glued && (op != TokenKind::Minus || minusAtEnd))
                if (auto h = foreignOperator(peek(), peek(1), textSince(leftStart))) fail(*h);
            chain.link();
            SourceLocation at = advance().location;
            if (op == TokenKind::KwIs) {
                ExprPtr type = typePath();
                left = std::make_unique<IsExpr>(std::move(left), std::move(type), at);
                continue;
            }
            ExprPtr right = binary(prec + 1);
            ExprKind kind = (op == TokenKind::AndAnd || op == TokenKind::OrOr) ? ExprKind::Logical : ExprKind::Binary;
            left = std::make_unique<BinaryExpr>(kind, op, std::move(left), std::move(right), at);
        }
    }

    // unary := ('!' | '-' | '~') unary | postfix
    ExprPtr unary() {
        TokenKind k = peek().kind;
        if (k == TokenKind::Bang || k == TokenKind::Minus || k == TokenKind::Tilde) {
            NestGuard guard(*this);
            SourceLocation at = advance().location;
            ExprPtr operand = unary();
            return std::make_unique<UnaryExpr>(k, std::move(operand), at);
        }
        return postfix(primary());
    }

    // postfix := primary ( '(' args ')' | '[' expr ']' | '.' name | struct-body )*
    ExprPtr postfix(ExprPtr e) {
        ChainGuard chain(*this);
        for (;;) {
            const Token& t = peek();
            bool breakHere = atLineBreak();
            if (t.kind == TokenKind::Dot || (!breakHere && (t.kind == TokenKind::LParen ||
                                                            t.kind == TokenKind::LBracket ||
                                                            t.kind == TokenKind::LBrace)))
                chain.link();
            if (t.kind == TokenKind::Dot) {
                SourceLocation at = advance().location;
                if (!isNameToken(peek())) failExpected("a field or method name after '.'");
                e = std::make_unique<MemberExpr>(std::move(e), advance().text, at);
            } else if (breakHere) {
                return e;
            } else if (t.kind == TokenKind::LParen) {
                Token opener = advance();
                auto call = std::make_unique<CallExpr>(std::move(e), opener.location);
                Context ctx(*this, 1, false);
                while (!check(TokenKind::RParen)) {
                    call->args.push_back(expression());
                    if (!match(TokenKind::Comma)) break;
                }
                expectClosing(TokenKind::RParen, opener);
                e = std::move(call);
            } else if (t.kind == TokenKind::LBracket) {
                Token opener = advance();
                Context ctx(*this, 1, false);
                ExprPtr index = expression();
                expectClosing(TokenKind::RBracket, opener);
                e = std::make_unique<IndexExpr>(std::move(e), std::move(index), opener.location);
            } else if (t.kind == TokenKind::LBrace && !noStruct_ &&
                       (e->kind == ExprKind::Identifier || e->kind == ExprKind::Member)) {
                auto lit = std::make_unique<ObjectExpr>(ExprKind::Struct, t.location);
                lit->type = std::move(e);
                objectBody(*lit);
                e = std::move(lit);
            } else {
                return e;
            }
        }
    }

    // object-body := '{' (key ':' expr (',' key ':' expr)* ','?)? '}'
    // key := name | keyword | string
    void objectBody(ObjectExpr& obj) {
        Token opener = advance();
        Context ctx(*this, 1, false);
        while (!check(TokenKind::RBrace)) {
            ObjectEntry entry;
            entry.location = peek().location;
            if (isNameToken(peek()) || check(TokenKind::String)) entry.key = advance().text;
            else failExpected("an object key (a name or a string)");
            expect(TokenKind::Colon, "':' after the object key");
            entry.value = expression();
            obj.entries.push_back(std::move(entry));
            if (!match(TokenKind::Comma)) break;
        }
        expectClosing(TokenKind::RBrace, opener);
    }

    // primary := literal | name | 'self' | '(' expr ')' | array | object | fn-literal | super.name
    ExprPtr primary() {
        const Token& t = peek();
        SourceLocation at = t.location;
        switch (t.kind) {
        case TokenKind::Int: {
            auto e = std::make_unique<LiteralExpr>(ExprKind::Int, at);
            e->intValue = advance().intValue;
            return e;
        }
        case TokenKind::Float: {
            auto e = std::make_unique<LiteralExpr>(ExprKind::Float, at);
            e->floatValue = advance().floatValue;
            return e;
        }
        case TokenKind::String: {
            auto e = std::make_unique<LiteralExpr>(ExprKind::String, at);
            e->stringValue = advance().text;
            return e;
        }
        case TokenKind::KwTrue: advance(); return std::make_unique<LiteralExpr>(ExprKind::True, at);
        case TokenKind::KwFalse: advance(); return std::make_unique<LiteralExpr>(ExprKind::False, at);
        case TokenKind::KwNil: advance(); return std::make_unique<LiteralExpr>(ExprKind::Nil, at);
        case TokenKind::KwSelf:
            advance();
            return std::make_unique<Expr>(ExprKind::Self, at);
        case TokenKind::Identifier:
            if (t.text == "super" && peek(1).kind == TokenKind::Dot && methodDepth_ > 0) {
                advance();
                advance();
                if (!isNameToken(peek())) failExpected("a method name after 'super.'");
                return std::make_unique<SuperMemberExpr>(advance().text, at);
            }
            return std::make_unique<IdentifierExpr>(advance().text, at);
        case TokenKind::LParen: {
            Token opener = advance();
            Context ctx(*this, 1, false);
            ExprPtr e = expression();
            expectClosing(TokenKind::RParen, opener);
            return e;
        }
        case TokenKind::LBracket: {
            Token opener = advance();
            auto arr = std::make_unique<ArrayExpr>(at);
            Context ctx(*this, 1, false);
            while (!check(TokenKind::RBracket)) {
                arr->elements.push_back(expression());
                if (!match(TokenKind::Comma)) break;
            }
            expectClosing(TokenKind::RBracket, opener);
            return arr;
        }
        case TokenKind::LBrace: {
            auto obj = std::make_unique<ObjectExpr>(ExprKind::Object, at);
            objectBody(*obj);
            return obj;
        }
        case TokenKind::KwFn: {
            advance();
            auto decl = std::make_shared<FunctionDecl>();
            decl->location = at;
            Context ctx(*this, 0, false);
            functionRest(*decl, false);
            return std::make_unique<FunctionExpr>(std::move(decl), at);
        }
        case TokenKind::Error:
            // Already reported by the lexer; stands in for the bad literal.
            advance();
            return std::make_unique<LiteralExpr>(ExprKind::Nil, at);
        default:
            if (isKeyword(t.kind))
                fail(at, "unexpected keyword '" + t.text + "' in an expression");
            if (t.kind == TokenKind::Plus && isNameToken(peek(2))) // `++i`
                if (auto h = foreignOperator(t, peek(1), peek(2).text)) fail(*h);
            failExpected("an expression");
        }
    }
};

} // namespace

Program parseProgram(const SourceFile& file, Diagnostics& diagnostics) {
    return Parser(file, diagnostics).parse();
}

} // namespace langoost
