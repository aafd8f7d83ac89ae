// Stdlib: the global builtins of language.md §7 and the native standard
// library modules, packaged as a RuntimeConfig for the VM and the list of
// builtin names the compiler resolves against.
#pragma once
#include <string>
#include <vector>

#include "vm/VM.h"

namespace langoost {

const std::vector<NativeDef>& builtinFunctions();
std::vector<std::string> builtinNames();
const std::vector<const NativeModuleDef*>& standardModules();

const NativeModuleDef& stringsModule();
const NativeModuleDef& threadModule();
const NativeModuleDef& netModule();
const NativeModuleDef& httpServerModule();
const NativeModuleDef& assertModule();
// runtime (runtime.core, the shared key-value store; src/store)
const NativeModuleDef& runtimeModule();
// io, os, time, regex, terminal, form, session
const NativeModuleDef& ioModule();
const NativeModuleDef& osModule();
const NativeModuleDef& timeModule();
const NativeModuleDef& regexModule();
const NativeModuleDef& terminalModule();
const NativeModuleDef& formModule();
const NativeModuleDef& sessionModule();
// json, math, encode, crypto, url, http
const NativeModuleDef& jsonModule();
const NativeModuleDef& mathModule();
const NativeModuleDef& encodeModule();
const NativeModuleDef& cryptoModule();
// OpenSSL, loaded on first use; an IOError naming `who` when it cannot be.
struct OpenSsl;
const OpenSsl& openSslFor(VM& vm, const char* who);
const NativeModuleDef& urlModule();
const NativeModuleDef& httpModule();
// sql (SQLite and PostgreSQL: src/sql)
const NativeModuleDef& sqlModule();
// websocket (RFC 6455 over net handles)
const NativeModuleDef& websocketModule();
// websocket.handshake(args[0] = net handle, args[1] = headers object).
Value websocketHandshake(VM& vm, Value* args);

// Top-level member names of a native module (functions and namespaces).
std::vector<std::string> nativeModuleExports(const NativeModuleDef& def);

// A RuntimeConfig with every builtin and standard module installed.
RuntimeConfig standardRuntime(std::vector<std::string> scriptArgs = {});

} // namespace langoost
