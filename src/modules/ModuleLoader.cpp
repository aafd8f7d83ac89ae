#include "modules/ModuleLoader.h"

#include "common/Parking.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/Suggest.h"
#include "modules/ModuleResolver.h"

namespace fs = std::filesystem;

namespace langoost {
namespace {

std::string displayPath(const fs::path& canonical) {
    std::error_code ec;
    fs::path rel = fs::relative(canonical, fs::current_path(ec), ec);
    if (ec || rel.empty() || rel.native().starts_with("..")) return canonical.string();
    return rel.string();
}

} // namespace

ModuleLoader::ModuleLoader(std::vector<std::string> builtinNames, std::vector<NativeModuleInfo> nativeModules)
    : builtinNames_(std::move(builtinNames)), nativeModules_(std::move(nativeModules)) {}

CompileOptions ModuleLoader::baseOptions() const {
    CompileOptions options;
    options.builtinNames = builtinNames_;
    return options;
}

CompileOptions ModuleLoader::optionsFor(const fs::path& dir, Diagnostics& diagnostics,
                                        LoadContext& context) {
    CompileOptions options = baseOptions();
    options.resolveImport = [this, dir, &diagnostics, &context](const std::string& spec, SourceLocation) {
        return resolve(spec, dir, diagnostics, context);
    };
    return options;
}

// What to say about a module that was not found: a standard-library
// module or a file next to the importer with a similar name; otherwise
// where it was looked for (every path for a relative import, which tries
// a few; the places, not the paths, for a bare name, which tries dozens).
std::string ModuleLoader::notFoundHint(const std::string& spec, const fs::path& importerDir,
                                       const std::vector<std::string>& tried) const {
    bool relative = spec.starts_with("./") || spec.starts_with("../") || spec.starts_with("/");
    if (!relative) {
        std::vector<std::string> names;
        for (const auto& native : nativeModules_) names.push_back(native.name);
        std::string match = closestName(spec, names);
        if (!match.empty()) return "did you mean the standard-library module '" + match + "'?";
        return "'" + spec + "' is not a standard-library module, and no package of that name was found in this "
               "directory or a parent (as " + spec + ".goost, " + spec + "/ or goost_modules/" + spec +
               "), in the working directory or in LANGOOST_PATH";
    }
    fs::path wanted = (importerDir / spec).lexically_normal();
    std::vector<std::string> siblings;
    std::error_code ec;
    for (fs::directory_iterator it(wanted.parent_path(), ec), end; !ec && it != end; it.increment(ec)) {
        fs::path p = it->path();
        if (p.extension() == ".goost") siblings.push_back(p.stem().string());
        else if (it->is_directory(ec)) siblings.push_back(p.filename().string());
    }
    std::sort(siblings.begin(), siblings.end());
    std::string match = closestName(wanted.filename().string(), siblings);
    if (!match.empty()) {
        std::string suggestion = spec.substr(0, spec.size() - wanted.filename().string().size()) + match;
        return "did you mean \"" + suggestion + "\"?";
    }
    std::string hint = "tried";
    for (size_t i = 0; i < tried.size(); ++i) hint += (i ? ", " : " ") + tried[i];
    return hint;
}

ImportResolution ModuleLoader::resolve(const std::string& spec, const fs::path& importerDir, Diagnostics& diagnostics,
                                       LoadContext& context) {
    ImportResolution r;
    for (const auto& native : nativeModules_) {
        if (native.name == spec) {
            r.ok = true;
            r.key = spec;
            r.exports = native.exports;
            return r;
        }
    }
    ResolvedPath found = resolveModulePath(spec, importerDir);
    if (!found.file) {
        r.error = "cannot find module \"" + spec + "\"";
        r.hint = notFoundHint(spec, importerDir, found.tried);
        return r;
    }
    std::string key = found.file->string();
    auto cycleStart = std::find(context.loading.begin(), context.loading.end(), key);
    if (cycleStart != context.loading.end()) {
        r.error = "import cycle: ";
        for (auto it = cycleStart; it != context.loading.end(); ++it) r.error += displayPath(*it) + " -> ";
        r.error += displayPath(key);
        return r;
    }
    // A module that failed is reported once, where its error is, not again
    // at every import of it.
    if (context.failed.contains(key)) {
        r.reported = true;
        return r;
    }
    bool reported = false;
    auto module = compileFile(*found.file, displayPath(*found.file), diagnostics, context, reported);
    if (!module) {
        r.reported = reported;
        if (!reported) r.error = "cannot read module \"" + spec + "\" (" + displayPath(*found.file) + ")";
        return r;
    }
    if (!context.importsOfLoading.empty()) context.importsOfLoading.back().push_back(key);
    r.ok = true;
    r.key = key;
    r.exports = module->globalNames;
    return r;
}

std::shared_ptr<const CompiledModule> ModuleLoader::compileFile(const fs::path& canonical, const std::string& shownPath,
                                                                Diagnostics& diagnostics, LoadContext& context,
                                                                bool& reported) {
    std::string key = canonical.string();
    {
        std::shared_lock lock(cacheMutex_);
        if (isFresh(key)) return cache_.find(key)->second.module;
    }
    // Read the time before the text: an edit racing with this compile then
    // leaves a stale mtime, so the next load compiles again.
    std::error_code ec;
    auto mtime = fs::last_write_time(canonical, ec);
    // The module's own diagnostics: errors already reported elsewhere (the
    // importer's, another module's) must not make this one fail.
    Diagnostics own;
    std::shared_ptr<CompiledModule> module;
    bool readable = true;
    context.loading.push_back(key);
    context.importsOfLoading.emplace_back();
    // A request's task hands the reading and compiling (imports included)
    // to a helper thread: its worker serves other requests meanwhile.
    runOffLoop([&] {
        std::ifstream in(canonical, std::ios::binary);
        if (!in) {
            readable = false;
            return;
        }
        std::stringstream text;
        text << in.rdbuf();
        SourceFile file(shownPath, text.str());
        if (compileHook_) compileHook_(key);
        module = compileSource(file, own, optionsFor(canonical.parent_path(), own, context));
    });
    if (!readable) {
        context.importsOfLoading.pop_back();
        context.loading.pop_back();
        return nullptr;
    }
    std::vector<std::string> imports = std::move(context.importsOfLoading.back());
    context.importsOfLoading.pop_back();
    context.loading.pop_back();
    diagnostics.append(own);
    if (!module) {
        context.failed.insert(key);
        reported = true;
        return nullptr;
    }
    module->key = key;
    std::unique_lock lock(cacheMutex_);
    cache_[key] = {mtime, module, std::move(imports)};
    return module;
}

std::shared_ptr<const CompiledModule> ModuleLoader::loadEntry(const std::string& path, Diagnostics& diagnostics) {
    std::error_code ec;
    fs::path canonical = fs::canonical(path, ec);
    if (ec || !fs::is_regular_file(canonical, ec)) return nullptr;
    LoadContext context;
    bool reported = false;
    return compileFile(canonical, path, diagnostics, context, reported);
}

std::shared_ptr<const CompiledModule> ModuleLoader::loadCanonical(const std::string& canonicalPath,
                                                                  Diagnostics& diagnostics) {
    {
        std::shared_lock lock(cacheMutex_);
        if (isFresh(canonicalPath)) return cache_.find(canonicalPath)->second.module;
    }
    LoadContext context;
    bool reported = false;
    return compileFile(canonicalPath, displayPath(canonicalPath), diagnostics, context, reported);
}

bool ModuleLoader::isFresh(const std::string& key) const {
    auto it = cache_.find(key);
    if (it == cache_.end()) return false;
    std::error_code ec;
    auto mtime = fs::last_write_time(key, ec);
    if (ec || mtime != it->second.mtime) return false;
    for (const std::string& dep : it->second.imports)
        if (!isFresh(dep)) return false;
    return true;
}

std::shared_ptr<const CompiledModule> ModuleLoader::loadSource(const SourceFile& file, const fs::path& baseDir,
                                                               Diagnostics& diagnostics, CompileOptions options) {
    LoadContext context;
    CompileOptions withImports = optionsFor(baseDir, diagnostics, context);
    options.builtinNames = withImports.builtinNames;
    options.resolveImport = withImports.resolveImport;
    return compileSource(file, diagnostics, options);
}

std::shared_ptr<const CompiledModule> ModuleLoader::loadParsed(const SourceFile& file, const Program& program,
                                                               const fs::path& baseDir, Diagnostics& diagnostics) {
    LoadContext context;
    return compileProgram(file, program, diagnostics, optionsFor(baseDir, diagnostics, context));
}

std::shared_ptr<const CompiledModule> ModuleLoader::compiledModule(std::string_view canonicalPath) {
    std::shared_lock lock(cacheMutex_);
    auto it = cache_.find(std::string(canonicalPath));
    return it == cache_.end() ? nullptr : it->second.module;
}

std::vector<std::shared_ptr<const CompiledModule>> ModuleLoader::loadedModules() {
    std::shared_lock lock(cacheMutex_);
    std::vector<std::shared_ptr<const CompiledModule>> out;
    for (const auto& [key, entry] : cache_)
        if (entry.module) out.push_back(entry.module);
    return out;
}

} // namespace langoost
