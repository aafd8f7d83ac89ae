// ResponseStream: the connection of a request whose script streams. The
// first server.flush() sends the response head (chunked for HTTP/1.1,
// close-delimited for 1.0) and each later flush a chunk; when the script
// ends, finish() gives the last chunk and the terminator. upgrade hands
// the socket itself to the script (a WebSocket), after which the server
// writes nothing more on it.
//
// Sends wait (the request's task parks on the non-blocking socket) for at
// most the idle timeout: a client that stops reading ends the stream.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "stdlib/HttpMessage.h"

namespace langoost {

class ResponseStream {
  public:
    // `takePending` gives the response bytes still queued for earlier
    // requests (pipelining); they are sent ahead of anything of this one.
    // `leftover`: bytes the client sent after this request's head (the
    // start of a WebSocket stream after an upgrade).
    ResponseStream(int fd, bool http10, bool head, bool upgradable, uint64_t idleTimeoutMs,
                   std::function<std::string()> takePending, std::string leftover = {});

    bool headersSent() const { return headersSent_; }
    bool upgraded() const { return upgraded_; }
    bool upgradable() const { return upgradable_ && !headersSent_ && !upgraded_; }
    bool failed() const { return failed_; }
    int fd() const { return fd_; }

    // Sends the head (first call) and `body` as a chunk; false once the client is gone.
    bool flush(const HttpResponseData& response, std::string_view body);
    // The bytes that end a streamed response: the last chunk and the terminator.
    bool finish(std::string_view body);
    // Marks the socket as the script's (after a WebSocket handshake);
    // returns the bytes already read past the request head.
    std::string takeForUpgrade();

    // Sends raw bytes (pending bytes first); false on error or timeout.
    bool send(std::string_view bytes);
    bool sendPending() { return send({}); }

    // A long-lived request (SSE, WebSocket): only the script's busy time
    // counts against its time limit, its waits do not.
    bool longLived = false;

  private:
    int fd_;
    bool http10_, head_, upgradable_;
    uint64_t idleTimeoutMs_;
    std::function<std::string()> takePending_;
    std::string leftover_;
    bool headersSent_ = false, upgraded_ = false, failed_ = false;
};

} // namespace langoost
