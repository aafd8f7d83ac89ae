// `langoost fmt [--check] [--stdout] PATH...`: formats files in place (a
// directory means every *.goost file below it). A file with syntax errors is
// reported and left untouched.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>

#include "cli/Commands.h"
#include "cli/FormatCommand.h"
#include "common/FileReplace.h"
#include "format/Formatter.h"

namespace langoost {
namespace {

namespace fs = std::filesystem;

// Through symbolic links, keeping hard links and the file's mode
// (common/FileReplace.h).
bool writeFile(const std::string& path, const std::string& text, std::string& error) {
    return replaceFile(path, text, std::nullopt, error);
}

// Formats one file's text; returns the exit status for it.
int formatOne(const std::string& path, const std::string& text, const FormatOptions& options, bool fromStdin) {
    SourceFile file(path, text);
    Diagnostics diags;
    std::optional<std::string> formatted;
    try {
        formatted = formatSource(file, diags);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: internal formatter error, file left unchanged: %s\n", path.c_str(), e.what());
        return kExitRuntimeError;
    }
    if (!formatted) {
        std::fputs(diags.format(useColour(stderr)).c_str(), stderr);
        return kExitCompileError;
    }
    bool changed = *formatted != text;
    if (options.check) {
        if (changed) std::printf("%s\n", path.c_str());
        return changed ? kExitRuntimeError : kExitOk;
    }
    if (options.toStdout || fromStdin) {
        std::fwrite(formatted->data(), 1, formatted->size(), stdout);
        return kExitOk;
    }
    std::string error;
    if (changed && !writeFile(path, *formatted, error)) {
        std::fprintf(stderr, "error: %s\n", error.c_str());
        return kExitUsage;
    }
    return kExitOk;
}

} // namespace

// The .goost files named by `path`: the file itself, or every one below a
// directory (sorted; hidden directories and goost_modules/ are skipped).
std::vector<std::string> goostFiles(const std::string& path) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) return {path};
    std::vector<std::string> files;
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (it->is_directory(ec)) {
            if (name.starts_with(".") || name == "goost_modules") it.disable_recursion_pending();
            continue;
        }
        if (it->path().extension() == ".goost" && it->is_regular_file(ec)) files.push_back(it->path().string());
    }
    std::sort(files.begin(), files.end());
    return files;
}

int fmtCommand(const FormatOptions& options) {
    int worst = kExitOk;
    for (const auto& arg : options.paths) {
        if (arg == "-") {
            std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
            worst = std::max(worst, formatOne("<stdin>", text, options, true));
            continue;
        }
        for (const auto& path : goostFiles(arg)) {
            std::ifstream in(path, std::ios::binary);
            std::error_code ec;
            std::string text;
            if (fs::is_regular_file(path, ec) && in)
                text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
            if (!fs::is_regular_file(path, ec) || !in || in.bad()) {
                std::fprintf(stderr, "error: cannot read '%s'\n", path.c_str());
                worst = std::max(worst, kExitUsage);
                continue;
            }
            worst = std::max(worst, formatOne(path, text, options, false));
        }
    }
    return worst;
}

} // namespace langoost
