// `langoost install`: the dependencies of langoost.json into goost_modules/.
//
// Sources: `path:DIR` (copied; relative to the manifest declaring it),
// `git:URL@TAG` (cloned with the `git` command, checked out at TAG) and
// `github:OWNER/REPO@TAG` (= git:https://github.com/OWNER/REPO@TAG). Each
// installed package's own langoost.json dependencies are installed too, all
// side by side in the app's goost_modules/ (module resolution walks up to
// it from any package). Two different sources for one name is an error.
//
// The result is recorded in langoost.lock (the commit of each git package,
// a SHA-256 of each path package's files); while the lock, the manifest and
// goost_modules/ agree, install does nothing ("up to date"), and a git
// package whose source is unchanged is checked out at its locked commit.
// Everything is built in a staging directory next to goost_modules/ and
// swapped in only when complete, so a failure leaves goost_modules/ as it was.
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <simdjson.h>
#include <sstream>

#include "common/JsonText.h"
#include "common/FileReplace.h"
#include "common/JsonPosition.h"
#include "common/OpenSsl.h"
#include "cli/Commands.h"

extern char** environ;

namespace fs = std::filesystem;

namespace langoost {
namespace {

constexpr int kLockVersion = 1;
// Copy of langoost.lock kept inside goost_modules/: the lock describes what
// is installed exactly when the two are equal.
constexpr const char* kInstalledLockName = ".langoost-lock";

struct InstallError {
    std::string message;
};

[[noreturn]] void fail(std::string message) { throw InstallError{std::move(message)}; }

// Through symbolic links, keeping hard links and the file's mode
// (common/FileReplace.h).
void writeText(const fs::path& path, const std::string& text) {
    std::string error;
    if (!replaceFile(path.string(), text, std::nullopt, error)) fail(error);
}

using Dependencies = std::map<std::string, std::string>; // name -> source spec

// The "dependencies" of a langoost.json (none when there is no manifest).
Dependencies readDependencies(const fs::path& manifest) {
    Dependencies deps;
    std::error_code ec;
    if (!fs::exists(manifest, ec)) return deps;
    auto text = readWholeFile(manifest.string());
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (!text) fail("cannot read " + manifest.string());
    if (parser.parse(*text).get(doc)) fail(describeJsonProblem(manifest.string(), *text));
    if (!doc.is_object()) fail(manifest.string() + " must hold a JSON object ({...})");
    simdjson::dom::element list;
    if (doc["dependencies"].get(list)) return deps;
    simdjson::dom::object object;
    if (list.get(object)) fail(manifest.string() + ": \"dependencies\" must be an object");
    for (auto field : object) {
        std::string_view spec;
        if (field.value.get(spec))
            fail(manifest.string() + ": dependency \"" + std::string(field.key) + "\" must be a string");
        std::string name(field.key);
        if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos || name[0] == '.')
            fail(manifest.string() + ": \"" + name + "\" is not a valid package name");
        deps[name] = std::string(spec);
    }
    return deps;
}

struct Source {
    enum Kind { Path, Git } kind = Path;
    std::string path; // Path: as written
    std::string url;  // Git
    std::string tag;  // Git
};

Source parseSource(const std::string& name, const std::string& spec) {
    Source s;
    auto splitTag = [&](std::string_view rest) {
        size_t at = rest.rfind('@');
        if (at == std::string_view::npos || at == 0 || at + 1 == rest.size())
            fail("dependency \"" + name + "\": \"" + spec + "\" needs a tag: URL@TAG");
        s.url = std::string(rest.substr(0, at));
        s.tag = std::string(rest.substr(at + 1));
    };
    if (spec.starts_with("path:") && spec.size() > 5) {
        s.path = spec.substr(5);
    } else if (spec.starts_with("git:")) {
        s.kind = Source::Git;
        splitTag(std::string_view(spec).substr(4));
    } else if (spec.starts_with("github:")) {
        s.kind = Source::Git;
        splitTag(std::string_view(spec).substr(7));
        size_t slash = s.url.find('/');
        if (slash == std::string::npos || slash == 0 || slash + 1 == s.url.size() ||
            s.url.find('/', slash + 1) != std::string::npos)
            fail("dependency \"" + name + "\": \"" + spec + "\" must be github:OWNER/REPO@TAG");
        s.url = "https://github.com/" + s.url;
    } else {
        fail("dependency \"" + name + "\": unknown source \"" + spec + "\" (expected path:, git: or github:)");
    }
    return s;
}

struct CommandResult {
    int status = -1;
    std::string output; // stdout and stderr together
};

// Runs git with `args`, never prompting for credentials.
CommandResult runGit(const std::vector<std::string>& args) {
    std::vector<std::string> argvStrings{"git", "-c", "advice.detachedHead=false"};
    argvStrings.insert(argvStrings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argvStrings) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> envStrings{"GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=true"};
    for (char** e = environ; *e; ++e)
        if (!std::string_view(*e).starts_with("GIT_TERMINAL_PROMPT=") && !std::string_view(*e).starts_with("GIT_ASKPASS="))
            envStrings.emplace_back(*e);
    std::vector<char*> envp;
    for (auto& e : envStrings) envp.push_back(e.data());
    envp.push_back(nullptr);

    CommandResult result;
    int pipeFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC) != 0) return result;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pipeFds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, pipeFds[1], 2);
    pid_t pid;
    int spawned = posix_spawnp(&pid, "git", &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipeFds[1]);
    if (spawned != 0) {
        ::close(pipeFds[0]);
        result.output = "cannot run git (is it installed?)";
        return result;
    }
    char buf[4096];
    ssize_t n;
    while ((n = ::read(pipeFds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) result.output.append(buf, size_t(n));
    ::close(pipeFds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    while (!result.output.empty() && (result.output.back() == '\n' || result.output.back() == '\r'))
        result.output.pop_back();
    for (size_t at = 0; (at = result.output.find('\n', at)) != std::string::npos; at += 5)
        result.output.replace(at, 1, "\n    ");
    return result;
}

bool skippedInCopy(const fs::path& name) { return name == ".git" || name == "goost_modules"; }

// Whether canonical `inner` is `outer` or below it.
bool isWithin(const fs::path& inner, const fs::path& outer) {
    fs::path rel = inner.lexically_relative(outer);
    return !rel.empty() && *rel.begin() != "..";
}

void copyTree(const fs::path& from, const fs::path& to) {
    std::error_code ec;
    fs::create_directories(to, ec);
    if (ec) fail("cannot create '" + to.string() + "': " + ec.message());
    for (const auto& entry : fs::directory_iterator(from, ec)) {
        fs::path name = entry.path().filename();
        if (skippedInCopy(name)) continue;
        if (entry.is_directory(ec) && !entry.is_symlink(ec)) copyTree(entry.path(), to / name);
        else {
            fs::copy(entry.path(), to / name, fs::copy_options::copy_symlinks, ec);
            if (ec) fail("cannot copy '" + entry.path().string() + "': " + ec.message());
        }
    }
    if (ec) fail("cannot read '" + from.string() + "': " + ec.message());
}

// SHA-256 over the sorted relative paths and contents of a tree's files.
std::string treeHash(const fs::path& root) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (it->is_directory(ec) && skippedInCopy(it->path().filename())) {
            it.disable_recursion_pending();
            continue;
        }
        if (it->is_regular_file(ec)) files.push_back(fs::relative(it->path(), root, ec));
    }
    std::sort(files.begin(), files.end());
    const OpenSsl* lib = nullptr;
    try {
        lib = &openSsl();
    } catch (const OpenSslUnavailable& e) {
        fail(e.what());
    }
    EVP_MD_CTX* ctx = lib->EVP_MD_CTX_new();
    lib->EVP_DigestInit_ex(ctx, lib->EVP_sha256(), nullptr);
    for (const auto& rel : files) {
        std::string header = rel.string() + '\0';
        std::string content = readWholeFile((root / rel).string()).value_or("");
        header += std::to_string(content.size()) + '\0';
        lib->EVP_DigestUpdate(ctx, header.data(), header.size());
        lib->EVP_DigestUpdate(ctx, content.data(), content.size());
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    lib->EVP_DigestFinal_ex(ctx, digest, &length);
    lib->EVP_MD_CTX_free(ctx);
    std::string hex = "sha256:";
    for (unsigned i = 0; i < length; ++i) {
        char b[3];
        std::snprintf(b, sizeof b, "%02x", digest[i]);
        hex += b;
    }
    return hex;
}

struct LockedPackage {
    std::string source;   // the spec it was installed from
    std::string resolved; // path packages: the canonical directory
    std::string commit;   // git packages
    std::string hash;     // path packages
    std::string requiredBy;
};

struct Lock {
    Dependencies dependencies; // as langoost.json asked, when the lock was written
    std::map<std::string, LockedPackage> packages;
};

std::optional<Lock> readLock(const fs::path& file) {
    auto text = readWholeFile(file.string());
    if (!text) return std::nullopt;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    int64_t version = 0;
    if (parser.parse(*text).get(doc) || doc["lockfileVersion"].get(version) || version != kLockVersion)
        return std::nullopt;
    Lock lock;
    simdjson::dom::object deps, packages;
    if (doc["dependencies"].get(deps) || doc["packages"].get(packages)) return std::nullopt;
    for (auto field : deps) {
        std::string_view spec;
        if (field.value.get(spec)) return std::nullopt;
        lock.dependencies[std::string(field.key)] = std::string(spec);
    }
    for (auto field : packages) {
        LockedPackage p;
        std::string_view v;
        if (field.value["source"].get(v)) return std::nullopt;
        p.source = v;
        if (!field.value["resolved"].get(v)) p.resolved = v;
        if (!field.value["commit"].get(v)) p.commit = v;
        if (!field.value["hash"].get(v)) p.hash = v;
        if (!field.value["requiredBy"].get(v)) p.requiredBy = v;
        lock.packages[std::string(field.key)] = p;
    }
    return lock;
}

std::string lockText(const Lock& lock) {
    std::string out = "{\n  \"lockfileVersion\": " + std::to_string(kLockVersion) + ",\n  \"dependencies\": {";
    const char* sep = "\n";
    for (const auto& [name, spec] : lock.dependencies) {
        out += sep + std::string("    ") + jsonString(name) + ": " + jsonString(spec);
        sep = ",\n";
    }
    out += lock.dependencies.empty() ? "},\n" : "\n  },\n";
    out += "  \"packages\": {";
    sep = "\n";
    for (const auto& [name, p] : lock.packages) {
        out += sep + std::string("    ") + jsonString(name) + ": {\"source\": " + jsonString(p.source);
        if (!p.resolved.empty()) out += ", \"resolved\": " + jsonString(p.resolved);
        if (!p.commit.empty()) out += ", \"commit\": " + jsonString(p.commit);
        if (!p.hash.empty()) out += ", \"hash\": " + jsonString(p.hash);
        out += ", \"requiredBy\": " + jsonString(p.requiredBy) + "}";
        sep = ",\n";
    }
    out += lock.packages.empty() ? "}\n}\n" : "\n  }\n}\n";
    return out;
}

class Installer {
  public:
    Installer(fs::path appDir, fs::path staging, const std::optional<Lock>& previous)
        : appDir_(std::move(appDir)), staging_(std::move(staging)), previous_(previous) {}

    // Installs `deps` (declared by `manifestDir`, the package `owner`) and,
    // recursively, their dependencies.
    void installAll(const Dependencies& deps, const fs::path& manifestDir, const std::string& owner) {
        std::vector<std::pair<std::string, fs::path>> added; // new packages and where their manifest is
        for (const auto& [name, spec] : deps) {
            if (auto it = lock_.packages.find(name); it != lock_.packages.end()) {
                if (it->second.source != spec)
                    fail("conflicting sources for \"" + name + "\": \"" + it->second.source + "\" (required by " +
                         it->second.requiredBy + ") and \"" + spec + "\" (required by " + owner + ")");
                continue;
            }
            fs::path sourceDir = install(name, spec, manifestDir, owner);
            added.emplace_back(name, sourceDir);
        }
        for (const auto& [name, sourceDir] : added)
            installAll(readDependencies(staging_ / name / "langoost.json"), sourceDir, name);
    }

    Lock& lock() { return lock_; }

  private:
    // Returns the directory the package's own path dependencies are relative to.
    fs::path install(const std::string& name, const std::string& spec, const fs::path& manifestDir,
                     const std::string& owner) {
        Source source = parseSource(name, spec);
        fs::path target = staging_ / name;
        LockedPackage locked{spec, "", "", "", owner};
        if (source.kind == Source::Path) {
            std::error_code ec;
            fs::path dir = fs::canonical(manifestDir / source.path, ec);
            if (ec || !fs::is_directory(dir, ec))
                fail("dependency \"" + name + "\": directory '" + (manifestDir / source.path).string() +
                     "' not found (from " + spec + ")");
            // Copying a folder that holds the project would copy the staging
            // folder into itself, level after level.
            if (isWithin(appDir_, dir))
                fail("dependency \"" + name + "\": " + spec + " is '" + dir.string() +
                     "', which contains the project itself ('" + appDir_.string() +
                     "'); a path dependency must be a folder outside the project or inside it, not around it");
            copyTree(dir, target);
            locked.resolved = dir.string();
            locked.hash = treeHash(dir);
            std::printf("installed %s from %s\n", name.c_str(), dir.string().c_str());
            lock_.packages[name] = locked;
            return dir;
        }
        std::string ref = source.tag;
        if (previous_)
            if (auto it = previous_->packages.find(name);
                it != previous_->packages.end() && it->second.source == spec && !it->second.commit.empty())
                ref = it->second.commit;
        std::string where = source.url + " at " + source.tag;
        CommandResult clone = runGit({"clone", "--quiet", "--no-checkout", "--", source.url, target.string()});
        if (clone.status != 0)
            fail("dependency \"" + name + "\": git clone of " + where + " failed: " + clone.output);
        CommandResult commit = runGit({"-C", target.string(), "rev-parse", "--verify", "--quiet", ref + "^{commit}"});
        if (commit.status != 0) {
            fail("dependency \"" + name + "\": " +
                 (ref == source.tag ? "tag '" + source.tag + "' not found in " + source.url
                                    : "locked commit " + ref + " not found in " + source.url));
        }
        CommandResult checkout = runGit({"-C", target.string(), "checkout", "--quiet", "--detach", commit.output});
        if (checkout.status != 0)
            fail("dependency \"" + name + "\": git checkout of " + where + " failed: " + checkout.output);
        std::error_code ec;
        fs::remove_all(target / ".git", ec);
        locked.commit = commit.output;
        std::printf("installed %s %s (%s) from %s\n", name.c_str(), source.tag.c_str(), commit.output.substr(0, 12).c_str(),
                    source.url.c_str());
        lock_.packages[name] = locked;
        return target;
    }

    fs::path appDir_;
    fs::path staging_;
    const std::optional<Lock>& previous_;
    Lock lock_;
};

// The lock matches the manifest, goost_modules/ holds exactly what the lock
// says, and no path package has changed since.
bool upToDate(const std::optional<Lock>& lock, const Dependencies& deps, const fs::path& modules,
              const fs::path& lockFile) {
    if (!lock || lock->dependencies != deps) return false;
    auto installed = readWholeFile((modules / kInstalledLockName).string());
    if (!installed || installed != readWholeFile(lockFile.string())) return false;
    std::error_code ec;
    for (const auto& [name, p] : lock->packages) {
        if (!fs::is_directory(modules / name, ec)) return false;
        if (!p.hash.empty() && (p.resolved.empty() || treeHash(p.resolved) != p.hash)) return false;
    }
    return true;
}

// Puts `staging` in place of `modules` in one step when the kernel allows.
void swapIn(const fs::path& staging, const fs::path& modules) {
    std::error_code ec;
    if (!fs::exists(modules, ec)) {
        fs::rename(staging, modules, ec);
        if (ec) fail("cannot move '" + staging.string() + "' to '" + modules.string() + "': " + ec.message());
        return;
    }
    if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, modules.c_str(), RENAME_EXCHANGE) == 0) {
        fs::remove_all(staging, ec); // now the previous goost_modules
        return;
    }
    fs::path old = modules;
    old += ".old-" + std::to_string(getpid());
    fs::rename(modules, old, ec);
    if (ec) fail("cannot replace '" + modules.string() + "': " + ec.message());
    fs::rename(staging, modules, ec);
    if (ec) {
        std::error_code ignored;
        fs::rename(old, modules, ignored);
        fail("cannot replace '" + modules.string() + "': " + ec.message());
    }
    fs::remove_all(old, ec);
}

} // namespace

int installCommand(const std::string& dirArg) {
    std::error_code ec;
    fs::path dir = fs::canonical(dirArg, ec);
    fs::path manifest = dir / "langoost.json";
    if (ec || !fs::is_regular_file(manifest, ec)) {
        std::fprintf(stderr, "error: no langoost.json in '%s'\n", dirArg.c_str());
        return kExitUsage;
    }
    fs::path modules = dir / "goost_modules";
    fs::path lockFile = dir / "langoost.lock";
    fs::path staging = dir / (".goost_modules.tmp-" + std::to_string(getpid()));
    try {
        Dependencies deps = readDependencies(manifest);
        std::optional<Lock> previous = readLock(lockFile);
        if (upToDate(previous, deps, modules, lockFile)) {
            std::printf("up to date (%zu package%s)\n", previous->packages.size(),
                        previous->packages.size() == 1 ? "" : "s");
            return kExitOk;
        }
        fs::remove_all(staging, ec);
        fs::create_directories(staging, ec);
        if (ec) fail("cannot create '" + staging.string() + "': " + ec.message());
        Installer installer(dir, staging, previous);
        installer.lock().dependencies = deps;
        installer.installAll(deps, dir, "langoost.json");
        std::string text = lockText(installer.lock());
        writeText(staging / kInstalledLockName, text);
        swapIn(staging, modules);
        writeText(lockFile, text);
        size_t n = installer.lock().packages.size();
        std::printf("%zu package%s installed into %s\n", n, n == 1 ? "" : "s", modules.string().c_str());
        return kExitOk;
    } catch (const InstallError& e) {
        fs::remove_all(staging, ec);
        std::fflush(stdout);
        std::fprintf(stderr, "error: %s\n", e.message.c_str());
        std::fputs("goost_modules/ was left unchanged\n", stderr);
        return kExitRuntimeError;
    } catch (const fs::filesystem_error& e) {
        fs::remove_all(staging, ec);
        std::fprintf(stderr, "error: %s\ngoost_modules/ was left unchanged\n", e.what());
        return kExitRuntimeError;
    }
}

} // namespace langoost
