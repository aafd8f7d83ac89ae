#include "server/Http2Session.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "server/ResponseWriter.h"

namespace langoost {
namespace {

// Streams a client may open at once (RFC 9113 suggests no fewer than 100).
constexpr uint32_t kMaxConcurrentStreams = 100;
// Per-stream receive window: uploads need not wait for a WINDOW_UPDATE per 64 KiB.
constexpr uint32_t kInitialWindowBytes = 1 << 20;

Http2Session& self(void* p) { return *static_cast<Http2Session*>(p); }

std::string_view view(const uint8_t* p, size_t n) { return {reinterpret_cast<const char*>(p), n}; }

// Headers HTTP/2 forbids in a response, and those the server computes itself.
bool droppedInHttp2(std::string_view lowerName) {
    return lowerName == "connection" || lowerName == "keep-alive" || lowerName == "proxy-connection" ||
           lowerName == "transfer-encoding" || lowerName == "upgrade" || lowerName == "content-length" ||
           lowerName == "date";
}

std::string lowered(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = char(c + 32);
    return out;
}

// RFC 4648 base64url (the HTTP2-Settings header), padding optional.
bool decodeBase64Url(std::string_view in, std::string& out) {
    uint32_t bits = 0;
    int count = 0;
    for (char c : in) {
        int v;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        else if (c >= '0' && c <= '9') v = c - '0' + 52;
        else if (c == '-' || c == '+') v = 62;
        else if (c == '_' || c == '/') v = 63;
        else if (c == '=') break;
        else return false;
        bits = bits << 6 | uint32_t(v);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += char(bits >> count & 0xff);
        }
    }
    return true;
}

} // namespace

struct Http2Session::Stream {
    int32_t id;
    ParsedRequest request;
    size_t headerBytes = 0;
    int errorStatus = 0;
    bool dispatched = false; // handed out as a request
    // The response body: `body`, then `fileRemaining` bytes of `fileFd`.
    std::string body;
    size_t bodyPos = 0;
    int fileFd = -1;
    off_t fileOffset = 0;
    uint64_t fileRemaining = 0;
    ~Stream() {
        if (fileFd >= 0) ::close(fileFd);
    }
};

Http2Session::Http2Session(size_t maxHeaderBytes, size_t maxBodyBytes)
    : maxHeaderBytes_(maxHeaderBytes), maxBodyBytes_(maxBodyBytes) {
    nghttp2_session_callbacks* callbacks;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, onBeginHeaders);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, onHeader);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, onFrameReceived);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, onDataChunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, onStreamClose);
    int rc = nghttp2_session_server_new(&session_, callbacks, this);
    nghttp2_session_callbacks_del(callbacks);
    if (rc != 0) throw std::bad_alloc();
    submitSettings(); // the server's preface: queued now, sent with the first output
}

Http2Session::~Http2Session() { nghttp2_session_del(session_); }

void Http2Session::submitSettings() {
    nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, kMaxConcurrentStreams},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, kInitialWindowBytes},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, uint32_t(std::min<size_t>(maxHeaderBytes_, UINT32_MAX))},
    };
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
}

bool Http2Session::upgrade(std::string_view settings, bool headRequest) {
    std::string payload;
    if (!decodeBase64Url(settings, payload)) return false;
    auto stream = std::make_unique<Stream>();
    stream->id = 1;
    stream->dispatched = true; // the HTTP/1.1 request itself is the one to answer
    if (nghttp2_session_upgrade2(session_, reinterpret_cast<const uint8_t*>(payload.data()), payload.size(),
                                 headRequest, nullptr) != 0)
        return false;
    streams_.emplace(1, std::move(stream));
    return true;
}

bool Http2Session::receive(const char* data, size_t size) {
    ssize_t used = nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(data), size);
    return used >= 0;
}

std::vector<Http2Request> Http2Session::takeRequests() { return std::move(ready_); }

bool Http2Session::produce(std::string& out, size_t limit) {
    while (out.size() < limit) {
        const uint8_t* bytes;
        ssize_t n = nghttp2_session_mem_send(session_, &bytes);
        if (n < 0) return false;
        if (n == 0) break;
        out.append(reinterpret_cast<const char*>(bytes), size_t(n));
    }
    return true;
}

bool Http2Session::finished() const {
    return !nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_);
}

void Http2Session::shutdown() { nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR); }

Http2Session::Stream* Http2Session::find(int32_t streamId) {
    auto it = streams_.find(streamId);
    return it == streams_.end() ? nullptr : it->second.get();
}

void Http2Session::complete(Stream& stream) {
    if (stream.dispatched) return;
    stream.dispatched = true;
    ParsedRequest& r = stream.request;
    r.versionMajor = 2;
    r.versionMinor = 0;
    ready_.push_back({stream.id, std::move(r), stream.errorStatus});
}

void Http2Session::respond(int32_t streamId, const HttpResponseData& response, bool head, int fileFd,
                           uint64_t fileBytes) {
    Stream* stream = find(streamId);
    if (!stream) { // reset by the client meanwhile
        if (fileFd >= 0) ::close(fileFd);
        return;
    }
    bool bodyless = response.status == 204 || response.status == 304 || response.status < 200;
    std::vector<std::string> text; // names and values, alive while submitting
    text.reserve(2 * response.headers.size() + 8);
    auto add = [&text](std::string name, std::string value) {
        text.push_back(std::move(name));
        text.push_back(std::move(value));
    };
    add(":status", std::to_string(response.status));
    bool hasServer = false;
    for (const auto& [name, value] : response.headers) {
        std::string lower = lowered(name);
        if (droppedInHttp2(lower)) continue;
        hasServer = hasServer || lower == "server";
        add(std::move(lower), value);
    }
    if (!hasServer) add("server", "langoost");
    add("date", httpDateNow());
    if (!bodyless) add("content-length", std::to_string(response.body.size() + fileBytes));
    std::vector<nghttp2_nv> nv;
    nv.reserve(text.size() / 2);
    for (size_t i = 0; i < text.size(); i += 2)
        nv.push_back({reinterpret_cast<uint8_t*>(text[i].data()), reinterpret_cast<uint8_t*>(text[i + 1].data()),
                      text[i].size(), text[i + 1].size(), NGHTTP2_NV_FLAG_NONE});
    bool withBody = !head && !bodyless && (!response.body.empty() || fileBytes > 0);
    if (!withBody) {
        if (fileFd >= 0) ::close(fileFd);
        nghttp2_submit_response(session_, streamId, nv.data(), nv.size(), nullptr);
        return;
    }
    stream->body = response.body;
    stream->bodyPos = 0;
    stream->fileFd = fileFd;
    stream->fileOffset = 0;
    stream->fileRemaining = fileFd >= 0 ? fileBytes : 0;
    nghttp2_data_provider provider{};
    provider.source.ptr = stream;
    provider.read_callback = readBody;
    nghttp2_submit_response(session_, streamId, nv.data(), nv.size(), &provider);
}

ssize_t Http2Session::readBody(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                               nghttp2_data_source* source, void*) {
    Stream& s = *static_cast<Stream*>(source->ptr);
    size_t copied = 0;
    if (s.bodyPos < s.body.size()) {
        copied = std::min(length, s.body.size() - s.bodyPos);
        std::memcpy(buf, s.body.data() + s.bodyPos, copied);
        s.bodyPos += copied;
    }
    if (copied < length && s.fileRemaining > 0) {
        size_t want = size_t(std::min<uint64_t>(length - copied, s.fileRemaining));
        ssize_t n = ::pread(s.fileFd, buf + copied, want, s.fileOffset);
        if (n <= 0) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; // the file shrank: reset the stream
        s.fileOffset += n;
        s.fileRemaining -= uint64_t(n);
        copied += size_t(n);
    }
    if (s.bodyPos == s.body.size() && s.fileRemaining == 0) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return ssize_t(copied);
}

int Http2Session::onBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* p) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    auto stream = std::make_unique<Stream>();
    stream->id = frame->hd.stream_id;
    self(p).streams_[frame->hd.stream_id] = std::move(stream);
    return 0;
}

int Http2Session::onHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t nameLength,
                           const uint8_t* value, size_t valueLength, uint8_t, void* p) {
    Http2Session& session = self(p);
    Stream* stream = session.find(frame->hd.stream_id);
    if (!stream || stream->dispatched) return 0; // trailers are ignored
    stream->headerBytes += nameLength + valueLength + 4;
    if (stream->headerBytes > session.maxHeaderBytes_) {
        stream->errorStatus = 431;
        return 0;
    }
    std::string_view n = view(name, nameLength), v = view(value, valueLength);
    ParsedRequest& r = stream->request;
    if (n == ":method") r.method = v;
    else if (n == ":path") r.target = v;
    else if (n == ":authority") r.headers.emplace_back("host", v);
    else if (n.starts_with(':')) return 0; // :scheme
    else if (n == "cookie") { // split across fields in HTTP/2; one header for the script
        for (auto& [hn, hv] : r.headers)
            if (hn == "cookie") {
                hv.append("; ").append(v);
                return 0;
            }
        r.headers.emplace_back(n, v);
    } else if (n == "host") { // :authority wins
        for (const auto& h : r.headers)
            if (h.first == "host") return 0;
        r.headers.emplace_back(n, v);
    } else {
        r.headers.emplace_back(n, v);
    }
    return 0;
}

int Http2Session::onFrameReceived(nghttp2_session*, const nghttp2_frame* frame, void* p) {
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    if (!(frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) return 0;
    Http2Session& session = self(p);
    if (Stream* stream = session.find(frame->hd.stream_id)) session.complete(*stream);
    return 0;
}

int Http2Session::onDataChunk(nghttp2_session*, uint8_t, int32_t streamId, const uint8_t* data, size_t length,
                              void* p) {
    Http2Session& session = self(p);
    Stream* stream = session.find(streamId);
    if (!stream || stream->dispatched) return 0; // answered early (413): the rest is discarded
    if (stream->request.body.size() + length > session.maxBodyBytes_) {
        stream->errorStatus = 413;
        stream->request.body.clear();
        session.complete(*stream);
        return 0;
    }
    stream->request.body.append(reinterpret_cast<const char*>(data), length);
    return 0;
}

int Http2Session::onStreamClose(nghttp2_session*, int32_t streamId, uint32_t, void* p) {
    Http2Session& session = self(p);
    session.streams_.erase(streamId);
    session.closed_.push_back(streamId);
    return 0;
}

} // namespace langoost
