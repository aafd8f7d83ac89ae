// stdlib/HttpParser: llhttp in strict mode plus the checks above it. Every
// case is also fed in two pieces split at each byte, and one byte at a
// time, so a verdict never depends on how the bytes arrived.
#include "stdlib/HttpParser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace langoost;

namespace {

struct Outcome {
    std::vector<ParsedRequest> requests;
    int error = 0;
};

// Feeds `input` in pieces of the sizes given (the rest in one last piece).
Outcome parse(std::string_view input, std::vector<size_t> pieces = {}) {
    RequestParser parser(4096, 4096);
    Outcome out;
    std::string pending;
    size_t pos = 0, piece = 0;
    while (pos < input.size() || !pending.empty()) {
        size_t n = piece < pieces.size() ? pieces[piece++] : input.size() - pos;
        pending.append(input.substr(pos, n));
        pos += std::min(n, input.size() - pos);
        for (;;) {
            size_t used = parser.feed(pending.data(), pending.size());
            pending.erase(0, used);
            if ((out.error = parser.errorStatus())) return out;
            if (!parser.complete()) break;
            out.requests.push_back(parser.take());
        }
        if (pos >= input.size()) break;
    }
    return out;
}

// The same verdict however the input is split.
Outcome parseEverySplit(std::string_view input) {
    Outcome whole = parse(input);
    for (size_t cut = 1; cut < input.size(); ++cut) {
        Outcome split = parse(input, {cut});
        EXPECT_EQ(split.error, whole.error) << "split at " << cut;
        EXPECT_EQ(split.requests.size(), whole.requests.size()) << "split at " << cut;
    }
    Outcome bytes = parse(input, std::vector<size_t>(input.size(), 1));
    EXPECT_EQ(bytes.error, whole.error) << "byte by byte";
    EXPECT_EQ(bytes.requests.size(), whole.requests.size()) << "byte by byte";
    return whole;
}

const std::string kNext = "GET /next HTTP/1.1\r\nHost: x\r\n\r\n";

} // namespace

TEST(HttpParser, PipelinedRequestsAndBodies) {
    Outcome o = parseEverySplit(
        "POST /a?b=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nX-Val: a  b \r\n\r\nabc"
        "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
        "Chunked\r\n\r\n3;ext=1\r\nabc\r\n1\r\nd\r\n0\r\n\r\n" +
        kNext);
    ASSERT_EQ(o.error, 0);
    ASSERT_EQ(o.requests.size(), 3u);
    EXPECT_EQ(o.requests[0].body, "abc");
    EXPECT_EQ(o.requests[0].headers[2].second, "a  b");
    EXPECT_EQ(o.requests[1].body, "abcd");
    EXPECT_EQ(o.requests[2].target, "/next");
}

TEST(HttpParser, RefusesSmugglingMaterial) {
    const std::string post = "POST / HTTP/1.1\r\nHost: x\r\n";
    const char* const cases[] = {
        "Transfer-Encoding: chunked\r\n\r\n3\r\nabcXX0\r\n\r\n", // junk instead of the chunk's CRLF
        "X-A : b\r\n\r\n",                                       // space before the colon
        "Transfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n", // chunk size "3 "
        "Host: y\r\n\r\n",                                          // two Host headers
        "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
        "X-A: a\r\n b\r\n\r\n", // obs-fold
        "X-A: a\r\n\tb\r\n\r\n",
        "X-A: a\x01\r\n\r\n",
        "X-A: a\nX-B: b\r\n\r\n",
        ": empty-name\r\n\r\n", // fuzz_http: llhttp let an empty name through
        "X-A: 1\r\n: 2\r\n\r\n",
    };
    for (const char* tail : cases) {
        Outcome o = parseEverySplit(post + tail + kNext);
        EXPECT_EQ(o.error, 400) << tail;
        EXPECT_TRUE(o.requests.empty()) << tail;
    }
    EXPECT_EQ(parseEverySplit("GET / HTTP/1.1\r\n\r\n").error, 400); // no Host on 1.1
    EXPECT_EQ(
        parseEverySplit("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").error,
        400);
    EXPECT_EQ(parseEverySplit("GET / HTTP/1.0\r\n\r\n").error, 0); // no Host is fine on 1.0
    EXPECT_EQ(parse("GET / HTTP/2.0\r\nHost: x\r\n\r\n").error, 505);
    EXPECT_EQ(parse("GET / HTTP/1.2\r\nHost: x\r\n\r\n").error, 505);
}

TEST(HttpParser, HeaderLimitCountsEveryByte) {
    RequestParser parser(100, 100);
    std::string spaces = "GET / HTTP/1.1\r\nHost: x\r\nX:" + std::string(5000, ' ');
    parser.feed(spaces.data(), spaces.size());
    EXPECT_EQ(parser.errorStatus(), 431);
}

TEST(HttpParser, ResponseHead) {
    RequestParser parser(4096, 0, RequestParser::Kind::ResponseHead);
    std::string in = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: "
                     "Upgrade\r\n\r\n\x81\x02hi";
    size_t used = parser.feed(in.data(), in.size());
    ASSERT_TRUE(parser.complete());
    EXPECT_EQ(in.substr(used), "\x81\x02hi");
    ParsedRequest head = parser.take();
    EXPECT_EQ(head.status, 101);
    EXPECT_TRUE(head.upgrade);
    RequestParser twice(4096, 0, RequestParser::Kind::ResponseHead);
    std::string bad = "HTTP/1.1 101 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n";
    twice.feed(bad.data(), bad.size());
    EXPECT_FALSE(twice.complete());
    EXPECT_NE(twice.errorStatus(), 0);
}

TEST(HttpParser, SplitTarget) {
    std::string_view path, query;
    ASSERT_TRUE(splitTarget("/a/b?x=1&y#frag", path, query));
    EXPECT_EQ(path, "/a/b");
    EXPECT_EQ(query, "x=1&y");
    ASSERT_TRUE(splitTarget("http://example.com:8080/p?q", path, query));
    EXPECT_EQ(path, "/p");
    EXPECT_EQ(query, "q");
    ASSERT_TRUE(splitTarget("https://example.com", path, query));
    EXPECT_EQ(path, "/");
    EXPECT_EQ(query, "");
    ASSERT_TRUE(splitTarget("http://example.com?q=1", path, query));
    EXPECT_EQ(path, "/");
    EXPECT_EQ(query, "q=1");
    EXPECT_FALSE(splitTarget("*", path, query));
    EXPECT_FALSE(splitTarget("example.com:443", path, query));
    EXPECT_FALSE(splitTarget("http://", path, query));
    EXPECT_FALSE(splitTarget("http:///p", path, query));
    EXPECT_FALSE(splitTarget("", path, query));
}

// fuzz_http: after a CONNECT's head llhttp treats the rest as a tunnel, so
// the verdict on what follows depended on how the bytes were split.
TEST(HttpParser, RefusesConnect) {
    Outcome out = parseEverySplit("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n" + kNext);
    EXPECT_EQ(out.error, 501);
    EXPECT_TRUE(out.requests.empty());
    out = parseEverySplit(kNext + "CONNECT ?x=1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\n\r\n");
    EXPECT_EQ(out.error, 501);
    EXPECT_EQ(out.requests.size(), 1u);
}
