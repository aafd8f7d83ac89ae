// ScriptRunner: runs one request's script in a fresh isolate and VM and
// turns what it did into a response. The compiled code comes from the
// shared module cache (ModuleLoader: path + mtime, reader-locked), so a
// request never recompiles an unchanged file and sees an edited one on its
// next run. Nothing else is shared between requests: globals, heap and
// output buffer die with the isolate.
//
// Failures never escape: a compile error or uncaught script error is a 500
// (details to the server log; to the client only in --dev mode), a hit
// time or memory limit a 503, a hit output limit a 500.
#pragma once
#include <memory>
#include <string>

#include "modules/ModuleLoader.h"
#include "stdlib/HttpMessage.h"
#include "vm/VM.h"

namespace langoost {

class ResponseStream;

struct ScriptLimits {
    uint64_t timeoutMs = 10'000;
    uint64_t maxMemoryBytes = 256ull << 20;
    uint64_t maxOutputBytes = 64ull << 20;
};

class ScriptRunner {
  public:
    ScriptRunner(std::shared_ptr<ModuleLoader> loader, RuntimeConfig runtime, const ScriptLimits& limits, bool devMode);

    // Runs `scriptPath` (canonical) for `request`. `failure` gets the log
    // text when the script failed (empty otherwise). With a `stream` the
    // script may flush (and upgrade, when the stream allows it); the
    // response returned then holds only what is still to be sent.
    HttpResponseData run(const std::string& scriptPath, const HttpRequestData& request, std::string& failure,
                         ResponseStream* stream = nullptr);

  private:
    HttpResponseData errorResponse(int status, const std::string& detail) const;

    std::shared_ptr<ModuleLoader> loader_;
    RuntimeConfig runtime_;
    RuntimeConfig streamRuntime_; // long-lived requests: only busy time counts against the time limit
    bool devMode_;
};

} // namespace langoost
