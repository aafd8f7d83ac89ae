// isolate_overhead: what one request's fresh isolate costs in server mode,
// without any HTTP. Times, per iteration:
//   bare     — create an isolate + VM with the server's runtime config and destroy it;
//   empty    — ScriptRunner::run of an empty script (module-cache lookup with
//              its stat, isolate, run, response, teardown);
//   hello    — the same for println("hello world") with `import server`;
//   alloc    — the same for a handler that allocates like a small request
//              (a few hundred objects kept, thousands of short-lived ones,
//              about 1.5 MB in all, so each request's heap collects once or
//              twice); LANGOOST_GC_STATS=1 prints its collections and pauses.
//     langoost-isolate-bench [ITERATIONS]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "modules/ModuleLoader.h"
#include "server/ScriptRunner.h"
#include "server/ServerModule.h"
#include "stdlib/Stdlib.h"

using namespace langoost;

namespace {

template <typename F> double microsPerIteration(long iterations, F&& body) {
    for (long i = 0; i < iterations / 10 + 1; ++i) body(); // warm-up
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < iterations; ++i) body();
    std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;
    return elapsed.count() / double(iterations);
}

std::string writeScript(const std::string& dir, const char* name, const char* text) {
    std::string path = dir + "/" + name;
    std::ofstream(path) << text;
    char canonical[4096];
    return ::realpath(path.c_str(), canonical) ? canonical : path;
}

} // namespace

int main(int argc, char** argv) {
    long iterations = argc > 1 ? std::atol(argv[1]) : 200'000;
    char dirTemplate[] = "/tmp/langoost-isolate-XXXXXX";
    std::string dir = ::mkdtemp(dirTemplate);
    std::string empty = writeScript(dir, "empty.goost", "");
    std::string hello = writeScript(dir, "hello.goost", "import server\nprintln(\"hello world\")\n");
    std::string alloc = writeScript(dir, "alloc.goost", R"(import server
let rows = []
for i in range(500) {
    rows.push({id: i, name: "row " + toString(i), tags: [i, i + 1]})
}
let acc = 0
for i in range(12000) {
    let o = {v: i, w: [i]}
    acc = (acc + o.v + len(o.w)) % 1000003
}
println(acc + len(rows))
)");

    std::vector<NativeModuleInfo> natives;
    for (const NativeModuleDef* def : standardModules()) natives.push_back({def->name, nativeModuleExports(*def)});
    natives.push_back({serverModule().name, nativeModuleExports(serverModule())});
    auto loader = std::make_shared<ModuleLoader>(builtinNames(), std::move(natives));
    RuntimeConfig runtime = standardRuntime();
    runtime.modules.push_back(&serverModule());
    ScriptRunner runner(loader, runtime, ScriptLimits{}, false);
    RuntimeConfig bareConfig = runtime;
    bareConfig.captureOutput = true;
    bareConfig.maxStackSlots = 1u << 19;

    HttpRequestData request;
    request.method = "GET";
    request.path = "/";
    request.remoteAddr = "127.0.0.1";
    std::string failure;
    size_t bytes = 0;
    double bare = microsPerIteration(iterations, [&] { VM vm(bareConfig); });
    double emptyRun = microsPerIteration(iterations, [&] { bytes += runner.run(empty, request, failure).body.size(); });
    double helloRun = microsPerIteration(iterations, [&] { bytes += runner.run(hello, request, failure).body.size(); });
    double allocRun = microsPerIteration(iterations, [&] { bytes += runner.run(alloc, request, failure).body.size(); });
    if (!failure.empty()) std::fprintf(stderr, "script failed: %s\n", failure.c_str());
    std::printf("per request, %ld iterations, one thread:\n", iterations);
    std::printf("  isolate + VM create/destroy:          %6.2f us\n", bare);
    std::printf("  empty script (cache lookup + run):    %6.2f us\n", emptyRun);
    std::printf("  hello world (import server, println): %6.2f us\n", helloRun);
    std::printf("  allocating handler (~1.5 MB):         %6.2f us\n", allocRun);
    std::remove(empty.c_str());
    std::remove(alloc.c_str());
    std::remove(hello.c_str());
    ::rmdir(dir.c_str());
    return bytes == 0 ? 1 : 0;
}
