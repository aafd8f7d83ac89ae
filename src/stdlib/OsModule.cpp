// The `os` module (stdlib.md): environment, process identity, exit,
// running programs without a shell (os.exec) and the signal poll API
// (os.signal.notify / os.signal.trap).
#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "stdlib/Stdlib.h"
#include "vm/ArrayOps.h"
#include "vm/MapOps.h"

extern char** environ;

namespace langoost {
namespace {

std::string_view strArg(VM& vm, const char* fn, Value* args, int argc, int i) {
    if (i >= argc || !args[i].isString())
        vm.raise("TypeError", std::string("os.") + fn + ": argument " + std::to_string(i + 1) + " must be a string, got " +
                                  (i < argc ? vm.typeName(args[i]) : "nothing"));
    return args[i].as<StringObject>()->view();
}

std::string cString(VM& vm, const char* fn, std::string_view s) {
    if (s.find('\0') != std::string_view::npos)
        vm.raise("ValueError", std::string("os.") + fn + ": string contains a NUL byte");
    return std::string(s);
}

Value os_getenv(VM& vm, Value, Value* a, int n) {
    std::string name = cString(vm, "getenv", strArg(vm, "getenv", a, n, 0));
    const char* v = std::getenv(name.c_str());
    return v ? vm.stringValue(v) : Value();
}

Value os_setenv(VM& vm, Value, Value* a, int n) {
    std::string name = cString(vm, "setenv", strArg(vm, "setenv", a, n, 0));
    if (name.empty() || name.find('=') != std::string::npos)
        vm.raise("ValueError", "os.setenv: invalid variable name \"" + name + "\"");
    if (a[1].isNil()) {
        ::unsetenv(name.c_str());
        return Value();
    }
    std::string value = cString(vm, "setenv", a[1].isString() ? a[1].as<StringObject>()->view() : vm.toString(a[1]));
    if (::setenv(name.c_str(), value.c_str(), 1) != 0)
        vm.raise("IOError", std::string("os.setenv: ") + std::strerror(errno));
    return Value();
}

Value os_args(VM& vm, Value, Value*, int) {
    const auto& args = vm.config().scriptArgs;
    ArrayObject* out = vm.heap().newArray(0, uint32_t(args.size()));
    for (const std::string& s : args) arrayPush(vm, out, vm.stringValue(s));
    return Value::object(out);
}

Value os_exit(VM& vm, Value, Value* a, int n) {
    int64_t code = 0;
    if (n > 0) {
        vm.checkArgs("os.exit", a, n, 0, ValueType::Int);
        code = a[0].asInt();
    }
    vm.flush();
    throw ExitRequest{int(code & 0xff)};
}

Value os_pid(VM&, Value, Value*, int) { return Value::integer(int64_t(::getpid())); }

Value os_cwd(VM& vm, Value, Value*, int) {
    std::vector<char> buf(PATH_MAX);
    while (!::getcwd(buf.data(), buf.size())) {
        if (errno != ERANGE || buf.size() > (1u << 20)) vm.raise("IOError", std::string("os.cwd: ") + std::strerror(errno));
        buf.resize(buf.size() * 2);
    }
    return vm.stringValue(buf.data());
}

Value os_hostname(VM& vm, Value, Value*, int) {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0)
        vm.raise("IOError", std::string("os.hostname: ") + std::strerror(errno));
    return vm.stringValue(buf);
}

// ---- exec ----

struct ExecResult {
    int status = 0;
    std::string out, err;
    int spawnError = 0; // errno when the program could not be started
};

// What a child needs, copied while the isolate lock is held: os.setenv may
// change the environment from another thread once the lock is released.
struct ExecPlan {
    std::string program; // resolved path of argv[0]
    int resolveError = 0;
    std::vector<std::string> argv, env;
};

// argv[0] searched in PATH like execvp: a name with '/' is used as is;
// ENOENT when nothing matches, EACCES when only non-executable files do.
void resolveProgram(ExecPlan& plan) {
    const std::string& cmd = plan.argv[0];
    if (cmd.find('/') != std::string::npos) {
        plan.program = cmd;
        return;
    }
    const char* envPath = std::getenv("PATH");
    std::string_view path = envPath ? envPath : "/usr/local/bin:/usr/bin:/bin";
    plan.resolveError = ENOENT;
    for (size_t start = 0; start <= path.size();) {
        size_t colon = path.find(':', start);
        if (colon == std::string_view::npos) colon = path.size();
        std::string dir(path.substr(start, colon - start));
        start = colon + 1;
        std::string candidate = (dir.empty() ? "." : dir) + "/" + cmd;
        struct stat st;
        if (::stat(candidate.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) continue;
        if (::access(candidate.c_str(), X_OK) != 0) {
            plan.resolveError = EACCES;
            continue;
        }
        plan.program = candidate;
        plan.resolveError = 0;
        return;
    }
}

// Runs the planned program with stdin from /dev/null, collecting its stdout
// and stderr. Blocks until the child exits; touches no shared state.
ExecResult sysExec(const ExecPlan& plan, std::atomic<pid_t>& child) {
    const std::vector<std::string>& argv = plan.argv;
    ExecResult r;
    int outPipe[2], errPipe[2];
    if (::pipe2(outPipe, O_CLOEXEC) != 0) {
        r.spawnError = errno;
        return r;
    }
    if (::pipe2(errPipe, O_CLOEXEC) != 0) {
        r.spawnError = errno;
        ::close(outPipe[0]);
        ::close(outPipe[1]);
        return r;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // The child starts with default dispositions for the signals the
    // runtime may catch or ignore, and with nothing blocked.
    sigset_t defaults, empty;
    sigemptyset(&defaults);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT}) sigaddset(&defaults, s);
    sigemptyset(&empty);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &empty);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    std::vector<char*> cargv;
    for (const std::string& s : argv) cargv.push_back(const_cast<char*>(s.c_str()));
    cargv.push_back(nullptr);
    pid_t pid;
    std::vector<char*> cenv;
    for (const std::string& e : plan.env) cenv.push_back(const_cast<char*>(e.c_str()));
    cenv.push_back(nullptr);
    int rc = ::posix_spawn(&pid, plan.program.c_str(), &actions, &attr, cargv.data(), cenv.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(outPipe[1]);
    ::close(errPipe[1]);
    if (rc != 0) {
        r.spawnError = rc;
        ::close(outPipe[0]);
        ::close(errPipe[0]);
        return r;
    }
    child.store(pid);

    pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&r.out, &r.err};
    int open = 2;
    char buf[65536];
    while (open > 0) {
        int ready = ::poll(fds, 2, -1);
        if (ready < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n > 0 && sinks[i]->size() + size_t(n) <= kMaxStringLength) {
                sinks[i]->append(buf, size_t(n));
                continue;
            }
            if (n > 0) continue; // over the string limit: drain and drop
            ::close(fds[i].fd);
            fds[i].fd = -1;
            --open;
        }
    }
    for (pollfd& p : fds)
        if (p.fd >= 0) ::close(p.fd);
    int status = 0;
    // Reaped below: a late cancel must not signal a recycled pid. (A child
    // that closed its output but keeps running is waited for.)
    child.store(0);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) r.status = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) r.status = 128 + WTERMSIG(status);
    return r;
}

Value os_exec(VM& vm, Value, Value* a, int n) {
    ExecPlan plan;
    std::vector<std::string>& argv = plan.argv;
    argv.push_back(cString(vm, "exec", strArg(vm, "exec", a, n, 0)));
    if (argv[0].empty()) vm.raise("ValueError", "os.exec: empty program name");
    if (n > 1 && !a[1].isNil()) {
        if (!a[1].isObjType(ObjType::Array))
            vm.raise("TypeError", std::string("os.exec: argument 2 must be an array of strings, got ") + vm.typeName(a[1]));
        auto* arr = a[1].as<ArrayObject>();
        for (uint32_t i = 0; i < arr->length; ++i) {
            Value v = arr->at(i);
            argv.push_back(cString(vm, "exec", v.isString() ? std::string(v.as<StringObject>()->view()) : vm.toString(v)));
        }
    }
    vm.flush(); // our buffered output must come before the child's
    resolveProgram(plan);
    for (char** e = environ; *e; ++e) plan.env.emplace_back(*e);
    ExecResult r;
    if (plan.resolveError) {
        r.spawnError = plan.resolveError;
    } else {
        // Other threads run while the child does; a request parks. A time
        // limit or a cancelled request kills the child.
        std::atomic<pid_t> child{0};
        vm.blocking([&] { r = sysExec(plan, child); },
                    [&] {
                        if (pid_t pid = child.load()) ::kill(pid, SIGKILL);
                    });
    }
    if (r.spawnError) {
        // Like a shell: 127 when the program is missing, 126 when it cannot run.
        r.status = r.spawnError == ENOENT ? 127 : 126;
        r.err = "os.exec: " + argv[0] + ": " + std::strerror(r.spawnError) + "\n";
    }
    MapObject* m = vm.heap().newMap();
    mapSet(vm.heap(), m, internConstant("status"), Value::integer(r.status));
    mapSet(vm.heap(), m, internConstant("stdout"), vm.stringValue(r.out));
    mapSet(vm.heap(), m, internConstant("stderr"), vm.stringValue(r.err));
    return Value::object(m);
}

// ---- signals: a poll API ----

constexpr int kWatched[] = {SIGINT, SIGTERM, SIGHUP};
std::atomic<int> pendingSignal{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void recordSignal(int sig) { pendingSignal.store(sig, std::memory_order_relaxed); }

const char* signalName(int sig) {
    switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "";
    }
}

int signalNumber(std::string_view name) {
    if (name.starts_with("SIG")) name.remove_prefix(3);
    if (name == "INT") return SIGINT;
    if (name == "TERM") return SIGTERM;
    if (name == "HUP") return SIGHUP;
    return 0;
}

void installHandler(int sig, bool record) {
    struct sigaction sa = {};
    sa.sa_handler = record ? recordSignal : SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(sig, &sa, nullptr);
}

// notify() watches SIGINT, SIGTERM and SIGHUP; notify("SIGINT", …) only those named.
Value sig_notify(VM& vm, Value, Value* a, int n) {
    std::vector<int> sigs;
    for (int i = 0; i < n; ++i) {
        int s = signalNumber(strArg(vm, "signal.notify", a, n, i));
        if (!s)
            vm.raise("ValueError", "os.signal.notify: unsupported signal \"" +
                                       std::string(a[i].as<StringObject>()->view()) + "\" (SIGINT, SIGTERM or SIGHUP)");
        sigs.push_back(s);
    }
    if (n == 0) sigs.assign(std::begin(kWatched), std::end(kWatched));
    for (int s : sigs) installHandler(s, true);
    return Value();
}

Value sig_trap(VM& vm, Value, Value*, int) {
    int sig = pendingSignal.exchange(0, std::memory_order_relaxed);
    return vm.stringValue(signalName(sig));
}

// stop(): back to the default dispositions (a signal ends the process again).
Value sig_stop(VM&, Value, Value*, int) {
    for (int s : kWatched) installHandler(s, false);
    pendingSignal.store(0, std::memory_order_relaxed);
    return Value();
}

} // namespace

const NativeModuleDef& osModule() {
    static const NativeModuleDef def = {
        "os",
        {
            {"getenv", os_getenv, 1, 1},
            {"setenv", os_setenv, 2, 2},
            {"args", os_args, 0, 0},
            {"exit", os_exit, 0, 1},
            {"pid", os_pid, 0, 0},
            {"cwd", os_cwd, 0, 0},
            {"hostname", os_hostname, 0, 0},
            {"exec", os_exec, 1, 2},
        },
        {
            {"signal", {{"notify", sig_notify, 0, -1}, {"trap", sig_trap, 0, 0}, {"stop", sig_stop, 0, 0}}, {}},
        },
    };
    return def;
}

} // namespace langoost
