#include "stdlib/Stdlib.h"

namespace langoost {

std::vector<std::string> builtinNames() {
    std::vector<std::string> names;
    for (const NativeDef& d : builtinFunctions()) names.emplace_back(d.name);
    return names;
}

const std::vector<const NativeModuleDef*>& standardModules() {
    static const std::vector<const NativeModuleDef*> modules = {&stringsModule(), &threadModule(), &netModule(), &httpServerModule(), &assertModule(),
        &ioModule(), &osModule(), &timeModule(), &regexModule(), &terminalModule(), &formModule(), &sessionModule(),
        &jsonModule(), &mathModule(), &encodeModule(), &cryptoModule(), &urlModule(), &httpModule(), &runtimeModule(), &websocketModule(), &sqlModule()};
    return modules;
}

std::vector<std::string> nativeModuleExports(const NativeModuleDef& def) {
    std::vector<std::string> names;
    for (const NativeDef& f : def.functions) names.emplace_back(f.name);
    for (const NativeModuleDef& ns : def.namespaces) names.push_back(ns.name);
    for (const auto& [name, value] : def.values) names.push_back(name);
    return names;
}

RuntimeConfig standardRuntime(std::vector<std::string> scriptArgs) {
    RuntimeConfig config;
    config.builtins = builtinFunctions();
    config.modules = standardModules();
    config.scriptArgs = std::move(scriptArgs);
    return config;
}

} // namespace langoost
