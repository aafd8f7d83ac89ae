// The `io` module (stdlib.md): files, directories and stdin.
// Failures raise IOError with the path and the OS reason (strerror).
// Writes are atomic where the OS allows: the data goes to a temporary file
// in the target's directory, which is then renamed over the target.
// Blocking system calls live in the small `sys*` helpers below, so the
// isolate lock can later be released around them in one place.
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <mutex>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "common/FileReplace.h"
#include "stdlib/Stdlib.h"
#include "vm/ArrayOps.h"
#include "vm/MapOps.h"

namespace langoost {
namespace {

std::string_view strArg(VM& vm, const char* fn, Value* args, int argc, int i) {
    if (i >= argc || !args[i].isString())
        vm.raise("TypeError", std::string("io.") + fn + ": argument " + std::to_string(i + 1) + " must be a string, got " +
                                  (i < argc ? vm.typeName(args[i]) : "nothing"));
    return args[i].as<StringObject>()->view();
}

// A path as a C string; NUL bytes cannot name a file.
std::string pathArg(VM& vm, const char* fn, Value* args, int argc, int i) {
    std::string_view p = strArg(vm, fn, args, argc, i);
    if (p.find('\0') != std::string_view::npos)
        vm.raise("ValueError", std::string("io.") + fn + ": path contains a NUL byte");
    if (p.empty()) vm.raise("IOError", std::string("io.") + fn + ": empty path");
    return std::string(p);
}

[[noreturn]] void ioFail(VM& vm, const char* fn, const std::string& path, int err) {
    vm.raise("IOError", std::string("io.") + fn + ": " + path + ": " + std::strerror(err));
}

// Runs a blocking file-system call with the isolate lock released; a
// non-zero errno result becomes an IOError naming the function and path.
// A time limit or a cancelled request cuts the wait short: regular files
// always complete, and a FIFO whose other end never comes is released by
// opening and closing that end ourselves (the call then sees EOF or EPIPE).
template <typename Call> void blockingIo(VM& vm, const char* fn, const std::string& path, Call call) {
    int e;
    vm.blocking([&] { e = call(); }, // a helper thread does it while a request is parked
                [&path] {
                    struct stat st;
                    if (::stat(path.c_str(), &st) != 0 || !S_ISFIFO(st.st_mode)) return;
                    for (int mode : {O_WRONLY, O_RDONLY}) {
                        int fd = ::open(path.c_str(), mode | O_NONBLOCK | O_CLOEXEC);
                        if (fd >= 0) ::close(fd);
                    }
                });
    if (e) ioFail(vm, fn, path, e);
}

// ---- blocking helpers (each returns 0 or an errno) ----

int sysReadFile(const std::string& path, std::string& out) {
    int fd;
    do fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) return errno;
    struct stat st;
    if (::fstat(fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            ::close(fd);
            return EISDIR;
        }
        if (S_ISREG(st.st_mode) && st.st_size > 0) out.reserve(size_t(st.st_size));
    }
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            ::close(fd);
            return e;
        }
        if (n == 0) break;
        if (out.size() + size_t(n) > kMaxStringLength) {
            ::close(fd);
            return EFBIG;
        }
        out.append(buf, size_t(n));
    }
    ::close(fd);
    return 0;
}

int sysWriteDirect(const std::string& path, std::string_view data, int flags) {
    int fd;
    do fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0666);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) return errno;
    int e = writeAll(fd, data);
    if (::close(fd) != 0 && e == 0 && errno != EINTR) e = errno;
    return e;
}

// The process umask, read once before main() runs: reading it means setting
// it, which must not race with other threads creating files.
const mode_t kUmask = [] {
    mode_t mask = ::umask(0);
    ::umask(mask);
    return mask;
}();

// Writes through a temporary file in the same directory, then renames it
// over `path`. Targets that are not regular files (devices, FIFOs), files
// with several hard links, and directories where no temporary file can be
// created, are written in place.
int sysWriteAtomic(const std::string& requested, std::string_view data) {
    std::string path = requested;
    struct stat st;
    bool exists = ::stat(path.c_str(), &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) return EISDIR;
    if (exists && !S_ISREG(st.st_mode)) return sysWriteDirect(path, data, O_TRUNC);
    // A file with other hard links is rewritten in place: a rename would
    // split it from them.
    if (exists && st.st_nlink > 1) return sysWriteDirect(path, data, O_TRUNC);
    struct stat lst;
    if (exists && ::lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
        // Replace the file the link points at, not the link itself.
        char resolved[PATH_MAX];
        if (::realpath(path.c_str(), resolved)) path = resolved;
    }
    size_t slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    std::string tmpl = dir + "." + base + ".tmp-XXXXXX";
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    int fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        // No temporary file possible (read-only directory, name too long…):
        // an existing writable file can still be rewritten in place.
        if (exists && (e == EACCES || e == EPERM || e == EROFS || e == ENAMETOOLONG))
            return sysWriteDirect(path, data, O_TRUNC);
        return e;
    }
    // Keep the mode of the file being replaced; new files get 0666 & ~umask.
    mode_t mode;
    if (exists) {
        mode = st.st_mode & 07777;
    } else {
        mode = 0666 & ~kUmask;
    }
    ::fchmod(fd, mode);
    int e = writeAll(fd, data);
    if (::close(fd) != 0 && e == 0 && errno != EINTR) e = errno;
    if (e == 0 && ::rename(name.data(), path.c_str()) != 0) e = errno;
    if (e != 0) ::unlink(name.data());
    return e;
}

int sysMkdirAll(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) return S_ISDIR(st.st_mode) ? 0 : EEXIST;
    // Create each missing ancestor in turn.
    for (size_t i = 1; i <= path.size(); ++i) {
        if (i < path.size() && path[i] != '/') continue;
        std::string prefix = path.substr(0, i);
        if (prefix.empty() || prefix.back() == '/') continue;
        if (::mkdir(prefix.c_str(), 0777) != 0 && errno != EEXIST) return errno;
    }
    if (::stat(path.c_str(), &st) != 0) return errno;
    return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

int sysList(const std::string& path, std::vector<std::string>& names) {
    DIR* d = ::opendir(path.c_str());
    if (!d) return errno;
    errno = 0;
    while (dirent* ent = ::readdir(d)) {
        std::string_view n = ent->d_name;
        if (n != "." && n != "..") names.emplace_back(n);
        errno = 0;
    }
    int e = errno;
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return e;
}

int sysRemove(const std::string& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return errno;
    int rc = S_ISDIR(st.st_mode) ? ::rmdir(path.c_str()) : ::unlink(path.c_str());
    return rc == 0 ? 0 : errno;
}

// Buffered stdin shared by readLine() and stdin() of every thread. Its
// mutex is only ever taken with the isolate lock released (inside a
// BlockingSection), so a thread waiting for input never blocks the others.
struct StdinReader {
    std::mutex mutex;
    std::string buffer;
    bool eof = false;
    // Reads more bytes; false at EOF or on error.
    bool fill() {
        if (eof) return false;
        char buf[65536];
        for (;;) {
            ssize_t n = ::read(0, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                eof = true;
                return false;
            }
            buffer.append(buf, size_t(n));
            return true;
        }
    }
    // One line without its "\n" / "\r\n"; false at EOF, or when the line is too long (tooLong).
    bool readLine(std::string& line, bool& tooLong) {
        std::lock_guard lock(mutex);
        size_t scanned = 0;
        for (;;) {
            size_t nl = buffer.find('\n', scanned);
            if (nl != std::string::npos) {
                size_t end = nl > 0 && buffer[nl - 1] == '\r' ? nl - 1 : nl;
                line.assign(buffer, 0, end);
                buffer.erase(0, nl + 1);
                return true;
            }
            scanned = buffer.size();
            if (scanned > kMaxStringLength) {
                tooLong = true;
                return false;
            }
            if (!fill()) break;
        }
        if (buffer.empty()) return false; // EOF
        line.swap(buffer);
        buffer.clear();
        return true;
    }
    // Everything left; false when it is too long for a string.
    bool readAll(std::string& out) {
        std::lock_guard lock(mutex);
        while (fill())
            if (buffer.size() > kMaxStringLength) return false;
        out.swap(buffer);
        buffer.clear();
        return true;
    }
};

StdinReader& stdinReader() {
    static StdinReader reader;
    return reader;
}

// ---- natives ----

Value io_exists(VM& vm, Value, Value* a, int n) {
    std::string_view p = strArg(vm, "exists", a, n, 0);
    if (p.empty() || p.find('\0') != std::string_view::npos) return Value::boolean(false);
    struct stat st;
    return Value::boolean(::stat(std::string(p).c_str(), &st) == 0);
}

Value io_isDir(VM& vm, Value, Value* a, int n) {
    std::string_view p = strArg(vm, "isDir", a, n, 0);
    if (p.empty() || p.find('\0') != std::string_view::npos) return Value::boolean(false);
    struct stat st;
    return Value::boolean(::stat(std::string(p).c_str(), &st) == 0 && S_ISDIR(st.st_mode));
}

Value io_read(VM& vm, Value, Value* a, int n) {
    std::string path = pathArg(vm, "read", a, n, 0);
    std::string data;
    blockingIo(vm, "read", path, [&] { return sysReadFile(path, data); });
    return vm.stringValue(data);
}

Value io_write(VM& vm, Value, Value* a, int n) {
    std::string path = pathArg(vm, "write", a, n, 0);
    std::string_view data = strArg(vm, "write", a, n, 1);
    blockingIo(vm, "write", path, [&] { return sysWriteAtomic(path, data); });
    return Value();
}

Value io_append(VM& vm, Value, Value* a, int n) {
    std::string path = pathArg(vm, "append", a, n, 0);
    std::string_view data = strArg(vm, "append", a, n, 1);
    blockingIo(vm, "append", path, [&] { return sysWriteDirect(path, data, O_APPEND); });
    return Value();
}

Value io_remove(VM& vm, Value, Value* a, int n) {
    std::string path = pathArg(vm, "remove", a, n, 0);
    blockingIo(vm, "remove", path, [&] { return sysRemove(path); });
    return Value();
}

Value io_mkdir(VM& vm, Value, Value* a, int n) {
    std::string path = pathArg(vm, "mkdir", a, n, 0);
    blockingIo(vm, "mkdir", path, [&] { return sysMkdirAll(path); });
    return Value();
}

Value io_list(VM& vm, Value, Value* a, int n) {
    std::string path = pathArg(vm, "list", a, n, 0);
    std::vector<std::string> names;
    blockingIo(vm, "list", path, [&] { return sysList(path, names); });
    ArrayObject* out = vm.heap().newArray(0, uint32_t(std::min<size_t>(names.size(), kMaxArrayLength)));
    for (const std::string& name : names) arrayPush(vm, out, vm.stringValue(name));
    return Value::object(out);
}

Value io_stat(VM& vm, Value, Value* a, int n) {
    std::string path = pathArg(vm, "stat", a, n, 0);
    struct stat st;
    blockingIo(vm, "stat", path, [&] { return ::stat(path.c_str(), &st) == 0 ? 0 : errno; });
    MapObject* m = vm.heap().newMap();
    int64_t mtimeMs = int64_t(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
    mapSet(vm.heap(), m, internConstant("size"), Value::integer(int64_t(st.st_size)));
    mapSet(vm.heap(), m, internConstant("mtimeMs"), Value::integer(mtimeMs));
    mapSet(vm.heap(), m, internConstant("isDir"), Value::boolean(S_ISDIR(st.st_mode)));
    return Value::object(m);
}

Value io_readLine(VM& vm, Value, Value*, int) {
    vm.flush(); // a prompt printed just before must be visible
    std::string line;
    bool tooLong = false, got;
    {
        BlockingSection wait(vm); // other threads run while we wait for input
        got = stdinReader().readLine(line, tooLong);
    }
    if (tooLong) vm.raise("IOError", "io.readLine: line too long");
    return got ? vm.stringValue(line) : Value();
}

Value io_stdin(VM& vm, Value, Value*, int) {
    vm.flush();
    std::string all;
    bool ok;
    {
        BlockingSection wait(vm);
        ok = stdinReader().readAll(all);
    }
    if (!ok) vm.raise("IOError", "io.stdin: input too long");
    return vm.stringValue(all);
}

Value io_flush(VM& vm, Value, Value*, int) {
    vm.flush();
    return Value();
}

} // namespace

const NativeModuleDef& ioModule() {
    static const NativeModuleDef def = {
        "io",
        {
            {"exists", io_exists, 1, 1},
            {"isDir", io_isDir, 1, 1},
            {"read", io_read, 1, 1},
            {"write", io_write, 2, 2},
            {"append", io_append, 2, 2},
            {"remove", io_remove, 1, 1},
            {"mkdir", io_mkdir, 1, 1},
            {"list", io_list, 1, 1},
            {"stat", io_stat, 1, 1},
            {"readLine", io_readLine, 0, 0},
            {"stdin", io_stdin, 0, 0},
            {"flush", io_flush, 0, 0},
        },
        {},
    };
    return def;
}

} // namespace langoost
