// CoreStore (src/store): embedded semantics, TTLs, atomic incr/cas under
// threads, and the file backend's replay, torn-tail recovery and compaction.
// The same semantics against Redis are checked by tests/core (script suite).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "store/CoreStore.h"

using namespace langoost;
namespace fs = std::filesystem;

namespace {

std::string errorKind(auto&& fn) {
    try {
        fn();
    } catch (const CoreError& e) {
        return e.kind;
    }
    return "";
}

// A fresh directory per test, removed afterwards.
class TempDir {
  public:
    TempDir() {
        path_ = fs::temp_directory_path() / ("langoost-core-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~TempDir() { fs::remove_all(path_); }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

  private:
    static inline int counter_ = 0;
    fs::path path_;
};

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void checkBasics(CoreStore& s) {
    EXPECT_EQ(s.get("a"), std::nullopt);
    s.set("a", R"({"x":[1,2.5,"s"]})", 0);
    EXPECT_EQ(s.get("a"), R"({"x":[1,2.5,"s"]})");
    s.set("a", "2", 0);
    EXPECT_EQ(s.get("a"), "2");
    EXPECT_EQ(s.incr("a", 40), 42);
    EXPECT_EQ(s.incr("n", 1), 1);
    EXPECT_EQ(s.incr("n", -5), -4);
    EXPECT_TRUE(s.remove("n"));
    EXPECT_FALSE(s.remove("n"));
    EXPECT_EQ(s.get("n"), std::nullopt);

    EXPECT_FALSE(s.cas("c", std::string_view("1"), "2"));
    EXPECT_TRUE(s.cas("c", std::nullopt, "1"));
    EXPECT_FALSE(s.cas("c", std::nullopt, "5"));
    EXPECT_FALSE(s.cas("c", std::string_view("1.0"), "5")); // int and float differ
    EXPECT_TRUE(s.cas("c", std::string_view("1"), "\"one\""));
    EXPECT_EQ(s.get("c"), "\"one\"");

    EXPECT_EQ(errorKind([&] { s.incr("c", 1); }), "TypeError");
    s.set("f", "1.0", 0);
    EXPECT_EQ(errorKind([&] { s.incr("f", 1); }), "TypeError");
    s.set("big", std::to_string(INT64_MAX), 0);
    EXPECT_EQ(errorKind([&] { s.incr("big", 1); }), "ValueError");
    EXPECT_EQ(s.get("big"), std::to_string(INT64_MAX));
    EXPECT_EQ(errorKind([&] { s.set("k", "1", -1); }), "ValueError");
    EXPECT_EQ(errorKind([&] { s.set("\xff", "1", 0); }), "ValueError");
    EXPECT_EQ(errorKind([&] { s.set("k", "{\n}", 0); }), "ValueError");

    s.set("user:2", "true", 0);
    s.set("user:10", "null", 0);
    s.set("user:1", "false", 0);
    s.set("users", "[]", 0);
    EXPECT_EQ(s.keys("user:"), (std::vector<std::string>{"user:1", "user:10", "user:2"}));
    EXPECT_EQ(s.keys("user").size(), 4u);
    EXPECT_EQ(s.keys("zzz").size(), 0u);
}

TEST(CoreStore, EmbeddedBasics) {
    auto s = openCoreStore("");
    EXPECT_EQ(s->describe(), "embedded");
    EXPECT_FALSE(s->mayBlock());
    checkBasics(*s);
}

TEST(CoreStore, FileBasics) {
    TempDir dir;
    auto s = openCoreStore("file:" + dir.file("log"));
    EXPECT_EQ(s->describe(), "file:" + dir.file("log"));
    checkBasics(*s);
    EXPECT_EQ(errorKind([&] { s->set("k", "{nope", 0); }), "ValueError");
}

TEST(CoreStore, BadUrls) {
    EXPECT_EQ(errorKind([] { openCoreStore("mysql://x"); }), "ValueError");
    EXPECT_EQ(errorKind([] { openCoreStore("file:"); }), "ValueError");
    EXPECT_EQ(errorKind([] { openCoreStore("file:/tmp/x?fsync=sometimes"); }), "ValueError");
    EXPECT_EQ(errorKind([] { openCoreStore("redis://localhost:99999/0"); }), "ValueError");
    EXPECT_EQ(errorKind([] { openCoreStore("file:/nonexistent-dir/x/y"); }), "IOError");
    // Port 1 on loopback: nothing listens there.
    EXPECT_EQ(errorKind([] { openCoreStore("redis://127.0.0.1:1/0"); }), "IOError");
}

TEST(CoreStore, TtlExpires) {
    auto s = openCoreStore("memory");
    s->set("t", "1", 30);
    s->set("keep", "1", 0);
    EXPECT_EQ(s->get("t"), "1");
    EXPECT_EQ(s->incr("t", 1), 2); // keeps the TTL
    EXPECT_TRUE(s->cas("t", std::string_view("2"), "3"));
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    EXPECT_EQ(s->get("t"), std::nullopt);
    EXPECT_EQ(s->keys(""), std::vector<std::string>{"keep"});
    EXPECT_FALSE(s->remove("t"));
    EXPECT_TRUE(s->cas("t", std::nullopt, "1")); // expired counts as absent
    EXPECT_EQ(s->incr("x", 0), 0);
    s->set("t2", "1", 30);
    s->set("t2", "1", 0); // a set without TTL drops it
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    EXPECT_EQ(s->get("t2"), "1");
}

void hammer(CoreStore& s, int increments = 5000) {
    constexpr int kThreads = 8;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&s, t, increments] {
            for (int i = 0; i < increments; ++i) {
                s.incr("shared", 1);
                s.incr("own:" + std::to_string(t), 2);
                // A cas loop: read, compute, swap; retried until it wins.
                for (;;) {
                    std::optional<std::string> cur = s.get("casCounter");
                    std::string next = std::to_string(cur ? std::stoll(*cur) + 1 : 1);
                    if (s.cas("casCounter", cur ? std::optional<std::string_view>(*cur) : std::nullopt, next)) break;
                }
                if (i % 100 == 0) s.keys("own:");
            }
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(s.get("shared"), std::to_string(kThreads * increments));
    EXPECT_EQ(s.get("casCounter"), std::to_string(kThreads * increments));
    for (int t = 0; t < kThreads; ++t) EXPECT_EQ(s.get("own:" + std::to_string(t)), std::to_string(2 * increments));
}

TEST(CoreStore, ConcurrentIncrAndCasAreExact) {
    auto s = openCoreStore("");
    hammer(*s);
}

TEST(CoreStore, FileConcurrentGroupCommit) {
    TempDir dir;
    std::string path = dir.file("log");
    {
        // fsync=always: concurrent writers share fdatasyncs (group commit).
        auto s = openCoreStore("file:" + path);
        hammer(*s, 200);
    }
    auto again = openCoreStore("file:" + path);
    EXPECT_EQ(again->get("shared"), "1600");
    EXPECT_EQ(again->get("casCounter"), "1600");
}

TEST(CoreStore, FileReplaysEverything) {
    TempDir dir;
    std::string path = dir.file("log");
    for (const char* policy : {"", "?fsync=interval", "?fsync=never"}) {
        fs::remove(path);
        {
            auto s = openCoreStore("file:" + path + policy);
            s->set("a", R"({"k":"v"})", 0);
            s->set("gone", "1", 0);
            EXPECT_TRUE(s->remove("gone"));
            s->incr("n", 5);
            s->incr("n", 5);
            EXPECT_TRUE(s->cas("c", std::nullopt, "\"x\\n\\\"y\\\"\""));
            s->set("ttl", "1", 100000);
            s->set("short", "1", 1);
            s->set("weird \"key\"\n\\", "[]", 0);
            s->flush();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5)); // "short" expires
        auto s = openCoreStore("file:" + path);
        EXPECT_EQ(s->get("a"), R"({"k":"v"})");
        EXPECT_EQ(s->get("gone"), std::nullopt);
        EXPECT_EQ(s->get("n"), "10");
        EXPECT_EQ(s->get("c"), "\"x\\n\\\"y\\\"\"");
        EXPECT_EQ(s->get("ttl"), "1");
        EXPECT_EQ(s->get("short"), std::nullopt);
        EXPECT_EQ(s->get("weird \"key\"\n\\"), "[]");
        EXPECT_EQ(s->keys(""), (std::vector<std::string>{"a", "c", "n", "ttl", "weird \"key\"\n\\"}));
    }
}

TEST(CoreStore, FileTtlSurvivesRestart) {
    TempDir dir;
    std::string path = dir.file("log");
    openCoreStore("file:" + path)->set("t", "1", 80);
    EXPECT_EQ(openCoreStore("file:" + path)->get("t"), "1");
    std::this_thread::sleep_for(std::chrono::milliseconds(120));
    EXPECT_EQ(openCoreStore("file:" + path)->get("t"), std::nullopt);
}

TEST(CoreStore, FileDropsTornLastLine) {
    TempDir dir;
    std::string path = dir.file("log");
    {
        auto s = openCoreStore("file:" + path);
        s->set("a", "1", 0);
        s->set("b", "2", 0);
    }
    std::string good = readFile(path);
    {
        std::ofstream out(path, std::ios::app | std::ios::binary);
        out << R"({"k":"c","x":0,"v":[1,2)";
    }
    {
        auto s = openCoreStore("file:" + path);
        EXPECT_EQ(s->get("a"), "1");
        EXPECT_EQ(s->get("b"), "2");
        EXPECT_EQ(s->get("c"), std::nullopt);
        EXPECT_EQ(readFile(path), good); // truncated away
        s->set("c", "3", 0);
    }
    EXPECT_EQ(openCoreStore("file:" + path)->get("c"), "3");
}

TEST(CoreStore, FileRefusesCorruptMiddle) {
    TempDir dir;
    std::string path = dir.file("log");
    {
        std::ofstream out(path, std::ios::binary);
        out << "{\"k\":\"a\",\"x\":0,\"v\":1}\ngarbage\n{\"k\":\"b\",\"x\":0,\"v\":2}\n";
    }
    EXPECT_EQ(errorKind([&] { openCoreStore("file:" + path); }), "IOError");
}

// Only a line without its '\n' is torn; a complete line that does not parse
// (a BOM, garbage) is corruption even when it is the last one.
TEST(CoreStore, FileRefusesCorruptCompleteLastLine) {
    TempDir dir;
    std::string path = dir.file("log");
    for (const char* bad : {"garbage\n", "\xEF\xBB\xBF{\"k\":\"c\",\"x\":0,\"v\":3}\n", "\n"}) {
        fs::remove(path);
        openCoreStore("file:" + path)->set("a", "1", 0);
        {
            std::ofstream out(path, std::ios::app | std::ios::binary);
            out << bad;
        }
        std::string before = readFile(path);
        EXPECT_EQ(errorKind([&] { openCoreStore("file:" + path); }), "IOError") << bad;
        EXPECT_EQ(readFile(path), before) << "a corrupt log is left as it is";
    }
}

// Each record carries a CRC-32C: a flipped digit that still parses is caught.
TEST(CoreStore, FileChecksumCatchesParseableCorruption) {
    TempDir dir;
    std::string path = dir.file("log");
    {
        auto s = openCoreStore("file:" + path);
        s->set("a", "1234", 0);
        s->set("b", "2", 0);
    }
    std::string log = readFile(path);
    ASSERT_EQ(log.substr(8, 2), " {");
    EXPECT_EQ(log.substr(0, 8).find_first_not_of("0123456789abcdef"), std::string::npos);
    {
        auto s = openCoreStore("file:" + dir.file("doc"));
        s->set("hits", "42", 0);
    }
    // The example line of docs/stdlib.md (CRC-32C of the JSON text).
    EXPECT_EQ(readFile(dir.file("doc")), "cc30df3e {\"k\":\"hits\",\"x\":0,\"v\":42}\n");
    size_t digit = log.find("1234");
    ASSERT_NE(digit, std::string::npos);
    log[digit] = '9';
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << log;
    }
    std::string message;
    try {
        openCoreStore("file:" + path);
    } catch (const CoreError& e) {
        message = e.what();
    }
    EXPECT_NE(message.find("corrupt at line 1"), std::string::npos) << message;
}

// Logs written before the checksum (bare JSON lines) still load, and new
// records are appended to them with one.
TEST(CoreStore, FileReadsLogsWithoutChecksums) {
    TempDir dir;
    std::string path = dir.file("log");
    {
        std::ofstream out(path, std::ios::binary);
        out << "{\"k\":\"a\",\"x\":0,\"v\":1}\n{\"k\":\"b\",\"x\":0,\"v\":[2]}\n{\"k\":\"a\",\"d\":1}\n";
    }
    {
        auto s = openCoreStore("file:" + path);
        EXPECT_EQ(s->get("a"), std::nullopt);
        EXPECT_EQ(s->get("b"), "[2]");
        s->set("c", "3", 0);
    }
    auto s = openCoreStore("file:" + path);
    EXPECT_EQ(s->get("b"), "[2]");
    EXPECT_EQ(s->get("c"), "3");
}

TEST(CoreStore, FileIsLockedAgainstASecondOpener) {
    TempDir dir;
    std::string path = dir.file("log");
    auto s = openCoreStore("file:" + path);
    EXPECT_EQ(errorKind([&] { openCoreStore("file:" + path); }), "IOError");
}

TEST(CoreStore, FileCompactionKeepsLiveData) {
    TempDir dir;
    std::string path = dir.file("log");
    std::string big(1000, 'x');
    {
        auto s = openCoreStore("file:" + path + "?fsync=never");
        // ~4 MiB of overwrites of 100 keys: compaction must kick in.
        auto key = [](int i) { return std::string("k").append(std::to_string(i)); };
        for (int i = 0; i < 4000; ++i) s->set(key(i % 100), "\"" + big + std::to_string(i) + "\"", 0);
        for (int i = 0; i < 50; ++i) s->remove(key(i));
        s->incr("counter", 7);
        s->flush();
        EXPECT_LE(fs::file_size(path), (1u << 20) + 2000); // compacted at least once
        EXPECT_FALSE(fs::exists(path + ".tmp"));
        EXPECT_EQ(s->get("k99"), "\"" + big + "3999\"");
    }
    auto s = openCoreStore("file:" + path);
    EXPECT_EQ(s->keys("k").size(), 50u);
    EXPECT_EQ(s->get("k0"), std::nullopt);
    EXPECT_EQ(s->get("k50"), "\"" + big + "3950\"");
    EXPECT_EQ(s->get("counter"), "7");
}

TEST(CoreStore, ProcessCoreIsSettable) {
    setProcessCore(openCoreStore("memory"));
    processCore().set("p", "1", 0);
    EXPECT_EQ(processCore().get("p"), "1");
    EXPECT_EQ(processCoreIfOpen(), &processCore());
}

} // namespace
