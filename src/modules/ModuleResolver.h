// ModuleResolver: turns an import specifier into a file, exactly as
// cli.md "Module resolution" says — relative specifiers against the
// importing file's directory; bare names through the importing directory
// and its ancestors (D/pkg, D/goost_modules/pkg), then the working
// directory, then LANGOOST_PATH; a directory means its langoost.json
// `main`, else main.goost. Every path tried is kept for the error message.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace langoost {

struct ResolvedPath {
    std::optional<std::filesystem::path> file; // canonical, when found
    std::vector<std::string> tried;
};

ResolvedPath resolveModulePath(const std::string& spec, const std::filesystem::path& importerDir);

} // namespace langoost
