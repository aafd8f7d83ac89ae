#include "modules/EmbeddedProgram.h"

#include <deque>
#include <unordered_set>

#include "bytecode/StringObject.h"

namespace langoost {
namespace {

// Keys of the file modules `proto` (and the functions nested in it) import.
void importedKeys(const FunctionProto& proto, std::vector<std::string>& keys) {
    for (size_t pc = 0; pc < proto.code.size();) {
        Opcode op = decodeOpcode(proto.code[pc]);
        uint32_t a = decodeA(proto.code[pc]);
        if (op == Opcode::Import && a < proto.constants.size() && proto.constants[a].isString()) {
            std::string_view spec = proto.constants[a].as<StringObject>()->view();
            if (spec.starts_with('/')) keys.emplace_back(spec);
        }
        pc += 1 + (opcodeHasExtraWord(op) ? 1 : 0);
        if (op == Opcode::Closure && a < proto.protos.size()) pc += proto.protos[a]->upvalueCount;
    }
    for (const auto& child : proto.protos) importedKeys(*child, keys);
}

} // namespace

std::shared_ptr<ProgramImage> collectProgram(std::shared_ptr<const CompiledModule> entry, ModuleProvider& provider,
                                             std::string& error) {
    auto image = std::make_shared<ProgramImage>();
    std::unordered_set<std::string> seen{entry->key};
    std::deque<std::shared_ptr<const CompiledModule>> pending{entry};
    while (!pending.empty()) {
        auto module = pending.front();
        pending.pop_front();
        image->modules.push_back(module);
        std::vector<std::string> keys;
        importedKeys(*module->main, keys);
        for (const std::string& key : keys) {
            if (!seen.insert(key).second) continue;
            auto imported = provider.compiledModule(key);
            if (!imported) {
                error = "module '" + key + "' imported by " + module->path + " is not compiled";
                return nullptr;
            }
            pending.push_back(std::move(imported));
        }
    }
    return image;
}

ImageModuleProvider::ImageModuleProvider(std::shared_ptr<const ProgramImage> image) : image_(std::move(image)) {
    for (const auto& module : image_->modules) byKey_.emplace(module->key, module);
}

std::shared_ptr<const CompiledModule> ImageModuleProvider::compiledModule(std::string_view key) {
    auto it = byKey_.find(std::string(key));
    return it == byKey_.end() ? nullptr : it->second;
}

} // namespace langoost
