// Router: maps a request path to what answers it, per server.md. A file
// target runs that script for every path. A directory target runs
// `index.goost` for `/`, `a/b.goost` or else `a/b/index.goost` for `/a/b`,
// and serves any other existing file as a static file.
//
// Safety comes first: the path is percent-decoded once, an encoded `/` or
// `\` or a NUL is refused, `.` and `..` segments are resolved (never above
// the root), names starting with `.` or `_` are never routed, and the
// final candidate is resolved with realpath() and must still lie inside
// the root — so neither `..` tricks nor symlinks can reach outside it.
// `.goost` sources are never served as files.
//
// Path parameters: a script `[name].goost` or a folder `[name]` matches any
// one segment, whose decoded text becomes params[name]. At every level an
// exact name wins over a parameter (`users/new.goost` over
// `users/[id].goost`), and static files over parametrised scripts; only a
// path nothing exact answers costs a directory listing per level.
#pragma once
#include <sys/stat.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace langoost {

struct Route {
    enum class Kind { Script, Static, NotFound, BadRequest };
    Kind kind = Kind::NotFound;
    std::string file; // canonical path of the script or static file
    struct stat info {};
    std::vector<std::pair<std::string, std::string>> params; // [name] segments matched
};

class Router {
  public:
    // `target` must exist; throws std::runtime_error otherwise.
    explicit Router(const std::string& target);
    bool isDirectory() const { return directory_; }
    const std::string& root() const { return root_; }

    // `rawPath`: the request-target's path part, still percent-encoded.
    Route resolve(std::string_view rawPath) const;

  private:
    // A script for segments[i..] below `dir`, with [name] folders and
    // scripts standing for segments; exact names are tried first.
    bool matchParams(const std::string& dir, const std::vector<std::string_view>& segments, size_t i, Route& route) const;
    // realpath(candidate) if it is a regular file inside the root.
    bool insideRoot(const std::string& candidate, std::string& canonical, struct stat& info) const;

    std::string root_; // canonical; the script itself for a file target
    bool directory_ = false;
};

// MIME type for a file name, from its extension (application/octet-stream
// when unknown; text types carry charset=utf-8).
const char* mimeTypeFor(std::string_view fileName);

} // namespace langoost
