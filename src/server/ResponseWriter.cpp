#include "server/ResponseWriter.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "server/Router.h"

namespace langoost {
namespace {

// Files up to this size are read into the response; bigger ones go out
// with sendfile straight from the page cache.
constexpr uint64_t kInlineFileBytes = 256 * 1024;

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i] >= 'A' && a[i] <= 'Z' ? char(a[i] + 32) : a[i];
        if (x != b[i]) return false;
    }
    return true;
}

// Headers the server computes itself; a script's values are dropped.
bool serverManaged(std::string_view name) {
    return iequals(name, "content-length") || iequals(name, "transfer-encoding") || iequals(name, "connection") ||
           iequals(name, "date");
}

const std::string* findHeader(const ParsedRequest& request, std::string_view lowerName) {
    for (const auto& [name, value] : request.headers)
        if (name == lowerName) return &value;
    return nullptr;
}

// If-None-Match: "*" or a list of (possibly weak) entity tags.
bool etagMatches(std::string_view header, std::string_view etag) {
    while (!header.empty()) {
        size_t comma = header.find(',');
        std::string_view tag = header.substr(0, comma);
        while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
        while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
        if (tag.starts_with("W/")) tag.remove_prefix(2);
        if (tag == "*" || tag == etag) return true;
        if (comma == std::string_view::npos) break;
        header.remove_prefix(comma + 1);
    }
    return false;
}

bool parseHttpDate(const std::string& text, time_t& out) {
    struct tm tm {};
    const char* end = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end != '\0') return false;
    out = ::timegm(&tm);
    return true;
}

} // namespace

std::string httpDate(time_t when) {
    struct tm tm {};
    ::gmtime_r(&when, &tm);
    char buf[64];
    size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return std::string(buf, n);
}

const std::string& httpDateNow() {
    thread_local time_t cachedAt = 0;
    thread_local std::string cached;
    time_t now = ::time(nullptr);
    if (now != cachedAt) {
        cachedAt = now;
        cached = httpDate(now);
    }
    return cached;
}

HttpResponseData plainResponse(int status, std::string_view body) {
    HttpResponseData r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    r.body = body.empty() ? std::string(httpReason(status)) + "\n" : std::string(body);
    return r;
}

namespace {

void writeStatusAndHeaders(std::string& out, const HttpResponseData& r) {
    out += "HTTP/1.1 ";
    out += std::to_string(r.status);
    out += ' ';
    out += httpReason(r.status);
    out += "\r\nServer: langoost\r\nDate: ";
    out += httpDateNow();
    out += "\r\n";
    for (const auto& [name, value] : r.headers) {
        if (serverManaged(name)) continue;
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
}

} // namespace

void writeStreamHead(std::string& out, const HttpResponseData& r, bool http10) {
    writeStatusAndHeaders(out, r);
    out += http10 ? "Connection: close\r\n\r\n" : "Transfer-Encoding: chunked\r\n\r\n";
}

void writeResponse(std::string& out, const HttpResponseData& r, bool head, bool keepAlive, bool http10,
                   uint64_t extraBodyBytes) {
    bool bodyless = r.status == 204 || r.status == 304 || r.status < 200;
    writeStatusAndHeaders(out, r);
    if (!bodyless) {
        out += "Content-Length: ";
        out += std::to_string(r.body.size() + extraBodyBytes);
        out += "\r\n";
    }
    if (!keepAlive) out += "Connection: close\r\n";
    else if (http10) out += "Connection: keep-alive\r\n";
    out += "\r\n";
    if (!head && !bodyless) out += r.body;
}

StaticFile staticFileResponse(const std::string& path, const struct stat& info, const ParsedRequest& request,
                              bool head) {
    StaticFile file;
    HttpResponseData& r = file.response;
    char etag[64];
    std::snprintf(etag, sizeof etag, "\"%llx-%llx\"", static_cast<unsigned long long>(info.st_size),
                  static_cast<unsigned long long>(info.st_mtim.tv_sec) * 1'000'000'000ull + info.st_mtim.tv_nsec);
    r.headers.emplace_back("ETag", etag);
    r.headers.emplace_back("Last-Modified", httpDate(info.st_mtim.tv_sec));
    bool notModified = false;
    if (const std::string* inm = findHeader(request, "if-none-match")) {
        notModified = etagMatches(*inm, etag);
    } else if (const std::string* ims = findHeader(request, "if-modified-since")) {
        time_t since;
        notModified = parseHttpDate(*ims, since) && info.st_mtim.tv_sec <= since;
    }
    if (notModified) {
        r.status = 304;
        return file;
    }
    r.headers.emplace_back("Content-Type", mimeTypeFor(path));
    uint64_t size = uint64_t(info.st_size);
    if (head) {
        file.fileBytes = size;
        return file;
    }
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        file.response = plainResponse(404);
        return file;
    }
    if (size > kInlineFileBytes) {
        file.fd = fd;
        file.fileBytes = size;
        return file;
    }
    r.body.resize(size);
    size_t got = 0;
    while (got < size) {
        ssize_t n = ::read(fd, r.body.data() + got, size - got);
        if (n <= 0) break;
        got += size_t(n);
    }
    ::close(fd);
    r.body.resize(got);
    return file;
}

} // namespace langoost
