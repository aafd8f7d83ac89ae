// HttpWorker's output side: queued response bytes and static-file bodies
// (sendfile, or read and encrypted a chunk at a time under TLS), the
// switch between reading and writing, and what happens after the last byte
// of an answer that closes its connection (lingering).
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "common/OpenSsl.h"
#include "server/HttpConnection.h"

namespace langoost {
using namespace worker_detail;

bool HttpWorker::flush(Connection& c) {
    if (c.tls ? !sendSecure(c) : !sendPlain(c)) return false;
    if (c.fileFd >= 0) {
        ::close(c.fileFd);
        c.fileFd = -1;
    }
    if (c.closeAfterWrite) {
        if (c.peerClosed || stopping_) {
            closeConnection(c);
        } else {
            ::shutdown(c.fd, SHUT_WR);
            c.lingering = true;
            c.lingerUntilMs = nowMs() + kLingerMs;
            setWriting(c, false);
        }
        return false;
    }
    setWriting(c, false);
    if (stopping_ && c.idle()) {
        closeConnection(c);
        return false;
    }
    return true;
}

// Sends the queued bytes, then the file. True when everything went out.
bool HttpWorker::sendPlain(Connection& c) {
    while (c.outPos < c.out.size()) {
        ssize_t n = ::send(c.fd, c.out.data() + c.outPos, c.out.size() - c.outPos, MSG_NOSIGNAL);
        if (n > 0) {
            c.outPos += size_t(n);
            c.lastActivityMs = nowMs();
            continue;
        }
        if (retryAfterShortSend(c, n)) continue;
        return false;
    }
    c.out.clear();
    c.outPos = 0;
    while (c.fileRemaining > 0) {
        ssize_t n = ::sendfile(c.fd, c.fileFd, &c.fileOffset, std::min<uint64_t>(c.fileRemaining, 1 << 20));
        if (n > 0) {
            c.fileRemaining -= uint64_t(n);
            c.lastActivityMs = nowMs();
            continue;
        }
        if (retryAfterShortSend(c, n)) continue;
        return false; // a shrunk file or a gone peer: the length cannot be honoured
    }
    return true;
}

bool HttpWorker::retryAfterShortSend(Connection& c, ssize_t n) {
    if (n < 0 && errno == EINTR) return true;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) setWriting(c, true);
    else closeConnection(c);
    return false;
}

void HttpWorker::setWriting(Connection& c, bool writing) {
    if (c.writing == writing) return;
    c.writing = writing;
    epoll_event ev{};
    ev.events = writing ? EPOLLOUT : EPOLLIN;
    ev.data.fd = c.fd;
    ::epoll_ctl(epollFd_, EPOLL_CTL_MOD, c.fd, &ev);
}

// Encrypts the queued response bytes (and file chunks, a little at a time)
// and sends the ciphertext. True when everything went out.
bool HttpWorker::sendSecure(Connection& c) {
    TlsChannel& tls = *c.tls;
    for (;;) {
        if (c.outPos < c.out.size() && tls.handshakeDone()) {
            if (!tls.encrypt(std::string_view(c.out).substr(c.outPos))) {
                closeConnection(c);
                return false;
            }
            c.out.clear();
            c.outPos = 0;
        }
        while (c.fileRemaining > 0 && tls.unsent() < kReadChunk) {
            ssize_t n = ::pread(c.fileFd, readBuffer_.get(), std::min<uint64_t>(c.fileRemaining, kReadChunk), c.fileOffset);
            if (n <= 0 || !tls.encrypt(std::string_view(readBuffer_.get(), size_t(n)))) {
                closeConnection(c); // the file shrank: the length can no longer be honoured
                return false;
            }
            c.fileOffset += n;
            c.fileRemaining -= uint64_t(n);
        }
        if (!tls.unsent()) return c.outPos == c.out.size();
        ssize_t n = ::send(c.fd, tls.out.data() + tls.sent, tls.unsent(), MSG_NOSIGNAL);
        if (n > 0) {
            tls.sent += size_t(n);
            c.lastActivityMs = nowMs();
            continue;
        }
        if (retryAfterShortSend(c, n)) continue;
        return false;
    }
}

} // namespace langoost
