// ModuleLoader: compiles a program and every module it imports, and keeps
// the process-wide module cache. Compiled modules are immutable and shared
// (by every VM/isolate that runs them), keyed by canonical path and
// checked against the file's modification time, so an unchanged file costs
// one map lookup under a reader lock and an edited file is recompiled on
// its next load. Import cycles and unresolvable imports are compile errors.
//
// Compiling holds no lock: each load keeps its own state (LoadContext), the
// finished module is inserted under the cache's write lock, so one large
// file being compiled never stalls requests for other scripts. Two threads
// that compile the same file at once both succeed; the last insert wins.
#pragma once
#include <filesystem>
#include <functional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/Diagnostics.h"
#include "compiler/Compiler.h"
#include "vm/VM.h"

namespace langoost {

struct NativeModuleInfo {
    std::string name;
    std::vector<std::string> exports;
};

class ModuleLoader : public ModuleProvider {
  public:
    ModuleLoader(std::vector<std::string> builtinNames, std::vector<NativeModuleInfo> nativeModules);

    // Compiles `path` (shown in diagnostics as given) and its imports.
    // Null when any diagnostic was reported.
    std::shared_ptr<const CompiledModule> loadEntry(const std::string& path, Diagnostics& diagnostics);
    // The same for an already canonical path, without the compile lock
    // when the file and everything it imports are unchanged (the server's
    // per-request path: one stat per module file, readers never block).
    std::shared_ptr<const CompiledModule> loadCanonical(const std::string& canonicalPath, Diagnostics& diagnostics);
    // Compiles source text that is not a file (the REPL, `-e`), resolving
    // its imports against `baseDir`.
    std::shared_ptr<const CompiledModule> loadSource(const SourceFile& file, const std::filesystem::path& baseDir,
                                                     Diagnostics& diagnostics, CompileOptions options);
    // The same for a file already parsed (the language server keeps the tree).
    std::shared_ptr<const CompiledModule> loadParsed(const SourceFile& file, const Program& program,
                                                     const std::filesystem::path& baseDir, Diagnostics& diagnostics);

    std::shared_ptr<const CompiledModule> compiledModule(std::string_view canonicalPath) override;
    // Every file module compiled so far (the debugger places breakpoints in them).
    std::vector<std::shared_ptr<const CompiledModule>> loadedModules();
    CompileOptions baseOptions() const;
    const std::vector<std::string>& builtinNames() const { return builtinNames_; }
    const std::vector<NativeModuleInfo>& nativeModules() const { return nativeModules_; }

    // Tests: called with the canonical path before each file is compiled,
    // outside every lock (a slow compile can be simulated). Set it before
    // any load starts.
    void setCompileHook(std::function<void(const std::string&)> hook) { compileHook_ = std::move(hook); }

  private:
    struct CacheEntry {
        std::filesystem::file_time_type mtime;
        std::shared_ptr<const CompiledModule> module;
        std::vector<std::string> imports; // canonical paths of the file modules it imports
    };

    // One load of a module graph (a call of loadEntry/loadCanonical/loadSource).
    struct LoadContext {
        std::vector<std::string> loading; // files being compiled, outermost first (cycle detection)
        std::vector<std::vector<std::string>> importsOfLoading; // file imports found so far, per `loading` entry
        std::unordered_set<std::string> failed; // files whose errors were already reported
    };

    // Whether `key` is cached and neither it nor anything it imports has
    // changed on disk since. Caller holds cacheMutex_ (shared is enough).
    bool isFresh(const std::string& key) const;

    ImportResolution resolve(const std::string& spec, const std::filesystem::path& importerDir,
                             Diagnostics& diagnostics, LoadContext& context);
    std::string notFoundHint(const std::string& spec, const std::filesystem::path& importerDir,
                             const std::vector<std::string>& tried) const;
    // Null when the file cannot be read (`reported` false) or has errors
    // (`reported` true: they are in `diagnostics`).
    std::shared_ptr<const CompiledModule> compileFile(const std::filesystem::path& canonical, const std::string& shownPath,
                                                      Diagnostics& diagnostics, LoadContext& context, bool& reported);
    CompileOptions optionsFor(const std::filesystem::path& dir, Diagnostics& diagnostics,
                              LoadContext& context);

    std::vector<std::string> builtinNames_;
    std::vector<NativeModuleInfo> nativeModules_;
    std::shared_mutex cacheMutex_;
    std::unordered_map<std::string, CacheEntry> cache_;
    std::function<void(const std::string&)> compileHook_;
};

} // namespace langoost
