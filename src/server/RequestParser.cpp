#include "server/RequestParser.h"

#include <algorithm>

namespace langoost {
namespace {

RequestParser& self(http_parser* p) { return *static_cast<RequestParser*>(p->data); }

void appendLower(std::string& out, const char* at, size_t n) {
    for (size_t i = 0; i < n; ++i) out += (at[i] >= 'A' && at[i] <= 'Z') ? char(at[i] + 32) : at[i];
}

} // namespace

RequestParser::RequestParser(size_t maxHeaderBytes, size_t maxBodyBytes)
    : maxHeaderBytes_(maxHeaderBytes), maxBodyBytes_(maxBodyBytes) {
    http_parser_init(&parser_, HTTP_REQUEST);
    parser_.data = this;
}

size_t RequestParser::feed(const char* data, size_t size) {
    if (errorStatus_ || complete_) return 0;
    if (HTTP_PARSER_ERRNO(&parser_) == HPE_PAUSED) http_parser_pause(&parser_, 0);
    size_t used = http_parser_execute(&parser_, &settings(), data, size);
    http_errno err = HTTP_PARSER_ERRNO(&parser_);
    if (err == HPE_OK || err == HPE_PAUSED) return used;
    if (!errorStatus_) {
        if (err == HPE_HEADER_OVERFLOW) fail(431);
        else if (err == HPE_INVALID_VERSION) fail(505);
        else fail(400);
    }
    return used;
}

ParsedRequest RequestParser::take() {
    ParsedRequest done = std::move(request_);
    request_ = ParsedRequest{};
    headerBytes_ = 0;
    lastWasValue_ = false;
    started_ = headersDone_ = complete_ = continueWanted_ = false;
    return done;
}

bool RequestParser::takeContinueWanted() {
    bool wanted = continueWanted_;
    continueWanted_ = false;
    return wanted;
}

bool RequestParser::countHeaderBytes(size_t n) {
    headerBytes_ += n;
    if (headerBytes_ <= maxHeaderBytes_) return true;
    fail(request_.headers.empty() && request_.target.size() > maxHeaderBytes_ / 2 ? 414 : 431);
    return false;
}

int RequestParser::onMessageBegin(http_parser* p) {
    self(p).started_ = true;
    return 0;
}

int RequestParser::onUrl(http_parser* p, const char* at, size_t n) {
    RequestParser& r = self(p);
    r.started_ = true;
    if (!r.countHeaderBytes(n)) return -1;
    r.request_.target.append(at, n);
    return 0;
}

int RequestParser::onHeaderField(http_parser* p, const char* at, size_t n) {
    RequestParser& r = self(p);
    if (!r.countHeaderBytes(n)) return -1;
    if (r.lastWasValue_ || r.request_.headers.empty()) r.request_.headers.emplace_back();
    r.lastWasValue_ = false;
    appendLower(r.request_.headers.back().first, at, n);
    return 0;
}

int RequestParser::onHeaderValue(http_parser* p, const char* at, size_t n) {
    RequestParser& r = self(p);
    if (!r.countHeaderBytes(n)) return -1;
    if (r.request_.headers.empty()) return -1;
    r.lastWasValue_ = true;
    r.request_.headers.back().second.append(at, n);
    return 0;
}

int RequestParser::onHeadersComplete(http_parser* p) {
    RequestParser& r = self(p);
    ParsedRequest& req = r.request_;
    req.method = http_method_str(http_method(p->method));
    req.versionMajor = p->http_major;
    req.versionMinor = p->http_minor;
    req.keepAlive = http_should_keep_alive(p) != 0;
    req.upgrade = p->upgrade;
    r.headersDone_ = true;
    bool chunked = (p->flags & F_CHUNKED) != 0;
    bool hasLength = (p->flags & F_CONTENTLENGTH) != 0;
    if (hasLength && p->content_length > r.maxBodyBytes_) {
        r.fail(413);
        return -1;
    }
    bool expectsBody = chunked || (hasLength && p->content_length > 0);
    if (expectsBody && (p->http_major > 1 || (p->http_major == 1 && p->http_minor >= 1)))
        for (const auto& [name, value] : req.headers)
            if (name == "expect") {
                std::string v;
                appendLower(v, value.data(), value.size());
                if (v != "100-continue") {
                    r.fail(417);
                    return -1;
                }
                r.continueWanted_ = true;
            }
    return 0;
}

// A chunk announcing more than the body limit allows is refused before it arrives.
int RequestParser::onChunkHeader(http_parser* p) {
    RequestParser& r = self(p);
    if (p->content_length > r.maxBodyBytes_ - std::min(r.maxBodyBytes_, r.request_.body.size())) {
        r.fail(413);
        return -1;
    }
    return 0;
}

int RequestParser::onBody(http_parser* p, const char* at, size_t n) {
    RequestParser& r = self(p);
    if (r.request_.body.size() + n > r.maxBodyBytes_) {
        r.fail(413);
        return -1;
    }
    r.request_.body.append(at, n);
    return 0;
}

int RequestParser::onMessageComplete(http_parser* p) {
    RequestParser& r = self(p);
    r.complete_ = true;
    http_parser_pause(p, 1);
    return 0;
}

const http_parser_settings& RequestParser::settings() {
    static const http_parser_settings s = [] {
        http_parser_settings v{};
        v.on_message_begin = onMessageBegin;
        v.on_url = onUrl;
        v.on_header_field = onHeaderField;
        v.on_header_value = onHeaderValue;
        v.on_headers_complete = onHeadersComplete;
        v.on_body = onBody;
        v.on_chunk_header = onChunkHeader;
        v.on_message_complete = onMessageComplete;
        return v;
    }();
    return s;
}

} // namespace langoost
