#include "server/ResponseStream.h"

#include <poll.h>

#include "common/Parking.h"
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>

#include "server/ResponseWriter.h"

namespace langoost {

ResponseStream::ResponseStream(int fd, bool http10, bool head, bool upgradable, uint64_t idleTimeoutMs,
                               std::function<std::string()> takePending, std::string leftover)
    : fd_(fd), http10_(http10), head_(head), upgradable_(upgradable), idleTimeoutMs_(idleTimeoutMs),
      takePending_(std::move(takePending)), leftover_(std::move(leftover)) {}

bool ResponseStream::send(std::string_view bytes) {
    if (failed_) return false;
    if (takePending_) {
        std::string queued = takePending_();
        takePending_ = nullptr;
        if (!queued.empty() && !send(queued)) return false;
    }
    size_t sent = 0;
    while (sent < bytes.size()) {
        ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += size_t(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
            waitForFd(fd_, POLLOUT, int64_t(idleTimeoutMs_)) == WaitEnd::Ready)
            continue;
        failed_ = true;
        return false;
    }
    return true;
}

bool ResponseStream::flush(const HttpResponseData& response, std::string_view body) {
    std::string out;
    if (!headersSent_) {
        headersSent_ = true;
        writeStreamHead(out, response, http10_);
    }
    if (!head_ && !body.empty()) {
        if (http10_) {
            out += body;
        } else {
            char size[32];
            std::snprintf(size, sizeof size, "%zx\r\n", body.size());
            out += size;
            out += body;
            out += "\r\n";
        }
    }
    return out.empty() || send(out);
}

bool ResponseStream::finish(std::string_view body) {
    HttpResponseData unused;
    if (!flush(unused, body)) return false;
    return head_ || http10_ || send("0\r\n\r\n");
}

std::string ResponseStream::takeForUpgrade() {
    upgraded_ = true;
    return std::move(leftover_);
}

} // namespace langoost
