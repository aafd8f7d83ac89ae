// VM: a thread of execution inside an isolate — the value stack, call
// frames and exception handlers — plus the interpreter loop that runs
// bytecode on them (Interpreter.cpp).
//
// Stack model: a frame's slots start at `base` (slot 0 = callee or self);
// locals live at base[slot]; temporaries above. The stack is one fixed
// reservation that never moves, so open upvalues can point into it.
//
// Errors: every runtime error is a Langoost value thrown through the VM.
// C++ code raises with raise()/throwValue(), which record the value and
// unwind with a C++ ScriptThrow; the interpreter loop catches it and jumps
// to the innermost handler, so natives never check error codes.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vm/Heap.h"
#include "vm/Isolate.h"

namespace langoost {

// Raised through C++ frames while a Langoost exception is in flight.
struct ScriptThrow {};
// Raised by exit(code): unwinds everything and ends the process.
struct ExitRequest {
    int code;
};

struct TraceFrame {
    std::string function;
    std::string path;
    SourceLocation location;
};

struct NativeDef {
    const char* name;
    NativeFn fn;
    int minArgs;
    int maxArgs; // -1: variadic
};

// A native standard-library module: functions and nested namespaces.
struct NativeModuleDef {
    std::string name;
    std::vector<NativeDef> functions;
    std::vector<NativeModuleDef> namespaces;
    // Constant members (numbers and other non-heap values: math.pi, math.inf).
    std::vector<std::pair<std::string, Value>> values;
    // Called once per isolate when the module is first imported, to add
    // members that depend on the isolate (server.request); may be null.
    void (*onImport)(VM& vm, MapObject* exports);
};

// Where the VM gets compiled file modules from: `Import` of a canonical
// path (an absolute path) asks this provider. Implemented by the module
// loader (src/modules), which owns the process-wide module cache.
class ModuleProvider {
  public:
    virtual ~ModuleProvider() = default;
    // Null when the path was never compiled (a bug in the caller).
    virtual std::shared_ptr<const CompiledModule> compiledModule(std::string_view canonicalPath) = 0;
};

// Run-time code patches (the Trap opcode): a tool such as line coverage
// or the debugger (src/tools) sees every file module as it is instantiated
// and may write Trap over the opcode byte of its instructions; executing
// one calls hit(), which returns the original word for the VM to run in
// the Trap's place. The tool may restore that word in the code (coverage:
// each instruction is counted once) or leave the Trap there (a breakpoint).
// Nothing is checked per instruction, so code without traps runs at full
// speed. The debugger's other two hooks are off the instruction path too:
// raised() on a throw, paused() at the next safe point (a call or loop
// iteration's countdown running out) once pauseRequested is set.
class CodeTraps {
  public:
    virtual ~CodeTraps() = default;
    virtual void instantiated(const std::shared_ptr<const CompiledModule>& module) = 0;
    virtual Instruction hit(VM& vm, const FunctionProto& proto, const Instruction* at) = 0;
    // An exception is being thrown (vm.exception(), the frames still intact);
    // `uncaught` when no script handler is installed on this thread;
    // `rethrown` for a rethrow (after a finally block).
    virtual void raised(VM& /*vm*/, bool /*uncaught*/, bool /*rethrown*/) {}
    virtual void paused(VM& /*vm*/) {}
    std::atomic<bool> pauseRequested{false};
};

struct RuntimeConfig {
    std::vector<NativeDef> builtins; // the global builtin table, in compiler order
    std::vector<const NativeModuleDef*> modules;
    std::vector<std::string> scriptArgs;
    std::shared_ptr<ModuleProvider> moduleProvider;
    // Runaway recursion turns into StackOverflowError at this many frames.
    uint32_t maxFrames = 50'000;
    // Value-stack slots (16 bytes each); reserved lazily, so this is virtual size.
    uint32_t maxStackSlots = 1u << 21;
    // The same two limits for threads started with thread.core.spawn.
    uint32_t threadStackSlots = 1u << 18;
    uint32_t threadMaxFrames = 10'000;
    // Nested native -> script calls (map callbacks, sort comparators...).
    uint32_t maxNativeDepth = 200;
    // Optional limits (0 = none). Each raises a catchable error when hit:
    // MemoryError (live heap bytes after a collection), LimitError (steps:
    // one step is a call or a loop iteration; output bytes), TimeoutError
    // (wall-clock milliseconds). A script that keeps running past a hit
    // time limit for kTimeoutGraceMs more is ended uncatchably.
    uint64_t maxHeapBytes = 0;
    uint64_t maxSteps = 0;
    uint64_t timeoutMs = 0;
    uint64_t maxOutputBytes = 0;
    // Keep all output in Isolate::out (server mode: it becomes the response
    // body) instead of flushing it to stdout.
    bool captureOutput = false;
    // Flush print/println output at every write (the debugger: the client
    // sees output as it happens, not at 64 KiB or at exit).
    bool unbufferedOutput = false;
    // When set and it becomes true (the REPL's Ctrl-C handler), the running
    // code raises InterruptError at its next safe point and it is reset.
    std::atomic<bool>* interrupt = nullptr;
    // Whether time blocked in I/O, sleeps and waits counts against timeoutMs
    // (off for streaming requests: an idle WebSocket is not a busy script).
    bool timeoutCountsBlocking = true;
    // exit() (and an ignored time limit) in a spawned thread ends the whole
    // process (`langoost run`, as in Go). Off in server mode and in the test
    // runner: the thread ends and Isolate::threadExitCode records the code.
    bool threadExitEndsProcess = true;
    // Code patches of a tool (coverage); null: none.
    std::shared_ptr<CodeTraps> traps;
};

class Isolate;

// After a TimeoutError, how long a script may go on (to clean up) before
// it is ended for good.
constexpr uint64_t kTimeoutGraceMs = 100;

// Thrown (not as a script error) when a script ignores a hit time limit;
// ends the run like an uncaught error.
struct Terminated {
    std::string message;
};

struct CallFrame {
    ClosureObject* closure;
    const Instruction* ip;
    Value* base;
    const Value* constants; // closure->proto->constants, cached for return
    Value* globals;         // closure->module->globals, cached for return
};

// The call-frame stack: a fixed reservation (config.maxFrames), so frame
// pointers held by the interpreter stay valid while frames are pushed.
class FrameStack {
  public:
    // One frame beyond `depthLimit` is reserved (capacity depthLimit + 1).
    explicit FrameStack(size_t depthLimit)
        : data_(std::make_unique_for_overwrite<CallFrame[]>(depthLimit + 1)), top_(data_.get()),
          limit_(data_.get() + depthLimit) {}
    size_t size() const { return size_t(top_ - data_.get()); }
    // Fewer than depthLimit frames: a pointer compare, for the call fast paths.
    bool hasRoom() const { return top_ < limit_; }
    void push(ClosureObject* c, const Instruction* ip, Value* base, const Value* k, Value* globals) {
        *top_++ = {c, ip, base, k, globals};
    }
    void pop() { --top_; }
    CallFrame& back() { return top_[-1]; }
    void resize(size_t n) { top_ = data_.get() + n; }
    CallFrame& operator[](size_t i) { return data_[i]; }
    const CallFrame& operator[](size_t i) const { return data_[i]; }
    // For a sampling profiler's signal handler too: two plain loads.
    const CallFrame* begin() const { return data_.get(); }
    const CallFrame* end() const { return top_; }

  private:
    std::unique_ptr<CallFrame[]> data_;
    CallFrame* top_;
    CallFrame* limit_;
};

struct Handler {
    size_t frameCount; // frames alive when the handler was installed
    Value* sp;
    const Instruction* target;
};

// Keeps a value alive across a call back into the VM (see Heap.h).
class TempRoot;

class VM {
  public:
    // A VM with an isolate of its own; it holds the isolate lock for its
    // whole life (release it with BlockingSection around blocking calls).
    explicit VM(const RuntimeConfig& config);
    // A further thread in `isolate`; the caller must hold the isolate lock.
    // Spawned threads get a smaller reservation (RuntimeConfig::threadStackSlots,
    // threadMaxFrames): a thread per connection must be cheap to start.
    explicit VM(Isolate& isolate, bool spawnedThread = false);
    ~VM();
    Isolate& isolate() { return iso_; }
    VM(const VM&) = delete;
    VM& operator=(const VM&) = delete;

    // Runs a compiled file's top-level code in a new module instance and
    // returns that instance. Throws ScriptThrow when an error escapes (see
    // exception()), ExitRequest on exit().
    ModuleObject* runMain(std::shared_ptr<const CompiledModule> module);
    // Runs more code against an existing module's globals (the REPL): the
    // new code's globals must extend the module's (CompileOptions::
    // predeclaredGlobals). Returns what the code's top level returned.
    Value runInModule(ModuleObject* module, std::shared_ptr<const CompiledModule> code);
    // The owner's last act before its isolate may be freed: marks the
    // isolate as ending, wakes its threads and waits (parked, in a task) up
    // to `limit` for every spawned thread to stop. False when some still
    // run: the isolate (this VM) must then be kept, never freed.
    bool endThreads(std::chrono::milliseconds limit);
    // A module's top-level binding by name; nil when there is none.
    Value moduleGlobal(const ModuleObject* module, std::string_view name) const;
    // Calls any callable with arguments; usable from natives.
    Value call(Value callee, std::span<const Value> args);

    [[noreturn]] void raise(std::string_view kind, const std::string& message);
    [[noreturn]] void throwValue(Value v);
    [[noreturn]] void rethrow(Value v);
    Value exception() const { return exception_; }
    const std::vector<TraceFrame>& exceptionTrace() const { return exceptionTrace_; }
    // The exception in flight, saved and put back around code that a
    // debugger stopped at a throw runs meanwhile (evaluate), which may
    // raise and catch errors of its own.
    struct PendingException {
        Value value;
        std::vector<TraceFrame> trace;
        size_t depth;
    };
    PendingException pendingException() const { return {exception_, exceptionTrace_, exceptionDepth_}; }
    void restoreException(PendingException saved) {
        exception_ = saved.value;
        exceptionTrace_ = std::move(saved.trace);
        exceptionDepth_ = saved.depth;
    }
    // "Kind: message" for error objects, "uncaught exception: ..." otherwise,
    // then the trace, with the innermost frame's source line and a caret
    // when its file can be read; `colour` for a terminal (useColour).
    std::string describeUncaught(bool colour = false);

    Heap& heap() { return heap_; }
    // The call frames (a sampling profiler reads them from a signal handler).
    const FrameStack& frames() const { return frames_; }
    // Raises MemoryError when an allocation of `bytes` cannot fit the heap limit.
    void checkAllocation(uint64_t bytes);
    // No safe point runs inside a native: one whose work grows with an
    // argument calls these as it goes. checkDeadline raises TimeoutError once
    // the time limit has passed; checkBuilding, for a C++ string being built
    // before it becomes a heap string (ValueError past kMaxStringLength,
    // MemoryError when its buffer alone exceeds the heap limit), also looks
    // at the clock every so often.
    void checkDeadline();
    void checkBuilding(const std::string& out, const char* who) {
        if (++buildChecks_ < 64 && out.capacity() <= buildLimit_) return; // a few instructions per element
        checkBuildingSlowly(out, who);
    }
    const RuntimeConfig& config() const { return config_; }
    StringObject* newString(std::string_view s) { return heap_.newString(s); }
    Value stringValue(std::string_view s) { return Value::object(heap_.newString(s)); }
    MapObject* newError(std::string_view kind, const std::string& message);

    // ---- waits (common/Parking.h): each parks the request's task in server
    // mode and blocks this thread otherwise, with the isolate lock released
    // (touch no heap object inside). A wait that runs into the isolate's time
    // limit raises TimeoutError; one whose request is being ended throws
    // Terminated.
    void sleepMs(double ms);
    // Waits for `fd` (POLLIN/POLLOUT); false when `timeoutMs` (negative: no
    // limit of its own) passed first.
    bool waitFd(int fd, short pollEvents, int64_t timeoutMs);
    // Runs blocking `work` (a helper thread does it while a task is parked);
    // `cancel`, when given, makes it return early (a time limit, a request
    // that ends).
    void blocking(const std::function<void()>& work, const std::function<void()>& cancel = {});
    // After a BlockingSection whose I/O waited through waitForFd
    // (common/Parking.h): raises as a wait that ended so would.
    void afterIo();
    // What a wait's end (a WaitEnd) means for the script: Cancelled throws
    // Terminated, TimedOut past the isolate's deadline raises TimeoutError.
    // True when the wait ended Ready.
    bool afterWait(int end);
    // The deadline a wait of this thread should end at (own, or the
    // isolate's time limit when that is earlier).
    std::chrono::steady_clock::time_point waitDeadline(std::chrono::steady_clock::time_point own) const;

    // Output: print/println write here (the isolate's buffered stdout).
    void write(std::string_view bytes);
    void flush() { iso_.flush(); }

    // ---- value semantics shared by the interpreter and natives ----
    std::string toString(Value v);
    void appendString(std::string& out, Value v, int depth = 0);
    const char* typeName(Value v) const;
    bool equals(Value a, Value b);
    // Orders two numbers or two strings; raises TypeError otherwise.
    int compare(Value a, Value b, const char* op);
    // `v is type` for a class or interface value (TypeError for anything else).
    bool isA(Value v, Value type);
    void checkArgs(const char* fn, Value* args, int argc, int index, ValueType expect);

    std::vector<Value> tempRoots;

    // GC roots of this thread: its stack, frames, open upvalues, temporaries.
    void markRoots(Heap& heap);

  private:
    friend class Interpreter;
    friend class TempRoot;
    friend class BlockingSection;

    Value run(size_t stopFrames);
    // The slow path of a safe point: budget and time checks, collection,
    // heap limit. Called when a tick chunk runs out or the heap asks.
    void safepoint();
    void checkLimits();
    // Tells the request's task (if any) the isolate's deadline.
    void syncTaskDeadline();

    // ---- calls (Calls.cpp): each returns true when it pushed a script
    // frame for the interpreter to run, false when the result is already
    // in *slot and sp_ == slot + 1.
    bool callValue(Value callee, Value* slot, uint32_t argc);
    bool callClosure(ClosureObject* c, Value* slot, uint32_t argc);
    void pushFrame(ClosureObject* c, Value* slot) {
        frames_.push(c, c->code, slot, c->proto->constants.data(), c->module->globals.data());
    }
    // Whether the stack has room below `top` (exclusive). The fast test is
    // against stackLimit_, a soft limit that doubles towards stackEnd_ as the
    // stack grows; it doubles as the high-water mark, so a recycled stack
    // is re-zeroed only that far and calls need no separate bookkeeping.
    bool stackFits(Value* top) { return top < stackLimit_ || raiseStackLimit(top); }
    bool raiseStackLimit(Value* top);
    bool callNative(NativeObject* n, Value self, Value* slot, uint32_t argc);
    bool callStringMethod(NativeObject* n, Value* slot, uint32_t argc);
    bool invoke(Value* slot, uint32_t argc, StringObject* name);
    // Invoke's method cache. A hit means: a receiver of class `klass` at
    // `site` (the address after the instruction) calls `method`, whose arity
    // matches the site's argument count. A site's first class sits in the
    // entry indexed by the site alone, which can be loaded before the
    // receiver's class is known (the call's critical path: richards 0.62 ->
    // 0.54 s against indexing by site and class); a polymorphic site's other
    // classes go to entries indexed by site and class. Entries are per VM
    // (classes and closures belong to an isolate; the code is shared) and
    // dropped at every collection (markRoots).
    // An entry also carries what entering the method needs (its code,
    // constants, globals and frame size), so a hit pushes the frame without
    // reading the closure, its proto or its module; the globals pointer
    // stays valid because a module's globals only grow in runInModule,
    // which drops the cache.
    struct alignas(64) InvokeCacheEntry {
        const Instruction* site;
        ClassObject* klass;
        ClosureObject* method;
        const Instruction* code;
        const Value* constants;
        Value* globals;
        size_t frameSlots; // maxStack + 1
    };
    static constexpr uint32_t kInvokeCacheSize = 256;
    void dropInvokeCache() {
        if (ownInvokeCache_) std::fill_n(invokeCache_, kInvokeCacheSize, InvokeCacheEntry{});
    }
    // Indexed by the slot hint the compiler put in the instruction (Invoke's
    // second PAIR field: numbered per module from a hash of its path), not by
    // the site's address: code arrays often lie a multiple of 64 KiB apart,
    // and address bits would make such sites share, and evict each other
    // from, one entry depending on where the allocator put them.
    InvokeCacheEntry& invokeSiteEntry(uint32_t slotHint) { return invokeCache_[slotHint & (kInvokeCacheSize - 1)]; }
    InvokeCacheEntry& invokeSiteClassEntry(uint32_t slotHint, const ClassObject* klass) {
        return invokeCache_[(slotHint ^ (uintptr_t(klass) >> 6) ^ 0x55) & (kInvokeCacheSize - 1)];
    }
    // Invoke's slow path before invoke(): the receiver's class method (own or
    // inherited) when no field can shadow it and the arity matches; fills the
    // site's cache entry and returns the method when it can be entered with a
    // plain pushFrame (room to grow), else nullptr.
    ClosureObject* directMethod(Value* slot, uint32_t argc, StringObject* name, const Instruction* site,
                                uint32_t slotHint);
    bool superInvoke(Value* slot, uint32_t argc, StringObject* name, ClassObject* owner);
    [[noreturn]] void stackOverflow();
    // Drops frames, handlers and stack slots above a call that an exception
    // (script error, exit, termination) is leaving.
    void unwindTo(size_t frameCount, Value* slot);

    // ---- operations (Operations.cpp): the slow paths of the interpreter ----
    Value arithmetic(Opcode op, Value a, Value b);
    Value concat(Value a, Value b);
    std::string_view concatOperand(Value v, std::string& scratch, char (&digits)[24]) {
        return v.isString() ? v.as<StringObject>()->view() : concatOperandText(v, scratch, digits);
    }
    std::string_view concatOperandText(Value v, std::string& scratch, char (&digits)[24]);
    // `a + b` inside a string-building chain (the AddInChain instruction).
    Value concatInChain(Value a, Value b, uint32_t operandsToCome);
    Value unary(Opcode op, Value a);
    Value getField(Value obj, StringObject* name);
    // GetField/SetField when the site's cached slot missed: the full lookup,
    // which repoints the cache. One out-of-line call, so the handlers' fast
    // paths keep nothing alive across a call (no spills).
    [[gnu::noinline]] Value getFieldAtSite(const Value& obj, StringObject* name, const uint32_t* site);
    [[gnu::noinline]] void setFieldAtSite(const Value& obj, StringObject* name, const Value& v, const uint32_t* site);
    // SetField hit storing an object into a map the collector has marked:
    // the write barrier, then the store.
    [[gnu::noinline]] void storeIntoMarkedMap(MapObject* map, Value* slot, const Value& v);
    // SetIndex hit storing an object into an array the collector has marked.
    [[gnu::noinline]] void storeIntoMarkedArray(ArrayObject* a, uint32_t index, const Value& v);
    // `obj.name` on a map known to lack field `name`: its class's method,
    // bound to obj, or nil.
    Value methodAsField(Value obj, StringObject* name);
    void setField(Value obj, StringObject* name, Value v);
    Value getIndex(Value obj, Value key);
    uint32_t checkedIndex(Value key, uint32_t length, const char* what);
    void setIndex(Value obj, Value key, Value v);
    Value iterationSource(Value v);
    Value makeObject(Value* pairs, uint32_t n, ClassObject* klass);
    Value makeInterface(Value* items, uint32_t n);
    void checkRange(Value* slots);
    ClosureObject* findMethod(ClassObject* c, StringObject* name);
    // Run-time type annotations: `slot` < 0 checks a return value.
    void checkType(Value& v, uint32_t code, Value classValue, const FunctionProto* fn, int slot);
    Value importModule(StringObject* spec);
    ModuleObject* instantiate(std::shared_ptr<const CompiledModule> compiled);
    Value runTopLevel(ModuleObject* module, const FunctionProto* main);
    void collectGarbage() { iso_.collectGarbage(); }
    // The innermost `limit` frames, innermost first.
    void captureTrace(std::vector<TraceFrame>& out, size_t limit) const;
    void captureExceptionTrace();
    // What the compiler recorded about the operation now raising in the
    // innermost frame (FunctionProto::operandNames), or null.
    const OperandNames* siteOperandNames(OperandNames::Kind kind) const;
    // " ('cfg.prot' is void)": the named operands of the operator raising
    // now and their types, or "" (`b` null for a unary operator).
    std::string operandClause(Value a, const Value* b) const;
    [[gnu::noinline]] void checkBuildingSlowly(const std::string& out, const char* who);
    UpvalueObject* captureUpvalue(Value* slot);
    void closeUpvalues(Value* last);
    // The Trap handler's out-of-line part: tells the traps (or raises when
    // there are none) and returns the original word to run instead.
    [[gnu::noinline]] Instruction trapHit(const Instruction* at);
    // Tells the code traps (a debugger) about a throw.
    void reportThrow(bool rethrown);

    std::unique_ptr<Isolate> ownedIsolate_;
    Isolate& iso_;
    Heap& heap_;
    const RuntimeConfig& config_;
    std::vector<Value>& builtins_;
    std::vector<ModuleObject*>& modules_;
    std::vector<std::pair<const NativeModuleDef*, ModuleObject*>>& nativeModules_;
    uint32_t maxFrames_;
    size_t stackBytes_ = 0;
    Value* stack_ = nullptr;
    Value* stackEnd_ = nullptr;
    Value* sp_ = nullptr;
    Value* stackLimit_ = nullptr;
    FrameStack frames_;
    // Points at a shared all-empty table until the first fill allocates this VM's own.
    static InvokeCacheEntry noInvokeCache_[kInvokeCacheSize];
    InvokeCacheEntry* invokeCache_ = noInvokeCache_;
    std::unique_ptr<InvokeCacheEntry[]> ownInvokeCache_;
    std::vector<Handler> handlers_;
    UpvalueObject* openUpvalues_ = nullptr;
    uint32_t nativeDepth_ = 0;
    Value exception_;
    std::vector<TraceFrame> exceptionTrace_;
    uint32_t buildChecks_ = 0; // checkBuilding calls since the clock was last read
    size_t buildLimit_;        // the largest buffer checkBuilding lets pass without a closer look
    size_t exceptionDepth_ = 0; // frames when it was thrown (exceptionTrace_ may hold fewer)
    // An error's `stack` field keeps at most this many frames (innermost first).
    static constexpr size_t kMaxStackEntries = 64;
};

// Releases the isolate lock for a blocking call (sleep, socket I/O, waits,
// join, file I/O, exec) and takes it back afterwards. Inside, touch no heap
// object: copy what you need out before, build results after.
// With RuntimeConfig::timeoutCountsBlocking off (streaming requests), the
// time spent inside moves the isolate's deadline: only busy time counts.
class BlockingSection {
  public:
    explicit BlockingSection(VM& vm) : vm_(vm) {
        if (!vm.config_.timeoutCountsBlocking) start_ = std::chrono::steady_clock::now();
        vm.iso_.lock.unlock();
    }
    ~BlockingSection() {
        vm_.iso_.lock.lock();
        if (!vm_.config_.timeoutCountsBlocking) vm_.iso_.deadline += std::chrono::steady_clock::now() - start_;
    }
    BlockingSection(const BlockingSection&) = delete;
    BlockingSection& operator=(const BlockingSection&) = delete;

  private:
    VM& vm_;
    std::chrono::steady_clock::time_point start_;
};

// For natives that build a large result in one go, with no safe point
// (and so no heap-limit or time check) inside. check() raises MemoryError
// once what they allocated since construction, on the heap plus
// `heldBytes` of C++ buffers not yet on it, exceeds the heap limit (a 10 MB
// JSON bomb cannot expand into gigabytes before anyone looks), and
// TimeoutError once the time limit has passed. tick(work) calls it every
// kInterval units of work, for loops too hot to read the clock each turn.
class GrowthGuard {
  public:
    static constexpr int64_t kInterval = 1 << 14;

    GrowthGuard(VM& vm, const char* who) : vm_(vm), who_(who), start_(vm.heap().bytesAllocated()) {}
    void tick(size_t work = 1, size_t heldBytes = 0) {
        budget_ -= int64_t(work);
        if (budget_ <= 0) check(heldBytes);
    }
    void check(size_t heldBytes = 0) {
        budget_ = kInterval;
        uint64_t limit = vm_.config().maxHeapBytes;
        size_t now = vm_.heap().bytesAllocated();
        size_t grown = (now > start_ ? now - start_ : 0) + heldBytes;
        if (limit && grown > limit)
            vm_.raise("MemoryError", std::string(who_) + ": the result would exceed the heap limit of " +
                                         std::to_string(limit) + " bytes");
        vm_.checkDeadline();
    }

  private:
    VM& vm_;
    const char* who_;
    size_t start_;
    int64_t budget_ = kInterval;
};

class TempRoot {
  public:
    TempRoot(VM& vm, Value v) : vm_(vm) { vm.tempRoots.push_back(v); }
    ~TempRoot() { vm_.tempRoots.pop_back(); }
    TempRoot(const TempRoot&) = delete;
    TempRoot& operator=(const TempRoot&) = delete;

  private:
    VM& vm_;
};

} // namespace langoost
