// HttpWorker: one event loop (epoll, level-triggered) on one thread, with
// its own SO_REUSEPORT listening socket so the kernel spreads connections
// over the workers. Sockets are non-blocking: a slow client costs a buffer,
// never a thread. A request's script runs as a task (TaskScheduler): when
// it waits (sleep, sockets, the http client, helper-thread work) only the
// task parks, and the worker goes on with other connections; its response
// is written when it ends. While a connection's request is parked nothing
// more is read from it (pipelined requests wait in the kernel), and the
// client closing it cancels the request.
//
// A connection is always in one of two states: reading (EPOLLIN; requests
// are parsed and answered in order, pipelined ones batched into one write)
// or writing (EPOLLOUT; no further request is read until the answers
// already produced are sent — back-pressure for pipelining clients).
// Errors that end a connection are answered, then the socket lingers
// (write side shut, input drained briefly) so the client sees the answer
// instead of a reset.
//
// TLS connections (TlsChannel) decrypt into and encrypt from the same
// buffers; an HTTP/2 connection (ALPN h2, the client preface with --h2c,
// or an HTTP/1.1 `Upgrade: h2c`) hands its bytes to an Http2Session and
// answers each stream like a request. Neither streams (flush, SSE,
// WebSocket): that needs the plain socket.
#pragma once
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include "server/Http2Session.h"
#include "server/RequestParser.h"
#include "server/ResponseWriter.h"
#include "server/Router.h"
#include "server/ScriptRunner.h"
#include "server/ServerOptions.h"
#include "server/TaskScheduler.h"
#include "server/Tls.h"

namespace langoost {

// What the workers of one server share (read-only but the log).
struct ServerShared {
    const ServerOptions& options;
    Router router;
    ScriptRunner runner;
    bool healthScript = false; // the directory has its own _health.goost
    std::mutex logMutex;
    FILE* accessLog = nullptr;
    std::atomic<bool> stopping{false};

    // Long-lived requests (SSE, WebSocket) run on threads of their own.
    std::mutex streamsMutex;
    std::condition_variable streamsDone;
    std::set<int> streamSockets; // shut down on stop so blocked scripts wake up
    unsigned activeStreams = 0;  // guarded by streamsMutex

    std::unique_ptr<TlsContext> tls; // --tls-cert/--tls-key

    // When set, every request goes to this function instead of the router
    // (the `http2` module's handler); it reports its own failures.
    std::function<HttpResponseData(HttpRequestData&)> handler;

    void logError(const std::string& text);  // to stderr
    // A failed script's log line (nothing when `failure` is empty).
    void logScriptFailure(const std::string& method, const std::string& target, int status, const std::string& failure);
    void logAccess(const std::string& lines); // to the access log
};

// A listening socket bound to host:port (port 0: the kernel picks), with
// SO_REUSEPORT so each worker can have its own; "::" takes IPv4 as well.
// Throws std::runtime_error.
int listenSocket(const std::string& host, int port);
// The port a socket is bound to.
int boundPort(int fd);

// One access-log line (without locking).
std::string accessLine(const std::string& remoteAddr, const std::string& method, const std::string& target,
                       unsigned versionMajor, unsigned versionMinor, int status, uint64_t bytes, uint64_t startUs);

class HttpWorker {
  public:
    HttpWorker(ServerShared& shared, int listenFd);
    ~HttpWorker();
    HttpWorker(const HttpWorker&) = delete;
    HttpWorker& operator=(const HttpWorker&) = delete;

    // Serves until stop() and every connection is finished.
    void run();
    // Thread-safe: stop accepting, finish in-flight requests, then return.
    void stop();

  private:
    struct Connection;
    struct ScriptCall;

    void acceptConnections();
    void onReadable(Connection& c);
    void serveBuffered(Connection& c);
    void handle(Connection& c, ParsedRequest& request);
    // Runs a request's script as a task; the response is written by
    // finishScript, at once or when the task has finished waiting.
    void startScript(Connection& c, std::unique_ptr<ScriptCall> call);
    void finishScript(Connection& c);
    // After a task that parked has finished: answer, then go on with the
    // connection's pipelined input.
    void resumeConnection(Connection& c);
    // HTTP/2: a stream's script as a task (the connection goes on with its
    // other streams meanwhile), answered when it ends.
    void startStreamScript(Connection& c, std::unique_ptr<ScriptCall> call);
    void finishStreamScript(Connection& c, std::unique_ptr<ScriptCall> call);
    // The route of a path (/_health goes to _health.goost when the site has one).
    Route routeFor(std::string_view rawPath) const;
    // The request as a script sees it; moves the headers and body out of `request`.
    HttpRequestData scriptRequest(const Connection& c, ParsedRequest& request, std::string_view rawPath,
                                  std::string_view rawQuery);
    // Hands a long-lived request's connection (SSE, WebSocket) to a task of
    // its own, started once the worker has let go of the socket.
    void handOff(Connection& c, ParsedRequest& request, const std::string& script, HttpRequestData data);
    void respondAndClose(Connection& c, int status);
    // What answers a request when it cannot stream (HTTP/2, TLS, the
    // module's handler): the handler, /_health, a script, a static file.
    HttpResponseData answer(Connection& c, ParsedRequest& request, StaticFile& file);
    HttpResponseData callHandler(Connection& c, ParsedRequest& request, std::string_view rawPath, std::string_view rawQuery);
    bool sendPlain(Connection& c);
    bool sendSecure(Connection& c);
    void startHttp2(Connection& c);
    void serveHttp2(Connection& c);
    void answerHttp2(Connection& c, Http2Request& stream);
    bool upgradeToHttp2(Connection& c, ParsedRequest& request);
    bool flush(Connection& c);
    void setWriting(Connection& c, bool writing);
    // For a send or sendfile that moved no bytes: true when it is simply to
    // be retried (EINTR); otherwise the connection waits for EPOLLOUT
    // (EAGAIN) or is closed, and the caller returns false.
    bool retryAfterShortSend(Connection& c, ssize_t n);
    void closeConnection(Connection& c);
    void sweep(uint64_t nowMs);
    void logAccess(const Connection& c, const ParsedRequest& request, int status, uint64_t bytes, uint64_t startUs);
    // Forgets a connection without closing its socket.
    void detach(Connection& c);
    void flushLog();

    ServerShared& shared_;
    int listenFd_;
    int epollFd_ = -1;
    int wakeFd_ = -1; // eventfd: stop()
    bool stopping_ = false;
    uint64_t acceptPausedUntilMs_ = 0;
    std::unordered_map<int, std::unique_ptr<Connection>> connections_;
    std::unique_ptr<TaskScheduler> tasks_;
    std::string logBuffer_;
    std::unique_ptr<char[]> readBuffer_;
};

} // namespace langoost
