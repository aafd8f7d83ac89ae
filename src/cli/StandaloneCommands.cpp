// Standalone programs: `langoost compile FILE -o OUT`, `langoost build DIR`,
// the start-up check that runs a program embedded in this executable, and
// the LANGOOST_ROUNDTRIP mode of `run`.
//
// A standalone executable is a copy of the `langoost` binary with a
// serialized program (bytecode/Serializer.h) appended, followed by a fixed
// trailer: the blob's offset and length and a magic, in the last 24 bytes.
// ELF loaders ignore bytes past the sections they map, so the copy runs as
// the runtime; at start-up main() reads those 24 bytes (one pread) and, when
// the magic is there, runs the embedded program instead of the CLI.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <simdjson.h>
#include <sstream>

#include "cli/Commands.h"
#include "common/FileReplace.h"
#include "common/JsonPosition.h"
#include "modules/EmbeddedProgram.h"
#include "stdlib/Stdlib.h"

namespace fs = std::filesystem;

namespace langoost {
namespace {

constexpr char kTrailerMagic[8] = {'L', 'G', 'S', 'T', 'E', 'X', 'E', '1'};
// Blob offset (8), blob length (8), magic (8), all at the end of the file.
constexpr size_t kTrailerSize = 24;
// Exit status when the embedded program cannot be loaded (sysexits EX_DATAERR,
// which is also the compile-error status).
constexpr int kExitBadProgram = 65;
// Exit status when a round trip changes the program: a serializer bug.
constexpr int kExitRoundTripBug = 70;

void putLE64(std::string& out, uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(char(uint8_t(v >> (8 * i))));
}

uint64_t getLE64(const char* p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(uint8_t(p[i])) << (8 * i);
    return v;
}

// The program's modules must call builtins by the index this runtime uses.
bool sameBuiltins(const ProgramImage& image, std::string& error) {
    std::vector<std::string> runtime = builtinNames();
    for (const auto& module : image.modules) {
        if (module->builtinNames != runtime) {
            error = "module " + module->path + " was compiled against a different builtin table";
            return false;
        }
    }
    return true;
}

std::shared_ptr<ProgramImage> compileProgram(const std::string& path, int& status) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
        std::fprintf(stderr, "error: cannot read '%s'\n", path.c_str());
        status = kExitUsage;
        return nullptr;
    }
    auto loader = makeModuleLoader();
    Diagnostics diags;
    auto module = loader->loadEntry(path, diags);
    if (!module) {
        std::fputs(diags.format(useColour(stderr)).c_str(), stderr);
        status = kExitCompileError;
        return nullptr;
    }
    std::string error;
    auto image = collectProgram(module, *loader, error);
    if (!image) {
        std::fprintf(stderr, "error: %s\n", error.c_str());
        status = kExitCompileError;
    }
    return image;
}

// Writes `content` to `path` (common/FileReplace.h: through symbolic links,
// hard links kept, never over anything but a regular file).
bool writeOutput(const fs::path& path, const std::string& content, fs::perms mode, std::string& error) {
    return replaceFile(path.string(), content, mode_t(mode), error);
}

// The program's own source files must never be overwritten by its binary
// (`compile p.goost -o p.goost`, or an output that is a link to a source).
bool outputIsASource(const ProgramImage& image, const fs::path& output, std::string& error) {
    auto target = fileIdentity(output.string());
    if (!target) return false;
    for (const auto& module : image.modules) {
        if (fileIdentity(module->path) == target) {
            error = "refusing to write the binary over its own source '" + module->path + "'";
            return true;
        }
    }
    return false;
}

// An existing output that is not a regular file (a device, a directory…)
// is refused before anything is compiled.
bool outputIsUnusable(const fs::path& output, std::string& error) {
    struct stat st {};
    if (::stat(output.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return false;
    error = "refusing to replace '" + output.string() + "': it is not a regular file";
    return true;
}

constexpr fs::perms kExecutable = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec;
constexpr fs::perms kRegular = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                               fs::perms::others_read;

// Writes the standalone executable for `path` to `output`; returns the status.
int writeStandalone(const std::string& path, const fs::path& output) {
    std::string error;
    if (outputIsUnusable(output, error)) {
        std::fprintf(stderr, "error: %s\n", error.c_str());
        return kExitUsage;
    }
    int status = kExitOk;
    auto image = compileProgram(path, status);
    if (!image) return status;
    if (outputIsASource(*image, output, error)) {
        std::fprintf(stderr, "error: %s\n", error.c_str());
        return kExitUsage;
    }
    std::string blob = serializeProgram(*image, LANGOOST_VERSION);
    auto runtime = readWholeFile("/proc/self/exe");
    if (!runtime) {
        std::fputs("error: cannot read the langoost executable (/proc/self/exe)\n", stderr);
        return kExitRuntimeError;
    }
    std::string exe = std::move(*runtime);
    uint64_t offset = exe.size();
    exe += blob;
    putLE64(exe, offset);
    putLE64(exe, blob.size());
    exe.append(kTrailerMagic, sizeof kTrailerMagic);
    if (!writeOutput(output, exe, kExecutable, error)) {
        std::fprintf(stderr, "error: %s\n", error.c_str());
        return kExitRuntimeError;
    }
    return kExitOk;
}

struct Manifest {
    std::string name;
    std::string main;
};

std::optional<Manifest> readManifest(const fs::path& dir, std::string& error) {
    Manifest manifest;
    fs::path file = dir / "langoost.json";
    std::error_code ec;
    if (!fs::exists(file, ec)) return manifest;
    auto text = readWholeFile(file.string());
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (!text) {
        error = "cannot read " + file.string();
        return std::nullopt;
    }
    if (parser.parse(*text).get(doc)) {
        error = describeJsonProblem(file.string(), *text);
        return std::nullopt;
    }
    if (!doc.is_object()) {
        error = file.string() + " must hold a JSON object ({...})";
        return std::nullopt;
    }
    std::string_view value;
    if (!doc["name"].get(value)) manifest.name = value;
    if (!doc["main"].get(value)) manifest.main = value;
    return manifest;
}

// run.sh: the binary with the variables of .env exported, from any directory.
std::string runScript(const std::string& name) {
    return "#!/bin/sh\n"
           "# Runs " + name + " (built by `langoost build`) with the variables in .env, if present.\n"
           "here=\"$(cd \"$(dirname \"$0\")\" && pwd)\"\n"
           "if [ -f \"$here/.env\" ]; then\n"
           "    set -a\n"
           "    . \"$here/.env\"\n"
           "    set +a\n"
           "fi\n"
           "exec \"$here/" + name + "\" \"$@\"\n";
}

std::string envTemplate(const std::string& name) {
    return "# Environment for " + name + ", loaded by run.sh: KEY=value lines (shell syntax).\n"
           "#\n"
           "# runtime.core backend: embedded (the default, in-process), file:PATH\n"
           "# (a durable append-only log) or redis://HOST:PORT/DB.\n"
           "# LANGOOST_CORE=file:./core.log\n"
           "#\n"
           "# Disable coloured terminal output.\n"
           "# NO_COLOR=1\n";
}

} // namespace

int runRoundTrip(std::shared_ptr<const CompiledModule> module, ModuleLoader& loader,
                 const std::vector<std::string>& args, const RunLimits& limits) {
    std::string error;
    auto image = collectProgram(module, loader, error);
    if (!image) {
        std::fprintf(stderr, "roundtrip: %s\n", error.c_str());
        return kExitRoundTripBug;
    }
    std::string blob = serializeProgram(*image, LANGOOST_VERSION);
    DeserializeResult loaded = deserializeProgram(blob, LANGOOST_VERSION);
    if (!loaded.image) {
        std::fprintf(stderr, "roundtrip: %s\n", loaded.error.c_str());
        return kExitRoundTripBug;
    }
    // Serializing what was loaded must give the same bytes: nothing was lost.
    if (serializeProgram(*loaded.image, LANGOOST_VERSION) != blob) {
        std::fputs("roundtrip: the reloaded program serializes differently\n", stderr);
        return kExitRoundTripBug;
    }
    auto provider = std::make_shared<ImageModuleProvider>(loaded.image);
    return runProgram(provider->entry(), provider, args, limits);
}

std::optional<int> runEmbeddedProgram(int argc, char** argv) {
    int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    struct stat st {};
    char trailer[kTrailerSize];
    bool embedded = ::fstat(fd, &st) == 0 && size_t(st.st_size) >= kTrailerSize &&
                    ::pread(fd, trailer, kTrailerSize, st.st_size - off_t(kTrailerSize)) == ssize_t(kTrailerSize) &&
                    std::memcmp(trailer + 16, kTrailerMagic, sizeof kTrailerMagic) == 0;
    if (!embedded) {
        ::close(fd);
        return std::nullopt;
    }
    auto unusable = [&](const std::string& why) {
        std::fprintf(stderr, "%s: the embedded program is unusable: %s\n", argc > 0 ? argv[0] : "langoost",
                     why.c_str());
        return kExitBadProgram;
    };
    uint64_t offset = getLE64(trailer), length = getLE64(trailer + 8);
    uint64_t end = uint64_t(st.st_size) - kTrailerSize;
    if (offset > end || length != end - offset) {
        ::close(fd);
        return unusable("bad trailer (blob offset/length do not match the file size)");
    }
    std::string blob(length, '\0');
    size_t got = 0;
    while (got < length) {
        ssize_t n = ::pread(fd, blob.data() + got, length - got, off_t(offset + got));
        if (n <= 0) break;
        got += size_t(n);
    }
    ::close(fd);
    if (got != length) return unusable("cannot read it from the executable");
    DeserializeResult loaded = deserializeProgram(blob, LANGOOST_VERSION);
    if (!loaded.image) return unusable(loaded.error);
    std::string error;
    if (!sameBuiltins(*loaded.image, error)) return unusable(error);
    auto provider = std::make_shared<ImageModuleProvider>(loaded.image);
    return runProgram(provider->entry(), provider, std::vector<std::string>(argv + std::min(argc, 1), argv + argc));
}

int compileCommand(const std::string& path, const std::string& output) {
    int status = writeStandalone(path, output);
    if (status == kExitOk) std::printf("built %s\n", output.c_str());
    return status;
}

int buildCommand(const std::string& dirArg) {
    std::error_code ec;
    fs::path dir = fs::canonical(dirArg, ec);
    if (ec || !fs::is_directory(dir, ec)) {
        std::fprintf(stderr, "error: '%s' is not a directory\n", dirArg.c_str());
        return kExitUsage;
    }
    std::string error;
    auto manifest = readManifest(dir, error);
    if (!manifest) {
        std::fprintf(stderr, "error: %s\n", error.c_str());
        return kExitUsage;
    }
    fs::path entry = dir / (manifest->main.empty() ? "main.goost" : manifest->main);
    std::string name = manifest->name.empty() ? dir.filename().string() : manifest->name;
    if (manifest->main.empty() && !fs::exists(entry, ec) && isServedSite(dir.string()))
        return buildSiteCommand(dir.string(), name);
    if (!fs::is_regular_file(entry, ec)) {
        std::fprintf(stderr,
                     "error: no entry file: '%s' does not exist (set \"main\" in langoost.json; a directory of "
                     "scripts for `serve` is packaged as a site)\n",
                     entry.string().c_str());
        return kExitUsage;
    }
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
        std::fprintf(stderr, "error: '%s' cannot name the binary; set \"name\" in langoost.json\n", name.c_str());
        return kExitUsage;
    }
    fs::path out = dir / "build";
    fs::create_directories(out, ec);
    if (ec) {
        std::fprintf(stderr, "error: cannot create '%s': %s\n", out.string().c_str(), ec.message().c_str());
        return kExitRuntimeError;
    }
    if (int status = writeStandalone(entry.string(), out / name); status != kExitOk) return status;
    if (!writeOutput(out / "run.sh", runScript(name), kExecutable, error) ||
        (!fs::exists(out / ".env", ec) && !writeOutput(out / ".env", envTemplate(name), kRegular, error))) {
        std::fprintf(stderr, "error: %s\n", error.c_str());
        return kExitRuntimeError;
    }
    std::printf("built %s\n", (out / name).string().c_str());
    return kExitOk;
}

} // namespace langoost
