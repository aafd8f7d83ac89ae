#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "modules/ModuleLoader.h"
#include "stdlib/Stdlib.h"

using namespace langoost;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("langoost-cache-" + std::to_string(::getpid()) + "-" +
                                            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
    fs::path write(const std::string& name, const std::string& text) {
        std::ofstream(path / name) << text;
        return path / name;
    }
};

ModuleLoader makeLoader() { return ModuleLoader(builtinNames(), {}); }

} // namespace

TEST(ModuleCache, UnchangedFileIsCompiledOnce) {
    TempDir dir;
    dir.write("lib.goost", "let x = 1\n");
    auto main = dir.write("main.goost", "import { x } from \"./lib\"\nprintln(x)\n");
    ModuleLoader loader = makeLoader();
    Diagnostics d1, d2;
    auto first = loader.loadEntry(main.string(), d1);
    auto second = loader.loadEntry(main.string(), d2);
    ASSERT_TRUE(first);
    EXPECT_EQ(first, second); // the same immutable chunk, not a recompile
    auto lib = loader.compiledModule(fs::canonical(dir.path / "lib.goost").string());
    ASSERT_TRUE(lib);
    EXPECT_EQ(lib->globalNames.size(), 1u);
}

TEST(ModuleCache, EditedFileIsRecompiled) {
    TempDir dir;
    auto file = dir.write("m.goost", "let a = 1\n");
    ModuleLoader loader = makeLoader();
    Diagnostics d1, d2;
    auto before = loader.loadEntry(file.string(), d1);
    dir.write("m.goost", "let a = 1\nlet b = 2\n");
    fs::last_write_time(file, fs::last_write_time(file) + std::chrono::seconds(2));
    auto after = loader.loadEntry(file.string(), d2);
    ASSERT_TRUE(before && after);
    EXPECT_NE(before, after);
    EXPECT_EQ(after->globalNames.size(), 2u);
}

// Many readers look modules up while a writer keeps recompiling an edited
// file: readers never block each other and always see a whole module.
// Run under the tsan preset, this is the cache's race check.
TEST(ModuleCache, ConcurrentReadersAndAWriter) {
    TempDir dir;
    auto file = dir.write("hot.goost", "let v = 0\n");
    ModuleLoader loader = makeLoader();
    Diagnostics d;
    ASSERT_TRUE(loader.loadEntry(file.string(), d));
    std::string key = fs::canonical(file).string();
    std::atomic<bool> stop{false};
    std::atomic<long> lookups{0};
    std::vector<std::thread> readers;
    for (int i = 0; i < 4; ++i)
        readers.emplace_back([&] {
            while (!stop.load()) {
                auto m = loader.compiledModule(key);
                if (m) {
                    EXPECT_FALSE(m->globalNames.empty());
                }
                lookups.fetch_add(1);
            }
        });
    for (int round = 1; round <= 20; ++round) {
        dir.write("hot.goost", "let v = " + std::to_string(round) + "\nlet w = 1\n");
        fs::last_write_time(file, fs::last_write_time(file) + std::chrono::seconds(round));
        Diagnostics dr;
        EXPECT_TRUE(loader.loadEntry(file.string(), dr));
    }
    stop.store(true);
    for (auto& t : readers) t.join();
    EXPECT_GT(lookups.load(), 0);
    EXPECT_EQ(loader.compiledModule(key)->globalNames.size(), 2u);
}

// Resolving a local is O(1): 100,000 locals in one function compile in well
// under a second (the old backwards scan took ~16 s here; the bound leaves
// room for sanitizer builds and a loaded machine).
TEST(ModuleCache, HundredThousandLocalsCompileInLinearTime) {
    // CPU time of this thread (not wall time: a loaded machine must not fail
    // it), for n and 4n locals: linear is ~4x, the old quadratic scope lookup ~16x.
    auto compileSeconds = [](int n) {
        TempDir dir;
        std::string text = "fn main() {\n";
        for (int i = 0; i < n; ++i) text += "    let v" + std::to_string(i) + " = " + std::to_string(i) + "\n";
        text += "    return v0 + v" + std::to_string(n - 1) + "\n}\n{\n";
        for (int i = 0; i < n; ++i) text += "    let b" + std::to_string(i) + " = println\n";
        text += "}\n";
        auto file = dir.write("many.goost", text);
        ModuleLoader loader = makeLoader();
        Diagnostics d;
        timespec t0{}, t1{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
        auto module = loader.loadEntry(file.string(), d);
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
        EXPECT_TRUE(module) << d.format();
        return double(t1.tv_sec - t0.tv_sec) + double(t1.tv_nsec - t0.tv_nsec) / 1e9;
    };
    double small = compileSeconds(25000);
    double large = compileSeconds(100000);
    // Only the ratio: sanitizer builds take 10 s of CPU for the large one.
    EXPECT_LT(large, 8.0 * std::max(small, 0.01)) << "25k locals: " << small << " s, 100k: " << large << " s";
}

// Compiling holds no lock: while one file is stuck in its compile (the hook
// blocks it), another file is compiled and a cached one is served.
TEST(ModuleCache, OtherModulesLoadWhileOneCompiles) {
    TempDir dir;
    auto slow = dir.write("slow.goost", "let s = 1\n");
    auto fast = dir.write("fast.goost", "let f = 1\n");
    auto cached = dir.write("cached.goost", "let c = 1\n");
    ModuleLoader loader = makeLoader();
    Diagnostics d0;
    ASSERT_TRUE(loader.loadEntry(cached.string(), d0));
    std::string slowKey = fs::canonical(slow).string();
    std::mutex m;
    std::condition_variable cv;
    bool slowEntered = false, release = false;
    loader.setCompileHook([&](const std::string& key) {
        if (key != slowKey) return;
        std::unique_lock lock(m);
        slowEntered = true;
        cv.notify_all();
        cv.wait_for(lock, std::chrono::seconds(30), [&] { return release; });
    });
    std::thread compiling([&] {
        Diagnostics d;
        EXPECT_TRUE(loader.loadEntry(slow.string(), d));
    });
    {
        std::unique_lock lock(m);
        ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return slowEntered; }));
    }
    // The slow compile is in progress (blocked in the hook) right now.
    Diagnostics d1, d2;
    EXPECT_TRUE(loader.loadEntry(fast.string(), d1));
    EXPECT_TRUE(loader.loadCanonical(fs::canonical(cached).string(), d2));
    {
        std::lock_guard lock(m);
        EXPECT_FALSE(release) << "the other loads finished while the slow compile was still running";
        release = true;
    }
    cv.notify_all();
    compiling.join();
    EXPECT_TRUE(loader.compiledModule(slowKey));
}
