#include "compiler/Compiler.h"

#include "compiler/CompilerImpl.h"
#include "common/Suggest.h"
#include "syntax/Parser.h"

namespace langoost {

CompilerImpl::CompilerImpl(const SourceFile& file, Diagnostics& diags, const CompileOptions& options)
    : file_(file), diags_(diags), options_(options) {
    for (size_t i = 0; i < options.builtinNames.size(); ++i) builtins_[options.builtinNames[i]] = uint32_t(i);
    uint32_t fnv = 2166136261u; // FNV-1a: the same slots on every build and machine
    for (unsigned char c : file.path()) fnv = (fnv ^ c) * 16777619u;
    nextInvokeSlot_ = fnv;
}

void CompilerImpl::error(SourceLocation at, const std::string& message, std::string hint) {
    diags_.error(file_, at, message, std::move(hint));
}

std::vector<std::string> CompilerImpl::namesInScope() {
    std::vector<std::string> names;
    for (FunctionState* f = fs_; f; f = f->enclosing()) {
        for (auto it = f->locals().rbegin(); it != f->locals().rend(); ++it) names.push_back(it->name);
        for (const auto& u : f->upvalues) names.push_back(u.name);
    }
    names.insert(names.end(), module_->globalNames.begin(), module_->globalNames.end());
    names.insert(names.end(), options_.builtinNames.begin(), options_.builtinNames.end());
    return names;
}

std::string CompilerImpl::nameHint(const std::string& name) {
    // Other languages' spellings of Langoost's keywords.
    static const std::pair<const char*, const char*> foreign[] = {
        {"null", "nil"}, {"None", "nil"}, {"undefined", "nil"}, {"nullptr", "nil"}, {"NULL", "nil"},
        {"True", "true"}, {"False", "false"}, {"this", "self"},
    };
    for (const auto& [word, langoost] : foreign)
        if (name == word) return "Langoost writes '" + std::string(langoost) + "'";
    std::string match = closestName(name, namesInScope());
    return match.empty() ? std::string() : "did you mean '" + match + "'?";
}

std::unique_ptr<CompiledModule> CompilerImpl::compile(const Program& program) {
    module_ = std::make_unique<CompiledModule>();
    module_->path = file_.path();
    module_->builtinNames = options_.builtinNames;
    module_->main = std::make_unique<FunctionProto>();
    FunctionProto* main = module_->main.get();
    main->name = "<main>";
    main->path = file_.path();
    main->location = {1, 1};
    FunctionState state(main, nullptr);
    fs_ = &state;
    state.adjustStack(1); // slot 0: the running closure
    state.declareLocalAt("", 0);

    declareGlobals(program);
    findConstantGlobals(program);
    findTopLevelLocals(program);
    hoistDeclarations(program);
    const Stmt* last = nullptr;
    for (const auto& s : program.body) {
        if (s->kind == StmtKind::Function || s->kind == StmtKind::Class || s->kind == StmtKind::Interface ||
            s->kind == StmtKind::Import)
            continue; // hoisted
        last = s.get();
    }
    for (const auto& s : program.body) {
        if (s->kind == StmtKind::Function || s->kind == StmtKind::Class || s->kind == StmtKind::Interface ||
            s->kind == StmtKind::Import)
            continue; // hoisted
        if (options_.replMode && s.get() == last && s->kind == StmtKind::Expression) {
            expression(*static_cast<const ExprStmt&>(*s).expr);
            state.emit(Opcode::Return, 0, s->location);
            state.adjustStack(-1);
            continue;
        }
        statement(*s);
    }
    writeBackTopLevelLocals();
    state.emit(Opcode::ReturnNil, 0, {0, 0});
    if (state.overflowed()) error({1, 1}, "the top-level code of this file is too large to compile");
    state.threadJumpsToReturns();
    fs_ = nullptr;
    if (diags_.hasErrors() || importFailed_) return nullptr;
    return std::move(module_);
}

std::unique_ptr<CompiledModule> compileProgram(const SourceFile& file, const Program& program,
                                               Diagnostics& diagnostics, const CompileOptions& options) {
    return CompilerImpl(file, diagnostics, options).compile(program);
}

std::unique_ptr<CompiledModule> compileSource(const SourceFile& file, Diagnostics& diagnostics,
                                              const CompileOptions& options) {
    Program program = parseProgram(file, diagnostics);
    if (diagnostics.hasErrors()) return nullptr;
    return compileProgram(file, program, diagnostics, options);
}

} // namespace langoost
