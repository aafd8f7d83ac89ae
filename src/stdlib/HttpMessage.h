// HttpMessage: the pieces of HTTP shared by the in-script `http_server`
// module and `langoost serve` (src/server): percent-decoding, query
// strings, the request value a script sees, and turning a handler's return
// value into a response. Parsing the wire format is not here: `serve` uses
// a fuzzed parser library, `http_server` its own minimal reader.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vm/VM.h"

namespace langoost {

// Percent-decodes `s` into `out` ('+' is a space when `plusIsSpace`).
// Returns std::string_view::npos on success, else the byte offset of the
// first malformed escape.
size_t percentDecode(std::string_view s, bool plusIsSpace, std::string& out);
// The same, keeping malformed escapes literally (request paths and queries
// must still reach the script).
std::string percentDecodeLenient(std::string_view s, bool plusIsSpace);

// Adds key → value; a repeated key turns the entry into an array of values.
void addRepeatedValue(VM& vm, MapObject* map, std::string_view key, Value value);
// "a=1&b=x+y&a=2" → {a: ["1", "2"], b: "x y"} (lenient decoding).
Value parseQueryString(VM& vm, std::string_view rawQuery);

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequestData {
    std::string method;
    std::string path;     // percent-decoded
    std::string rawQuery; // after '?', as sent
    HeaderList headers;   // names lowercased, in arrival order
    std::string body;
    std::string remoteAddr;
    // Path parameters of serve's routing (`[id].goost`): name -> segment.
    std::vector<std::pair<std::string, std::string>> params;
};

// {method, path, params, rawQuery, query, headers, body, remoteAddr}; a repeated
// header's values are joined with ", " (as RFC 9110 allows).
Value buildRequestValue(VM& vm, const HttpRequestData& request);

struct HttpResponseData {
    int status = 200;
    HeaderList headers; // as the script set them
    std::string body;
    bool hasHeader(std::string_view lowerName) const;
};

// Applies a handler's return value: string → text/plain, object/array →
// JSON, {status, headers, body} (only those keys, status an int) → exactly
// that. `out.body` already holds what the script printed; it is prepended.
void applyHandlerResult(VM& vm, Value result, HttpResponseData& out);

// True when a header name or value could split the response (CR, LF, NUL).
bool unsafeHeaderText(std::string_view text);
// RFC 9110 token (the only valid header name): one or more of
// A-Z a-z 0-9 and !#$%&'*+-.^_`|~.
bool isHeaderName(std::string_view name);
// The one check every header a script sets goes through (responses of
// serve and http_server, server.header, http.* requests): a ValueError
// "<fn>: invalid header name ..." or "... contains CR, LF or NUL".
void checkScriptHeader(VM& vm, std::string_view fn, std::string_view name, std::string_view value);

const char* httpReason(int status);

} // namespace langoost
