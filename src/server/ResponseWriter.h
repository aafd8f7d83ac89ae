// ResponseWriter: the wire form of responses — status line, the headers
// every response carries (Server, Date, a computed Content-Length,
// Connection), the script's own headers — and static-file responses with
// validators (ETag, Last-Modified) and conditional 304s.
#pragma once
#include <sys/stat.h>

#include <string>

#include "server/RequestParser.h"
#include "stdlib/HttpMessage.h"

namespace langoost {

// Appends the response to `out`. `head`: HEAD request, headers only (the
// Content-Length still that of the body). `keepAlive` decides the
// Connection header; HTTP/1.0 clients get `keep-alive` spelled out.
// `extraBodyBytes`: body bytes that follow outside `response.body` (a file
// sent with sendfile), counted in Content-Length.
void writeResponse(std::string& out, const HttpResponseData& response, bool head, bool keepAlive, bool http10,
                   uint64_t extraBodyBytes = 0);

// The head of a streamed response: `Transfer-Encoding: chunked` for
// HTTP/1.1; HTTP/1.0 gets no length and the connection closes at the end.
void writeStreamHead(std::string& out, const HttpResponseData& response, bool http10);

// A short text/plain response with the reason phrase as its body.
HttpResponseData plainResponse(int status, std::string_view body = {});

// A static file's response. Small files are read into `response.body`; a
// larger one is left open in `fd` for sendfile, its size in `fileBytes`
// (for HEAD, `fileBytes` is the size and nothing is opened).
struct StaticFile {
    HttpResponseData response;
    int fd = -1;
    uint64_t fileBytes = 0;
};
StaticFile staticFileResponse(const std::string& path, const struct stat& info, const ParsedRequest& request,
                              bool head);

// "Sun, 06 Nov 1994 08:49:37 GMT", cached per thread per second.
const std::string& httpDateNow();
std::string httpDate(time_t when);

} // namespace langoost
