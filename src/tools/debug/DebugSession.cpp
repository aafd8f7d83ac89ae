#include "tools/debug/DebugSession.h"

#include "vm/MapOps.h"

namespace langoost::debug {

namespace {

// "Kind: message" of an error object, else the thrown value as text.
std::string describeException(VM& vm) {
    Value e = vm.exception();
    if (e.isObjType(ObjType::Map)) {
        Value* kind = mapFind(e.as<MapObject>(), "kind");
        Value* message = mapFind(e.as<MapObject>(), "message");
        if (kind && message && kind->isObjType(ObjType::String) && message->isObjType(ObjType::String))
            return std::string(kind->as<StringObject>()->view()) + ": " + std::string(message->as<StringObject>()->view());
    }
    return "uncaught exception: " + vm.toString(e);
}

} // namespace

void DebugSession::instantiated(const std::shared_ptr<const CompiledModule>& module) {
    std::vector<PlacedBreakpoint> landed;
    {
        std::lock_guard lock(mutex_);
        landed = patches_.addModule(module);
    }
    for (const auto& b : landed) listener_.breakpointChanged(b);
}

void DebugSession::addModule(const std::shared_ptr<const CompiledModule>& module) {
    std::lock_guard lock(mutex_);
    patches_.addModule(module);
}

std::vector<PlacedBreakpoint> DebugSession::setBreakpoints(const std::string& path,
                                                           const std::vector<BreakpointRequest>& requests) {
    std::lock_guard lock(mutex_);
    return patches_.setBreakpoints(path, requests);
}

void DebugSession::setExceptionFilters(bool uncaught, bool raised) {
    std::lock_guard lock(mutex_);
    breakOnUncaught_ = uncaught;
    breakOnRaised_ = raised;
}

void DebugSession::stopOnEntry() {
    std::lock_guard lock(mutex_);
    entryPending_ = true;
    patches_.setStepping(true);
}

bool DebugSession::stepStopsAt(VM& vm, const FunctionProto& proto, uint32_t line) const {
    if (entryPending_) return true;
    if (step_ == StepKind::Continue || &vm != stepVm_) return false;
    size_t depth = vm.frames().size();
    if (depth == stepDepth_ && &proto == stepProto_ && line == stepLine_) return false;
    if (step_ == StepKind::Over) return depth <= stepDepth_;
    if (step_ == StepKind::Out) return depth < stepDepth_;
    return true;
}

namespace {

uint32_t lineOf(const FunctionProto& proto, const Instruction* at) {
    size_t pc = size_t(at - proto.code.data());
    return pc < proto.locations.size() ? proto.locations[pc].line : 0;
}

} // namespace

Instruction DebugSession::hit(VM& vm, const FunctionProto& proto, const Instruction* at) {
    std::unique_lock lock(mutex_);
    const CodePatches::Patch* patch = patches_.find(at);
    if (!patch) return *at; // taken away after this thread read the Trap
    Instruction original = patch->original;
    if (evaluating_ || detached_) return original;
    if (patch->step && stepStopsAt(vm, proto, lineOf(proto, at))) {
        std::string reason = entryPending_ ? "entry" : "step";
        lock.unlock();
        stop(vm, reason, {});
        return original;
    }
    if (!patch->breakpointId) return original;
    std::string condition = patch->condition;
    lock.unlock();
    if (!condition.empty()) {
        std::string error;
        bool holds;
        {
            Evaluating quiet(*this);
            holds = condition_(vm, condition, error);
        }
        if (!error.empty()) listener_.console("breakpoint condition `" + condition + "` failed: " + error + "\n");
        if (!holds && error.empty()) return original;
    }
    stop(vm, "breakpoint", {});
    return original;
}

void DebugSession::raised(VM& vm, bool uncaught, bool rethrown) {
    {
        std::lock_guard lock(mutex_);
        if (evaluating_ || detached_) return;
        if (!(breakOnUncaught_ && uncaught) && !(breakOnRaised_ && !rethrown)) return;
    }
    stop(vm, "exception", describeException(vm));
}

void DebugSession::paused(VM& vm) {
    if (!pauseRequested.exchange(false) || evaluating_) return;
    {
        std::lock_guard lock(mutex_);
        if (detached_) return;
    }
    stop(vm, "pause", {});
}

void DebugSession::stop(VM& vm, const std::string& reason, const std::string& text) {
    vm.flush(); // the program's output so far comes before the stop
    std::unique_lock lock(mutex_);
    entryPending_ = false;
    step_ = StepKind::Continue;
    patches_.setStepping(false);
    stopped_ = true;
    resumeGiven_ = false;
    lock.unlock();
    listener_.stopped(reason, text);
    lock.lock();
    for (;;) {
        wake_.wait(lock, [&] { return !tasks_.empty() || resumeGiven_ || detached_; });
        if (!tasks_.empty()) {
            auto* task = tasks_.front();
            lock.unlock();
            {
                Evaluating quiet(*this);
                (*task)(vm);
            }
            lock.lock();
            tasks_.pop_front();
            wake_.notify_all();
            continue;
        }
        break;
    }
    stopped_ = false;
    pauseRequested.store(false);
    if (detached_) return;
    step_ = resumeKind_;
    stepVm_ = &vm;
    stepDepth_ = vm.frames().size();
    stepProto_ = nullptr;
    if (stepDepth_ > 0) {
        const CallFrame& top = vm.frames()[stepDepth_ - 1];
        stepProto_ = top.closure->proto;
        stepLine_ = lineOf(*stepProto_, top.ip ? top.ip - 1 : top.closure->code);
    }
    if (step_ != StepKind::Continue) patches_.setStepping(true);
}

void DebugSession::resume(StepKind kind) {
    std::lock_guard lock(mutex_);
    if (!stopped_) return;
    resumeKind_ = kind;
    resumeGiven_ = true;
    wake_.notify_all();
}

bool DebugSession::inspect(const std::function<void(VM&)>& task) {
    std::unique_lock lock(mutex_);
    if (!stopped_ || resumeGiven_) return false;
    std::function<void(VM&)> copy = task;
    tasks_.push_back(&copy);
    wake_.notify_all();
    wake_.wait(lock, [&] { return std::find(tasks_.begin(), tasks_.end(), &copy) == tasks_.end(); });
    return true;
}

void DebugSession::detach() {
    std::lock_guard lock(mutex_);
    detached_ = true;
    step_ = StepKind::Continue;
    entryPending_ = false;
    patches_.setStepping(false);
    wake_.notify_all();
}

} // namespace langoost::debug
