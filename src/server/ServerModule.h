// The `server` module (server.md, "Inside a request"): what a script sees
// of the request it handles and how it shapes the response. The module
// exists in every command so server scripts compile and `check` cleanly;
// outside `langoost serve` server.request is void and the response
// functions raise.
#pragma once
#include "stdlib/HttpMessage.h"
#include "vm/VM.h"

namespace langoost {

class ResponseStream;

const NativeModuleDef& serverModule();

// The request an isolate is handling and the response it is building,
// reachable from the `server` module's functions.
class RequestContext : public IsolateExtension {
  public:
    static RequestContext& of(VM& vm);
    const HttpRequestData* request = nullptr;
    HttpResponseData* response = nullptr;
    ResponseStream* stream = nullptr; // the connection, for flush/upgrade
    // The script's request object (server.request and handle's argument).
    Value requestValue(VM& vm);
    void markRoots(Heap& heap) override { heap.markValue(requestValue_); }

  private:
    Value requestValue_;
};

} // namespace langoost
