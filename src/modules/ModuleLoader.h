// ModuleLoader: compiles a program and every module it imports, and keeps
// the process-wide module cache. Compiled modules are immutable and shared
// (by every VM/isolate that runs them), keyed by canonical path and
// checked against the file's modification time, so an unchanged file costs
// one map lookup under a reader lock and an edited file is recompiled on
// its next load. Import cycles and unresolvable imports are compile errors.
#pragma once
#include <filesystem>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
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

    std::shared_ptr<const CompiledModule> compiledModule(std::string_view canonicalPath) override;
    CompileOptions baseOptions() const;

  private:
    struct CacheEntry {
        std::filesystem::file_time_type mtime;
        std::shared_ptr<const CompiledModule> module;
        std::vector<std::string> imports; // canonical paths of the file modules it imports
    };

    // Whether `key` is cached and neither it nor anything it imports has
    // changed on disk since. Caller holds cacheMutex_ (shared is enough).
    bool isFresh(const std::string& key) const;

    ImportResolution resolve(const std::string& spec, const std::filesystem::path& importerDir,
                             const std::string& importerPath, SourceLocation at, Diagnostics& diagnostics);
    std::shared_ptr<const CompiledModule> compileFile(const std::filesystem::path& canonical, const std::string& shownPath,
                                                      Diagnostics& diagnostics);
    CompileOptions optionsFor(const std::filesystem::path& dir, const std::string& shownPath, Diagnostics& diagnostics);

    std::vector<std::string> builtinNames_;
    std::vector<NativeModuleInfo> nativeModules_;
    std::shared_mutex cacheMutex_;
    std::unordered_map<std::string, CacheEntry> cache_;
    std::recursive_mutex compileMutex_; // one program's module graph is compiled at a time
    std::vector<std::string> loading_;  // files being compiled, outermost first (cycle detection)
    std::vector<std::vector<std::string>> importsOfLoading_; // file imports found so far, per loading_ entry
};

} // namespace langoost
