// Profiler: a sampling profiler of Langoost frames (`langoost run
// --profile OUT`). A POSIX timer on the VM thread's CPU-time clock sends
// SIGPROF at a fixed rate; the handler only copies the frames' instruction
// pointers into a preallocated ring (no allocation, no locks, nothing
// dereferenced but the frame stack). The kernel checks CPU-time timers once
// per tick, so one signal may stand for several periods: the timer's
// overrun count weights the sample, keeping counts proportional to CPU time. A drain thread moves samples out of the
// ring and counts identical stacks; symbolization (instruction pointer ->
// function, by the code ranges of the loaded modules) happens at the end.
// The running frame's pointer is the one saved at its last call or safe
// point, so samples are exact per function, approximate per line.
#pragma once
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "vm/VM.h"

namespace langoost {

class Profiler {
  public:
    static constexpr unsigned kDefaultHz = 1000;

    // Samples `vm`, which must run on the calling thread, from start() to stop().
    Profiler(VM& vm, unsigned hz = kDefaultHz);
    ~Profiler();
    Profiler(const Profiler&) = delete;
    Profiler& operator=(const Profiler&) = delete;

    // False (with a message) when the timer or signal cannot be set up, or
    // another profiler is running.
    bool start(std::string& error);
    void stop();

    // Folded stacks ("outer;inner count" lines, outermost first), the input
    // of flamegraph.pl, inferno and speedscope.
    std::string folded() const;
    // The `limit` functions with most samples where they were running
    // (self) and anywhere on the stack (total).
    std::string topTable(size_t limit = 10) const;
    uint64_t samples() const;
    uint64_t dropped() const;

    struct State; // shared with the signal handler and the drain thread

  private:
    VM& vm_;
    unsigned hz_;
    std::unique_ptr<State> state_;
};

} // namespace langoost
