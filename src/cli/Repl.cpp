// The interactive REPL (`langoost`, `langoost repl`). Every entry is
// compiled in REPL mode against the globals of the entries before it and
// run in one persistent module, so let/fn/class/import all persist.
// Interactive sessions use libedit for line editing and history; when
// stdin is not a terminal, lines are read plainly and no prompt is shown.
#include <editline/readline.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <new>
#include <optional>
#include <string>

#include "cli/Commands.h"

namespace fs = std::filesystem;

namespace langoost {

// How deeply ( [ { are open at the end of `text`, ignoring brackets inside
// string literals and comments. Also true when a block comment is open.
int openBrackets(std::string_view text, bool* inComment) {
    int depth = 0;
    bool comment = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        char next = i + 1 < text.size() ? text[i + 1] : '\0';
        if (comment) {
            if (c == '*' && next == '/') {
                comment = false;
                ++i;
            }
            continue;
        }
        if (c == '/' && next == '/') {
            while (i < text.size() && text[i] != '\n') ++i;
            continue;
        }
        if (c == '/' && next == '*') {
            comment = true;
            ++i;
            continue;
        }
        if (c == '"') { // strings end at the closing quote or the end of the line
            for (++i; i < text.size() && text[i] != '"' && text[i] != '\n'; ++i)
                if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] != '\n') ++i;
            continue;
        }
        if (c == '(' || c == '[' || c == '{') ++depth;
        if (c == ')' || c == ']' || c == '}') --depth;
    }
    if (inComment) *inComment = comment;
    return depth;
}

namespace {

const char* kHelp =
    "Enter Langoost statements or expressions; the value of an expression is\n"
    "printed (strings quoted, nil not shown). Definitions (let, fn, class,\n"
    "import) persist for the whole session. Input continues on the next line\n"
    "while ( [ { are open.\n"
    "  :help   this text\n"
    "  :quit   leave (also :q, Ctrl-D)\n";

class LineReader {
  public:
    explicit LineReader(bool interactive) : interactive_(interactive) {
        if (!interactive_) return;
        if (const char* home = std::getenv("HOME")) historyPath_ = (fs::path(home) / ".langoost_history").string();
        using_history();
        stifle_history(1000);
        if (!historyPath_.empty()) read_history(historyPath_.c_str()); // a missing file is fine
    }
    ~LineReader() { saveHistory(); }

    // Null at end of input.
    std::optional<std::string> read(bool continuation) {
        if (!interactive_) {
            std::string line;
            if (!std::getline(std::cin, line)) return std::nullopt;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            return line;
        }
        char* raw = readline(continuation ? "... " : "> ");
        if (!raw) return std::nullopt;
        std::string line(raw);
        std::free(raw);
        if (line.find_first_not_of(" \t") != std::string::npos) add_history(line.c_str());
        return line;
    }

    void saveHistory() {
        if (interactive_ && !historyPath_.empty()) write_history(historyPath_.c_str()); // failures ignored
    }

  private:
    bool interactive_;
    std::string historyPath_;
};

std::string trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    size_t e = s.find_last_not_of(" \t");
    return s.substr(b, e - b + 1);
}

} // namespace

int replCommand() {
    const bool interactive = isatty(STDIN_FILENO);
    auto loader = makeModuleLoader();
    VM vm(makeRuntime(loader, {}));
    const fs::path baseDir = [] {
        std::error_code ec;
        fs::path p = fs::current_path(ec);
        return ec ? fs::path(".") : p;
    }();

    // The session's module: an empty program run once; each entry then runs
    // inside it with runInModule.
    std::vector<std::string> globals;
    ModuleObject* module = nullptr;
    // Every entry's code stays alive: functions defined by an earlier entry
    // point into its FunctionProtos, but runInModule only keeps the latest
    // CompiledModule in module->compiled.
    std::vector<std::shared_ptr<const CompiledModule>> entries;
    {
        Diagnostics diags;
        CompileOptions options;
        options.replMode = true;
        auto empty = loader->loadSource(SourceFile("<repl>", ""), baseDir, diags, options);
        if (!empty) {
            std::fputs(diags.format(useColour(stderr)).c_str(), stderr);
            return kExitRuntimeError;
        }
        module = vm.runMain(empty);
        globals = empty->globalNames;
        entries.push_back(empty);
    }

    if (interactive)
        std::printf("Langoost %s — :help for help, :quit or Ctrl-D to leave\n", LANGOOST_VERSION);

    LineReader reader(interactive);
    for (;;) {
        std::string entry;
        bool eof = false;
        for (;;) {
            auto line = reader.read(!entry.empty());
            if (!line) {
                eof = true;
                break;
            }
            if (!entry.empty()) entry += '\n';
            entry += *line;
            bool comment = false;
            if (openBrackets(entry, &comment) <= 0 && !comment) break;
        }
        if (eof) {
            if (interactive) {
                std::printf("\n");
                if (!entry.empty()) continue; // Ctrl-D abandons an unfinished entry
                break;
            }
            if (entry.empty()) break;
            // piped input ended inside an entry: compile it (the error says what is missing)
        }

        std::string command = trim(entry);
        if (command.empty()) {
            if (eof) break;
            continue;
        }
        if (command[0] == ':') {
            if (command == ":quit" || command == ":q" || command == ":exit") break;
            if (command == ":help" || command == ":h")
                std::fputs(kHelp, stdout);
            else
                std::fprintf(stderr, "unknown command '%s' (try :help)\n", command.c_str());
            std::fflush(stdout);
            if (eof) break;
            continue;
        }

        Diagnostics diags;
        CompileOptions options;
        options.replMode = true;
        options.predeclaredGlobals = globals;
        auto code = loader->loadSource(SourceFile("<repl>", entry), baseDir, diags, options);
        if (!code) {
            std::fflush(stdout);
            std::fputs(diags.format(useColour(stderr)).c_str(), stderr);
            std::fflush(stderr);
        } else {
            globals = code->globalNames;
            entries.push_back(code);
            try {
                Value result = vm.runInModule(module, code);
                vm.flush();
                if (!result.isNil()) {
                    TempRoot root(vm, result);
                    std::string text;
                    vm.appendString(text, result, 1); // depth 1: strings quoted, like inside arrays
                    std::printf("%s\n", text.c_str());
                    std::fflush(stdout);
                }
            } catch (ScriptThrow&) {
                vm.flush();
                std::fputs(vm.describeUncaught(useColour(stderr)).c_str(), stderr);
                std::fflush(stderr);
            } catch (ExitRequest& e) {
                vm.flush();
                reader.saveHistory();
                return e.code;
            } catch (Terminated& t) {
                vm.flush();
                std::fprintf(stderr, "terminated: %s\n", t.message.c_str());
                return kExitRuntimeError;
            } catch (std::bad_alloc&) {
                vm.flush();
                std::fputs("fatal: out of memory\n", stderr);
                return kExitRuntimeError;
            }
        }
        reader.saveHistory();
        if (eof) break;
    }
    return kExitOk;
}

} // namespace langoost
