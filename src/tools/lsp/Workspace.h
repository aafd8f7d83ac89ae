// Workspace: the files the language server knows — the open documents
// (their unsaved text) and the files they import or that a search for
// references read from disk — each parsed and analysed, and the module
// resolution that connects them (the compiler's, see cli.md).
#pragma once
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "modules/ModuleLoader.h"
#include "tools/lsp/Analysis.h"

namespace langoost::lsp {

struct Document {
    std::filesystem::path path; // absolute, normalised
    std::unique_ptr<SourceFile> file;
    Program program;
    Diagnostics syntaxErrors; // the parser's
    std::unique_ptr<Analysis> analysis;
    bool open = false;
    std::filesystem::file_time_type mtime{}; // files read from disk
};

// What an import specifier names: a file, a standard module, or nothing.
struct ImportTarget {
    Document* document = nullptr;
    const NativeModuleInfo* native = nullptr;
};

class Workspace {
  public:
    explicit Workspace(std::shared_ptr<ModuleLoader> loader) : loader_(std::move(loader)) {}

    Document& open(const std::filesystem::path& path, std::string text);
    void close(const std::filesystem::path& path);
    // An open document, else the file from disk (re-read when it changed); null when unreadable.
    Document* get(const std::filesystem::path& path);
    ImportTarget resolve(const Document& from, const std::string& spec);
    // The compiler's diagnostics for a document's current text (imports from disk).
    std::vector<Diagnostic> diagnose(const Document& doc);
    // Every .goost file under `root` (skipping .git, goost_modules, node_modules), loaded.
    void loadFolder(const std::filesystem::path& root);
    std::vector<Document*> documents();

    const std::vector<std::string>& builtins() const { return loader_->builtinNames(); }
    const std::vector<NativeModuleInfo>& natives() const { return loader_->nativeModules(); }

  private:
    void analyse(Document& doc, std::string text);

    std::shared_ptr<ModuleLoader> loader_;
    std::map<std::filesystem::path, std::unique_ptr<Document>> docs_;
};

} // namespace langoost::lsp
