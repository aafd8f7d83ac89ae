// The sampling profiler (src/tools/Profiler): CPU time spent while no
// Langoost frame is on the stack (a tick delivered after main returned,
// say) shows as the one-frame stack `[runtime]`, never as an empty line.
#include <gtest/gtest.h>

#include <ctime>
#include <string>

#include "stdlib/Stdlib.h"
#include "tools/Profiler.h"
#include "vm/VM.h"

using namespace langoost;

namespace {

double threadCpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

} // namespace

TEST(Profiler, TimeOutsideEveryFrameIsTheRuntimeStack) {
    RuntimeConfig config = standardRuntime();
    config.captureOutput = true;
    VM vm(config);
    Profiler profiler(vm);
    std::string error;
    ASSERT_TRUE(profiler.start(error)) << error;
    volatile uint64_t sink = 0;
    for (double start = threadCpuMs(); threadCpuMs() - start < 60;) sink = sink + 1;
    profiler.stop();
    ASSERT_GT(profiler.samples(), 0u);
    std::string folded = profiler.folded();
    EXPECT_EQ(folded, "[runtime] " + std::to_string(profiler.samples()) + "\n");
    EXPECT_NE(profiler.topTable().find("100.0   100.0  [runtime]"), std::string::npos) << profiler.topTable();
}
