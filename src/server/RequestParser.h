// RequestParser: incremental HTTP/1.0 and 1.1 request parsing on top of
// the http_parser library (Node's long-time parser, fuzzed upstream), one
// per connection. Bytes are fed as they arrive; parsing stops after each
// complete request so pipelined requests are answered in order, and the
// header-section and body limits are enforced while reading (a client
// cannot make the server buffer more than the limits).
#pragma once
#include <http_parser.h>

#include <cstddef>
#include <string>

#include "stdlib/HttpMessage.h"

namespace langoost {

struct ParsedRequest {
    std::string method;
    std::string target; // request-target as sent
    HeaderList headers; // names lowercased
    std::string body;
    unsigned versionMajor = 1, versionMinor = 1;
    bool keepAlive = true;
    bool upgrade = false; // Upgrade/CONNECT: the connection is closed after the response
};

class RequestParser {
  public:
    RequestParser(size_t maxHeaderBytes, size_t maxBodyBytes);
    RequestParser(const RequestParser&) = delete;
    RequestParser& operator=(const RequestParser&) = delete;

    // Parses from `data`; returns how many bytes were consumed. Stops early
    // after a complete request (take() it, then feed the rest) or an error.
    size_t feed(const char* data, size_t size);

    bool complete() const { return complete_; }
    // The finished request; parsing resumes with the next feed().
    ParsedRequest take();

    // 0, or the status to answer before closing: 400, 413, 414, 431, 505.
    int errorStatus() const { return errorStatus_; }
    // True once, right after the headers of a request that sent
    // `Expect: 100-continue` and will have a body: answer 100 Continue.
    bool takeContinueWanted();
    // Bytes of a request have arrived but it is not complete yet.
    bool inProgress() const { return started_ && !complete_; }
    bool headersDone() const { return headersDone_; }

  private:
    static const http_parser_settings& settings();
    static int onMessageBegin(http_parser* p);
    static int onUrl(http_parser* p, const char* at, size_t n);
    static int onHeaderField(http_parser* p, const char* at, size_t n);
    static int onHeaderValue(http_parser* p, const char* at, size_t n);
    static int onHeadersComplete(http_parser* p);
    static int onChunkHeader(http_parser* p);
    static int onBody(http_parser* p, const char* at, size_t n);
    static int onMessageComplete(http_parser* p);
    bool countHeaderBytes(size_t n);
    void fail(int status) { errorStatus_ = status; }

    http_parser parser_;
    size_t maxHeaderBytes_, maxBodyBytes_;
    size_t headerBytes_ = 0;
    ParsedRequest request_;
    bool lastWasValue_ = false;
    bool started_ = false, headersDone_ = false, complete_ = false;
    bool continueWanted_ = false;
    int errorStatus_ = 0;
};

} // namespace langoost
