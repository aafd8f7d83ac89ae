// http2.serveCleartext(port, handler) and http2.serve(port, handler,
// {cert, key}): one HttpWorker on the calling thread, serving forever.
// Cleartext takes HTTP/2 by prior knowledge or `Upgrade: h2c` and plain
// HTTP/1.1; TLS picks h2 or http/1.1 by ALPN. Socket I/O runs without the
// isolate lock (other script threads go on); each request's handler call
// takes it back. A handler error is a 500 for that request (or stream).
#include "server/Http2Module.h"

#include <cstdio>
#include <optional>

#include "server/HttpWorker.h"
#include "stdlib/DataArgs.h"
#include "vm/MapOps.h"

namespace langoost {
namespace {

std::string requiredPath(VM& vm, const char* fn, MapObject* options, const char* key) {
    Value* v = mapFind(options, key);
    if (!v || !v->isString())
        vm.raise("TypeError", std::string(fn) + ": options." + key + " must be a string (a PEM file path)");
    return std::string(v->as<StringObject>()->view());
}

Value serveForever(VM& vm, const char* fn, Value* args, int argc, bool secure) {
    int64_t port = argInt(vm, fn, args, argc, 0);
    if (port < 0 || port > 65535) vm.raise("ValueError", std::string(fn) + ": port out of range");
    Value handler = args[1];
    ServerOptions options;
    options.host = "::"; // every interface, IPv6 and IPv4 (like http_server)
    options.port = int(port);
    options.h2c = !secure;
    // A request router and script runner are never used: the handler answers everything.
    ServerShared shared{options, Router("/"), ScriptRunner(nullptr, RuntimeConfig{}, options.limits, false)};
    if (secure) {
        if (argc < 3 || !args[2].isObjType(ObjType::Map))
            vm.raise("TypeError", std::string(fn) + ": argument 3 must be an object {cert, key}");
        MapObject* tlsOptions = args[2].as<MapObject>();
        std::string cert = requiredPath(vm, fn, tlsOptions, "cert"), key = requiredPath(vm, fn, tlsOptions, "key");
        try {
            shared.tls = std::make_unique<TlsContext>(cert, key, true);
        } catch (const std::exception& e) {
            vm.raise("IOError", std::string(fn) + ": " + e.what());
        }
    }
    int listenFd;
    try {
        listenFd = listenSocket(options.host, options.port);
    } catch (const std::exception& e) {
        vm.raise("IOError", std::string(fn) + ": " + e.what());
    }
    if (port == 0) { // the caller cannot know the port otherwise
        std::fprintf(stderr, "%s: listening on port %d\n", fn, boundPort(listenFd));
        std::fflush(stderr);
    }
    std::optional<BlockingSection> io; // engaged while the worker waits on sockets
    shared.handler = [&](HttpRequestData& data) {
        io.reset(); // the isolate lock, for the handler
        HttpResponseData response;
        try {
            Value request = buildRequestValue(vm, data);
            Value result = vm.call(handler, std::span(&request, 1));
            applyHandlerResult(vm, result, response);
            if (result.isNil()) response.status = 204;
        } catch (ScriptThrow&) {
            vm.flush();
            std::string report = "http2: handler failed: " + vm.describeUncaught();
            std::fputs(report.c_str(), stderr);
            response = plainResponse(500);
        }
        io.emplace(vm);
        return response;
    };
    HttpWorker worker(shared, listenFd);
    io.emplace(vm);
    worker.run(); // returns only if epoll fails
    io.reset();
    vm.raise("IOError", std::string(fn) + ": the event loop failed");
}

Value http2_serveCleartext(VM& vm, Value, Value* args, int argc) {
    return serveForever(vm, "http2.serveCleartext", args, argc, false);
}

Value http2_serve(VM& vm, Value, Value* args, int argc) { return serveForever(vm, "http2.serve", args, argc, true); }

} // namespace

const NativeModuleDef& http2Module() {
    static const NativeModuleDef def = {"http2", {{"serve", http2_serve, 3, 3}, {"serveCleartext", http2_serveCleartext, 2, 2}}, {}};
    return def;
}

} // namespace langoost
