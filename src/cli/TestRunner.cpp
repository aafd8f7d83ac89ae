// `langoost test`: discovers *_test.goost files, runs each in a fresh VM
// (isolate) and calls its top-level `fn test_*()` functions in declaration
// order, with `setup()`/`teardown()` around each. See docs/cli.md.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "common/JsonText.h"
#include "cli/Commands.h"
#include "common/FileReplace.h"
#include "tools/Coverage.h"
#include "vm/MapOps.h"
#include "vm/Objects.h"

namespace fs = std::filesystem;

namespace langoost {
namespace {

// How long a file's spawned threads get to stop once its tests are done.
constexpr long kThreadStopMs = 5000;

enum class Status { Pass, Fail, Skip };

struct TestResult {
    std::string file;
    std::string name;
    Status status = Status::Pass;
    double ms = 0;
    std::string phase = "test"; // "test", or "compile"/"load" for a file-level failure
    std::string message;        // failure: "Kind: message" (or the diagnostics)
    std::string location;       // failure: file:line where the error was raised
    std::string testLocation;   // failure: innermost file:line inside the test file, when different
};

struct Frame {
    std::string path;
    uint32_t line = 0;
    std::string text() const { return path + ":" + std::to_string(line); }
};

// ---- output helpers ----

struct Style {
    bool colour = false;
    const char* green() const { return colour ? "\x1b[32m" : ""; }
    const char* red() const { return colour ? "\x1b[31m" : ""; }
    const char* yellow() const { return colour ? "\x1b[33m" : ""; }
    const char* bold() const { return colour ? "\x1b[1m" : ""; }
    const char* reset() const { return colour ? "\x1b[0m" : ""; }
};

std::string indent(const std::string& text, const std::string& prefix) {
    std::string out;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        out += prefix + text.substr(start, end - start) + "\n";
        start = end + 1;
    }
    return out;
}

std::string trimTrailingNewlines(std::string s) {
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

// ---- discovery ----

bool isTestFile(const fs::path& p) {
    const std::string name = p.filename().string();
    return name.size() > 11 && name.ends_with("_test.goost");
}

std::string displayPath(const fs::path& p) {
    std::string s = p.lexically_normal().generic_string();
    return s.empty() ? "." : s;
}

// Files under each root, sorted per root; roots in argument order, no duplicates.
// Hidden directories and goost_modules/ (installed dependencies) are skipped.
std::optional<std::vector<std::string>> discover(const std::vector<std::string>& roots) {
    std::vector<std::string> all;
    for (const auto& root : roots) {
        std::error_code ec;
        fs::file_status st = fs::status(root, ec);
        if (ec || !fs::exists(st)) {
            std::fprintf(stderr, "error: no such file or directory '%s'\n", root.c_str());
            return std::nullopt;
        }
        std::vector<std::string> found;
        if (fs::is_regular_file(st)) {
            found.push_back(displayPath(root));
        } else {
            fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
            for (; !ec && it != end; it.increment(ec)) {
                const fs::path& p = it->path();
                std::string name = p.filename().string();
                std::error_code e2;
                if (it->is_directory(e2)) {
                    if ((name.size() > 1 && name[0] == '.') || name == "goost_modules") it.disable_recursion_pending();
                    continue;
                }
                if (isTestFile(p) && it->is_regular_file(e2)) found.push_back(displayPath(p));
            }
            std::sort(found.begin(), found.end());
        }
        for (auto& f : found)
            if (std::find(all.begin(), all.end(), f) == all.end()) all.push_back(std::move(f));
    }
    return all;
}

// ---- failures ----

// "path:line in fn" (an error object's stack entry) -> frame.
std::optional<Frame> parseStackEntry(std::string_view entry) {
    size_t in = entry.rfind(" in ");
    std::string_view where = entry.substr(0, in);
    size_t colon = where.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    Frame f;
    f.path = std::string(where.substr(0, colon));
    f.line = uint32_t(std::strtoul(std::string(where.substr(colon + 1)).c_str(), nullptr, 10));
    return f;
}

// Describes the exception in flight: message and where it was raised. The
// error object's own `stack` wins (it survives `catch e { throw e }`); the
// VM's trace of the throw is the fallback for non-error values.
void describeFailure(VM& vm, const std::string& testFile, TestResult& r) {
    Value e = vm.exception();
    std::vector<Frame> frames;
    MapObject* map = e.isObjType(ObjType::Map) ? e.as<MapObject>() : nullptr;
    if (map) {
        Value* stack = mapFind(map, "stack");
        if (stack && stack->isObjType(ObjType::Array)) {
            auto* a = stack->as<ArrayObject>();
            for (uint32_t i = 0; i < a->length; ++i)
                if (a->at(i).isString())
                    if (auto f = parseStackEntry(a->at(i).as<StringObject>()->view())) frames.push_back(*f);
        }
    }
    if (frames.empty())
        for (const TraceFrame& t : vm.exceptionTrace()) frames.push_back({t.path, t.location.line});

    Value* kind = map ? mapFind(map, "kind") : nullptr;
    Value* message = map ? mapFind(map, "message") : nullptr;
    try {
        if (kind && kind->isString())
            r.message = std::string(kind->as<StringObject>()->view()) + ": " + (message ? vm.toString(*message) : "");
        else
            r.message = "uncaught exception: " + vm.toString(e);
    } catch (ScriptThrow&) {
        r.message = "uncaught exception: <unprintable value>";
    }
    if (!frames.empty()) {
        r.location = frames.front().text();
        if (frames.front().path != testFile)
            for (const Frame& f : frames)
                if (f.path == testFile) {
                    r.testLocation = f.text();
                    break;
                }
    }
}

// ---- running one file ----

struct Runner {
    std::shared_ptr<ModuleLoader> loader;
    std::string filter;
    bool json = false;
    Style style;
    std::vector<TestResult> results;
    std::shared_ptr<Coverage> coverage; // --coverage

    void report(const TestResult& r) {
        results.push_back(r);
        if (json) return;
        const char* word = r.status == Status::Pass ? "ok  " : r.status == Status::Fail ? "FAIL" : "skip";
        const char* colour = r.status == Status::Pass ? style.green()
                             : r.status == Status::Fail ? style.red()
                                                        : style.yellow();
        if (r.status == Status::Skip)
            std::printf("  %s%s%s  %s (%s)\n", colour, word, style.reset(), r.name.c_str(), r.message.c_str());
        else
            std::printf("  %s%s%s  %s (%.2f ms)\n", colour, word, style.reset(), r.name.c_str(), r.ms);
        if (r.status == Status::Fail) {
            std::fputs(indent(trimTrailingNewlines(r.message), "        ").c_str(), stdout);
            if (!r.location.empty())
                std::printf("        at %s%s%s\n", r.location.c_str(), r.testLocation.empty() ? "" : ", from ",
                            r.testLocation.c_str());
        }
        std::fflush(stdout);
    }

    static double since(std::chrono::steady_clock::time_point t0) {
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    }

    bool selected(const std::string& name) const {
        return name.starts_with("test_") && name.find(filter) != std::string::npos;
    }

    void fileFailure(const std::string& file, const std::string& phase, const std::string& message, double ms,
                     const std::string& location = "") {
        TestResult r;
        r.file = r.name = file;
        r.status = Status::Fail;
        r.phase = phase;
        r.message = message;
        r.location = location;
        r.ms = ms;
        report(r);
    }

    void header(const std::string& file) {
        if (!json) std::printf("%s%s%s\n", style.bold(), file.c_str(), style.reset());
    }

    void runFile(const std::string& file) {
        auto t0 = std::chrono::steady_clock::now();
        Diagnostics diags;
        std::shared_ptr<const CompiledModule> compiled = loader->loadEntry(file, diags);
        if (!compiled) {
            header(file);
            std::string msg = diags.hasErrors() ? diags.format() : "error: cannot read '" + file + "'";
            fileFailure(file, "compile", trimTrailingNewlines(msg), since(t0));
            return;
        }
        // With --filter, a file with no matching test is not run at all.
        if (!filter.empty() && std::none_of(compiled->globalNames.begin(), compiled->globalNames.end(),
                                            [&](const std::string& n) { return selected(n); }))
            return;
        header(file);

        RuntimeConfig config = makeRuntime(loader, {});
        config.threadExitEndsProcess = false; // a thread's exit() fails its file, not the whole run
        config.traps = coverage;
        auto owned = std::make_unique<VM>(config);
        runLoaded(file, *owned, compiled, t0);
        // Threads the file started stop before its isolate is freed.
        if (!owned->endThreads(std::chrono::milliseconds(kThreadStopMs))) {
            fileFailure(file, "threads", "a thread it started did not stop within " + std::to_string(kThreadStopMs) + " ms",
                        since(t0));
            (void)owned.release(); // never freed under a running thread
            return;
        }
        owned->flush();
        if (int code = owned->isolate().threadExitCode.load(); code >= 0)
            fileFailure(file, "threads", "a thread called exit(" + std::to_string(code) + ")", since(t0));
    }

    void runLoaded(const std::string& file, VM& vm, const std::shared_ptr<const CompiledModule>& compiled,
                   std::chrono::steady_clock::time_point t0) {
        ModuleObject* module = nullptr;
        try {
            module = vm.runMain(compiled);
        } catch (ScriptThrow&) {
            vm.flush();
            TestResult r;
            describeFailure(vm, file, r);
            fileFailure(file, "load", "top-level code threw: " + r.message, since(t0), r.location);
            return;
        } catch (ExitRequest& e) {
            vm.flush();
            fileFailure(file, "load", "top-level code called exit(" + std::to_string(e.code) + ")", since(t0));
            return;
        } catch (Terminated& t) {
            vm.flush();
            fileFailure(file, "load", "terminated: " + t.message, since(t0));
            return;
        } catch (std::bad_alloc&) {
            vm.flush();
            fileFailure(file, "load", "fatal: out of memory", since(t0));
            return;
        }
        vm.flush();

        // The module's global names are in declaration order; a test is a
        // top-level `fn test_*` declared in this file (not an import, not a
        // `let` bound to a closure).
        auto ownFunction = [&](const std::string& name) -> std::optional<Value> {
            Value v = vm.moduleGlobal(module, name);
            if (!v.isObjType(ObjType::Closure)) return std::nullopt;
            auto* c = v.as<ClosureObject>();
            if (c->module != module || !c->proto->named || c->proto->name != name) return std::nullopt;
            return v;
        };
        std::vector<std::pair<std::string, Value>> tests;
        for (const auto& name : compiled->globalNames)
            if (selected(name))
                if (auto v = ownFunction(name)) tests.emplace_back(name, *v);
        std::optional<Value> setup = ownFunction("setup");
        std::optional<Value> teardown = ownFunction("teardown");

        bool dead = false; // exit(), termination or out-of-memory ended this isolate
        for (const auto& [name, fn] : tests) {
            TestResult r;
            r.file = file;
            r.name = name;
            if (dead) {
                r.status = Status::Skip;
                r.message = "not run: an earlier test ended the isolate";
                report(r);
                continue;
            }
            auto start = std::chrono::steady_clock::now();
            // Returns false when the call failed; records the first failure.
            auto attempt = [&](Value callee, const char* what) {
                try {
                    vm.call(callee, {});
                    return true;
                } catch (ScriptThrow&) {
                    if (r.status != Status::Fail) {
                        describeFailure(vm, file, r);
                        if (*what) r.message = std::string(what) + ": " + r.message;
                        r.status = Status::Fail;
                    }
                } catch (ExitRequest& e) {
                    if (r.status != Status::Fail) {
                        r.message = std::string(*what ? what : "test") + " called exit(" + std::to_string(e.code) + ")";
                        r.status = Status::Fail;
                    }
                    dead = true;
                } catch (Terminated& t) {
                    if (r.status != Status::Fail) {
                        r.message = "terminated: " + t.message;
                        r.status = Status::Fail;
                    }
                    dead = true;
                } catch (std::bad_alloc&) {
                    if (r.status != Status::Fail) {
                        r.message = "fatal: out of memory";
                        r.status = Status::Fail;
                    }
                    dead = true;
                }
                return false;
            };
            bool setUp = !setup || attempt(*setup, "setup");
            if (setUp) attempt(fn, "");
            if (setUp && teardown && !dead) attempt(*teardown, "teardown");
            r.ms = since(start);
            vm.flush();
            report(r);
        }
    }
};

// --coverage: writes the lcov file and prints a line per file to `summary`.
bool writeCoverage(const Coverage& coverage, const std::string& outPath, FILE* summary) {
    std::vector<Coverage::FileReport> files = coverage.report();
    std::error_code ec;
    fs::path out(outPath);
    if (out.has_parent_path()) fs::create_directories(out.parent_path(), ec);
    std::string error;
    if (!replaceFile(outPath, formatLcov(files), std::nullopt, error)) {
        std::fprintf(stderr, "error: cannot write coverage to '%s': %s\n", outPath.c_str(), error.c_str());
        return false;
    }
    std::fprintf(summary, "\ncoverage (lines hit / executable lines):\n");
    size_t hit = 0, total = 0;
    for (const auto& f : files) {
        fs::path shown = fs::path(f.path).lexically_relative(fs::current_path(ec));
        if (shown.empty() || shown.string().starts_with("..")) shown = f.path;
        size_t h = f.hitLines(), n = f.lines.size();
        std::fprintf(summary, "  %6.1f%%  %zu/%zu  %s\n", n ? 100.0 * double(h) / double(n) : 100.0, h, n, shown.c_str());
        hit += h;
        total += n;
    }
    std::fprintf(summary, "  %6.1f%%  %zu/%zu  total; lcov written to %s\n", total ? 100.0 * double(hit) / double(total) : 100.0,
                 hit, total, outPath.c_str());
    return true;
}

} // namespace

int testCommand(const TestOptions& options) {
    std::vector<std::string> roots = options.paths.empty() ? std::vector<std::string>{"."} : options.paths;
    auto files = discover(roots);
    if (!files) return kExitUsage;

    Runner runner;
    runner.loader = makeModuleLoader();
    runner.filter = options.filter;
    runner.json = options.json;
    runner.style.colour = !options.json && isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");

    // --json: the report is the only thing on stdout; whatever the tests
    // print goes to stderr.
    int reportFd = -1;
    if (options.json) {
        std::fflush(stdout);
        reportFd = dup(STDOUT_FILENO);
        if (reportFd >= 0) dup2(STDERR_FILENO, STDOUT_FILENO);
    }

    if (options.coverage)
        runner.coverage = std::make_shared<Coverage>([](const std::string& path) { return !isTestFile(path); });
    if (files->empty()) std::fputs("no *_test.goost files found\n", stderr);
    for (const auto& file : *files) runner.runFile(file);

    size_t passed = 0, failed = 0, skipped = 0;
    for (const auto& r : runner.results)
        (r.status == Status::Pass ? passed : r.status == Status::Fail ? failed : skipped)++;

    if (options.json) {
        std::fflush(stdout);
        if (reportFd >= 0) {
            dup2(reportFd, STDOUT_FILENO);
            close(reportFd);
        }
        std::string out = "{\"passed\": " + std::to_string(passed) + ", \"failed\": " + std::to_string(failed) +
                          ", \"skipped\": " + std::to_string(skipped) + ", \"files\": [";
        for (size_t i = 0; i < files->size(); ++i) out += (i ? ", " : "") + jsonString((*files)[i]);
        out += "], \"tests\": [";
        bool first = true;
        for (const auto& r : runner.results) {
            char ms[32];
            std::snprintf(ms, sizeof ms, "%.3f", r.ms);
            out += first ? "\n  " : ",\n  ";
            first = false;
            out += "{\"file\": " + jsonString(r.file) + ", \"name\": " + jsonString(r.name) + ", \"status\": " +
                   jsonString(r.status == Status::Pass ? "pass" : r.status == Status::Fail ? "fail" : "skip") +
                   ", \"phase\": " + jsonString(r.phase) + ", \"ms\": " + ms;
            if (r.status != Status::Pass) out += ", \"message\": " + jsonString(trimTrailingNewlines(r.message));
            if (!r.location.empty()) out += ", \"location\": " + jsonString(r.location);
            if (!r.testLocation.empty()) out += ", \"testLocation\": " + jsonString(r.testLocation);
            out += "}";
        }
        out += first ? "]}\n" : "\n]}\n";
        if (runner.coverage && !writeCoverage(*runner.coverage, options.coverageOut, stderr)) failed++;
        std::fputs(out.c_str(), stdout);
    } else {
        const Style& s = runner.style;
        if (runner.coverage && !writeCoverage(*runner.coverage, options.coverageOut, stdout)) failed++;
        std::printf("\n%s%zu passed, %s%zu failed%s", s.bold(), passed, failed ? s.red() : "", failed, s.reset());
        if (skipped) std::printf(", %s%zu skipped%s", s.yellow(), skipped, s.reset());
        std::printf("\n");
    }
    std::fflush(stdout);
    return failed ? kExitRuntimeError : kExitOk;
}

} // namespace langoost
