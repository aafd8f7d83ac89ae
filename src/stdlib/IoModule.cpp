// The `io` module (stdlib.md): files, directories, stdin, file handles
// (io.open) and the io.stdout / io.stderr writers.
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
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "common/FileReplace.h"
#include "stdlib/Stdlib.h"
#include "vm/ArrayOps.h"
#include "vm/MapOps.h"
#include "vm/ObjectMethods.h"

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

Value io_lines(VM& vm, Value, Value* a, int n) {
    std::string path = pathArg(vm, "lines", a, n, 0);
    std::string data;
    blockingIo(vm, "lines", path, [&] { return sysReadFile(path, data); });
    ArrayObject* out = vm.heap().newArray(0);
    TempRoot root(vm, Value::object(out));
    for (size_t start = 0; start < data.size();) {
        size_t nl = data.find('\n', start);
        size_t end = nl == std::string::npos ? data.size() : nl;
        size_t next = nl == std::string::npos ? data.size() : nl + 1;
        if (nl != std::string::npos && end > start && data[end - 1] == '\r') --end;
        arrayPush(vm, out, vm.stringValue(std::string_view(data).substr(start, end - start)));
        start = next;
    }
    return Value::object(out);
}

// ---- file handles: io.open(path, mode) ----

// An open file. Its mutex is taken only with the isolate lock released
// (inside blockingIo), so threads sharing a handle never block the others.
struct OpenFile {
    std::mutex mutex;
    int fd = -1;
    bool writing = false;
    std::string path;
    std::string buffer; // read ahead; the unread part starts at `pos`
    size_t pos = 0;
    bool eof = false;
    ~OpenFile() {
        if (fd >= 0) ::close(fd);
    }
    // Reads more bytes into the buffer: 0, or an errno. Sets `eof`.
    int fill() {
        if (pos > 0) {
            buffer.erase(0, pos);
            pos = 0;
        }
        char chunk[65536];
        for (;;) {
            ssize_t got = ::read(fd, chunk, sizeof chunk);
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) return errno;
            if (got == 0) eof = true;
            buffer.append(chunk, size_t(got));
            return 0;
        }
    }
};

struct FileTable : IsolateExtension {
    std::unordered_map<int64_t, std::shared_ptr<OpenFile>> files;
    int64_t nextHandle = 1;
};

const char kFileTableKey = 0;
FileTable& fileTable(VM& vm) { return vm.isolate().extension<FileTable>(&kFileTableKey); }

// The open file behind a handle's method, or an IOError when it was closed.
std::shared_ptr<OpenFile> openFile(VM& vm, Value self, const char* method) {
    FileTable& table = fileTable(vm);
    auto it = self.isInt() ? table.files.find(self.asInt()) : table.files.end();
    if (it == table.files.end()) vm.raise("IOError", std::string("file.") + method + ": the file is closed");
    return it->second;
}

Value file_readLine(VM& vm, Value self, Value*, int) {
    auto file = openFile(vm, self, "readLine");
    if (file->writing) vm.raise("IOError", "file.readLine: " + file->path + " was opened for writing");
    std::string line;
    bool got = false, tooLong = false;
    blockingIo(vm, "readLine", file->path, [&] {
        std::lock_guard lock(file->mutex);
        size_t scanned = file->pos;
        for (;;) {
            size_t nl = file->buffer.find('\n', scanned);
            if (nl != std::string::npos) {
                size_t end = nl > file->pos && file->buffer[nl - 1] == '\r' ? nl - 1 : nl;
                line.assign(file->buffer, file->pos, end - file->pos);
                file->pos = nl + 1;
                got = true;
                return 0;
            }
            if (file->buffer.size() - file->pos > kMaxStringLength) {
                tooLong = true;
                return 0;
            }
            if (file->eof) break;
            size_t unread = file->buffer.size() - file->pos; // fill() moves it to the front
            if (int e = file->fill()) return e;
            scanned = file->pos + unread;
        }
        got = file->pos < file->buffer.size(); // a last line without a line break
        if (got) line.assign(file->buffer, file->pos);
        file->pos = file->buffer.size();
        return 0;
    });
    if (tooLong) vm.raise("IOError", "file.readLine: " + file->path + ": line too long");
    return got ? vm.stringValue(line) : Value();
}

Value file_read(VM& vm, Value self, Value* a, int n) {
    auto file = openFile(vm, self, "read");
    if (file->writing) vm.raise("IOError", "file.read: " + file->path + " was opened for writing");
    int64_t want = int64_t(kMaxStringLength);
    if (n > 0) {
        vm.checkArgs("read", a, n, 0, ValueType::Int);
        want = a[0].asInt();
        if (want <= 0) vm.raise("ValueError", "file.read: the byte count must be positive, got " + std::to_string(want));
        want = std::min<int64_t>(want, int64_t(kMaxStringLength));
    }
    std::string data;
    bool tooLong = false;
    blockingIo(vm, "read", file->path, [&] {
        std::lock_guard lock(file->mutex);
        // With a count: what is buffered, or one read when nothing is; without: everything left.
        while (!file->eof && (file->pos == file->buffer.size() || n == 0)) {
            if (file->buffer.size() - file->pos > kMaxStringLength) {
                tooLong = true;
                return 0;
            }
            if (int e = file->fill()) return e;
        }
        size_t take = std::min(size_t(want), file->buffer.size() - file->pos);
        data.assign(file->buffer, file->pos, take);
        file->pos += take;
        return 0;
    });
    if (tooLong) vm.raise("IOError", "file.read: " + file->path + ": too long for a string");
    if (data.empty() && n > 0) return Value(); // end of file
    return vm.stringValue(data);
}

Value file_write(VM& vm, Value self, Value* a, int n) {
    auto file = openFile(vm, self, "write");
    if (!file->writing) vm.raise("IOError", "file.write: " + file->path + " was opened for reading");
    if (!a[0].isString())
        vm.raise("TypeError", std::string("file.write: argument 1 must be a string, got ") + vm.typeName(a[0]));
    (void)n;
    std::string_view data = a[0].as<StringObject>()->view();
    blockingIo(vm, "write", file->path, [&] {
        std::lock_guard lock(file->mutex);
        return writeAll(file->fd, data);
    });
    return Value();
}

Value file_close(VM& vm, Value self, Value*, int) {
    FileTable& table = fileTable(vm);
    auto it = self.isInt() ? table.files.find(self.asInt()) : table.files.end();
    if (it == table.files.end()) return Value(); // closing twice is harmless
    std::shared_ptr<OpenFile> file = std::move(it->second);
    table.files.erase(it);
    blockingIo(vm, "close", file->path, [&] {
        std::lock_guard lock(file->mutex);
        int e = ::close(file->fd) == 0 || errno == EINTR ? 0 : errno;
        file->fd = -1;
        return e;
    });
    return Value();
}

Value io_open(VM& vm, Value, Value* a, int n) {
    std::string path = pathArg(vm, "open", a, n, 0);
    std::string_view mode = n > 1 ? strArg(vm, "open", a, n, 1) : "r";
    int flags = mode == "r"   ? O_RDONLY
                : mode == "w" ? O_WRONLY | O_CREAT | O_TRUNC
                : mode == "a" ? O_WRONLY | O_CREAT | O_APPEND
                              : -1;
    if (flags < 0) vm.raise("ValueError", "io.open: mode must be \"r\", \"w\" or \"a\", got \"" + std::string(mode) + "\"");
    auto file = std::make_shared<OpenFile>();
    file->path = path;
    file->writing = mode != "r";
    blockingIo(vm, "open", path, [&] {
        int fd;
        do fd = ::open(path.c_str(), flags | O_CLOEXEC, 0666);
        while (fd < 0 && errno == EINTR);
        if (fd < 0) return errno;
        file->fd = fd;
        struct stat st;
        if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) return EISDIR; // the destructor closes it
        return 0;
    });
    static const NativeDef methods[] = {
        {"readLine", file_readLine, 0, 0},
        {"read", file_read, 0, 1},
        {"write", file_write, 1, 1},
        {"close", file_close, 0, 0},
    };
    FileTable& table = fileTable(vm);
    int64_t handle = table.nextHandle++;
    table.files.emplace(handle, std::move(file));
    MapObject* object = vm.heap().newMap();
    TempRoot root(vm, Value::object(object));
    for (const NativeDef& method : methods) {
        Value bound = Value::object(vm.heap().newBoundMethod(Value::integer(handle), Value::object(permanentNative(method))));
        mapSet(vm.heap(), object, internConstant(method.name), bound);
    }
    mapSet(vm.heap(), object, internConstant("path"), vm.stringValue(path));
    return Value::object(object);
}

// io.stdout.write / io.stderr.write: print's buffered stdout; stderr after
// flushing it, like eprint.
Value stdout_write(VM& vm, Value, Value* a, int) {
    if (!a[0].isString())
        vm.raise("TypeError", std::string("io.stdout.write: argument 1 must be a string, got ") + vm.typeName(a[0]));
    vm.write(a[0].as<StringObject>()->view());
    return Value();
}

Value stderr_write(VM& vm, Value, Value* a, int) {
    if (!a[0].isString())
        vm.raise("TypeError", std::string("io.stderr.write: argument 1 must be a string, got ") + vm.typeName(a[0]));
    vm.flush();
    std::string_view data = a[0].as<StringObject>()->view();
    std::fwrite(data.data(), 1, data.size(), stderr);
    std::fflush(stderr);
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
            {"lines", io_lines, 1, 1},
            {"open", io_open, 1, 2},
        },
        {
            {"stdout", {{"write", stdout_write, 1, 1}}, {}, {}, nullptr},
            {"stderr", {{"write", stderr_write, 1, 1}}, {}, {}, nullptr},
        },
    };
    return def;
}

} // namespace langoost
