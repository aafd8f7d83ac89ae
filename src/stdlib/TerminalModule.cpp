// The `terminal` module (stdlib.md): whether stdout is a terminal, its size,
// and ANSI colour/style escapes. Every escape is "" when the NO_COLOR
// environment variable is set to a non-empty value (https://no-color.org).
#include <cstdlib>
#include <string>
#include <sys/ioctl.h>
#include <unistd.h>

#include "stdlib/Stdlib.h"
#include "vm/MapOps.h"

namespace langoost {
namespace {

bool noColor() {
    const char* v = std::getenv("NO_COLOR");
    return v && *v;
}

Value escape(VM& vm, const char* code) { return vm.stringValue(noColor() ? "" : code); }

Value term_isatty(VM&, Value, Value*, int) { return Value::boolean(::isatty(STDOUT_FILENO) == 1); }

int64_t envInt(const char* name) {
    const char* v = std::getenv(name);
    if (!v || !*v) return 0;
    char* end = nullptr;
    long n = std::strtol(v, &end, 10);
    return *end == '\0' && n > 0 && n < 100000 ? n : 0;
}

Value term_size(VM& vm, Value, Value*, int) {
    int64_t cols = 0, rows = 0;
    for (int fd : {STDOUT_FILENO, STDERR_FILENO, STDIN_FILENO}) {
        winsize ws = {};
        if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
            cols = ws.ws_col;
            rows = ws.ws_row;
            break;
        }
    }
    if (cols == 0) { // not a terminal: the shell's COLUMNS/LINES, if exported
        cols = envInt("COLUMNS");
        rows = envInt("LINES");
    }
    MapObject* m = vm.heap().newMap();
    mapSet(vm.heap(), m, internConstant("cols"), Value::integer(cols));
    mapSet(vm.heap(), m, internConstant("rows"), Value::integer(rows));
    return Value::object(m);
}

Value term_color(VM& vm, Value, Value* a, int) {
    if (!a[0].isString()) vm.raise("TypeError", std::string("terminal.color: name must be a string, got ") + vm.typeName(a[0]));
    static const std::pair<std::string_view, const char*> colors[] = {
        {"black", "\x1b[30m"}, {"red", "\x1b[31m"},     {"green", "\x1b[32m"}, {"yellow", "\x1b[33m"},
        {"blue", "\x1b[34m"},  {"magenta", "\x1b[35m"}, {"cyan", "\x1b[36m"},  {"white", "\x1b[37m"},
        {"gray", "\x1b[90m"},  {"grey", "\x1b[90m"},
    };
    std::string_view name = a[0].as<StringObject>()->view();
    for (const auto& [n, code] : colors)
        if (n == name) return escape(vm, code);
    return vm.stringValue(""); // unknown colour: no escape
}

Value term_bold(VM& vm, Value, Value*, int) { return escape(vm, "\x1b[1m"); }
Value term_dim(VM& vm, Value, Value*, int) { return escape(vm, "\x1b[2m"); }
Value term_reset(VM& vm, Value, Value*, int) { return escape(vm, "\x1b[0m"); }

} // namespace

const NativeModuleDef& terminalModule() {
    static const NativeModuleDef def = {
        "terminal",
        {
            {"isatty", term_isatty, 0, 0},
            {"size", term_size, 0, 0},
            {"color", term_color, 1, 1},
            {"bold", term_bold, 0, 0},
            {"dim", term_dim, 0, 0},
            {"reset", term_reset, 0, 0},
        },
        {},
    };
    return def;
}

} // namespace langoost
