// DebugSession: the debugger inside the VM. It is the program's CodeTraps
// (VM.h): breakpoint and step traps, exception and pause hooks all end in
// stop(), which parks the program's thread until the adapter resumes it.
// While parked, the thread runs the adapter's inspection tasks (stack,
// variables, evaluate): heap objects are only ever touched by the thread
// that holds the isolate, never by the adapter's thread.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

#include "tools/debug/CodePatches.h"
#include "vm/VM.h"

namespace langoost::debug {

enum class StepKind { Continue, In, Over, Out };

class DebugSession : public CodeTraps {
  public:
    struct Listener {
        // reason: entry, breakpoint, step, pause, exception; `text` describes an exception.
        std::function<void(const std::string& reason, const std::string& text)> stopped;
        std::function<void(const PlacedBreakpoint&)> breakpointChanged;
        // A message for the debug console (a failing breakpoint condition).
        std::function<void(const std::string& text)> console;
    };
    // `evaluate` runs an expression in the innermost frame for a breakpoint
    // condition: true when it holds; an error message in `error` otherwise.
    using ConditionFn = std::function<bool(VM& vm, const std::string& expression, std::string& error)>;
    DebugSession(Listener listener, ConditionFn condition)
        : listener_(std::move(listener)), condition_(std::move(condition)) {}

    // ---- CodeTraps (on the program's threads) ----
    void instantiated(const std::shared_ptr<const CompiledModule>& module) override;
    Instruction hit(VM& vm, const FunctionProto& proto, const Instruction* at) override;
    void raised(VM& vm, bool uncaught, bool rethrown) override;
    void paused(VM& vm) override;

    // ---- the adapter's side ----
    // Modules compiled before the run (the entry and its static imports).
    void addModule(const std::shared_ptr<const CompiledModule>& module);
    std::vector<PlacedBreakpoint> setBreakpoints(const std::string& path, const std::vector<BreakpointRequest>& requests);
    void setExceptionFilters(bool uncaught, bool raised);
    void stopOnEntry();
    // Resumes a stopped program (a no-op when it runs).
    void resume(StepKind kind);
    void requestPause() { pauseRequested.store(true); }
    // Runs `task` on the stopped program's thread and waits for it; false
    // (task not run) when the program is not stopped.
    bool inspect(const std::function<void(VM&)>& task);
    // From now on nothing stops the program (the client went away).
    void detach();
    // Inside a task: code run by the debugger itself (conditions,
    // evaluate) hits no breakpoint and stops on no exception.
    class Evaluating {
      public:
        explicit Evaluating(DebugSession& s) : s_(s) { ++s_.evaluating_; }
        ~Evaluating() { --s_.evaluating_; }

      private:
        DebugSession& s_;
    };

  private:
    void stop(VM& vm, const std::string& reason, const std::string& text);
    bool stepStopsAt(VM& vm, const FunctionProto& proto, uint32_t line) const;

    Listener listener_;
    ConditionFn condition_;
    std::mutex mutex_;
    std::condition_variable wake_;
    CodePatches patches_;
    // Step state: which thread steps, from how many frames, and how.
    StepKind step_ = StepKind::Continue;
    const VM* stepVm_ = nullptr;
    size_t stepDepth_ = 0;
    // Where the step began: other runs of that line in that frame (a for
    // loop's head comes in two) do not end a step.
    const FunctionProto* stepProto_ = nullptr;
    uint32_t stepLine_ = 0;
    bool entryPending_ = false;
    bool breakOnUncaught_ = false, breakOnRaised_ = false;
    bool detached_ = false;
    // While stopped: queued tasks, and the resume command once given.
    bool stopped_ = false;
    bool resumeGiven_ = false;
    StepKind resumeKind_ = StepKind::Continue;
    std::deque<std::function<void(VM&)>*> tasks_;
    int evaluating_ = 0; // only touched by the stopped thread
};

} // namespace langoost::debug
