#include <gtest/gtest.h>

#include "syntax/Lexer.h"

using namespace langoost;

namespace {
std::vector<Token> lex(const std::string& text) { return tokenize(SourceFile("t.goost", text)); }
} // namespace

TEST(Lexer, KeywordsIdentifiersAndPositions) {
    auto t = lex("let x = fn\n  y");
    ASSERT_EQ(t.size(), 6u);
    EXPECT_EQ(t[0].kind, TokenKind::KwLet);
    EXPECT_EQ(t[1].kind, TokenKind::Identifier);
    EXPECT_EQ(t[1].text, "x");
    EXPECT_EQ(t[2].kind, TokenKind::Assign);
    EXPECT_EQ(t[3].kind, TokenKind::KwFn);
    EXPECT_EQ(t[4].location.line, 2u);
    EXPECT_EQ(t[4].location.column, 3u);
    EXPECT_TRUE(t[4].newlineBefore);
    EXPECT_FALSE(t[3].newlineBefore);
    EXPECT_EQ(t[5].kind, TokenKind::Eof);
}

TEST(Lexer, IntegerForms) {
    auto t = lex("42 0xff 0b1010 1_000_000");
    EXPECT_EQ(t[0].intValue, 42);
    EXPECT_EQ(t[1].intValue, 255);
    EXPECT_EQ(t[2].intValue, 10);
    EXPECT_EQ(t[3].intValue, 1000000);
}

TEST(Lexer, FloatForms) {
    auto t = lex("1.5 36.0 1e9 2.5e-3");
    for (int i = 0; i < 4; ++i) EXPECT_EQ(t[i].kind, TokenKind::Float);
    EXPECT_DOUBLE_EQ(t[0].floatValue, 1.5);
    EXPECT_DOUBLE_EQ(t[2].floatValue, 1e9);
    EXPECT_DOUBLE_EQ(t[3].floatValue, 2.5e-3);
}

TEST(Lexer, StringEscapes) {
    auto t = lex(R"("a\"b\\\n\r\t\0\x41\u00e9\u{1F600}${x}")");
    ASSERT_EQ(t[0].kind, TokenKind::String);
    std::string expected = std::string("a\"b\\\n\r\t") + '\0' + "A\xC3\xA9\xF0\x9F\x98\x80${x}";
    EXPECT_EQ(t[0].text, expected);
}

TEST(Lexer, ErrorsBecomeErrorTokens) {
    EXPECT_EQ(lex("\"abc")[0].kind, TokenKind::Error);
    EXPECT_EQ(lex("0x")[0].kind, TokenKind::Error);
    EXPECT_EQ(lex("\"\\q\"")[0].kind, TokenKind::Error);
    EXPECT_EQ(lex("/* never closed")[0].kind, TokenKind::Error);
    EXPECT_EQ(lex("#")[0].kind, TokenKind::Error);
}

TEST(Lexer, OperatorsAndEllipsis) {
    auto t = lex("a <<= ... && || != <= >= >> .x");
    EXPECT_EQ(t[1].kind, TokenKind::Shl);
    EXPECT_EQ(t[2].kind, TokenKind::Assign);
    EXPECT_EQ(t[3].kind, TokenKind::Ellipsis);
    EXPECT_EQ(t[4].kind, TokenKind::AndAnd);
    EXPECT_EQ(t[5].kind, TokenKind::OrOr);
    EXPECT_EQ(t[6].kind, TokenKind::NotEq);
    EXPECT_EQ(t[9].kind, TokenKind::Shr);
    EXPECT_EQ(t[10].kind, TokenKind::Dot);
}

TEST(Lexer, CommentsAreCollectedOnlyWhenAsked) {
    std::string text = "a // one\n/* two\n */ b /* three */\n";
    SourceFile file("t.goost", text);
    std::vector<Comment> comments;
    auto withComments = tokenize(file, &comments);
    auto without = tokenize(file);
    ASSERT_EQ(withComments.size(), without.size());
    ASSERT_EQ(comments.size(), 3u);
    EXPECT_EQ(text.substr(comments[0].offset, comments[0].length), "// one");
    EXPECT_EQ(text.substr(comments[1].offset, comments[1].length), "/* two\n */");
    EXPECT_EQ(comments[1].location.line, 2u);
    EXPECT_EQ(comments[1].location.column, 1u);
    EXPECT_EQ(text.substr(comments[2].offset, comments[2].length), "/* three */");
    EXPECT_EQ(comments[2].location.column, 7u);
    EXPECT_TRUE(withComments[1].newlineBefore); // b: the block comment spans a newline
}
