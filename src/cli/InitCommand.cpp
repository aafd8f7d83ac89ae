// `langoost init [DIR]`: a new project — langoost.json, main.goost, a test
// file and .gitignore — that runs and passes its test as created. Nothing
// is written when any of the files already exists.
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "cli/Commands.h"
#include "common/FileReplace.h"

namespace fs = std::filesystem;

namespace langoost {
namespace {

// The package name: the directory's name, with anything but letters,
// digits, '-', '_' and '.' replaced by '-' (JSON-safe).
std::string packageName(const fs::path& dir) {
    std::string name = dir.filename().string();
    for (char& c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '-';
    return name.empty() || name == "." || name == ".." ? "app" : name;
}

std::vector<std::pair<std::string, std::string>> projectFiles(const std::string& name) {
    return {
        {"langoost.json", "{\n"
                          "  \"name\": \"" + name + "\",\n"
                          "  \"version\": \"0.1.0\",\n"
                          "  \"main\": \"main.goost\",\n"
                          "  \"dependencies\": {}\n"
                          "}\n"},
        {"main.goost", "// " + name + ": `langoost run main.goost [NAME]` runs it.\n"
                       "import os\n"
                       "\n"
                       "fn greeting(name) {\n"
                       "    return \"Hello, \" + name + \"!\"\n"
                       "}\n"
                       "\n"
                       "let name = \"world\"\n"
                       "if len(os.args()) > 0 {\n"
                       "    name = os.args()[0]\n"
                       "}\n"
                       "println(greeting(name))\n"},
        {"main_test.goost", "// `langoost test` runs every fn test_*() in the *_test.goost files.\n"
                            "// Put your functions in modules (util.goost) and import them here:\n"
                            "// import { f } from \"./util\"\n"
                            "import assert\n"
                            "import strings\n"
                            "\n"
                            "fn test_upper() {\n"
                            "    assert.eq(\"goost\".upper(), \"GOOST\")\n"
                            "}\n"
                            "\n"
                            "fn test_split() {\n"
                            "    assert.eq(strings.split(\"a,b\", \",\"), [\"a\", \"b\"])\n"
                            "}\n"},
        {".gitignore", "build/\ngoost_modules/\ncoverage/\n"},
    };
}

} // namespace

int initCommand(const std::string& dirArg) {
    fs::path dir = dirArg.empty() ? fs::path(".") : fs::path(dirArg);
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
        std::fprintf(stderr, "error: '%s' exists and is not a directory\n", dirArg.c_str());
        return kExitUsage;
    }
    fs::path absolute = fs::absolute(dir, ec).lexically_normal();
    if (!absolute.has_filename()) absolute = absolute.parent_path();
    auto files = projectFiles(packageName(absolute));
    for (const auto& [file, text] : files) {
        if (fs::symlink_status(dir / file, ec).type() != fs::file_type::not_found) {
            std::fprintf(stderr, "error: '%s' already exists; init writes nothing over existing files\n",
                         (dir / file).string().c_str());
            return kExitUsage;
        }
    }
    fs::create_directories(dir, ec);
    if (ec) {
        std::fprintf(stderr, "error: cannot create '%s': %s\n", dirArg.c_str(), ec.message().c_str());
        return kExitRuntimeError;
    }
    for (const auto& [file, text] : files) {
        std::string error;
        if (!replaceFile((dir / file).string(), text, std::nullopt, error)) {
            std::fprintf(stderr, "error: %s\n", error.c_str());
            return kExitRuntimeError;
        }
        std::printf("created %s\n", (dir / file).string().c_str());
    }
    std::string cd = dirArg.empty() || dirArg == "." ? "" : "cd " + dirArg + " && ";
    std::printf("next: %slangoost run main.goost && langoost test\n", cd.c_str());
    return kExitOk;
}

} // namespace langoost
