#include "server/ServerModule.h"

#include "stdlib/DataArgs.h"
#include "stdlib/Stdlib.h"
#include "vm/MapOps.h"

namespace langoost {
namespace {

const char kContextKey = 0;

HttpResponseData& responseOf(VM& vm, const char* fn) {
    RequestContext& context = RequestContext::of(vm);
    if (!context.response)
        vm.raise("StateError", std::string("server.") + fn + ": only available while handling a request in `langoost serve`");
    return *context.response;
}

void replaceHeader(HttpResponseData& response, const char* lowerName, const char* name, std::string value) {
    std::erase_if(response.headers, [&](const auto& h) {
        std::string n = h.first;
        for (char& c : n)
            if (c >= 'A' && c <= 'Z') c = char(c + 32);
        return n == lowerName;
    });
    response.headers.emplace_back(name, std::move(value));
}

Value server_status(VM& vm, Value, Value* args, int argc) {
    int64_t code = argInt(vm, "server.status", args, argc, 0);
    if (code < 100 || code > 999) vm.raise("ValueError", "server.status: " + std::to_string(code) + " is not an HTTP status");
    responseOf(vm, "status").status = int(code);
    return Value();
}

Value server_header(VM& vm, Value, Value* args, int argc) {
    std::string name(argString(vm, "server.header", args, argc, 0));
    std::string value = vm.toString(args[1]);
    if (name.empty() || unsafeHeaderText(name) || name.find_first_of(" \t:") != std::string::npos)
        vm.raise("ValueError", "server.header: invalid header name '" + name + "'");
    if (unsafeHeaderText(value)) vm.raise("ValueError", "server.header: the value of '" + name + "' contains CR, LF or NUL");
    responseOf(vm, "header").headers.emplace_back(std::move(name), std::move(value));
    return Value();
}

Value server_json(VM& vm, Value, Value* args, int) {
    HttpResponseData& response = responseOf(vm, "json");
    std::string text = jsonStringify(vm, args[0], 0);
    replaceHeader(response, "content-type", "Content-Type", "application/json");
    vm.write(text);
    return Value();
}

Value server_redirect(VM& vm, Value, Value* args, int argc) {
    std::string url(argString(vm, "server.redirect", args, argc, 0));
    int64_t code = argc > 1 ? argInt(vm, "server.redirect", args, argc, 1) : 302;
    if (code < 300 || code > 399) vm.raise("ValueError", "server.redirect: " + std::to_string(code) + " is not a redirect status");
    if (unsafeHeaderText(url)) vm.raise("ValueError", "server.redirect: the URL contains CR, LF or NUL");
    HttpResponseData& response = responseOf(vm, "redirect");
    response.status = int(code);
    replaceHeader(response, "location", "Location", std::move(url));
    return Value();
}

NativeFn builtin(const char* name) {
    for (const NativeDef& def : builtinFunctions())
        if (std::string_view(def.name) == name) return def.fn;
    return nullptr;
}

void addRequest(VM& vm, MapObject* exports) {
    RequestContext& context = RequestContext::of(vm);
    if (context.request) mapSet(vm.heap(), exports, vm.newString("request"), context.requestValue(vm));
}

} // namespace

RequestContext& RequestContext::of(VM& vm) { return vm.isolate().extension<RequestContext>(&kContextKey); }

Value RequestContext::requestValue(VM& vm) {
    if (requestValue_.isNil() && request) requestValue_ = buildRequestValue(vm, *request);
    return requestValue_;
}

const NativeModuleDef& serverModule() {
    static const NativeModuleDef def = {"server",
                                        {{"status", server_status, 1, 1},
                                         {"header", server_header, 2, 2},
                                         {"json", server_json, 1, 1},
                                         {"redirect", server_redirect, 1, 2},
                                         {"print", builtin("print"), 0, -1},
                                         {"println", builtin("println"), 0, -1}},
                                        {},
                                        {{"request", Value()}}, // void outside a request
                                        addRequest};
    return def;
}

} // namespace langoost
