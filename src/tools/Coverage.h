// Coverage: line coverage of file modules, from the line table. As each
// module is instantiated, every instruction of it gets a Trap written over
// its opcode byte (VM.h, CodeTraps); the first execution of an instruction
// marks its line as hit and puts the instruction back, so covered code then
// runs at full speed. A line is executable when some instruction starts on
// it. Hit counts are therefore 0 or 1.
#pragma once
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "vm/VM.h"

namespace langoost {

class Coverage : public CodeTraps {
  public:
    // `include` decides by path which modules are measured (others run untouched).
    explicit Coverage(std::function<bool(const std::string& path)> include) : include_(std::move(include)) {}

    void instantiated(const std::shared_ptr<const CompiledModule>& module) override;
    Instruction hit(VM& vm, const FunctionProto& proto, const Instruction* at) override;

    struct FileReport {
        std::string path;
        std::map<uint32_t, bool> lines; // executable line -> hit
        // Functions: name, first line, whether it ran.
        std::vector<std::tuple<std::string, uint32_t, bool>> functions;
        size_t hitLines() const;
    };
    // Every measured file, sorted by path.
    std::vector<FileReport> report() const;

  private:
    struct Patch {
        uint8_t opcode;
        uint32_t file;
        uint32_t line;
    };
    struct FunctionInfo {
        uint32_t file;
        std::string name;
        uint32_t line;
        bool ran = false;
    };
    void patch(const FunctionProto& proto, uint32_t file);

    std::function<bool(const std::string&)> include_;
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<const CompiledModule>> modules_; // kept alive: their code is patched
    std::set<const CompiledModule*> seen_;
    std::vector<FileReport> files_;
    std::unordered_map<std::string, uint32_t> fileIndex_;
    std::unordered_map<const Instruction*, Patch> patches_;
    std::unordered_map<const FunctionProto*, FunctionInfo> functions_;
};

// Writes `reports` as an lcov tracefile (TN/SF/FN/FNDA/DA/LF/LH records).
std::string formatLcov(const std::vector<Coverage::FileReport>& reports);

} // namespace langoost
