#include "tools/debug/ProgramOutput.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace langoost::debug {

bool ProgramOutput::start(Sink sink) {
    sink_ = std::move(sink);
    std::fflush(stdout);
    std::fflush(stderr);
    int protocolIn = dup(0), protocolOut = dup(1);
    int outPipe[2], errPipe[2];
    int devNull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (protocolIn < 0 || protocolOut < 0 || devNull < 0 || pipe2(outPipe, O_CLOEXEC) != 0 ||
        pipe2(errPipe, O_CLOEXEC) != 0)
        return false;
    fcntl(protocolIn, F_SETFD, FD_CLOEXEC);
    fcntl(protocolOut, F_SETFD, FD_CLOEXEC);
    in_ = fdopen(protocolIn, "rb");
    out_ = fdopen(protocolOut, "wb");
    if (!in_ || !out_) return false;
    dup2(devNull, 0);
    dup2(outPipe[1], 1);
    dup2(errPipe[1], 2);
    close(devNull);
    close(outPipe[1]);
    close(errPipe[1]);
    running_ = 2;
    readFds_[0] = outPipe[0];
    readFds_[1] = errPipe[0];
    readers_[0] = std::thread([this, fd = outPipe[0]] { read(fd, "stdout"); });
    readers_[1] = std::thread([this, fd = errPipe[0]] { read(fd, "stderr"); });
    started_ = true;
    return true;
}

void ProgramOutput::read(int fd, const char* category) {
    char buffer[8192];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        std::lock_guard handing(handing_);
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        sink_(category, std::string(buffer, size_t(n)));
    }
    std::lock_guard lock(mutex_);
    --running_;
    done_.notify_all();
}

void ProgramOutput::sync() {
    if (!started_) return;
    std::fflush(stdout);
    std::fflush(stderr);
    for (int waits = 0; waits < 500; ++waits) {
        {
            std::lock_guard handing(handing_);
            int pending = 0, n = 0;
            for (int fd : readFds_)
                if (ioctl(fd, FIONREAD, &n) == 0) pending += n;
            if (pending == 0) return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

void ProgramOutput::finish() {
    if (!started_) return;
    started_ = false;
    std::fflush(stdout);
    std::fflush(stderr);
    // The pipes end when no descriptor of their write ends is left: ours
    // become /dev/null. A child process that inherited them keeps them
    // open, so the wait is short; its later output is then dropped.
    int devNull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    dup2(devNull, 1);
    dup2(devNull, 2);
    close(devNull);
    std::unique_lock lock(mutex_);
    done_.wait_for(lock, std::chrono::seconds(2), [&] { return running_ == 0; });
    for (auto& reader : readers_) reader.detach();
}

} // namespace langoost::debug
