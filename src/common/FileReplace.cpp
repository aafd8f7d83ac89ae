#include "common/FileReplace.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace langoost {
namespace {

// Links followed before giving up, as the kernel's MAXSYMLINKS.
constexpr int kMaxLinks = 40;

std::string reason(int e) { return std::strerror(e); }

// `path` with every symbolic link in its last component followed, so a
// dangling link resolves to the (missing) file it names.
bool followLinks(std::string& path, std::string& error) {
    for (int hops = 0; hops <= kMaxLinks; ++hops) {
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return true;
        std::vector<char> target(size_t(st.st_size > 0 ? st.st_size : 255) + 1);
        ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
        if (n < 0 || size_t(n) >= target.size()) {
            error = "cannot read the link '" + path + "'";
            return false;
        }
        std::string next(target.data(), size_t(n));
        if (!next.starts_with('/')) {
            size_t slash = path.rfind('/');
            if (slash != std::string::npos) next = path.substr(0, slash + 1) + next;
        }
        path = std::move(next);
    }
    error = "too many levels of symbolic links";
    return false;
}

mode_t currentUmask() {
    static const mode_t mask = [] {
        mode_t m = ::umask(0);
        ::umask(m);
        return m;
    }();
    return mask;
}

// Rewrites an existing file in place (it has other hard links to keep).
bool writeInPlace(const std::string& path, std::string_view content, std::optional<mode_t> mode,
                  std::string& error) {
    int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) {
        error = "cannot write '" + path + "': " + reason(errno);
        return false;
    }
    int e = writeAll(fd, content);
    if (e == 0 && mode && ::fchmod(fd, *mode) != 0) e = errno;
    if (::close(fd) != 0 && e == 0) e = errno;
    if (e != 0) error = "cannot write '" + path + "': " + reason(e);
    return e == 0;
}

} // namespace

int writeAll(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        data.remove_prefix(size_t(n));
    }
    return 0;
}


std::optional<FileIdentity> fileIdentity(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return FileIdentity{st.st_dev, st.st_ino};
}

bool replaceFile(const std::string& requested, std::string_view content, std::optional<mode_t> mode,
                 std::string& error) {
    std::string path = requested;
    if (!followLinks(path, error)) {
        error = "cannot write '" + requested + "': " + error;
        return false;
    }
    struct stat st {};
    bool exists = ::stat(path.c_str(), &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {
        error = "refusing to replace '" + requested + "': it is not a regular file";
        return false;
    }
    if (exists && st.st_nlink > 1) return writeInPlace(path, content, mode, error);

    size_t slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    std::string tmpl = dir + "." + base + ".tmp-XXXXXX";
    std::vector<char> temp(tmpl.begin(), tmpl.end());
    temp.push_back('\0');
    int fd = ::mkostemp(temp.data(), O_CLOEXEC);
    if (fd < 0) {
        error = "cannot write '" + requested + "': " + reason(errno);
        return false;
    }
    mode_t bits = mode ? *mode : exists ? (st.st_mode & 07777) : (0666 & ~currentUmask());
    int e = writeAll(fd, content);
    if (e == 0 && ::fchmod(fd, bits) != 0) e = errno;
    if (e == 0 && ::fsync(fd) != 0) e = errno;
    if (::close(fd) != 0 && e == 0) e = errno;
    if (e == 0 && ::rename(temp.data(), path.c_str()) != 0) e = errno;
    if (e != 0) {
        ::unlink(temp.data());
        error = "cannot write '" + requested + "': " + reason(e);
    }
    return e == 0;
}

} // namespace langoost
