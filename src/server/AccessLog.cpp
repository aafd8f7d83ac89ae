// The server's logs: access lines in the common log format with the
// request's duration (buffered per worker, written once per loop turn) and
// error lines for failed scripts, both behind one process-wide mutex.
#include <cstdio>
#include <ctime>

#include "server/HttpConnection.h"

namespace langoost {
using namespace worker_detail;

std::string accessLine(const std::string& remoteAddr, const std::string& method, const std::string& target,
                       unsigned versionMajor, unsigned versionMinor, int status, uint64_t bytes, uint64_t startUs) {
    char when[64];
    time_t now = ::time(nullptr);
    struct tm tm {};
    ::gmtime_r(&now, &tm);
    std::strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
    char tail[96];
    std::snprintf(tail, sizeof tail, "\" %d %llu %.3fms\n", status, static_cast<unsigned long long>(bytes),
                  double(nowUs() - startUs) / 1000.0);
    return remoteAddr + " - - [" + when + "] \"" + method + " " + target + " HTTP/" + std::to_string(versionMajor) + "." +
           std::to_string(versionMinor) + tail;
}

void ServerShared::logScriptFailure(const std::string& method, const std::string& target, int status,
                                    const std::string& failure) {
    if (!failure.empty())
        logError("langoost serve: " + method + " " + target + " failed (" + std::to_string(status) + "): " + failure);
}

void ServerShared::logError(const std::string& text) {
    std::lock_guard lock(logMutex);
    std::fputs(text.c_str(), stderr);
    if (text.empty() || text.back() != '\n') std::fputc('\n', stderr);
}

void ServerShared::logAccess(const std::string& lines) {
    std::lock_guard lock(logMutex);
    std::fputs(lines.c_str(), accessLog);
    std::fflush(accessLog);
}

void HttpWorker::logAccess(const Connection& c, const ParsedRequest& request, int status, uint64_t bytes, uint64_t startUs) {
    logBuffer_ += accessLine(c.remoteAddr, request.method, request.target, request.versionMajor, request.versionMinor,
                             status, bytes, startUs);
}

void HttpWorker::flushLog() {
    if (logBuffer_.empty()) return;
    std::lock_guard lock(shared_.logMutex);
    std::fwrite(logBuffer_.data(), 1, logBuffer_.size(), shared_.accessLog);
    std::fflush(shared_.accessLog);
    logBuffer_.clear();
}

} // namespace langoost
