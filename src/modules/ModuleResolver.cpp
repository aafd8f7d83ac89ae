#include "modules/ModuleResolver.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <simdjson.h>
#include <sstream>

namespace fs = std::filesystem;

namespace langoost {
namespace {

// The `main` of a package manifest, if the directory has one.
std::optional<std::string> manifestMain(const fs::path& dir) {
    fs::path manifest = dir / "langoost.json";
    std::error_code ec;
    if (!fs::is_regular_file(manifest, ec)) return std::nullopt;
    std::ifstream in(manifest, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(text.str()).get(doc)) return std::nullopt;
    std::string_view main;
    if (doc["main"].get(main)) return std::nullopt;
    return std::string(main);
}

bool isFile(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

std::optional<fs::path> canonicalFile(const fs::path& p) {
    std::error_code ec;
    fs::path c = fs::canonical(p, ec);
    if (ec) return std::nullopt;
    return c;
}

// p itself, p.goost, or the directory p's entry file.
std::optional<fs::path> tryTarget(const fs::path& p, std::vector<std::string>& tried) {
    tried.push_back(p.string());
    if (isFile(p)) return canonicalFile(p);
    fs::path withExt = p;
    withExt += ".goost";
    tried.push_back(withExt.string());
    if (isFile(withExt)) return canonicalFile(withExt);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
        if (auto main = manifestMain(p)) {
            fs::path entry = p / *main;
            tried.push_back(entry.string());
            if (isFile(entry)) return canonicalFile(entry);
        }
        fs::path entry = p / "main.goost";
        tried.push_back(entry.string());
        if (isFile(entry)) return canonicalFile(entry);
    }
    return std::nullopt;
}

// `pkg/sub` under a root: the plain path, or `sub` next to pkg's manifest main.
std::optional<fs::path> tryUnder(const fs::path& root, const std::string& spec, std::vector<std::string>& tried) {
    if (auto found = tryTarget(root / spec, tried)) return found;
    size_t slash = spec.find('/');
    if (slash == std::string::npos) return std::nullopt;
    fs::path pkg = root / spec.substr(0, slash);
    std::error_code ec;
    if (!fs::is_directory(pkg, ec)) return std::nullopt;
    if (auto main = manifestMain(pkg)) {
        fs::path mainDir = (pkg / *main).parent_path();
        if (mainDir != pkg) return tryTarget(mainDir / spec.substr(slash + 1), tried);
    }
    return std::nullopt;
}

ResolvedPath resolveWithDuplicates(const std::string& spec, const fs::path& importerDir);

} // namespace

ResolvedPath resolveModulePath(const std::string& spec, const fs::path& importerDir) {
    ResolvedPath out = resolveWithDuplicates(spec, importerDir);
    std::vector<std::string> unique;
    for (auto& t : out.tried)
        if (std::find(unique.begin(), unique.end(), t) == unique.end()) unique.push_back(std::move(t));
    out.tried = std::move(unique);
    return out;
}

namespace {

ResolvedPath resolveWithDuplicates(const std::string& spec, const fs::path& importerDir) {
    ResolvedPath out;
    if (spec.starts_with("./") || spec.starts_with("../") || spec == "." || spec == "..") {
        out.file = tryTarget((importerDir / spec).lexically_normal(), out.tried);
        return out;
    }
    if (!spec.empty() && spec[0] == '/') {
        out.file = tryTarget(spec, out.tried);
        return out;
    }
    fs::path dir = importerDir;
    for (;;) {
        if ((out.file = tryUnder(dir, spec, out.tried))) return out;
        if ((out.file = tryUnder(dir / "goost_modules", spec, out.tried))) return out;
        if (!dir.has_parent_path() || dir.parent_path() == dir) break;
        dir = dir.parent_path();
    }
    std::error_code ec;
    fs::path cwd = fs::current_path(ec);
    if (!ec && (out.file = tryUnder(cwd, spec, out.tried))) return out;
    if (const char* env = std::getenv("LANGOOST_PATH")) {
        std::string paths = env;
        size_t start = 0;
        while (start <= paths.size()) {
            size_t end = paths.find(':', start);
            if (end == std::string::npos) end = paths.size();
            std::string entry = paths.substr(start, end - start);
            if (!entry.empty() && (out.file = tryUnder(entry, spec, out.tried))) return out;
            start = end + 1;
        }
    }
    return out;
}

} // namespace

} // namespace langoost
