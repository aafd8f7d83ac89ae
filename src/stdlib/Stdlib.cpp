#include "stdlib/Stdlib.h"

namespace langoost {

std::vector<std::string> builtinNames() {
    std::vector<std::string> names;
    for (const NativeDef& d : builtinFunctions()) names.emplace_back(d.name);
    return names;
}

const std::vector<const NativeModuleDef*>& standardModules() {
    static const std::vector<const NativeModuleDef*> modules = {&stringsModule()};
    return modules;
}

RuntimeConfig standardRuntime(std::vector<std::string> scriptArgs) {
    RuntimeConfig config;
    config.builtins = builtinFunctions();
    config.modules = standardModules();
    config.scriptArgs = std::move(scriptArgs);
    return config;
}

} // namespace langoost
