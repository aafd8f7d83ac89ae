#include "tools/lsp/Workspace.h"

#include "common/SourceFile.h"
#include "modules/ModuleResolver.h"
#include "syntax/Parser.h"

#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace langoost::lsp {

void Workspace::analyse(Document& doc, std::string text) {
    doc.file = std::make_unique<SourceFile>(doc.path.string(), std::move(text));
    doc.analysis.reset();
    doc.syntaxErrors = Diagnostics();
    doc.program = parseProgram(*doc.file, doc.syntaxErrors);
    doc.analysis = std::make_unique<Analysis>(*doc.file, doc.program);
}

Document& Workspace::open(const fs::path& path, std::string text) {
    auto& slot = docs_[path];
    if (!slot) slot = std::make_unique<Document>();
    slot->path = path;
    slot->open = true;
    analyse(*slot, std::move(text));
    return *slot;
}

void Workspace::close(const fs::path& path) {
    auto it = docs_.find(path);
    if (it != docs_.end()) it->second->open = false, it->second->mtime = {};
}

Document* Workspace::get(const fs::path& path) {
    auto& slot = docs_[path];
    if (slot && slot->open) return slot.get();
    std::error_code ec;
    auto mtime = fs::last_write_time(path, ec);
    if (ec || !fs::is_regular_file(path, ec)) return slot ? slot.get() : nullptr;
    if (slot && slot->mtime == mtime) return slot.get();
    std::ifstream in(path, std::ios::binary);
    if (!in) return nullptr;
    std::ostringstream text;
    text << in.rdbuf();
    if (!slot) slot = std::make_unique<Document>();
    slot->path = path;
    slot->mtime = mtime;
    analyse(*slot, text.str());
    return slot.get();
}

ImportTarget Workspace::resolve(const Document& from, const std::string& spec) {
    ImportTarget t;
    for (const auto& n : natives())
        if (n.name == spec) {
            t.native = &n;
            return t;
        }
    ResolvedPath r = resolveModulePath(spec, from.path.parent_path());
    if (r.file) t.document = get(*r.file);
    return t;
}

std::vector<Diagnostic> Workspace::diagnose(const Document& doc) {
    // A tree with syntax errors is only good for the analysis, as compileSource does.
    Diagnostics diags = doc.syntaxErrors;
    if (!diags.hasErrors()) loader_->loadParsed(*doc.file, doc.program, doc.path.parent_path(), diags);
    std::vector<Diagnostic> own;
    for (const auto& d : diags.errors())
        if (d.path == doc.file->path()) own.push_back(d);
    return own;
}

void Workspace::loadFolder(const fs::path& root) {
    std::error_code ec;
    size_t budget = 5000; // files: a home directory opened as a folder must not take minutes
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator() && budget; it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (it->is_directory(ec) && (name == ".git" || name == "goost_modules" || name == "node_modules")) {
            it.disable_recursion_pending();
            continue;
        }
        if (it->path().extension() == ".goost" && it->is_regular_file(ec)) {
            get(fs::weakly_canonical(it->path(), ec));
            --budget;
        }
    }
}

std::vector<Document*> Workspace::documents() {
    std::vector<Document*> out;
    for (auto& [path, doc] : docs_)
        if (doc && doc->analysis) out.push_back(doc.get());
    return out;
}

} // namespace langoost::lsp
