#include "tools/debug/CodePatches.h"

#include <algorithm>
#include <atomic>

namespace langoost::debug {

namespace {

// The interpreter reads code words without synchronization (as coverage
// does): a patch is one aligned 32-bit store.
void storeWord(const Instruction* at, Instruction word) {
    std::atomic_ref<Instruction>(*const_cast<Instruction*>(at)).store(word, std::memory_order_relaxed);
}

void collectLineStarts(const FunctionProto& proto, std::map<uint32_t, std::vector<const Instruction*>>& out) {
    uint32_t previous = 0;
    for (size_t pc = 0; pc < proto.code.size(); pc += instructionLength(proto, pc)) {
        uint32_t line = pc < proto.locations.size() ? proto.locations[pc].line : 0;
        if (line != 0 && line != previous) out[line].push_back(&proto.code[pc]);
        previous = line;
    }
    for (const auto& nested : proto.protos) collectLineStarts(*nested, out);
}

} // namespace

std::vector<PlacedBreakpoint> CodePatches::addModule(const std::shared_ptr<const CompiledModule>& module) {
    const std::string& path = module->key.empty() ? module->path : module->key;
    if (modules_.contains(path)) return {};
    Module& m = modules_[path];
    m.compiled = module;
    collectLineStarts(*module->main, m.lineStarts);
    if (stepping_)
        for (const auto& [line, starts] : m.lineStarts)
            for (const Instruction* at : starts) patch(at, 0, {}, true);
    std::vector<PlacedBreakpoint> landed;
    if (auto file = files_.find(path); file != files_.end())
        for (size_t i = 0; i < file->second.requests.size(); ++i)
            landed.push_back(place(m, file->second.requests[i], file->second.ids[i]));
    return landed;
}

std::vector<PlacedBreakpoint> CodePatches::setBreakpoints(const std::string& path,
                                                          const std::vector<BreakpointRequest>& requests) {
    FileBreakpoints& file = files_[path];
    std::vector<const Instruction*> old;
    for (const auto& [at, p] : patches_)
        if (p.breakpointId && std::find(file.ids.begin(), file.ids.end(), p.breakpointId) != file.ids.end())
            old.push_back(at);
    for (const Instruction* at : old) unpatch(at, true, false);
    file.requests = requests;
    file.ids.clear();
    std::vector<PlacedBreakpoint> placed;
    auto module = modules_.find(path);
    for (const auto& request : requests) {
        int id = nextId_++;
        file.ids.push_back(id);
        if (module == modules_.end())
            placed.push_back({id, false, request.line, "the program has not loaded this file (yet)"});
        else
            placed.push_back(place(module->second, request, id));
    }
    return placed;
}

PlacedBreakpoint CodePatches::place(Module& module, const BreakpointRequest& request, int id) {
    // No code on the line (a comment, a blank line, a closing brace): the
    // next line that has some, as other debuggers do.
    auto line = module.lineStarts.lower_bound(request.line);
    if (line == module.lineStarts.end()) return {id, false, request.line, "no code on or after this line"};
    for (const Instruction* at : line->second) patch(at, id, request.condition, false);
    return {id, true, line->first, {}};
}

void CodePatches::setStepping(bool on) {
    if (on == stepping_) return;
    stepping_ = on;
    for (const auto& [path, module] : modules_)
        for (const auto& [line, starts] : module.lineStarts)
            for (const Instruction* at : starts) on ? patch(at, 0, {}, true) : unpatch(at, false, true);
}

const CodePatches::Patch* CodePatches::find(const Instruction* at) const {
    auto it = patches_.find(at);
    return it == patches_.end() ? nullptr : &it->second;
}

void CodePatches::patch(const Instruction* at, int breakpointId, const std::string& condition, bool step) {
    auto [it, added] = patches_.try_emplace(at, Patch{*at});
    if (breakpointId) {
        it->second.breakpointId = breakpointId;
        it->second.condition = condition;
    }
    it->second.step |= step;
    if (added) storeWord(at, encode(Opcode::Trap, decodeA(*at)));
}

void CodePatches::unpatch(const Instruction* at, bool breakpoint, bool step) {
    auto it = patches_.find(at);
    if (it == patches_.end()) return;
    if (breakpoint) {
        it->second.breakpointId = 0;
        it->second.condition.clear();
    }
    if (step) it->second.step = false;
    if (it->second.breakpointId || it->second.step) return;
    storeWord(at, it->second.original);
    patches_.erase(it);
}

} // namespace langoost::debug
