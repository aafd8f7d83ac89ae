// The language server's Analysis: name resolution by scope (shadowing,
// locals only after their `let`, top-level names from anywhere), class
// members (methods, fields from `self.x =` and struct literals), imports.
#include <gtest/gtest.h>

#include "syntax/Parser.h"
#include "tools/lsp/Analysis.h"

using namespace langoost;
using namespace langoost::lsp;

namespace {

struct Analysed {
    SourceFile file;
    Program program;
    std::unique_ptr<Analysis> analysis;
    explicit Analysed(const std::string& text) : file("t.goost", text) {
        Diagnostics diags;
        program = parseProgram(file, diags);
        analysis = std::make_unique<Analysis>(file, program);
    }
    // The symbol a use at (line, column) resolves to: its declaration's line.
    uint32_t declarationLineAt(uint32_t line, uint32_t column) const {
        int s = analysis->symbolAt({line, column});
        return s < 0 ? 0 : analysis->symbols()[size_t(s)].at.line;
    }
    std::vector<std::string> visibleNames(uint32_t line, uint32_t column) const {
        std::vector<std::string> out;
        for (int i : analysis->visibleAt({line, column})) out.push_back(analysis->symbols()[size_t(i)].name);
        std::sort(out.begin(), out.end());
        return out;
    }
};

} // namespace

TEST(LspAnalysis, InnerDeclarationsShadowOuterOnes) {
    Analysed a("let x = 1\n"
               "fn f(x) {\n"
               "    if true {\n"
               "        let x = 2\n"
               "        println(x)\n"
               "    }\n"
               "    return x\n"
               "}\n"
               "println(x)\n");
    EXPECT_EQ(a.declarationLineAt(5, 17), 4u); // the block's let
    EXPECT_EQ(a.declarationLineAt(7, 12), 2u); // the parameter
    EXPECT_EQ(a.declarationLineAt(9, 9), 1u);  // the global
}

TEST(LspAnalysis, LocalsAreVisibleOnlyAfterTheirLetTopLevelNamesEverywhere) {
    Analysed a("fn f() {\n"
               "    let early = g()\n"
               "    let late = 1\n"
               "    return late\n"
               "}\n"
               "fn g() { return 1 }\n");
    EXPECT_EQ(a.declarationLineAt(2, 17), 6u); // g is declared below
    auto names = a.visibleNames(2, 5);
    EXPECT_EQ(std::count(names.begin(), names.end(), "late"), 0);
    names = a.visibleNames(4, 5);
    EXPECT_EQ(std::count(names.begin(), names.end(), "late"), 1);
    EXPECT_EQ(std::count(names.begin(), names.end(), "early"), 1);
}

TEST(LspAnalysis, ClassMembersComeFromMethodsSelfAssignmentsAndLiterals) {
    Analysed a("class P {\n"
               "    fn norm() { return self.x + self.y }\n"
               "    fn move(d) { self.x = self.x + d }\n"
               "}\n"
               "let p = P{x: 1, y: 2, z: 3}\n"
               "p.move(1)\n");
    int klass = a.analysis->topLevel("P");
    ASSERT_GE(klass, 0);
    std::vector<std::string> members;
    for (int m : a.analysis->membersOf(klass)) members.push_back(a.analysis->symbols()[size_t(m)].name);
    std::sort(members.begin(), members.end());
    EXPECT_EQ(members, (std::vector<std::string>{"move", "norm", "x", "y", "z"}));
    EXPECT_EQ(a.declarationLineAt(6, 3), 3u);  // p.move -> the method
    EXPECT_EQ(a.declarationLineAt(2, 29), 3u); // self.x in norm -> its first assignment, in move
    EXPECT_EQ(a.analysis->classOfName("p", {6, 1}), klass);
    EXPECT_EQ(a.analysis->classOfName("self", {2, 20}), klass);
}

TEST(LspAnalysis, ImportsAreSymbolsAndModuleMembersAreReferences) {
    Analysed a("import strings\n"
               "import { add } from \"./lib\"\n"
               "println(strings.upper(\"x\"), add(1, 2))\n");
    int add = a.analysis->topLevel("add");
    ASSERT_GE(add, 0);
    EXPECT_EQ(a.analysis->symbols()[size_t(add)].importSpec, "./lib");
    EXPECT_EQ(a.analysis->symbols()[size_t(add)].importName, "add");
    const Reference* ref = nullptr;
    EXPECT_EQ(a.analysis->symbolAt({3, 18}, &ref), -1);
    ASSERT_NE(ref, nullptr);
    EXPECT_EQ(ref->member, "upper");
    EXPECT_EQ(a.analysis->symbols()[size_t(ref->viaImport)].name, "strings");
}

TEST(LspAnalysis, DocCommentsAboveDeclarations) {
    Analysed a("// Says hello.\n"
               "// Twice.\n"
               "fn hello() {}\n"
               "\n"
               "fn bare() {}\n");
    EXPECT_EQ(a.analysis->symbols()[size_t(a.analysis->topLevel("hello"))].doc, "Says hello.\nTwice.");
    EXPECT_EQ(a.analysis->symbols()[size_t(a.analysis->topLevel("bare"))].doc, "");
}

TEST(LspAnalysis, AFileWithSyntaxErrorsStillAnalysesWhatParsed) {
    Analysed a("fn ok(a) { return a }\n"
               "let broken = (\n"
               "fn alsoOk() { return ok(1) }\n");
    EXPECT_GE(a.analysis->topLevel("ok"), 0);
}
