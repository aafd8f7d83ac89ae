#include "server/ServerModule.h"

#include <unistd.h>

#include "server/ResponseStream.h"
#include "stdlib/DataArgs.h"
#include "stdlib/NetSockets.h"
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
    checkScriptHeader(vm, "server.header", name, value);
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

ResponseStream& streamOf(VM& vm, const char* fn) {
    responseOf(vm, fn);
    RequestContext& context = RequestContext::of(vm);
    if (!context.stream)
        vm.raise("StateError", std::string("server.") + fn +
                                   ": this request cannot stream (streaming needs plain HTTP/1.1, not HTTP/2 or TLS)");
    return *context.stream;
}

// Sends what was printed so far; true while the client is still there.
Value server_flush(VM& vm, Value, Value*, int) {
    ResponseStream& stream = streamOf(vm, "flush");
    HttpResponseData& response = responseOf(vm, "flush");
    if (stream.upgraded()) vm.raise("StateError", "server.flush: the request was upgraded to a WebSocket");
    if (!stream.headersSent() && !response.hasHeader("content-type"))
        response.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
    std::string body = std::move(vm.isolate().out);
    vm.isolate().out.clear();
    bool ok;
    {
        BlockingSection io(vm);
        ok = stream.flush(response, body);
    }
    vm.afterIo();
    return Value::boolean(ok);
}

Value server_sse(VM& vm, Value, Value*, int) {
    HttpResponseData& response = responseOf(vm, "sse");
    replaceHeader(response, "content-type", "Content-Type", "text/event-stream; charset=utf-8");
    replaceHeader(response, "cache-control", "Cache-Control", "no-cache");
    replaceHeader(response, "x-accel-buffering", "X-Accel-Buffering", "no");
    return Value();
}

// Turns the request into a WebSocket: the handle for the websocket module,
// or -1 when the request is not a valid upgrade.
Value server_upgrade(VM& vm, Value, Value*, int) {
    ResponseStream& stream = streamOf(vm, "upgrade");
    if (!stream.upgradable()) return Value::integer(-1);
    Value request = RequestContext::of(vm).requestValue(vm);
    Value* headers = mapFind(request.as<MapObject>(), "headers");
    if (!headers) return Value::integer(-1);
    {
        BlockingSection io(vm);
        if (!stream.sendPending()) return Value::integer(-1);
    }
    int fd = ::dup(stream.fd());
    if (fd < 0) return Value::integer(-1);
    Value handle = adoptSocket(vm, fd);
    Value args[2] = {handle, *headers};
    Value ok = websocketHandshake(vm, args);
    if (!ok.isBool() || !ok.asBool()) return Value::integer(-1);
    findSocket(vm, handle)->buffered = stream.takeForUpgrade();
    return handle;
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
                                         {"flush", server_flush, 0, 0},
                                         {"sse", server_sse, 0, 0},
                                         {"upgrade", server_upgrade, 0, 0},
                                         {"print", builtin("print"), 0, -1},
                                         {"println", builtin("println"), 0, -1}},
                                        {},
                                        {{"request", Value()}}, // void outside a request
                                        addRequest};
    return def;
}

} // namespace langoost
