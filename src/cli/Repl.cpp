// The interactive REPL (`langoost`, `langoost repl`). Every entry is
// compiled in REPL mode against the globals of the entries before it and
// run in one persistent module, so let/fn/class/import all persist.
// Interactive sessions use libedit for line editing, history (a multi-line
// entry is one history entry) and Tab completion (keywords, globals, and
// members after a dot); Ctrl-C abandons the line being typed, or interrupts
// the running entry (InterruptError). When stdin is
// not a terminal, lines are read plainly and no prompt is shown.
//
// An entry continues on the next line while ( [ { are open, and when it
// stops at the end of the input (`1 +`, `if x`): an empty line then ends it.
#include <editline/readline.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <set>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <new>
#include <optional>
#include <string>

#include "cli/Commands.h"
#include "stdlib/Stdlib.h"
#include "vm/MapOps.h"

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
    "while ( [ { are open or the entry is unfinished (`1 +`); an empty line\n"
    "ends an unfinished entry. Tab completes names and members after a dot;\n"
    "Ctrl-C abandons the entry being typed, or interrupts a running one.\n"
    "  :help   this text\n"
    "  :quit   leave (also :q, Ctrl-D)\n";

const char* const kKeywords[] = {"let",   "fn",     "return", "if",    "else",      "while",   "for",  "in",
                                 "break", "continue", "try",  "catch", "throw",     "class",   "interface",
                                 "extends", "is",   "import", "from",  "true",      "false",   "nil",  "self"};

// Ctrl-C while a line is being read: libedit's read is interrupted (no
// SA_RESTART) and readline() returns null, which gInterrupted tells apart
// from end of input. While an entry runs, gRunInterrupt makes it raise
// InterruptError at its next safe point (RuntimeConfig::interrupt).
// Elsewhere SIGINT keeps its default action.
volatile sig_atomic_t gInterrupted = 0;
std::atomic<bool> gRunInterrupt{false};
void onInterrupt(int) {
    gInterrupted = 1;
    gRunInterrupt.store(true, std::memory_order_relaxed);
}

class InterruptScope {
  public:
    InterruptScope() {
        struct sigaction action {};
        action.sa_handler = onInterrupt;
        sigemptyset(&action.sa_mask);
        action.sa_flags = 0;
        sigaction(SIGINT, &action, &previous_);
    }
    ~InterruptScope() { sigaction(SIGINT, &previous_, nullptr); }

  private:
    struct sigaction previous_ {};
};

// What Tab completes against: the session's globals and module values.
struct Completion {
    VM* vm = nullptr;
    ModuleObject* module = nullptr;
    const std::vector<std::string>* globals = nullptr;
    std::vector<std::string> builtins;
    std::vector<std::string> stringMethods;
    std::vector<std::string> candidates; // of the word being completed
    size_t next = 0;
};
Completion gCompletion;

const char* const kArrayMethods[] = {"push",  "pop",    "slice", "indexOf", "contains",  "reverse", "sort",
                                     "join",  "map",    "filter", "insert", "remove",    "clear",   "copy",
                                     "reduce", "find",  "findIndex", "some", "every"};

// The names a value answers after a dot.
std::vector<std::string> membersOf(Value v) {
    std::vector<std::string> names;
    if (!v.isObj()) return names;
    switch (v.asObj()->type) {
    case ObjType::Module: {
        auto* m = v.as<ModuleObject>();
        if (m->exports)
            for (StringObject* key : mapSortedKeys(m->exports)) names.emplace_back(key->view());
        else if (m->compiled)
            names = m->compiled->globalNames;
        break;
    }
    case ObjType::Map: {
        auto* m = v.as<MapObject>();
        for (StringObject* key : mapSortedKeys(m)) names.emplace_back(key->view());
        for (ClassObject* c = m->klass; c; c = c->parent)
            for (StringObject* key : mapSortedKeys(c->methods)) names.emplace_back(key->view());
        if (!m->klass) names.insert(names.end(), {"keys", "values", "has"});
        break;
    }
    case ObjType::Array: names.assign(std::begin(kArrayMethods), std::end(kArrayMethods)); break;
    case ObjType::String: names = gCompletion.stringMethods; break;
    default: break;
    }
    return names;
}

// The value of a dotted path of globals and members (`cfg.db`), or nil.
Value lookupPath(const std::string& path) {
    Completion& c = gCompletion;
    Value v;
    size_t start = 0;
    for (bool first = true;; first = false) {
        size_t dot = path.find('.', start);
        std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (first) {
            auto it = std::find(c.globals->begin(), c.globals->end(), part);
            if (it == c.globals->end() || size_t(it - c.globals->begin()) >= c.module->globals.size()) return Value();
            v = c.module->globals[size_t(it - c.globals->begin())];
        } else if (v.isObjType(ObjType::Map)) {
            Value* field = mapFind(v.as<MapObject>(), std::string_view(part));
            v = field ? *field : Value();
        } else if (v.isObjType(ObjType::Module) && v.as<ModuleObject>()->exports) {
            Value* field = mapFind(v.as<ModuleObject>()->exports, std::string_view(part));
            v = field ? *field : Value();
        } else {
            return Value();
        }
        if (dot == std::string::npos) return v;
        start = dot + 1;
    }
}

// Every completion of `text`: after a dot, the members of what is before
// it; otherwise keywords, builtins and the session's globals.
std::vector<std::string> completionsOf(const std::string& text) {
    std::set<std::string> out;
    size_t dot = text.rfind('.');
    if (dot != std::string::npos) {
        std::string prefix = text.substr(dot + 1);
        for (const std::string& name : membersOf(lookupPath(text.substr(0, dot))))
            if (name.starts_with(prefix)) out.insert(text.substr(0, dot + 1) + name);
    } else {
        auto add = [&](const std::string& name) {
            if (name.starts_with(text) && !name.empty() && name[0] != '<') out.insert(name);
        };
        for (const char* k : kKeywords) add(k);
        for (const std::string& b : gCompletion.builtins) add(b);
        for (const std::string& g : *gCompletion.globals) add(g);
    }
    return {out.begin(), out.end()};
}

char* nextCompletion(const char* text, int state) {
    Completion& c = gCompletion;
    if (state == 0) {
        c.candidates = completionsOf(text);
        c.next = 0;
    }
    if (c.next >= c.candidates.size()) return nullptr;
    return strdup(c.candidates[c.next++].c_str());
}

char** completeWord(const char* text, int, int) {
    rl_attempted_completion_over = 1; // never fall back to file names
    return rl_completion_matches(text, nextCompletion);
}

class LineReader {
  public:
    explicit LineReader(bool interactive) : interactive_(interactive) {
        if (!interactive_) return;
        if (const char* home = std::getenv("HOME")) historyPath_ = (fs::path(home) / ".langoost_history").string();
        using_history();
        stifle_history(1000);
        if (!historyPath_.empty()) read_history(historyPath_.c_str()); // a missing file is fine
        rl_attempted_completion_function = completeWord;
        rl_completion_append_character = '\0';
        rl_basic_word_break_characters = " \t\n\"\\'`@$><=;|&{}()[],+-*/%!~^:";
        rl_completer_word_break_characters = const_cast<char*>(rl_basic_word_break_characters);
    }
    ~LineReader() { saveHistory(); }

    // Null at end of input, or after Ctrl-C (then `interrupted` is set).
    std::optional<std::string> read(bool continuation, bool& interrupted) {
        interrupted = false;
        if (!interactive_) {
            std::string line;
            if (!std::getline(std::cin, line)) return std::nullopt;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            return line;
        }
        char* raw;
        {
            InterruptScope scope;
            gInterrupted = 0;
            raw = readline(continuation ? "... " : "> ");
            interrupted = gInterrupted;
        }
        if (!raw) return std::nullopt;
        std::string line(raw);
        std::free(raw);
        return line;
    }

    // A whole entry, as one history entry even when it spans lines.
    void remember(const std::string& entry) {
        if (interactive_ && entry.find_first_not_of(" \t\n") != std::string::npos) add_history(entry.c_str());
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
    RuntimeConfig config = makeRuntime(loader, {});
    if (interactive) config.interrupt = &gRunInterrupt;
    VM vm(config);
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

    gCompletion.vm = &vm;
    gCompletion.module = module;
    gCompletion.globals = &globals;
    gCompletion.builtins = builtinNames();
    for (const NativeModuleDef* def : standardModules())
        if (def->name == "strings")
            for (const NativeDef& fn : def->functions)
                if (std::strcmp(fn.name, "join") != 0 && std::strcmp(fn.name, "fromBytes") != 0)
                    gCompletion.stringMethods.emplace_back(fn.name);
    LineReader reader(interactive);
    for (;;) {
        std::string entry;
        std::shared_ptr<const CompiledModule> code;
        Diagnostics diags;
        bool eof = false, interrupted = false;
        for (;;) {
            auto line = reader.read(!entry.empty(), interrupted);
            if (!line) {
                eof = !interrupted;
                break;
            }
            bool blank = line->find_first_not_of(" \t\r") == std::string::npos;
            if (!entry.empty()) entry += '\n';
            entry += *line;
            bool comment = false;
            if (openBrackets(entry, &comment) > 0 || comment) continue;
            if (trim(entry).starts_with(":")) break;
            // Compile now: an entry that stops at the end of the input
            // (`1 +`, `if x`) continues on the next line, until a blank one.
            diags = Diagnostics();
            CompileOptions options;
            options.replMode = true;
            options.predeclaredGlobals = globals;
            code = loader->loadSource(SourceFile("<repl>", entry), baseDir, diags, options);
            if (code || blank || trim(entry).empty()) break;
            bool unfinished = !diags.errors().empty() &&
                              diags.errors().front().message.find("end of file") != std::string::npos;
            if (!unfinished) break;
        }
        if (interrupted) { // Ctrl-C: the entry is dropped, the session goes on
            std::printf("\n");
            std::fflush(stdout);
            continue;
        }
        if (eof) {
            if (interactive) {
                std::printf("\n");
                if (!entry.empty()) continue; // Ctrl-D abandons an unfinished entry
                break;
            }
            if (entry.empty()) break;
            // piped input ended inside an entry: compile it (the error says what is missing)
            if (!code && !diags.hasErrors()) {
                CompileOptions options;
                options.replMode = true;
                options.predeclaredGlobals = globals;
                code = loader->loadSource(SourceFile("<repl>", entry), baseDir, diags, options);
            }
        }
        reader.remember(entry);

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

        if (!code) {
            std::fflush(stdout);
            std::fputs(diags.format(useColour(stderr)).c_str(), stderr);
            std::fflush(stderr);
        } else {
            globals = code->globalNames;
            entries.push_back(code);
            try {
                std::optional<InterruptScope> interruptible;
                if (interactive) interruptible.emplace();
                gRunInterrupt.store(false);
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
