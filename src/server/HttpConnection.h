// The parts of HttpWorker shared by its source files (HttpWorker.cpp: the
// loop and requests; HttpWorkerOutput.cpp: sending; HttpWorkerHttp2.cpp:
// HTTP/2 connections; AccessLog.cpp): a connection's state, a request's
// script call, the clocks and the buffer limits.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "server/HttpWorker.h"
#include "server/ResponseStream.h"

namespace langoost {
namespace worker_detail {

constexpr size_t kReadChunk = 64 * 1024;
// Stop answering pipelined requests while this much output is unsent, and
// stop reading while this much input waits unparsed.
constexpr size_t kOutputHighWater = 256 * 1024;
constexpr size_t kInputHighWater = 1 << 20;
// After an error answer: how long to drain the client's input before closing.
constexpr uint64_t kLingerMs = 2'000;

inline uint64_t nowMs() {
    using namespace std::chrono;
    return uint64_t(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

inline uint64_t nowUs() {
    using namespace std::chrono;
    return uint64_t(duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count());
}

inline const std::string* findHeader(const HeaderList& headers, std::string_view name) {
    for (const auto& [n, v] : headers)
        if (n == name) return &v;
    return nullptr;
}

// The path and query of a request-target (origin or absolute form).
inline bool splitRequestTarget(const std::string& target, std::string_view& path, std::string_view& query) {
    return splitTarget(std::string_view(target), path, query);
}

} // namespace worker_detail

// One request's script and what answering it needs afterwards.
struct HttpWorker::ScriptCall {
    ScriptCall(ParsedRequest r, HttpRequestData d, std::string file)
        : request(std::move(r)), data(std::move(d)), script(std::move(file)) {}
    ParsedRequest request;
    HttpRequestData data;
    std::string script;
    std::optional<ResponseStream> stream; // plain HTTP/1 only: server.flush
    int32_t h2Stream = 0;                 // the HTTP/2 stream it answers (0: HTTP/1)
    bool async = false;                   // its task parked: answered later from the loop
    HttpResponseData response;
    std::string failure;
    uint64_t startUs = 0;
    bool head = false, http10 = false, keepAlive = false;
};

struct HttpWorker::Connection {
    Connection(int socket, std::string peer, const ServerOptions& o)
        : fd(socket), remoteAddr(std::move(peer)), parser(o.maxHeaderBytes, o.maxBodyBytes) {}
    int fd;
    std::string remoteAddr;
    RequestParser parser;
    std::string in;
    size_t inPos = 0;
    std::string out;
    size_t outPos = 0;
    int fileFd = -1; // a static file body still to send after `out`
    off_t fileOffset = 0;
    uint64_t fileRemaining = 0;
    bool writing = false;
    bool closeAfterWrite = false;
    bool lingering = false; // answered and shut down; draining input until closed
    bool handedOff = false; // now owned by a long-lived request's task
    std::function<void()> startStream; // starts that task once the worker has let go of the socket
    bool peerClosed = false;
    bool prefacePending = false; // --h2c: the first bytes may be the HTTP/2 client preface
    bool h2cUpgradable = false;  // --h2c: an HTTP/1.1 request may upgrade to HTTP/2
    std::unique_ptr<TlsChannel> tls;
    std::unique_ptr<Http2Session> h2;
    uint64_t lastActivityMs = 0;
    uint64_t requestStartMs = 0; // when the first byte of the current request arrived
    uint64_t lingerUntilMs = 0;

    // The script of the current request, while its task runs.
    std::unique_ptr<ScriptCall> call;
    TaskScheduler::Task* task = nullptr; // set while that task is parked
    bool waiting = false;                // the request's task is parked
    bool closing = false;                // closed while its task ran: close when it ends
    // HTTP/2: the tasks of its streams (several run at once).
    std::unordered_map<int32_t, TaskScheduler::Task*> streamTasks;
    size_t activeTasks = 0;

    bool outputPending() const { return outPos < out.size() || fileRemaining > 0 || (tls && tls->unsent()); }
    bool idle() const { return !waiting && activeTasks == 0 && !parser.inProgress() && !outputPending() && inPos == in.size(); }
};

} // namespace langoost
