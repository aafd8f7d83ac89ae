#include "vm/VM.h"

#include <cstdio>
#include <cstdlib>
#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <vector>
#include <new>
#include <thread>

#include "common/Diagnostics.h"
#include "common/Parking.h"

#include "bytecode/ValueFormat.h"
#include "vm/ArrayOps.h"
#include "vm/MapOps.h"
#include "vm/ObjectMethods.h"

namespace langoost {
namespace {

// Steps between two limit checks (time is read from the clock only then).
constexpr int64_t kTickChunk = 4096;
// The first soft stack limit (see VM::stackFits), in slots.
constexpr size_t kInitialStackLimit = 512;

// Deeply nested (or cyclic) containers stop toString here instead of
// exhausting the C++ stack.
constexpr int kMaxFormatDepth = 256;

// Value stacks are reserved straight from the OS (pages are zero, i.e. nil,
// and committed only when touched). Server mode creates a VM per request,
// thousands a second, and munmap in a multi-threaded process costs a TLB
// shoot-down on every core, so each thread keeps a few released stacks
// for reuse, re-zeroing only the pages that were touched.
class StackCache {
  public:
    ~StackCache() {
        for (auto [mem, bytes] : free_) ::munmap(mem, bytes);
    }
    void* acquire(size_t bytes) {
        for (size_t i = 0; i < free_.size(); ++i)
            if (free_[i].second == bytes) {
                void* mem = free_[i].first;
                free_.erase(free_.begin() + long(i));
                return mem;
            }
        void* mem = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (mem == MAP_FAILED) throw std::bad_alloc();
        return mem;
    }
    // `usedBytes`: how much of the stack may have been written.
    void release(void* mem, size_t bytes, size_t usedBytes) {
        if (free_.size() >= kKept || usedBytes > kMaxRezeroBytes) {
            ::munmap(mem, bytes);
            return;
        }
        std::memset(mem, 0, std::min(usedBytes, bytes));
        free_.emplace_back(mem, bytes);
    }

  private:
    // A stack that grew past this is returned to the OS rather than re-zeroed.
    static constexpr size_t kMaxRezeroBytes = 1 << 20;
    // Server mode parks thousands of requests per worker: a burst of them
    // must not turn into an mmap/munmap (and a TLB shoot-down) per request.
    static constexpr size_t kKept = 256;

    std::vector<std::pair<void*, size_t>> free_;
};

thread_local StackCache stackCache;

} // namespace

VM::InvokeCacheEntry VM::noInvokeCache_[VM::kInvokeCacheSize] = {};

VM::VM(const RuntimeConfig& config) : VM(*new Isolate(config)) {
    ownedIsolate_.reset(&iso_);
    iso_.lock.lock();
    syncTaskDeadline();
}

VM::VM(Isolate& isolate, bool spawnedThread)
    : iso_(isolate), heap_(isolate.heap), config_(isolate.config()), builtins_(isolate.builtins),
      modules_(isolate.modules), nativeModules_(isolate.nativeModules),
      maxFrames_(spawnedThread ? std::min(config_.threadMaxFrames, config_.maxFrames) : config_.maxFrames),
      frames_(maxFrames_),
      buildLimit_(config_.maxHeapBytes ? std::min<uint64_t>(config_.maxHeapBytes, kMaxStringLength) : kMaxStringLength) {
    uint32_t slots = spawnedThread ? std::min(config_.threadStackSlots, config_.maxStackSlots) : config_.maxStackSlots;
    // Reserved straight from the OS: pages are zero (nil) and committed only
    // when touched, whatever malloc the process uses.
    stackBytes_ = size_t(slots) * sizeof(Value);
    stack_ = static_cast<Value*>(stackCache.acquire(stackBytes_));
    stackEnd_ = stack_ + slots;
    sp_ = stack_;
    stackLimit_ = stack_ + std::min<size_t>(slots, kInitialStackLimit);
    heap_.poll = kTickChunk;
    iso_.threads.push_back(this);
}

bool VM::raiseStackLimit(Value* top) {
    if (top >= stackEnd_) return false;
    size_t doubled = size_t(stackLimit_ - stack_) * 2;
    stackLimit_ = std::min(stackEnd_, std::max(top + 1, stack_ + doubled));
    return true;
}

void VM::checkAllocation(uint64_t bytes) {
    if (config_.maxHeapBytes && bytes > config_.maxHeapBytes)
        raise("MemoryError", "allocation of " + std::to_string(bytes) + " bytes exceeds the heap limit of " +
                                 std::to_string(config_.maxHeapBytes) + " bytes");
}

void VM::checkLimits() {
    iso_.stepsUsed += uint64_t(kTickChunk); // approximate: a collection may cut a chunk short
    heap_.poll = kTickChunk;
    if (iso_.lock.othersWaiting()) {
        BlockingSection letOthersRun(*this);
    }
    if (Parker* parker = currentParker(); parker && parker->sliceExpired()) {
        BlockingSection letOthersRun(*this);
        parker->yield(); // other requests of this worker run meanwhile
    }
    if (iso_.ending.load(std::memory_order_relaxed) && ownedIsolate_ == nullptr) throw Terminated{"the program that started this thread has ended"};
    if (config_.traps && config_.traps->pauseRequested.load(std::memory_order_relaxed)) config_.traps->paused(*this);
    if (config_.interrupt && config_.interrupt->load(std::memory_order_relaxed) && config_.interrupt->exchange(false))
        raise("InterruptError", "interrupted (Ctrl-C)");
    if (config_.maxSteps && iso_.stepsUsed > config_.maxSteps) {
        iso_.stepsUsed = 0; // a catch may continue with a fresh budget of the same size
        raise("LimitError", "step budget of " + std::to_string(config_.maxSteps) + " exceeded");
    }
    checkDeadline();
}

bool VM::endThreads(std::chrono::milliseconds limit) {
    if (!iso_.busy()) {
        iso_.ending.store(true);
        return true;
    }
    auto until = std::chrono::steady_clock::now() + limit;
    iso_.beginEnding(); // under the lock: the extensions' tables are stable
    BlockingSection letThemStop(*this);
    while (iso_.busy()) {
        auto now = std::chrono::steady_clock::now();
        if (now >= until) return false;
        Parker* parker = currentParker();
        if (!parker || parker->sleepUntil(now + std::chrono::milliseconds(1)) == WaitEnd::Cancelled)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

void VM::checkDeadline() {
    if (!config_.timeoutMs) return;
    auto now = std::chrono::steady_clock::now();
    if (now < iso_.deadline) return;
    if (iso_.timedOut)
        throw Terminated{"time limit of " + std::to_string(config_.timeoutMs) +
                         " ms exceeded, and the script went on past the grace period"};
    iso_.timedOut = true;
    iso_.deadline = now + std::chrono::milliseconds(kTimeoutGraceMs);
    syncTaskDeadline();
    raise("TimeoutError", "time limit of " + std::to_string(config_.timeoutMs) + " ms exceeded");
}

void VM::syncTaskDeadline() {
    if (Parker* parker = currentParker(); parker && config_.timeoutMs && config_.timeoutCountsBlocking)
        parker->setDeadline(iso_.deadline);
}

void VM::afterIo() { afterWait(int(lastWaitEnd())); }

std::chrono::steady_clock::time_point VM::waitDeadline(std::chrono::steady_clock::time_point own) const {
    if (config_.timeoutMs && config_.timeoutCountsBlocking) return std::min(own, iso_.deadline);
    return own;
}

bool VM::afterWait(int end) {
    if (WaitEnd(end) == WaitEnd::Cancelled) throw Terminated{"the request was cancelled"};
    if (iso_.ending.load(std::memory_order_relaxed) && ownedIsolate_ == nullptr) throw Terminated{"the program that started this thread has ended"};
    if (WaitEnd(end) == WaitEnd::TimedOut) {
        checkDeadline();
        return false;
    }
    return true;
}

void VM::sleepMs(double ms) {
    using namespace std::chrono;
    auto until = steady_clock::now() + duration_cast<steady_clock::duration>(duration<double, std::milli>(std::min(ms, 1e15)));
    if (ms >= 1e15) until = steady_clock::time_point::max();
    auto deadline = waitDeadline(until);
    int end;
    {
        BlockingSection pause(*this);
        if (Parker* parker = currentParker()) {
            end = int(parker->sleepUntil(deadline));
        } else {
            std::unique_lock guard(iso_.endMutex); // an ending isolate wakes its sleepers
            iso_.endCv.wait_until(guard, deadline, [&] { return iso_.ending.load(); });
            end = int(WaitEnd::TimedOut);
        }
    }
    afterWait(end);
}

void VM::checkBuildingSlowly(const std::string& out, const char* who) {
    if (out.size() > kMaxStringLength)
        raise("ValueError", std::string(who) + ": string would exceed the maximum length");
    if (config_.maxHeapBytes && out.capacity() > config_.maxHeapBytes)
        raise("MemoryError", std::string(who) + ": the result would exceed the heap limit of " +
                                 std::to_string(config_.maxHeapBytes) + " bytes");
    if (buildChecks_ >= 64) {
        buildChecks_ = 0;
        checkDeadline();
    }
}

bool VM::waitFd(int fd, short pollEvents, int64_t timeoutMs) {
    using namespace std::chrono;
    auto own = timeoutMs < 0 ? steady_clock::time_point::max() : steady_clock::now() + milliseconds(timeoutMs);
    auto deadline = waitDeadline(own);
    int64_t wait = -1;
    if (deadline != steady_clock::time_point::max())
        wait = std::max<int64_t>(0, duration_cast<milliseconds>(deadline - steady_clock::now()).count() + 1);
    int end;
    {
        BlockingSection pause(*this);
        end = int(waitForFd(fd, pollEvents, wait));
    }
    return afterWait(end);
}

void VM::blocking(const std::function<void()>& work, const std::function<void()>& cancel) {
    int end = int(WaitEnd::Ready);
    auto deadline = waitDeadline(std::chrono::steady_clock::time_point::max()); // read under the lock
    {
        BlockingSection pause(*this);
        if (Parker* parker = currentParker()) end = int(parker->offload(work, cancel, deadline));
        else work();
    }
    afterWait(end);
}

void VM::safepoint() {
    checkLimits();
    if (heap_.wantsCollection()) {
        collectGarbage();
        if (heap_.overLimit())
            raise("MemoryError", "heap limit of " + std::to_string(config_.maxHeapBytes) + " bytes exceeded (" +
                                     std::to_string(heap_.bytesAllocated()) + " bytes live)");
    }
}

VM::~VM() {
    std::erase(iso_.threads, this);
    // Slack above the soft limit: argument shuffles (bound methods) may
    // write a slot or two past a frame's own maximum.
    constexpr size_t kSlackSlots = 256;
    size_t used = size_t(std::max(stackLimit_, sp_) - stack_) + kSlackSlots;
    stackCache.release(stack_, stackBytes_, std::min(used * sizeof(Value), stackBytes_));
    if (ownedIsolate_) iso_.lock.unlock();
    // ownedIsolate_ (destroyed after this body) flushes the output.
}

void VM::write(std::string_view bytes) {
    if (config_.maxOutputBytes) {
        if (iso_.outputBytes + bytes.size() > config_.maxOutputBytes)
            raise("LimitError", "output limit of " + std::to_string(config_.maxOutputBytes) + " bytes exceeded");
        iso_.outputBytes += bytes.size();
    }
    iso_.out.append(bytes);
    if ((iso_.out.size() >= 1 << 16 || config_.unbufferedOutput) && !config_.captureOutput) iso_.flush();
}

const char* VM::typeName(Value v) const {
    switch (v.type()) {
    case ValueType::Nil: return "void";
    case ValueType::Bool: return "bool";
    case ValueType::Int: return "int";
    case ValueType::Float: return "float";
    case ValueType::Obj: break;
    }
    switch (v.asObj()->type) {
    case ObjType::String: return "string";
    case ObjType::Array: return "array";
    case ObjType::Map: return "object";
    case ObjType::Closure: return v.as<ClosureObject>()->proto->named ? "function" : "closure";
    case ObjType::Native: return "builtin";
    case ObjType::BoundMethod: return "closure";
    case ObjType::Range: return "range";
    case ObjType::Class: return "class";
    case ObjType::Interface: return "interface";
    case ObjType::Module: return "module";
    case ObjType::Upvalue: return "upvalue";
    }
    return "?";
}

void VM::appendString(std::string& out, Value v, int depth) {
    switch (v.type()) {
    case ValueType::Nil: out += depth ? "null" : "nil"; return;
    case ValueType::Bool: out += v.asBool() ? "true" : "false"; return;
    case ValueType::Int: appendInt(out, v.asInt()); return;
    case ValueType::Float: appendFloat(out, v.asFloat()); return;
    case ValueType::Obj: break;
    }
    if (depth > kMaxFormatDepth) raise("ValueError", "value is nested too deeply (or cyclic) to convert to a string");
    Obj* o = v.asObj();
    switch (o->type) {
    case ObjType::String: {
        auto* s = static_cast<StringObject*>(o);
        if (depth) appendQuoted(out, s->chars, s->length);
        else out.append(s->chars, s->length);
        return;
    }
    case ObjType::Array: {
        auto* a = static_cast<ArrayObject*>(o);
        out += '[';
        for (uint32_t i = 0; i < a->length; ++i) {
            if (i) out += ',';
            appendString(out, a->at(i), depth + 1);
            checkBuilding(out, "toString"); // shared elements can make it exponential
        }
        out += ']';
        return;
    }
    case ObjType::Map: {
        auto* m = static_cast<MapObject*>(o);
        out += '{';
        bool first = true;
        for (StringObject* k : mapSortedKeys(m)) {
            if (!first) out += ',';
            first = false;
            appendQuoted(out, k->chars, k->length);
            out += ':';
            appendString(out, *mapFind(m, k), depth + 1);
            checkBuilding(out, "toString");
        }
        out += '}';
        return;
    }
    case ObjType::Closure: {
        std::string text = "<fn " + v.as<ClosureObject>()->proto->name + ">";
        if (depth) appendQuoted(out, text.data(), text.size());
        else out += text;
        return;
    }
    default: break;
    }
    std::string text;
    switch (o->type) {
    case ObjType::Native: text = std::string("<builtin ") + static_cast<NativeObject*>(o)->name + ">"; break;
    case ObjType::BoundMethod: text = "<bound method>"; break;
    case ObjType::Range: {
        auto* r = static_cast<RangeObject*>(o);
        text = "range(" + std::to_string(r->start) + ", " + std::to_string(r->end) + ", " + std::to_string(r->step) + ")";
        break;
    }
    case ObjType::Class: text = "<class " + std::string(static_cast<ClassObject*>(o)->name->view()) + ">"; break;
    case ObjType::Interface:
        text = "<interface " + std::string(static_cast<InterfaceObject*>(o)->name->view()) + ">";
        break;
    case ObjType::Module: text = "<module " + std::string(static_cast<ModuleObject*>(o)->name->view()) + ">"; break;
    default: text = "<?>"; break;
    }
    if (depth) appendQuoted(out, text.data(), text.size());
    else out += text;
}

std::string VM::toString(Value v) {
    std::string s;
    appendString(s, v);
    return s;
}

bool VM::equals(Value a, Value b) {
    if (a.isInt() && b.isInt()) return a.asInt() == b.asInt();
    if (a.isNumber() && b.isNumber()) return a.asNumber() == b.asNumber();
    if (a.isString() && b.isString()) return a.as<StringObject>()->equals(b.as<StringObject>());
    if (a.type() != b.type()) return false;
    if (a.isBool()) return a.asBool() == b.asBool();
    return a.identical(b);
}

int VM::compare(Value a, Value b, const char* op) {
    if (a.isInt() && b.isInt()) return a.asInt() < b.asInt() ? -1 : a.asInt() > b.asInt();
    if (a.isNumber() && b.isNumber()) {
        double x = a.asNumber(), y = b.asNumber();
        if (x < y) return -1;
        if (x > y) return 1;
        if (x == y) return 0;
        return 2; // unordered (NaN): every ordering comparison is false
    }
    if (a.isString() && b.isString()) {
        int c = a.as<StringObject>()->view().compare(b.as<StringObject>()->view());
        return c < 0 ? -1 : c > 0;
    }
    raise("TypeError", std::string("cannot compare ") + typeName(a) + " " + op + " " + typeName(b) + operandClause(a, &b));
}

void VM::checkArgs(const char* fn, Value* args, int argc, int index, ValueType expect) {
    if (index < argc && args[index].type() == expect) return;
    static const char* names[] = {"void", "bool", "int", "float", "object"};
    raise("TypeError", std::string(fn) + ": argument " + std::to_string(index + 1) + " must be " +
                           names[int(expect)] + ", got " + (index < argc ? typeName(args[index]) : "nothing"));
}

// ---- errors ----

void VM::captureTrace(std::vector<TraceFrame>& out, size_t limit) const {
    out.clear();
    size_t depth = frames_.size();
    out.reserve(std::min(depth, limit));
    for (size_t i = depth; i-- > 0 && out.size() < limit;) {
        const CallFrame& f = frames_[i];
        const FunctionProto* p = f.closure->proto;
        size_t pc = f.ip ? size_t(f.ip - p->code.data()) : 0;
        SourceLocation at = pc > 0 && pc - 1 < p->locations.size() ? p->locations[pc - 1] : p->location;
        out.push_back({p->name, p->path, at});
    }
}

const OperandNames* VM::siteOperandNames(OperandNames::Kind kind) const {
    if (frames_.size() == 0) return nullptr;
    const CallFrame& f = frames_[frames_.size() - 1];
    const FunctionProto* p = f.closure->proto;
    size_t pc = f.ip ? size_t(f.ip - p->code.data()) : 0;
    if (pc == 0 || pc - 1 >= p->locations.size()) return nullptr;
    return p->operandNamesAt(p->locations[pc - 1], kind);
}

std::string VM::operandClause(Value a, const Value* b) const {
    const OperandNames* names = siteOperandNames(OperandNames::Operator);
    if (!names) return "";
    std::string clause;
    auto add = [&](const std::string& name, Value v) {
        if (name.empty()) return;
        clause += (clause.empty() ? " ('" : ", '") + name + "' is " + typeName(v);
    };
    add(names->first, a);
    if (b) add(names->second, *b);
    return clause.empty() ? clause : clause + ")";
}

void VM::captureExceptionTrace() {
    // A throw inside a try keeps only the frames an error's `stack` holds:
    // a throw/catch per level of a deep recursion must not copy the whole
    // stack each time. With no handler the exception ends the run, and
    // the whole trace is printed (describeUncaught collapses repeats).
    exceptionDepth_ = frames_.size();
    captureTrace(exceptionTrace_, handlers_.empty() ? SIZE_MAX : kMaxStackEntries);
}

MapObject* VM::newError(std::string_view kind, const std::string& message) {
    std::vector<TraceFrame> trace;
    captureTrace(trace, kMaxStackEntries);
    MapObject* err = heap_.newMap();
    TempRoot root(*this, Value::object(err));
    mapSet(heap_, err, internConstant("kind"), stringValue(kind));
    mapSet(heap_, err, internConstant("message"), stringValue(message));
    ArrayObject* stack = heap_.newArray(0, uint32_t(trace.size()));
    mapSet(heap_, err, internConstant("stack"), Value::object(stack));
    for (const TraceFrame& t : trace) {
        arrayPush(*this, stack, stringValue(t.path + ":" + std::to_string(t.location.line) + " in " + t.function));
    }
    return err;
}

void VM::raise(std::string_view kind, const std::string& message) {
    Value err = Value::object(newError(kind, message));
    exception_ = err;
    captureExceptionTrace();
    if (config_.traps) reportThrow(false);
    throw ScriptThrow{};
}

void VM::throwValue(Value v) {
    exception_ = v;
    captureExceptionTrace();
    if (config_.traps) reportThrow(false);
    throw ScriptThrow{};
}

void VM::rethrow(Value v) {
    exception_ = v;
    if (config_.traps) reportThrow(true);
    throw ScriptThrow{};
}

void VM::reportThrow(bool rethrown) {
    if (frames_.size() == 0) return;
    TempRoot root(*this, exception_);
    config_.traps->raised(*this, handlers_.empty(), rethrown);
}

std::string VM::describeUncaught(bool colour) {
    std::string out;
    Value e = exception_;
    Value* kind = e.isObjType(ObjType::Map) ? mapFind(e.as<MapObject>(), "kind") : nullptr;
    Value* message = e.isObjType(ObjType::Map) ? mapFind(e.as<MapObject>(), "message") : nullptr;
    try {
        std::string head = kind && kind->isString() ? std::string(kind->as<StringObject>()->view()) + ":"
                                                    : std::string("uncaught exception:");
        if (colour) head = ansi::kError + head + ansi::kReset;
        out += head + " " + (kind && kind->isString() ? (message ? toString(*message) : "") : toString(e));
    } catch (ScriptThrow&) {
        out += "uncaught exception: <unprintable value>";
    }
    out += '\n';
    // Print at most this many frames; runs of one repeated frame collapse.
    constexpr size_t kMaxShown = 40;
    size_t shown = 0;
    const auto& t = exceptionTrace_;
    // Frames beyond the captured ones (a throw caught, then rethrown past the last handler).
    size_t total = std::max(exceptionDepth_, t.size());
    for (size_t i = 0; i < t.size();) {
        size_t j = i + 1;
        while (j < t.size() && t[j].function == t[i].function && t[j].path == t[i].path &&
               t[j].location.line == t[i].location.line && t[j].location.column == t[i].location.column)
            ++j;
        if (shown++ == kMaxShown) {
            out += "  ... " + std::to_string(total - i) + " more frames\n";
            return out;
        }
        out += "  at " + t[i].function + " (" + t[i].path + ":" + std::to_string(t[i].location.line) + ":" +
               std::to_string(t[i].location.column) + ")\n";
        if (i == 0)
            if (auto line = readSourceLine(t[i].path, t[i].location.line))
                out += sourceExcerpt(*line, t[i].location.column, colour);
        if (j - i > 1) out += "  ... repeated " + std::to_string(j - i - 1) + " more times\n";
        i = j;
    }
    if (total > t.size()) out += "  ... " + std::to_string(total - t.size()) + " more frames\n";
    return out;
}

// ---- upvalues ----

UpvalueObject* VM::captureUpvalue(Value* slot) {
    UpvalueObject* prev = nullptr;
    UpvalueObject* u = openUpvalues_;
    while (u && u->location > slot) {
        prev = u;
        u = u->nextOpen;
    }
    if (u && u->location == slot) return u;
    UpvalueObject* created = heap_.newUpvalue(slot);
    created->nextOpen = u;
    if (prev) prev->nextOpen = created;
    else openUpvalues_ = created;
    return created;
}

void VM::closeUpvalues(Value* last) {
    while (openUpvalues_ && openUpvalues_->location >= last) {
        UpvalueObject* u = openUpvalues_;
        u->closed = *u->location;
        u->location = &u->closed;
        heap_.writeBarrier(u, u->closed);
        openUpvalues_ = u->nextOpen;
    }
}

// ---- GC roots ----

void VM::markRoots(Heap& heap) {
    // Cached classes and methods are weak: forget them rather than keep them alive.
    dropInvokeCache();
    for (Value* v = stack_; v < sp_; ++v) heap.markValue(*v);
    for (const CallFrame& f : frames_) heap.markObject(f.closure);
    for (UpvalueObject* u = openUpvalues_; u; u = u->nextOpen) heap.markObject(u);
    for (const Value& v : tempRoots) heap.markValue(v);
    heap.markValue(exception_);
}

} // namespace langoost
