// FormatCommand: `langoost fmt`, the canonical formatter on the command line
// (the engine is src/format). Kept apart from Commands.h so the formatter's
// options travel on their own.
#pragma once
#include <string>
#include <vector>

namespace langoost {

struct FormatOptions {
    std::vector<std::string> paths; // files, directories (every *.goost below) or "-" (stdin to stdout)
    bool check = false;             // print the files that would change; exit 1 if any; write nothing
    bool toStdout = false;          // print the formatted text instead of rewriting the files
};

// Exit status: 0 ok, 1 `--check` found files to change, 2 unreadable file,
// 65 syntax error (the file is left untouched).
int fmtCommand(const FormatOptions& options);

} // namespace langoost
