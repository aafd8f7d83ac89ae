#include "stdlib/HttpParser.h"

#include <algorithm>
#include <cctype>
#include <chrono>

namespace langoost {
namespace {

RequestParser& self(llhttp_t* p) { return *static_cast<RequestParser*>(p->data); }

void appendLower(std::string& out, const char* at, size_t n) {
    for (size_t i = 0; i < n; ++i)
        out += (at[i] >= 'A' && at[i] <= 'Z') ? char(at[i] + 32) : at[i];
}

bool equalsLower(std::string_view value, std::string_view lowerWord) {
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
    if (value.size() != lowerWord.size()) return false;
    for (size_t i = 0; i < value.size(); ++i) {
        char ch = value[i] >= 'A' && value[i] <= 'Z' ? char(value[i] + 32) : value[i];
        if (ch != lowerWord[i]) return false;
    }
    return true;
}

} // namespace

RequestParser::RequestParser(size_t maxHeaderBytes, size_t maxBodyBytes, Kind kind)
    : kind_(kind), maxHeaderBytes_(maxHeaderBytes), maxBodyBytes_(maxBodyBytes) {
    llhttp_init(&parser_, kind == Kind::Request ? HTTP_REQUEST : HTTP_RESPONSE, &settings());
    parser_.data = this;
}

size_t RequestParser::feed(const char* data, size_t size) {
    // After an upgrade request (WebSocket, h2c) the bytes that follow are not
    // HTTP/1: they belong to whoever takes the connection over, or to
    // nobody (a refused upgrade closes it). Parsing them anyway made the
    // verdict depend on how the bytes were split (fuzz_http).
    if (errorStatus_ || complete_ || size == 0 || afterUpgrade_) return 0;
    llhttp_errno_t err = llhttp_get_errno(&parser_);
    if (err == HPE_PAUSED)
        llhttp_resume(&parser_);
    else if (err == HPE_PAUSED_UPGRADE)
        llhttp_resume_after_upgrade(&parser_);
    bool headBefore = !headersDone_;
    feedStart_ = data;
    ++feeds_;
    err = llhttp_execute(&parser_, data, size);
    previousFeedEnd_ = data + size;
    size_t used = size;
    if (err != HPE_OK) {
        const char* stop = llhttp_get_error_pos(&parser_);
        used = stop && stop >= data && stop <= data + size ? size_t(stop - data) : size;
    }
    // Bytes no callback sees (the method, spaces, line ends) count too.
    if (headBefore && !headersDone_) {
        rawHeadBytes_ += used;
        if (!errorStatus_ && rawHeadBytes_ > 2 * maxHeaderBytes_ + 1024) fail(431);
    }
    if (err == HPE_OK || err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE || errorStatus_)
        return used;
    if (err == HPE_INVALID_VERSION)
        fail(505);
    else
        fail(400);
    return used;
}

ParsedRequest RequestParser::take() {
    ParsedRequest done = std::move(request_);
    afterUpgrade_ = done.upgrade;
    request_ = ParsedRequest{};
    headerBytes_ = rawHeadBytes_ = 0;
    lastWasValue_ = valueComplete_ = false;
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

int RequestParser::onMessageBegin(llhttp_t* p) {
    self(p).started_ = true;
    return 0;
}

int RequestParser::onUrl(llhttp_t* p, const char* at, size_t n) {
    RequestParser& r = self(p);
    r.started_ = true;
    if (!r.countHeaderBytes(n)) return -1;
    r.request_.target.append(at, n);
    return 0;
}

int RequestParser::onHeaderField(llhttp_t* p, const char* at, size_t n) {
    RequestParser& r = self(p);
    if (!r.countHeaderBytes(n)) return -1;
    if (r.lastWasValue_ || r.request_.headers.empty()) r.request_.headers.emplace_back();
    r.lastWasValue_ = r.valueComplete_ = false;
    appendLower(r.request_.headers.back().first, at, n);
    return 0;
}

// llhttp lets an empty name through (": v"); a name is a token, never empty.
int RequestParser::onHeaderFieldComplete(llhttp_t* p) {
    RequestParser& r = self(p);
    if (r.request_.headers.empty() || r.lastWasValue_ || r.request_.headers.back().first.empty()) {
        r.fail(400);
        return -1;
    }
    return 0;
}

int RequestParser::onHeaderValue(llhttp_t* p, const char* at, size_t n) {
    RequestParser& r = self(p);
    if (!r.countHeaderBytes(n)) return -1;
    // A value's bytes arrive in one piece or split where a feed ended; a gap
    // is a value continued on the next line (obs-fold), refused.
    bool continued = r.lastWasValue_ && !r.request_.headers.empty();
    bool contiguous = r.lastValueFeed_ == r.feeds_
                          ? at == r.lastValueEnd_
                          : r.lastValueEnd_ == r.previousFeedEnd_ && at == r.feedStart_;
    if (r.request_.headers.empty() || r.valueComplete_ || (continued && !contiguous)) {
        r.fail(400);
        return -1;
    }
    r.lastValueEnd_ = at + n;
    r.lastValueFeed_ = r.feeds_;
    r.lastWasValue_ = true;
    r.request_.headers.back().second.append(at, n);
    return 0;
}

int RequestParser::onHeaderValueComplete(llhttp_t* p) {
    RequestParser& r = self(p);
    r.lastWasValue_ = r.valueComplete_ = true;
    if (r.request_.headers.empty()) return 0;
    std::string& value = r.request_.headers.back().second;
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.pop_back();
    return 0;
}

int RequestParser::checkHeaders() const {
    const ParsedRequest& req = request_;
    if (req.versionMajor != 1 || req.versionMinor > 1) return 505;
    if (kind_ != Kind::Request) return 0;
    int hosts = 0, encodings = 0;
    bool chunked = false;
    for (const auto& [name, value] : req.headers) {
        if (name == "host")
            ++hosts;
        else if (name == "transfer-encoding") {
            ++encodings;
            chunked = equalsLower(value, "chunked");
        }
    }
    if (hosts > 1 || (hosts == 0 && req.versionMinor >= 1)) return 400;
    if (encodings > 1 || (encodings == 1 && (!chunked || req.versionMinor == 0))) return 400;
    return 0;
}

int RequestParser::onHeadersComplete(llhttp_t* p) {
    RequestParser& r = self(p);
    ParsedRequest& req = r.request_;
    if (r.kind_ == Kind::Request)
        req.method = llhttp_method_name(llhttp_method_t(p->method));
    else
        req.status = p->status_code;
    req.versionMajor = p->http_major;
    req.versionMinor = p->http_minor;
    req.keepAlive = llhttp_should_keep_alive(p) != 0;
    req.upgrade = p->upgrade;
    r.headersDone_ = true;
    using namespace std::chrono;
    r.headersDoneAtMs_ =
        uint64_t(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
    if (int status = r.checkHeaders()) {
        r.fail(status);
        return -1;
    }
    // CONNECT turns the connection into a tunnel (llhttp stops parsing after
    // its head): nothing here proxies, so it is refused before any byte of
    // the tunnel could be read as a request.
    if (r.kind_ == Kind::Request && p->method == HTTP_CONNECT) {
        r.fail(501);
        return -1;
    }
    if (r.kind_ == Kind::ResponseHead) {
        r.complete_ = true;
        return HPE_PAUSED;
    }
    bool chunked = (p->flags & F_CHUNKED) != 0;
    bool hasLength = (p->flags & F_CONTENT_LENGTH) != 0;
    if (hasLength && p->content_length > r.maxBodyBytes_) {
        r.fail(413);
        return -1;
    }
    bool expectsBody = chunked || (hasLength && p->content_length > 0);
    if (expectsBody && req.versionMinor >= 1)
        for (const auto& [name, value] : req.headers)
            if (name == "expect") {
                if (!equalsLower(value, "100-continue")) {
                    r.fail(417);
                    return -1;
                }
                r.continueWanted_ = true;
            }
    return 0;
}

// A chunk announcing more than the body limit allows is refused before it arrives.
int RequestParser::onChunkHeader(llhttp_t* p) {
    RequestParser& r = self(p);
    if (p->content_length > r.maxBodyBytes_ - std::min(r.maxBodyBytes_, r.request_.body.size())) {
        r.fail(413);
        return -1;
    }
    return 0;
}

int RequestParser::onBody(llhttp_t* p, const char* at, size_t n) {
    RequestParser& r = self(p);
    if (r.request_.body.size() + n > r.maxBodyBytes_) {
        r.fail(413);
        return -1;
    }
    r.request_.body.append(at, n);
    return 0;
}

int RequestParser::onMessageComplete(llhttp_t* p) {
    RequestParser& r = self(p);
    r.complete_ = true;
    return HPE_PAUSED;
}

const llhttp_settings_t& RequestParser::settings() {
    static const llhttp_settings_t s = [] {
        llhttp_settings_t v;
        llhttp_settings_init(&v);
        v.on_message_begin = onMessageBegin;
        v.on_url = onUrl;
        v.on_header_field = onHeaderField;
        v.on_header_field_complete = onHeaderFieldComplete;
        v.on_header_value = onHeaderValue;
        v.on_header_value_complete = onHeaderValueComplete;
        v.on_headers_complete = onHeadersComplete;
        v.on_body = onBody;
        v.on_chunk_header = onChunkHeader;
        v.on_message_complete = onMessageComplete;
        return v;
    }();
    return s;
}

bool splitTarget(std::string_view target, std::string_view& path, std::string_view& query) {
    target = target.substr(0, target.find('#'));
    if (!target.starts_with('/')) {
        // absolute-form: scheme "://" authority [path-abempty] ["?" query]
        size_t colon = target.find("://");
        if (colon == std::string_view::npos || colon == 0) return false;
        for (char ch : target.substr(0, colon))
            if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '+' && ch != '-' &&
                ch != '.')
                return false;
        size_t start = target.find_first_of("/?", colon + 3);
        if (start == colon + 3 || (start == std::string_view::npos && target.size() == colon + 3))
            return false; // no host
        std::string_view rest =
            start == std::string_view::npos ? std::string_view() : target.substr(start);
        size_t q = rest.find('?');
        path = rest.substr(0, q);
        if (path.empty()) path = "/";
        query = q == std::string_view::npos ? std::string_view() : rest.substr(q + 1);
        return true;
    }
    size_t q = target.find('?');
    path = target.substr(0, q);
    query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    return true;
}

} // namespace langoost
