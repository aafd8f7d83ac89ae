// `langoost build DIR` for a served site (a directory without an entry
// file): every script is compiled first (any error: nothing is written),
// then DIR/build/ gets a copy of the site (site/), the langoost runtime and
// a run.sh that serves the copy with the settings of .env.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/Commands.h"
#include "common/FileReplace.h"

namespace fs = std::filesystem;

namespace langoost {
namespace {

constexpr fs::perms kExecutable = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec;
constexpr fs::perms kRegular = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                               fs::perms::others_read;

bool within(const fs::path& path, const fs::path& root) {
    auto [r, p] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
    return r == root.end();
}

// Copies the site below `from` to `to`: everything but names starting with
// '.', the build directory itself, and symbolic links leading outside the
// site (serve would refuse them too). Links inside are copied as files.
bool copySite(const fs::path& root, const fs::path& from, const fs::path& to, const fs::path& buildDir,
              std::string& error) {
    std::error_code ec;
    fs::create_directories(to, ec);
    if (ec) {
        error = "cannot create '" + to.string() + "': " + ec.message();
        return false;
    }
    for (const auto& entry : fs::directory_iterator(from, ec)) {
        std::string name = entry.path().filename().string();
        if (name.starts_with(".") || entry.path() == buildDir) continue;
        fs::path real = fs::canonical(entry.path(), ec);
        if (ec || !within(real, root)) {
            std::fprintf(stderr, "warning: skipping '%s': it leads outside the site\n", entry.path().string().c_str());
            continue;
        }
        if (fs::is_directory(real, ec)) {
            if (!copySite(root, entry.path(), to / name, buildDir, error)) return false;
        } else if (fs::is_regular_file(real, ec)) {
            fs::copy_file(real, to / name, fs::copy_options::overwrite_existing, ec);
            if (ec) {
                error = "cannot copy '" + entry.path().string() + "': " + ec.message();
                return false;
            }
        }
    }
    if (ec) error = "cannot list '" + from.string() + "': " + ec.message();
    return !ec;
}

std::string serveScript(const std::string& name) {
    return "#!/bin/sh\n"
           "# Serves " + name + " (built by `langoost build`) with the variables in .env, if present;\n"
           "# further arguments go to `langoost serve` (--workers 4, --dev ...).\n"
           "here=\"$(cd \"$(dirname \"$0\")\" && pwd)\"\n"
           "if [ -f \"$here/.env\" ]; then\n"
           "    set -a\n"
           "    . \"$here/.env\"\n"
           "    set +a\n"
           "fi\n"
           "exec \"$here/langoost\" serve ${HOST:+--host \"$HOST\"} ${PORT:+--port \"$PORT\"} \"$here/site\" \"$@\"\n";
}

std::string siteEnvTemplate(const std::string& name) {
    return "# Environment for " + name + ", loaded by run.sh: KEY=value lines (shell syntax).\n"
           "#\n"
           "# Address and port to listen on (serve's defaults: 0.0.0.0 and 8080).\n"
           "# HOST=127.0.0.1\n"
           "# PORT=8080\n"
           "#\n"
           "# runtime.core backend: embedded (the default, in-process), file:PATH\n"
           "# (a durable append-only log) or redis://HOST:PORT/DB.\n"
           "# LANGOOST_CORE=file:./core.log\n";
}

} // namespace

bool isServedSite(const std::string& dir) {
    for (const std::string& file : goostFiles(dir))
        if (!within(fs::path(file).lexically_normal(), (fs::path(dir) / "build").lexically_normal())) return true;
    return false;
}

int buildSiteCommand(const std::string& dirArg, const std::string& name) {
    std::error_code ec;
    fs::path dir = fs::canonical(dirArg, ec);
    fs::path out = dir / "build";
    // Every script must compile: a broken page is found now, not by a visitor.
    auto loader = makeModuleLoader();
    int scripts = 0;
    bool failed = false;
    for (const std::string& file : goostFiles(dir.string())) {
        if (within(fs::path(file), out)) continue;
        ++scripts;
        Diagnostics diags;
        if (!loader->loadEntry(file, diags)) {
            std::fputs(diags.format().c_str(), stderr);
            failed = true;
        }
    }
    if (failed) return kExitCompileError;

    std::string error;
    fs::path staging = out / ".site.tmp";
    fs::remove_all(staging, ec);
    if (!copySite(dir, dir, staging, out, error)) {
        fs::remove_all(staging, ec);
        std::fprintf(stderr, "error: %s\n", error.c_str());
        return kExitRuntimeError;
    }
    fs::remove_all(out / "site", ec);
    fs::rename(staging, out / "site", ec);
    if (ec) {
        std::fprintf(stderr, "error: cannot create '%s': %s\n", (out / "site").string().c_str(), ec.message().c_str());
        return kExitRuntimeError;
    }
    auto runtime = readWholeFile("/proc/self/exe");
    if (!runtime || !replaceFile((out / "langoost").string(), *runtime, mode_t(kExecutable), error) ||
        !replaceFile((out / "run.sh").string(), serveScript(name), mode_t(kExecutable), error) ||
        (!fs::exists(out / ".env", ec) &&
         !replaceFile((out / ".env").string(), siteEnvTemplate(name), mode_t(kRegular), error))) {
        std::fprintf(stderr, "error: %s\n", runtime ? error.c_str() : "cannot read the langoost executable");
        return kExitRuntimeError;
    }
    std::printf("built %s (a site of %d script%s): %s serves it\n", (out / "site").string().c_str(), scripts,
                scripts == 1 ? "" : "s", (out / "run.sh").string().c_str());
    return kExitOk;
}

} // namespace langoost
