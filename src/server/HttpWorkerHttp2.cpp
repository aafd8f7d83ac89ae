// HttpWorker's HTTP/2 connections: starting a session (ALPN h2, the h2c
// preface, or an HTTP/1.1 Upgrade), answering each stream as a request
// (its script as a task of its own, several at once), and feeding the
// session's frames to the socket.
#include <sys/epoll.h>

#include "server/HttpConnection.h"

namespace langoost {
using namespace worker_detail;

void HttpWorker::startHttp2(Connection& c) {
    c.prefacePending = false;
    c.h2cUpgradable = false;
    c.h2 = std::make_unique<Http2Session>(shared_.options.maxHeaderBytes, shared_.options.maxBodyBytes);
}

bool HttpWorker::upgradeToHttp2(Connection& c, ParsedRequest& request) {
    const std::string* settings = findHeader(request.headers, "http2-settings");
    if (!settings) return false;
    startHttp2(c);
    if (!c.h2->upgrade(*settings, request.method == "HEAD")) {
        c.h2.reset(); // a bad HTTP2-Settings: answer in HTTP/1.1 (a server may ignore an upgrade)
        return false;
    }
    c.out += "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
    Http2Request stream{1, std::move(request), 0};
    answerHttp2(c, stream);
    return true;
}

void HttpWorker::answerHttp2(Connection& c, Http2Request& stream) {
    uint64_t startUs = nowUs();
    ParsedRequest& request = stream.request;
    bool head = request.method == "HEAD";
    std::string_view rawPath, rawQuery;
    if (!stream.errorStatus && !shared_.handler && splitRequestTarget(request.target, rawPath, rawQuery) &&
        !(rawPath == "/_health" && !shared_.healthScript)) {
        Route route = routeFor(rawPath);
        if (route.kind == Route::Kind::Script) {
            HttpRequestData data = scriptRequest(c, request, rawPath, rawQuery);
            data.params = std::move(route.params);
            auto call = std::make_unique<ScriptCall>(std::move(request), std::move(data), std::move(route.file));
            call->h2Stream = stream.streamId;
            call->startUs = startUs;
            call->head = head;
            startStreamScript(c, std::move(call));
            return;
        }
    }
    StaticFile file;
    HttpResponseData response = stream.errorStatus ? plainResponse(stream.errorStatus) : answer(c, request, file);
    uint64_t bodyBytes = head ? 0 : response.body.size() + file.fileBytes;
    c.h2->respond(stream.streamId, response, head, file.fd, file.fileBytes);
    if (shared_.accessLog) logAccess(c, request, response.status, bodyBytes, startUs);
}

void HttpWorker::startStreamScript(Connection& c, std::unique_ptr<ScriptCall> call) {
    if (shared_.options.maxWaiting && TaskScheduler::parkedEverywhere() >= shared_.options.maxWaiting) {
        c.h2->respond(call->h2Stream, plainResponse(503, "too many waiting requests\n"), call->head);
        return;
    }
    ScriptCall* raw = call.release(); // the task's until it ends
    int32_t id = raw->h2Stream;
    Connection* conn = &c;
    ++c.activeTasks;
    TaskScheduler::Task* task = tasks_->start(
        [this, raw] { raw->response = shared_.runner.run(raw->script, raw->data, raw->failure); },
        [this, conn, raw] { finishStreamScript(*conn, std::unique_ptr<ScriptCall>(raw)); });
    if (!task) return; // answered already
    raw->async = true;
    c.streamTasks[id] = task;
}

void HttpWorker::finishStreamScript(Connection& c, std::unique_ptr<ScriptCall> call) {
    --c.activeTasks;
    c.streamTasks.erase(call->h2Stream);
    if (c.closing) {
        if (c.activeTasks == 0 && !c.waiting) {
            c.closing = false;
            closeConnection(c);
        }
        return;
    }
    shared_.logScriptFailure(call->data.method, call->request.target, call->response.status, call->failure);
    c.h2->respond(call->h2Stream, call->response, call->head);
    if (shared_.accessLog)
        logAccess(c, call->request, call->response.status, call->head ? 0 : call->response.body.size(), call->startUs);
    if (call->async) serveHttp2(c); // send it now
}

void HttpWorker::serveHttp2(Connection& c) {
    if (c.inPos < c.in.size()) {
        bool ok = c.h2->receive(c.in.data() + c.inPos, c.in.size() - c.inPos);
        c.in.clear();
        c.inPos = 0;
        // A stream reset before it started is not run; one reset while its script runs is cancelled.
        for (int32_t id : c.h2->takeClosed())
            if (auto it = c.streamTasks.find(id); it != c.streamTasks.end()) tasks_->cancel(it->second);
        for (Http2Request& stream : c.h2->takeRequests())
            if (c.h2->isOpen(stream.streamId)) answerHttp2(c, stream);
        if (!ok) c.closeAfterWrite = true; // after the GOAWAY nghttp2 queued
    }
    for (;;) {
        if (!c.h2->produce(c.out, kOutputHighWater)) {
            closeConnection(c);
            return;
        }
        if (c.out.size() == c.outPos && !(c.tls && c.tls->unsent())) break;
        if (!flush(c)) return; // blocked (EPOLLOUT resumes here) or closed
    }
    if (c.h2->finished() || (stopping_ && c.idle())) closeConnection(c);
    else if (c.closeAfterWrite) flush(c);
}

} // namespace langoost
