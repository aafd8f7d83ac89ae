#include "tools/Coverage.h"

#include <algorithm>
#include <atomic>

namespace langoost {

namespace {

// Code words are read by the interpreter without synchronization; a word
// written here is one aligned 32-bit store.
void storeWord(const Instruction* at, Instruction word) {
    std::atomic_ref<Instruction>(*const_cast<Instruction*>(at)).store(word, std::memory_order_relaxed);
}

// The `return nil` the compiler adds at a function's end, on its closing
// brace's line: not a line of the user's code (a function that always
// returns earlier would show its `}` as missed).
bool isClosingReturn(const FunctionProto& proto, size_t pc, size_t length) {
    if (pc + length != proto.code.size() || decodeOpcode(proto.code[pc]) != Opcode::ReturnNil) return false;
    uint32_t line = proto.locations[pc].line;
    for (size_t i = 0; i < pc; ++i)
        if (proto.locations[i].line == line) return false;
    return true;
}

} // namespace

size_t Coverage::FileReport::hitLines() const {
    return size_t(std::count_if(lines.begin(), lines.end(), [](const auto& l) { return l.second; }));
}

void Coverage::instantiated(const std::shared_ptr<const CompiledModule>& module) {
    std::lock_guard lock(mutex_);
    if (!seen_.insert(module.get()).second || !include_(module->key.empty() ? module->path : module->key)) return;
    modules_.push_back(module);
    auto [it, added] = fileIndex_.try_emplace(module->key.empty() ? module->path : module->key, uint32_t(files_.size()));
    if (added) files_.push_back(FileReport{module->key.empty() ? module->path : module->key, {}, {}});
    patch(*module->main, it->second);
}

void Coverage::patch(const FunctionProto& proto, uint32_t file) {
    if (proto.name != "<main>") functions_[&proto] = FunctionInfo{file, proto.name, proto.location.line};
    size_t length = 0;
    for (size_t pc = 0; pc < proto.code.size(); pc += length) {
        length = instructionLength(proto, pc); // before the opcode is overwritten
        uint32_t line = pc < proto.locations.size() ? proto.locations[pc].line : 0;
        if (line == 0 || isClosingReturn(proto, pc, length)) continue;
        files_[file].lines.try_emplace(line, false);
        Instruction word = proto.code[pc];
        patches_[&proto.code[pc]] = Patch{uint8_t(word >> 24), file, line};
        storeWord(&proto.code[pc], encode(Opcode::Trap, decodeA(word)));
    }
    for (const auto& nested : proto.protos) patch(*nested, file);
}

Instruction Coverage::hit(VM&, const FunctionProto& proto, const Instruction* at) {
    std::lock_guard lock(mutex_);
    auto it = patches_.find(at);
    if (it == patches_.end()) return *at; // another thread restored it first
    const Patch& p = it->second;
    files_[p.file].lines[p.line] = true;
    if (auto fn = functions_.find(&proto); fn != functions_.end()) fn->second.ran = true;
    Instruction original = encode(Opcode(p.opcode), decodeA(*at));
    storeWord(at, original);
    patches_.erase(it);
    return original;
}

std::vector<Coverage::FileReport> Coverage::report() const {
    std::lock_guard lock(mutex_);
    std::vector<FileReport> out = files_;
    for (const auto& [proto, info] : functions_) out[info.file].functions.emplace_back(info.name, info.line, info.ran);
    for (auto& f : out) std::sort(f.functions.begin(), f.functions.end(), [](const auto& a, const auto& b) {
        return std::get<1>(a) < std::get<1>(b);
    });
    std::sort(out.begin(), out.end(), [](const FileReport& a, const FileReport& b) { return a.path < b.path; });
    return out;
}

std::string formatLcov(const std::vector<Coverage::FileReport>& reports) {
    std::string out;
    for (const auto& f : reports) {
        out += "TN:\nSF:" + f.path + "\n";
        // lcov names a function once per file: a repeated name (methods of
        // two classes, closures) gets its line appended.
        std::map<std::string, int> uses;
        for (const auto& fn : f.functions) ++uses[std::get<0>(fn)];
        auto label = [&](const std::string& name, uint32_t line) {
            return uses[name] > 1 ? name + "@" + std::to_string(line) : name;
        };
        size_t ran = 0;
        for (const auto& [name, line, hit] : f.functions) out += "FN:" + std::to_string(line) + "," + label(name, line) + "\n";
        for (const auto& [name, line, hit] : f.functions) {
            out += "FNDA:" + std::to_string(hit ? 1 : 0) + "," + label(name, line) + "\n";
            ran += hit;
        }
        out += "FNF:" + std::to_string(f.functions.size()) + "\nFNH:" + std::to_string(ran) + "\n";
        for (const auto& [line, hit] : f.lines) out += "DA:" + std::to_string(line) + "," + (hit ? "1" : "0") + "\n";
        out += "LF:" + std::to_string(f.lines.size()) + "\nLH:" + std::to_string(f.hitLines()) + "\nend_of_record\n";
    }
    return out;
}

} // namespace langoost
