// HttpParser: incremental HTTP/1.0 and 1.1 message parsing on top of llhttp
// (Node's parser) in strict mode, shared by `langoost serve`, the
// `http_server` module and the WebSocket client handshake. Bytes are fed
// as they arrive; parsing stops after each complete message so pipelined
// requests are answered in order, and the header-section and body limits
// are enforced while reading (a client cannot make us buffer more).
//
// Beyond llhttp's own checks (CRLF everywhere, header-name tokens, no
// space before the colon, strict chunk sizes, no duplicate Content-Length,
// no Content-Length with Transfer-Encoding) a request is refused with 400
// for: two Host headers, no Host on HTTP/1.1, a Transfer-Encoding that is
// not exactly `chunked` (or any on HTTP/1.0), and obsolete line folding;
// a version other than 1.0/1.1 is 505. These are the ambiguities request
// smuggling is made of.
#pragma once
#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "stdlib/HttpMessage.h"

namespace langoost {

struct ParsedRequest {
    std::string method; // requests
    std::string target; // request-target as sent
    int status = 0;     // responses
    HeaderList headers; // names lowercased
    std::string body;
    unsigned versionMajor = 1, versionMinor = 1;
    bool keepAlive = true;
    bool upgrade = false; // Upgrade/CONNECT (or a 101): the bytes after it are another protocol
};

class RequestParser {
  public:
    enum class Kind { Request, ResponseHead };
    // ResponseHead parses a response's status line and headers only and
    // completes right after them (the WebSocket handshake's 101).
    RequestParser(size_t maxHeaderBytes, size_t maxBodyBytes, Kind kind = Kind::Request);
    RequestParser(const RequestParser&) = delete;
    RequestParser& operator=(const RequestParser&) = delete;

    // Parses from `data`; returns how many bytes were consumed. Stops early
    // after a complete message (take() it, then feed the rest) or an error.
    size_t feed(const char* data, size_t size);

    bool complete() const { return complete_; }
    // The finished message; parsing resumes with the next feed().
    ParsedRequest take();

    // 0, or the status to answer before closing: 400, 413, 414, 417, 431, 505.
    int errorStatus() const { return errorStatus_; }
    // True once, right after the headers of a request that sent
    // `Expect: 100-continue` and will have a body: answer 100 Continue.
    bool takeContinueWanted();
    // Bytes of a message have arrived but it is not complete yet.
    bool inProgress() const { return started_ && !complete_; }
    bool headersDone() const { return headersDone_; }
    // When the current message's headers completed (steady clock, ms): the
    // body deadline (serve --body-timeout-ms) counts from here.
    uint64_t headersDoneAtMs() const { return headersDoneAtMs_; }

  private:
    static const llhttp_settings_t& settings();
    static int onMessageBegin(llhttp_t* p);
    static int onUrl(llhttp_t* p, const char* at, size_t n);
    static int onHeaderField(llhttp_t* p, const char* at, size_t n);
    static int onHeaderFieldComplete(llhttp_t* p);
    static int onHeaderValue(llhttp_t* p, const char* at, size_t n);
    static int onHeaderValueComplete(llhttp_t* p);
    static int onHeadersComplete(llhttp_t* p);
    static int onChunkHeader(llhttp_t* p);
    static int onBody(llhttp_t* p, const char* at, size_t n);
    static int onMessageComplete(llhttp_t* p);
    bool countHeaderBytes(size_t n);
    // The request checks above llhttp's; 0 or the status to refuse with.
    int checkHeaders() const;
    void fail(int status) { errorStatus_ = status; }

    llhttp_t parser_;
    Kind kind_;
    size_t maxHeaderBytes_, maxBodyBytes_;
    size_t headerBytes_ = 0;  // in callbacks (target, names, values)
    size_t rawHeadBytes_ = 0; // every byte before the end of the headers
    ParsedRequest request_;
    bool lastWasValue_ = false, valueComplete_ = false;
    // Where the current and the previous feed() started/ended, and the last
    // header-value piece ended: to tell a folded line from a split feed.
    const char* feedStart_ = nullptr;
    const char* previousFeedEnd_ = nullptr;
    const char* lastValueEnd_ = nullptr;
    uint64_t feeds_ = 0, lastValueFeed_ = 0;
    bool started_ = false, headersDone_ = false, complete_ = false;
    bool afterUpgrade_ = false; // the last request taken asked to upgrade: nothing more is parsed
    bool continueWanted_ = false;
    uint64_t headersDoneAtMs_ = 0;
    int errorStatus_ = 0;
};

// Splits a request-target into its path and query (no '?'); origin-form
// ("/p?q"), absolute-form ("http://host/p?q", path "/" when empty) and a
// fragment (dropped) are accepted. False for "*", an authority-form
// ("host:443", CONNECT's) and anything else: there is no path to route.
bool splitTarget(std::string_view target, std::string_view& path, std::string_view& query);

// The `http_server` module's reader (HttpServerModule.cpp; fuzz_http_server):
// one request from a blocking socket. 0 and `out` filled, an HTTP status to
// answer with, or -1 when the client went away without a whole request.
int readHttpServerRequest(int fd, HttpRequestData& out);

} // namespace langoost
