#include "server/Router.h"

#include <dirent.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "stdlib/HttpMessage.h"

namespace langoost {
namespace {

bool endsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string canonicalPath(const std::string& path) {
    char buf[PATH_MAX];
    if (!::realpath(path.c_str(), buf)) return {};
    return buf;
}

// Splits a decoded path into segments with `.` and `..` resolved. False
// when `..` would climb above the root.
bool normalise(std::string_view path, std::vector<std::string_view>& segments) {
    while (!path.empty()) {
        size_t slash = path.find('/');
        std::string_view seg = path.substr(0, slash);
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
        if (seg.empty() || seg == ".") continue;
        if (seg == "..") {
            if (segments.empty()) return false;
            segments.pop_back();
            continue;
        }
        segments.push_back(seg);
    }
    return true;
}

bool hasEncoded(std::string_view raw, char a, char b) {
    for (size_t i = 0; i + 2 < raw.size(); ++i)
        if (raw[i] == '%' && raw[i + 1] == a && (raw[i + 2] == b || raw[i + 2] == char(b + 32))) return true;
    return false;
}

} // namespace

Router::Router(const std::string& target) {
    struct stat info {};
    root_ = canonicalPath(target);
    if (root_.empty() || ::stat(root_.c_str(), &info) != 0)
        throw std::runtime_error("cannot serve '" + target + "': no such file or directory");
    directory_ = S_ISDIR(info.st_mode);
    if (!directory_ && !S_ISREG(info.st_mode)) throw std::runtime_error("cannot serve '" + target + "': not a file or directory");
}

Route Router::resolve(std::string_view rawPath) const {
    Route route;
    if (!directory_) {
        route.kind = Route::Kind::Script;
        route.file = root_;
        return route;
    }
    if (rawPath.empty() || rawPath[0] != '/') {
        route.kind = Route::Kind::BadRequest;
        return route;
    }
    // An encoded separator would let one segment name a nested path.
    if (hasEncoded(rawPath, '2', 'F') || hasEncoded(rawPath, '5', 'C')) return route;
    std::string decoded;
    if (percentDecode(rawPath, false, decoded) != std::string_view::npos ||
        decoded.find('\0') != std::string::npos || decoded.find('\\') != std::string::npos) {
        route.kind = Route::Kind::BadRequest;
        return route;
    }
    std::vector<std::string_view> segments;
    if (!normalise(decoded, segments)) return route;
    std::string relative;
    for (std::string_view seg : segments) {
        if (seg[0] == '.' || seg[0] == '_') return route;
        relative += '/';
        relative += seg;
    }
    std::string base = root_ + relative;
    auto tryScript = [&](const std::string& candidate) {
        if (!insideRoot(candidate, route.file, route.info)) return false;
        route.kind = Route::Kind::Script;
        return true;
    };
    if (!relative.empty() && !endsWith(relative, ".goost") && tryScript(base + ".goost")) return route;
    if (tryScript(base + "/index.goost")) return route;
    if (!relative.empty() && !endsWith(relative, ".goost") && insideRoot(base, route.file, route.info)) {
        // The resolved file (after symlinks) must not be a source or hidden either.
        std::string_view name = std::string_view(route.file).substr(route.file.rfind('/') + 1);
        if (!endsWith(name, ".goost") && name[0] != '.' && name[0] != '_') {
            route.kind = Route::Kind::Static;
            return route;
        }
    }
    route.file.clear();
    if (!segments.empty() && matchParams(root_, segments, 0, route)) route.kind = Route::Kind::Script;
    return route;
}

namespace {

// The `[name]` entries of a directory, sorted: (entry, name, isDirectory).
struct ParamEntry {
    std::string entry, name;
    bool directory;
};

std::vector<ParamEntry> paramEntries(const std::string& dir) {
    std::vector<ParamEntry> out;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        if (n.size() < 3 || n[0] != '[') continue;
        size_t close = n.find(']');
        if (close == std::string_view::npos || close == 1) continue;
        std::string_view rest = n.substr(close + 1);
        if (rest != "" && rest != ".goost") continue;
        out.push_back({std::string(n), std::string(n.substr(1, close - 1)), rest.empty()});
    }
    ::closedir(d);
    std::sort(out.begin(), out.end(), [](const ParamEntry& a, const ParamEntry& b) { return a.entry < b.entry; });
    return out;
}

bool isDirectoryPath(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

} // namespace

bool Router::matchParams(const std::string& dir, const std::vector<std::string_view>& segments, size_t i,
                         Route& route) const {
    std::string seg(segments[i]);
    if (endsWith(seg, ".goost")) return false; // a source's name is never a parameter
    bool last = i + 1 == segments.size();
    auto script = [&](const std::string& candidate) { return insideRoot(candidate, route.file, route.info); };
    if (last) {
        if (!endsWith(seg, ".goost") && (script(dir + "/" + seg + ".goost") || script(dir + "/" + seg + "/index.goost")))
            return true;
    } else if (isDirectoryPath(dir + "/" + seg) && matchParams(dir + "/" + seg, segments, i + 1, route)) {
        return true;
    }
    for (const ParamEntry& p : paramEntries(dir)) {
        route.params.emplace_back(p.name, seg);
        std::string path = dir + "/" + p.entry;
        if (last ? (p.directory ? script(path + "/index.goost") : script(path))
                 : (p.directory && matchParams(path, segments, i + 1, route)))
            return true;
        route.params.pop_back();
    }
    route.file.clear();
    return false;
}

bool Router::insideRoot(const std::string& candidate, std::string& canonical, struct stat& info) const {
    canonical = canonicalPath(candidate);
    if (canonical.empty() || canonical.size() <= root_.size() || canonical.compare(0, root_.size(), root_) != 0 ||
        canonical[root_.size()] != '/')
        return false;
    return ::stat(canonical.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

const char* mimeTypeFor(std::string_view name) {
    static const std::pair<std::string_view, const char*> types[] = {
        {".html", "text/html; charset=utf-8"},
        {".htm", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".txt", "text/plain; charset=utf-8"},
        {".md", "text/markdown; charset=utf-8"},
        {".csv", "text/csv; charset=utf-8"},
        {".xml", "application/xml"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
        {".webp", "image/webp"},
        {".avif", "image/avif"},
        {".ico", "image/x-icon"},
        {".pdf", "application/pdf"},
        {".wasm", "application/wasm"},
        {".woff", "font/woff"},
        {".woff2", "font/woff2"},
        {".ttf", "font/ttf"},
        {".otf", "font/otf"},
        {".mp3", "audio/mpeg"},
        {".wav", "audio/wav"},
        {".ogg", "audio/ogg"},
        {".mp4", "video/mp4"},
        {".webm", "video/webm"},
        {".zip", "application/zip"},
        {".gz", "application/gzip"},
        {".tar", "application/x-tar"},
    };
    size_t dot = name.rfind('.');
    if (dot != std::string_view::npos) {
        std::string ext(name.substr(dot));
        for (char& c : ext)
            if (c >= 'A' && c <= 'Z') c = char(c + 32);
        for (const auto& [suffix, type] : types)
            if (ext == suffix) return type;
    }
    return "application/octet-stream";
}

} // namespace langoost
