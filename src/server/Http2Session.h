// Http2Session: the HTTP/2 side of one server connection, on nghttp2
// (framing, HPACK, stream multiplexing and flow control all come from the
// library). It does no I/O: the owner feeds it the bytes it received and
// sends the bytes it produces, so one event loop (HttpWorker) drives plain,
// TLS and HTTP/2 connections alike.
//
// Complete requests (headers and the whole body) are handed out as
// ParsedRequests tagged with their stream; each is answered with one
// respond() call (HEADERS, then DATA frames as flow control allows).
// Limits are those of HTTP/1.1: a header block over the header limit is
// answered 431, a body over the body limit 413 (the rest of it discarded).
#pragma once
#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/RequestParser.h"
#include "stdlib/HttpMessage.h"

namespace langoost {

// The 24 bytes that open every HTTP/2 connection from a client.
inline constexpr std::string_view kHttp2ClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

struct Http2Request {
    int32_t streamId = 0;
    ParsedRequest request; // target is :path; version 2.0; :authority becomes `host`
    int errorStatus = 0;   // 431 or 413: answer this without running anything
};

class Http2Session {
  public:
    Http2Session(size_t maxHeaderBytes, size_t maxBodyBytes);
    ~Http2Session();
    Http2Session(const Http2Session&) = delete;
    Http2Session& operator=(const Http2Session&) = delete;

    // After an HTTP/1.1 `Upgrade: h2c` (the 101 already sent): `settings`
    // is the HTTP2-Settings header (base64url). The upgrading request is
    // stream 1; answer it with respond(1, …). False when the header is bad.
    bool upgrade(std::string_view settings, bool headRequest);

    // Processes received bytes (the client preface first). False on a
    // protocol error: send what produce() still gives, then close.
    bool receive(const char* data, size_t size);
    // The requests completed since the last call.
    std::vector<Http2Request> takeRequests();
    // Whether a stream is still open (a client may reset it at any time).
    bool isOpen(int32_t streamId) { return find(streamId) != nullptr; }
    // The streams closed (answered or reset) since the last call.
    std::vector<int32_t> takeClosed() { return std::move(closed_); }

    // Answers a stream. `fileFd`/`fileBytes`: body bytes that follow
    // `response.body`, read from the file (which the session then owns).
    void respond(int32_t streamId, const HttpResponseData& response, bool head, int fileFd = -1,
                 uint64_t fileBytes = 0);

    // Appends frames ready to go to `out` until it holds `limit` bytes.
    // False on an internal error (close the connection).
    bool produce(std::string& out, size_t limit);
    // Both sides are done (GOAWAY exchanged, or the peer went away).
    bool finished() const;
    // Ends the connection politely: GOAWAY after the streams in progress.
    void shutdown();

  private:
    struct Stream;
    static int onBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* self);
    static int onHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t nameLength,
                        const uint8_t* value, size_t valueLength, uint8_t flags, void* self);
    static int onFrameReceived(nghttp2_session*, const nghttp2_frame* frame, void* self);
    static int onDataChunk(nghttp2_session*, uint8_t flags, int32_t streamId, const uint8_t* data, size_t length,
                           void* self);
    static int onStreamClose(nghttp2_session*, int32_t streamId, uint32_t errorCode, void* self);
    static ssize_t readBody(nghttp2_session*, int32_t streamId, uint8_t* buf, size_t length, uint32_t* flags,
                            nghttp2_data_source* source, void* self);

    Stream* find(int32_t streamId);
    void complete(Stream& stream);
    void submitSettings();

    nghttp2_session* session_ = nullptr;
    size_t maxHeaderBytes_, maxBodyBytes_;
    std::unordered_map<int32_t, std::unique_ptr<Stream>> streams_;
    std::vector<Http2Request> ready_;
    std::vector<int32_t> closed_;
};

} // namespace langoost
