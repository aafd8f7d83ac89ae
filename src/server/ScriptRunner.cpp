#include "server/ScriptRunner.h"

#include "server/ResponseStream.h"
#include "server/ServerModule.h"
#include "vm/MapOps.h"

namespace langoost {
namespace {

// Request VMs reserve less stack than `run` (2^21 slots): a request is
// short-lived and many run at once.
constexpr uint32_t kRequestStackSlots = 1u << 19;
constexpr uint32_t kRequestMaxFrames = 20'000;
// How long a request's spawned threads get to stop once it is done (they
// stop at their next safe point or wait; only a native call that never
// returns can take longer).
constexpr uint64_t kThreadStopMs = 5'000;

std::string errorKind(VM& vm) {
    Value e = vm.exception();
    Value* kind = e.isObjType(ObjType::Map) ? mapFind(e.as<MapObject>(), "kind") : nullptr;
    return kind && kind->isString() ? std::string(kind->as<StringObject>()->view()) : std::string();
}

} // namespace

ScriptRunner::ScriptRunner(std::shared_ptr<ModuleLoader> loader, RuntimeConfig runtime, const ScriptLimits& limits,
                           bool devMode)
    : loader_(std::move(loader)), runtime_(std::move(runtime)), devMode_(devMode) {
    runtime_.moduleProvider = loader_;
    runtime_.captureOutput = true;
    runtime_.threadExitEndsProcess = false;
    runtime_.timeoutMs = limits.timeoutMs;
    runtime_.maxHeapBytes = limits.maxMemoryBytes;
    runtime_.maxOutputBytes = limits.maxOutputBytes;
    runtime_.maxStackSlots = std::min(runtime_.maxStackSlots, kRequestStackSlots);
    runtime_.maxFrames = std::min(runtime_.maxFrames, kRequestMaxFrames);
    streamRuntime_ = runtime_;
    streamRuntime_.timeoutCountsBlocking = false;
}

HttpResponseData ScriptRunner::errorResponse(int status, const std::string& detail) const {
    HttpResponseData r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    r.body = std::string(httpReason(status)) + "\n";
    if (devMode_) r.body += "\n" + detail;
    return r;
}

HttpResponseData ScriptRunner::run(const std::string& scriptPath, const HttpRequestData& request, std::string& failure,
                                   ResponseStream* stream) {
    Diagnostics diagnostics;
    auto module = loader_->loadCanonical(scriptPath, diagnostics);
    if (!module) {
        failure = diagnostics.format();
        if (failure.empty()) failure = "cannot read " + scriptPath + "\n";
        return errorResponse(500, failure);
    }
    HttpResponseData response;
    // Kept (never freed) when a thread it started will not stop: see below.
    auto owned = std::make_unique<VM>(stream && stream->longLived ? streamRuntime_ : runtime_);
    VM& vm = *owned;
    RequestContext& context = RequestContext::of(vm);
    context.request = &request;
    context.response = &response;
    context.stream = stream;
    int failedStatus = 0;
    try {
        try {
            ModuleObject* main = vm.runMain(module);
            Value handle = vm.moduleGlobal(main, "handle");
            if (handle.isObjType(ObjType::Closure) || handle.isObjType(ObjType::Native) ||
                handle.isObjType(ObjType::BoundMethod)) {
                Value req = context.requestValue(vm);
                Value result = vm.call(handle, std::span(&req, 1));
                response.body = std::move(vm.isolate().out);
                vm.isolate().out.clear();
                applyHandlerResult(vm, result, response);
            }
        } catch (ExitRequest& e) {
            // exit() ends the request, not the server: exit(0) keeps the response.
            if (e.code != 0) {
                failure = "exit(" + std::to_string(e.code) + ")\n";
                failedStatus = 500;
            }
        }
    } catch (ScriptThrow&) {
        std::string kind = errorKind(vm);
        failure = vm.describeUncaught();
        // After the time limit every failure is the limit's doing (a joined
        // thread that timed out, a wait it cut short): 503 as for TimeoutError.
        failedStatus = kind == "TimeoutError" || kind == "MemoryError" || vm.isolate().timedOut ? 503 : 500;
    } catch (Terminated& t) {
        failure = "terminated: " + t.message + "\n";
        failedStatus = 503;
    } catch (std::bad_alloc&) {
        failure = "out of memory\n";
        failedStatus = 503;
    }
    // Nothing a request starts outlives it: its threads stop before its isolate goes.
    if (!vm.endThreads(std::chrono::milliseconds(kThreadStopMs))) {
        failure += "a thread started by this request did not stop within " + std::to_string(kThreadStopMs) +
                   " ms; its memory is kept\n";
        if (!failedStatus) failedStatus = 500;
        (void)owned.release();
    }
    if (int code = vm.isolate().threadExitCode.load(); code > 0 && !failedStatus) {
        failure = "exit(" + std::to_string(code) + ") in a thread\n";
        failedStatus = 500;
    }
    if (failedStatus) return errorResponse(failedStatus, failure);
    if (response.body.empty()) response.body = std::move(vm.isolate().out);
    else response.body.insert(0, vm.isolate().out);
    if (!response.body.empty() && !response.hasHeader("content-type"))
        response.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
    return response;
}

} // namespace langoost
