#!/usr/bin/env python3
"""End-to-end tests of `langoost serve`.

Each test group starts its own server on 127.0.0.1 with a port the OS
picks (`--port 0`; the port is read from the server's start-up line),
serving a fresh copy of tests/server/site, and drives it with raw sockets
(so malformed, pipelined, chunked and slow requests can be sent exactly).
The server is always stopped, whatever happens.

    serve_test.py --langoost PATH GROUP...     (groups: see GROUPS below)
Exit status 0 when every check passed.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "lib"))
from testkit import ServerProcess, check, summary  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
HOST = "127.0.0.1"
IO_TIMEOUT_S = 15

class Server(ServerProcess):
    """`langoost serve TARGET --port 0 ...`, stopped on exit."""

    def __init__(self, binary: str, target: pathlib.Path | str, *flags: str, env: dict | None = None):
        super().__init__([binary, "serve", str(target), "--host", HOST, "--port", "0", *flags],
                         rb"http://[^:]+:(\d+)", env=env)


# --------------------------------------------------------------------------
# A minimal HTTP/1.1 client over a raw socket


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes, raw_head: str):
        self.status, self.headers, self.body, self.raw_head = status, headers, body, raw_head

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


def connect(port: int) -> socket.socket:
    s = socket.create_connection((HOST, port), timeout=IO_TIMEOUT_S)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class Reader:
    """Reads responses from a socket, keeping leftover bytes (pipelining)."""

    def __init__(self, sock: socket.socket):
        self.sock, self.buf = sock, b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buf += data
        return bool(data)

    def response(self, head_only: bool = False) -> Response | None:
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                return None
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        length = 0 if head_only else int(headers.get("content-length", "0"))
        while len(self.buf) < length:
            if not self._fill():
                break
        body, self.buf = self.buf[:length], self.buf[length:]
        return Response(status, headers, body, head.decode("latin-1"))

    def closed(self) -> bool:
        try:
            return not self._fill() and not self.buf
        except (ConnectionResetError, socket.timeout):
            return True


def request(port: int, method: str = "GET", path: str = "/", headers: dict | None = None, body: bytes = b"",
            raw: bytes | None = None) -> Response | None:
    with connect(port) as s:
        if raw is None:
            h = {"Host": "test", "Connection": "close", **(headers or {})}
            if body:
                h["Content-Length"] = str(len(body))
            raw = f"{method} {path} HTTP/1.1\r\n".encode() + "".join(f"{k}: {v}\r\n" for k, v in h.items()).encode() \
                + b"\r\n" + body
        s.sendall(raw)
        return Reader(s).response(head_only=(method == "HEAD"))


def fresh_site() -> pathlib.Path:
    site = pathlib.Path(tempfile.mkdtemp(prefix="langoost-serve-")) / "site"
    shutil.copytree(HERE / "site", site)
    (site / "docs" / "big.bin").write_bytes(bytes(range(256)) * 4096)  # 1 MiB: sent with sendfile
    (site / "docs" / "escape").symlink_to("/etc")
    (site / "docs" / "hostname.txt").symlink_to("/etc/hostname")
    (site / "docs" / "inside.css").symlink_to(site / "docs" / "style.css")
    return site


# --------------------------------------------------------------------------
# Groups


def test_routing(binary: str):
    site = fresh_site()
    with Server(binary, site) as srv:
        p = srv.port
        r = request(p, path="/?name=bob")
        check(r.status == 200 and r.text == "hello bob\n", f"index with query: {r.status} {r.text!r}")
        check(r.headers.get("x-hello") == "1", "script header")
        check(r.headers.get("content-type") == "text/html; charset=utf-8", "default content type")
        check(r.headers.get("server", "").startswith("langoost"), "Server header")
        check(re.match(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT", r.headers.get("date", "")) is not None, "Date header")
        r = request(p, path="/")
        check(r.status == 400 and r.text == "name required\n", f"status from script: {r.status}")
        r = request(p, path="/a/b")
        check(r.status == 200 and r.text == "a/b.goost\n", f"a/b.goost wins over a/b/index.goost: {r.text!r}")
        r = request(p, path="/c")
        check(r.status == 200 and r.text == "c/index.goost\n", f"c/index.goost: {r.status} {r.text!r}")
        r = request(p, path="/c/")
        check(r.status == 200 and r.text == "c/index.goost\n", "c/ with trailing slash")
        for missing in ["/nope", "/a/b/c", "/docs", "/docs/missing.css"]:
            r = request(p, path=missing)
            check(r.status == 404, f"{missing} -> 404, got {r.status}")
        r = request(p, path="/_health")
        check(r.status == 200 and r.text == "ok\n", f"/_health: {r.status} {r.text!r}")
        r = request(p, path="/echo?a=1&b=x+y&a=2&e=%C3%A9", method="POST", body=b"payload",
                    headers={"X-Custom": "Val", "Content-Type": "text/plain"})
        data = json.loads(r.body)
        check(data["method"] == "POST" and data["path"] == "/echo", f"request method/path: {data}")
        check(data["rawQuery"] == "a=1&b=x+y&a=2&e=%C3%A9", "rawQuery")
        check(data["query"] == {"a": ["1", "2"], "b": "x y", "e": "é"}, f"query parsing: {data['query']}")
        check(data["headers"].get("x-custom") == "Val", "lowercased header names")
        check(data["body"] == "payload" and data["remote"] == "127.0.0.1", f"body and remoteAddr: {data}")
        check(r.headers.get("content-type") == "application/json", "server.json content type")
        r = request(p, path="/handle_string")
        check(r.text == "printed first; handled GET" and r.headers["content-type"].startswith("text/plain"),
              f"handle() string with print prepended: {r.text!r}")
        r = request(p, path="/handle_object")
        check(json.loads(r.body) == {"list": [1, 2, 3], "path": "/handle_object"}, "handle() object -> JSON")
        r = request(p, path="/handle_explicit")
        check(r.status == 201 and r.headers.get("x-made") == "yes" and r.text == "created", "handle() {status, headers, body}")
        r = request(p, path="/redirect")
        check(r.status == 301 and r.headers.get("location") == "/elsewhere", f"redirect: {r.status} {r.headers}")
        r = request(p, path="/empty")
        check(r.status == 200 and r.body == b"" and r.headers.get("content-length") == "0", "empty output")
        r = request(p, path="/exit")
        check(r.status == 200 and r.text == "before exit\n", f"exit(0) ends the request only: {r.status} {r.text!r}")
        r = request(p, path="/uses_lib")
        check(r.text == "v1\n", "script importing a module")
    # --access-log: one line per request
    log = site.parent / "access.log"
    with Server(binary, site, "--access-log", str(log)) as srv:
        request(srv.port, path="/?name=logged")
        request(srv.port, path="/missing")
        time.sleep(0.3)
        lines = log.read_text().splitlines() if log.exists() else []
        # Each worker logs a request once its answer is sent, so two requests on
        # two connections may be logged in either order.
        logged = [l for l in lines if "/?name=logged" in l]
        check(len(lines) == 2 and len(logged) == 1
              and re.match(r'127\.0\.0\.1 - - \[[^\]]+\] "GET /\?name=logged HTTP/1\.1" 200 \d+ [\d.]+ms$', logged[0])
              and any('"GET /missing HTTP/1.1" 404' in l for l in lines), f"access log lines: {lines}")
    # A file target runs that script for every path.
    with Server(binary, site / "echo.goost") as srv:
        r = request(srv.port, path="/any/path/at/all?x=1")
        check(r.status == 200 and json.loads(r.body)["path"] == "/any/path/at/all", "file target runs for every path")
        r = request(srv.port, path="/_health")
        check(r.status == 200 and r.text == "ok\n", "/_health with a file target")


def test_static(binary: str):
    site = fresh_site()
    with Server(binary, site) as srv:
        p = srv.port
        r = request(p, path="/docs/style.css")
        check(r.status == 200 and r.text == "body { color: red }\n", f"static css: {r.status}")
        check(r.headers.get("content-type") == "text/css; charset=utf-8", f"css mime: {r.headers.get('content-type')}")
        etag, modified = r.headers.get("etag"), r.headers.get("last-modified")
        check(bool(etag) and bool(modified), "ETag and Last-Modified")
        r = request(p, path="/docs/page.html")
        check(r.headers.get("content-type") == "text/html; charset=utf-8", "html mime")
        r = request(p, path="/docs/style.css", headers={"If-None-Match": etag})
        check(r.status == 304 and r.body == b"", f"If-None-Match -> 304: {r.status}")
        r = request(p, path="/docs/style.css", headers={"If-None-Match": '"other", ' + etag})
        check(r.status == 304, "If-None-Match list")
        r = request(p, path="/docs/style.css", headers={"If-None-Match": '"other"'})
        check(r.status == 200, "If-None-Match mismatch -> 200")
        r = request(p, path="/docs/style.css", headers={"If-Modified-Since": modified})
        check(r.status == 304, f"If-Modified-Since -> 304: {r.status}")
        r = request(p, path="/docs/style.css", headers={"If-Modified-Since": "Mon, 01 Jan 1990 00:00:00 GMT"})
        check(r.status == 200, "old If-Modified-Since -> 200")
        r = request(p, method="HEAD", path="/docs/style.css")
        check(r.status == 200 and r.headers.get("content-length") == "20" and r.body == b"", "HEAD static")
        r = request(p, method="HEAD", path="/?name=x")
        check(r.status == 200 and r.headers.get("content-length") == "8", f"HEAD script keeps Content-Length: {r.headers}")
        r = request(p, path="/docs/big.bin")
        check(r.status == 200 and r.body == bytes(range(256)) * 4096, f"1 MiB static file: {len(r.body)} bytes")
        check(r.headers.get("content-type") == "application/octet-stream", "unknown extension mime")
        r = request(p, method="HEAD", path="/docs/big.bin")
        check(r.headers.get("content-length") == str(1 << 20), "HEAD big file length")
        r = request(p, method="POST", path="/docs/style.css", body=b"x")
        check(r.status == 405 and "GET" in r.headers.get("allow", ""), f"POST static -> 405: {r.status}")
        r = request(p, path="/docs/inside.css")
        check(r.status == 200, "symlink inside the root is served")


def test_security(binary: str):
    site = fresh_site()
    with Server(binary, site) as srv:
        p = srv.port
        attempts = ["/../../etc/passwd", "/docs/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                    "/docs/%2e%2e/%2e%2e/etc/hostname", "/docs%2f..%2f..%2fetc%2fpasswd", "/docs/..%2F..%2Fetc/passwd",
                    "/docs/..%5c..%5cetc/passwd", "/docs/escape/passwd", "/docs/escape/hostname", "/docs/hostname.txt",
                    "/index.goost", "/echo.goost", "/a/b.goost", "/.env", "/.hidden/secret.txt", "/_private/data.txt",
                    "/%2eenv", "/%5fprivate/data.txt", "/docs/style.css%00.png", "/lib"]
        for path in attempts:
            r = request(p, path=path)
            ok = r is not None and r.status in (400, 404)
            if r is not None and path == "/lib":
                ok = r.status == 200  # lib.goost is a script like any other: it runs (and prints nothing)
            check(ok, f"{path} -> {r.status if r else None}")
            if r is not None and r.status != 200:
                check(b"root:" not in r.body and b"secret" not in r.body and b"private" not in r.body
                      and b"println" not in r.body, f"{path} leaked content")
        r = request(p, raw=b"GET /docs/../docs/style.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        check(r.status == 200 and r.text.startswith("body"), "dot segments inside the root are normalised")
        r = request(p, raw=b"GET http://example.com/docs/style.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        check(r.status == 200, f"absolute-form request target: {r.status}")


def test_http(binary: str):
    site = fresh_site()
    with Server(binary, site, "--max-body-bytes", "100000", "--max-header-bytes", "8192",
                "--header-timeout-ms", "600", "--body-timeout-ms", "1500", "--idle-timeout-ms", "1500") as srv:
        p = srv.port
        # keep-alive + pipelining: three requests in one write, answered in order
        with connect(p) as s:
            s.sendall(b"GET /?name=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /a/b HTTP/1.1\r\nHost: x\r\n\r\n"
                      b"GET /?name=3 HTTP/1.1\r\nHost: x\r\n\r\n")
            rd = Reader(s)
            got = [rd.response() for _ in range(3)]
            check([g.text for g in got] == ["hello 1\n", "a/b.goost\n", "hello 3\n"], f"pipelined: {[g.text for g in got]}")
            s.sendall(b"GET /?name=4 HTTP/1.1\r\nHost: x\r\n\r\n")
            check(rd.response().text == "hello 4\n", "keep-alive reuse")
        # chunked request body
        with connect(p) as s:
            s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                      b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
            r = Reader(s).response()
            check(json.loads(r.body)["body"] == "hello world", f"chunked body: {r.text}")
        # Expect: 100-continue
        with connect(p) as s:
            s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            rd = Reader(s)
            interim = rd.response(head_only=True)
            check(interim is not None and interim.status == 100, "100 Continue sent before the body")
            s.sendall(b"ping")
            r = rd.response()
            check(r.status == 200 and json.loads(r.body)["body"] == "ping", "body after 100-continue")
        # 100-continue with a body over the limit: 413 straight away, body never sent
        with connect(p) as s:
            s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\nExpect: 100-continue\r\n\r\n")
            r = Reader(s).response()
            check(r.status == 413, f"oversized 100-continue -> 413: {r.status}")
        # body limits: Content-Length and chunked
        r = request(p, method="POST", path="/echo", body=b"x" * 100001)
        check(r is not None and r.status == 413, f"Content-Length over limit -> 413: {r and r.status}")
        big_chunks = b"".join(b"%x\r\n%s\r\n" % (50000, b"z" * 50000) for _ in range(3)) + b"0\r\n\r\n"
        r = request(p, raw=b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + big_chunks)
        check(r is not None and r.status == 413, f"chunked over limit -> 413: {r and r.status}")
        # header limit
        r = request(p, raw=b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 10000 + b"\r\n\r\n")
        check(r is not None and r.status == 431, f"big header -> 431: {r and r.status}")
        r = request(p, raw=b"GET /" + b"a" * 10000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        check(r is not None and r.status in (414, 431), f"long URL -> 414/431: {r and r.status}")
        # malformed requests
        for raw in [b"NONSENSE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
                    b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n", b"GET / HTTP/1.1\r\nHost: a\r\n\x00\r\n\r\n",
                    b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"]:
            r = request(p, raw=raw)
            check(r is not None and r.status in (400, 505), f"malformed {raw[:30]!r} -> {r and r.status}")
        # request smuggling material (issue 19): the strict parser answers 400 and
        # closes, so nothing after the bad framing is ever read as a request
        post = b"POST /echo HTTP/1.1\r\nHost: x\r\n"
        smuggling = {
            "junk instead of a chunk's CRLF": post + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabcXX0\r\n\r\n",
            "space before the colon": b"GET / HTTP/1.1\r\nHost: x\r\nX-A : b\r\n\r\n",
            "chunk size '3 '": post + b"Transfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n",
            "no Host on HTTP/1.1": b"GET / HTTP/1.1\r\n\r\n",
            "two Host headers": b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "Transfer-Encoding gzip, chunked": post + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            "Transfer-Encoding twice": post + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "Transfer-Encoding on HTTP/1.0": b"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "Content-Length with Transfer-Encoding": post + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "Content-Length twice, equal": post + b"Content-Length: 2\r\nContent-Length: 2\r\n\r\nab",
            "folded header line": b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n",
            "bare LF line ends": b"GET / HTTP/1.1\nHost: x\n\n",
        }
        for what, raw in smuggling.items():
            with connect(p) as s:
                s.sendall(raw + b"GET /?name=smuggled HTTP/1.1\r\nHost: x\r\n\r\n")
                rd = Reader(s)
                r = rd.response()
                check(r is not None and r.status == 400 and rd.closed(), f"{what} -> 400 and closed: {r and r.status}")
        r = request(p, raw=b"GET http://example.com?name=abs HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")
        check(r is not None and r.text == "hello abs\n", f"absolute-form, empty path -> /: {r and r.status}")
        r = request(p, raw=b"OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        check(r is not None and r.status == 400, f"OPTIONS * -> 400: {r and r.status}")
        # HTTP/1.0: closes unless keep-alive is asked for
        with connect(p) as s:
            s.sendall(b"GET /?name=old HTTP/1.0\r\n\r\n")
            rd = Reader(s)
            r = rd.response()
            check(r.text == "hello old\n" and r.headers.get("connection") == "close", "HTTP/1.0 closes")
            check(rd.closed(), "HTTP/1.0 connection closed")
        with connect(p) as s:
            s.sendall(b"GET /?name=ka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            rd = Reader(s)
            r = rd.response()
            check(r.headers.get("connection") == "keep-alive", "HTTP/1.0 keep-alive")
            s.sendall(b"GET /?name=ka2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            check(rd.response().text == "hello ka2\n", "HTTP/1.0 keep-alive reuse")
        # slow clients: unfinished headers get 408 after the header timeout, while others are served
        slow = connect(p)
        slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        t0 = time.time()
        r = request(p, path="/?name=fast")
        check(r.text == "hello fast\n", "served while a slow client holds a connection")
        r = Reader(slow).response()
        elapsed = time.time() - t0
        check(r is not None and r.status == 408 and 0.3 < elapsed < 5, f"header timeout -> 408 after {elapsed:.2f}s")
        slow.close()
        # slow bodies: a byte every 0.3 s never looks idle, but the whole body must
        # arrive within --body-timeout-ms (from the end of the headers): 408, while others are served
        slow_bodies = [connect(p) for _ in range(5)]
        for s in slow_bodies:
            s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
        t0 = time.time()
        answered = {}
        while len(answered) < len(slow_bodies) and time.time() - t0 < 8:
            for i, s in enumerate(slow_bodies):
                if i in answered:
                    continue
                try:
                    s.sendall(b"x")
                    s.setblocking(False)
                    data = s.recv(4096)
                    answered[i] = (data, time.time() - t0)
                except BlockingIOError:
                    pass
                except OSError as e:
                    answered[i] = (repr(e).encode(), time.time() - t0)
                finally:
                    s.setblocking(True)
            check_fast = request(p, path="/?name=beside") if len(answered) == 0 else None
            if check_fast is not None and check_fast.text != "hello beside\n":
                check(False, f"served beside slow bodies: {check_fast.text!r}")
            time.sleep(0.3)
        check(len(answered) == len(slow_bodies) and
              all(d.startswith(b"HTTP/1.1 408") and 1.2 < t < 4 for d, t in answered.values()),
              f"slow bodies -> 408 after the body timeout: {[(d[:20], round(t, 2)) for d, t in answered.values()]}")
        for s in slow_bodies:
            s.close()
        # idle keep-alive connections are closed
        with connect(p) as s:
            s.sendall(b"GET /?name=idle HTTP/1.1\r\nHost: x\r\n\r\n")
            rd = Reader(s)
            rd.response()
            t0 = time.time()
            check(rd.closed() and 1.0 < time.time() - t0 < 6, f"idle connection closed after {time.time() - t0:.2f}s")


def test_limits(binary: str):
    site = fresh_site()
    with Server(binary, site, "--timeout-ms", "300", "--max-memory-mb", "32", "--max-output-bytes", "1000000") as srv:
        p = srv.port
        t0 = time.time()
        r = request(p, path="/loop")
        check(r.status == 503 and time.time() - t0 < 5, f"infinite loop -> 503: {r.status} in {time.time() - t0:.2f}s")
        r = request(p, path="/bomb")
        check(r.status == 503, f"memory bomb -> 503: {r.status}")
        r = request(p, path="/flood")
        check(r.status == 500 and len(r.body) < 1000, f"output flood -> 500: {r.status} {len(r.body)} bytes")
        r = request(p, path="/?name=still")
        check(r.text == "hello still\n", "server keeps serving after limits")
        # a limit hit while another request runs does not disturb it
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            looping = pool.submit(request, p, "GET", "/loop")
            normal = [pool.submit(request, p, "GET", f"/?name=n{i}") for i in range(20)]
            check(all(f.result().text == f"hello n{i}\n" for i, f in enumerate(normal)), "requests beside a runaway one")
            check(looping.result().status == 503, "runaway one still ends with 503")
    check(srv.proc.returncode is not None, "server stopped")


def test_errors(binary: str):
    site = fresh_site()
    with Server(binary, site) as srv:
        r = request(srv.port, path="/fail")
        check(r.status == 500, f"script error -> 500: {r.status}")
        check(b"secret detail" not in r.body and b"fail.goost" not in r.body, "no trace leaked to the client")
        r = request(srv.port, path="/compile_error")
        check(r.status == 500 and b"compile_error.goost" not in r.body, f"compile error -> 500: {r.status}")
        # header names a script sets must be RFC 9110 tokens, values free of CR/LF/NUL, on every path
        for which in ["inject", "space", "empty", "nul", "server.header", "stream"]:
            r = request(srv.port, path=f"/bad_header?which={which}")
            check(r is not None and r.status == 500 and "admin=1" not in r.raw_head and "bad name" not in r.headers,
                  f"bad header ({which}) -> 500: {r and r.status} {r and r.raw_head!r}")
        r = request(srv.port, path="/bad_header?which=none")
        check(r.status == 200 and r.headers.get("x-fine_1") == "ok", f"a valid header still goes out: {r.raw_head!r}")
        time.sleep(0.2)
        log = srv.stderr()
        check("BoomError: secret detail" in log and "fail.goost:1" in log, "trace in the server log")
        check("compile_error.goost:1" in log, "compile diagnostic in the server log")
        check("invalid header name 'Set-Cookie: admin=1; X-Pad'" in log and "invalid header name 'X(y)'" in log
              and "the value of header 'X-A' contains CR, LF or NUL" in log, f"bad header names in the log: {log[-2000:]}")
    # a second server on a busy port refuses (SO_REUSEPORT would have let it share the port's traffic)
    with Server(binary, site) as srv:
        for host in [HOST, "0.0.0.0"]:
            second = subprocess.run([binary, "serve", str(site), "--host", host, "--port", str(srv.port)],
                                    capture_output=True, text=True, timeout=20)
            check(second.returncode == 1 and "address already in use" in second.stderr,
                  f"second serve on {host}:busy port -> exit 1: {second.returncode} {second.stderr!r}")
        check(all(request(srv.port, path=f"/?name=p{i}").text == f"hello p{i}\n" for i in range(20)),
              "the first server still answers every request")
    with Server(binary, site, "--dev") as srv:
        r = request(srv.port, path="/fail")
        check(r.status == 500 and b"BoomError: secret detail" in r.body and b"fail.goost" in r.body, "--dev shows the trace")


def test_reload(binary: str):
    site = fresh_site()
    with Server(binary, site) as srv:
        check(request(srv.port, path="/a/b").text == "a/b.goost\n", "before edit")
        target = site / "a" / "b.goost"
        target.write_text('println("edited")\n')
        st = target.stat()
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))  # a distinct mtime whatever the fs
        check(request(srv.port, path="/a/b").text == "edited\n", "edited script picked up without restart")
        check(request(srv.port, path="/uses_lib").text == "v1\n", "import before edit")
        lib = site / "lib.goost"
        lib.write_text('fn greeting() { return "v2" }\n')
        st = lib.stat()
        os.utime(lib, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
        check(request(srv.port, path="/uses_lib").text == "v2\n", "edited import picked up")
        (site / "new.goost").write_text('println("new file")\n')
        check(request(srv.port, path="/new").text == "new file\n", "new script routed")


def test_shutdown(binary: str):
    site = fresh_site()
    srv = Server(binary, site, "--grace-ms", "5000")
    try:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            inflight = pool.submit(request, srv.port, "GET", "/slow?ms=800")
            time.sleep(0.3)
            srv.proc.send_signal(signal.SIGTERM)
            r = inflight.result()
            check(r is not None and r.status == 200 and r.text == "slow done\n", f"in-flight request finished: {r and r.status}")
        code = srv.proc.wait(10)
        check(code == 0, f"exit status 0 after SIGTERM, got {code}")
        try:
            socket.create_connection((HOST, srv.port), timeout=1).close()
            check(False, "still accepting after shutdown")
        except OSError:
            pass
        check("stopped" in srv.stderr(), "shutdown logged")
    finally:
        srv.__exit__()
    # The grace period bounds the wait.
    srv = Server(binary, site, "--grace-ms", "300", "--timeout-ms", "60000")
    try:
        with connect(srv.port) as s:
            s.sendall(b"GET /slow?ms=5000 HTTP/1.1\r\nHost: x\r\n\r\n")
            time.sleep(0.2)
            t0 = time.time()
            srv.proc.send_signal(signal.SIGINT)
            code = srv.proc.wait(10)
            check(code == 0 and time.time() - t0 < 3, f"grace period bounds shutdown: {code} after {time.time() - t0:.2f}s")
    finally:
        srv.__exit__()


def test_isolation(binary: str):
    site = fresh_site()
    with Server(binary, site, "--workers", "4") as srv:
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda _: request(srv.port, path="/counter").text, range(32)))
        check(results == ["2\n"] * 32, f"globals are per request: {set(results)}")
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            fails = [pool.submit(request, srv.port, "GET", "/fail") for _ in range(8)]
            oks = [pool.submit(request, srv.port, "GET", "/counter") for _ in range(8)]
            check(all(f.result().status == 500 for f in fails), "failing requests fail")
            check(all(f.result().text == "2\n" for f in oks), "concurrent requests unaffected by failing ones")


def test_core(binary: str):
    """runtime.core from requests: concurrent incr gives exact totals."""
    site = fresh_site()
    with Server(binary, site, "--workers", "4") as srv:
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            values = list(pool.map(lambda _: int(request(srv.port, path="/incr").text), range(200)))
        check(sorted(values) == list(range(1, 201)), "embedded incr: every value once")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def test_core_redis(binary: str):
    """Two servers sharing one Redis see each other's incrs with exact totals."""
    redis = shutil.which("redis-server")
    if not check(redis is not None, "redis-server is installed"):
        return
    port = free_port()
    proc = subprocess.Popen([redis, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        site = fresh_site()
        url = f"redis://{HOST}:{port}/3"
        with Server(binary, site, "--core", url) as a, Server(binary, site, "--core", url) as b:
            check("core: redis://" in a.stderr(), "server reports the redis backend")
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                values = list(pool.map(lambda i: int(request((a if i % 2 else b).port, path="/incr").text), range(300)))
            check(sorted(values) == list(range(1, 301)), f"shared incr across two servers: {len(set(values))} distinct")
    finally:
        proc.terminate()
        proc.wait()


def ensure_ws_package():
    ws_dir = HERE.parent / "websocket"
    if not (ws_dir / "node_modules" / "ws").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(ws_dir)], check=True,
                       capture_output=True)


def ws_client(port, path="/ws", idle_ms=0):
    r = subprocess.run(["node", str(HERE / "ws_client.js"), f"ws://{HOST}:{port}{path}", str(idle_ms)],
                       capture_output=True, text=True, timeout=60)
    return json.loads(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else {"stderr": r.stderr}


def read_chunked(reader: Reader):
    """(chunks, terminated) of a chunked body, with arrival times."""
    chunks = []
    while True:
        while b"\r\n" not in reader.buf:
            if not reader._fill():
                return chunks, False
        size_line, reader.buf = reader.buf.split(b"\r\n", 1)
        size = int(size_line, 16)
        while len(reader.buf) < size + 2:
            if not reader._fill():
                return chunks, False
        data, reader.buf = reader.buf[:size], reader.buf[size + 2:]
        if size == 0:
            return chunks, True
        chunks.append((time.time(), data))


def test_streaming(binary: str):
    site = fresh_site()
    ensure_ws_package()
    with Server(binary, site, "--timeout-ms", "500", "--max-streams", "2") as srv:
        p = srv.port
        # SSE: events arrive one by one, before the script has finished
        with connect(p) as s:
            s.sendall(b"GET /sse HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
            rd = Reader(s)
            head = rd.response(head_only=True)
            check(head.status == 200 and head.headers.get("content-type", "").startswith("text/event-stream")
                  and head.headers.get("transfer-encoding") == "chunked" and head.headers.get("cache-control") == "no-cache",
                  f"SSE head: {head.raw_head}")
            chunks, done = read_chunked(rd)
            check([c[1] for c in chunks] == [b"data: event %d\n\n" % i for i in range(3)] and done, f"SSE events: {chunks}")
            check(len(chunks) == 3 and chunks[2][0] - chunks[0][0] > 0.08, "SSE events arrive as they are flushed")
        r = subprocess.run(["curl", "-sN", "-H", "Accept: text/event-stream", f"http://{HOST}:{p}/sse"],
                           capture_output=True, text=True, timeout=30)
        check(r.stdout == "".join(f"data: event {i}\n\n" for i in range(3)), f"curl -N sees the events: {r.stdout!r}")
        # flush on an ordinary request: chunked, and the connection stays usable
        with connect(p) as s:
            s.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            rd = Reader(s)
            head = rd.response(head_only=True)
            chunks, done = read_chunked(rd)
            check(head.headers.get("content-type") == "text/html; charset=utf-8", "streamed default content type")
            check([c[1] for c in chunks] == [b"first;", b"second;", b"last"] and done, f"chunked stream: {chunks}")
            s.sendall(b"GET /?name=after HTTP/1.1\r\nHost: x\r\n\r\n")
            check(rd.response().text == "hello after\n", "keep-alive after a streamed response")
        # a busy streaming script is still ended by the time limit
        with connect(p) as s:
            s.sendall(b"GET /busy_stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
            rd = Reader(s)
            rd.response(head_only=True)
            chunks, done = read_chunked(rd)
            check(chunks and not done, "busy stream cut short by the time limit")
        # WebSocket: welcome, then an echo after idling longer than the time limit
        got = ws_client(p, "/ws", idle_ms=1200)
        check(got.get("messages") == ["welcome /ws", "echo me", "binary:0102ff"] and got.get("code") == 1000,
              f"WebSocket in server mode (idle past --timeout-ms): {got}")
        r = request(p, path="/ws")
        check(r.status == 400 and r.text == "not a websocket upgrade\n", f"upgrade without Upgrade header: {r.status}")
        # --max-streams: two open WebSockets, the third is refused
        holders = [subprocess.Popen(["node", str(HERE / "ws_client.js"), f"ws://{HOST}:{p}/ws", "3000"],
                                    stdout=subprocess.PIPE, text=True) for _ in range(2)]
        time.sleep(1.0)
        got = ws_client(p, "/ws")
        check(got.get("status") == 503, f"--max-streams refuses the third: {got}")
        for h in holders:
            out = h.communicate(timeout=30)[0]
            check('"code":1000' in out, f"held WebSocket finished normally: {out!r}")
        r = request(p, path="/?name=ok")
        check(r.text == "hello ok\n", "still serving")
    # shutdown with an open WebSocket: the script is woken, the server exits 0
    srv = Server(binary, site, "--grace-ms", "5000")
    try:
        holder = subprocess.Popen(["node", str(HERE / "ws_client.js"), f"ws://{HOST}:{srv.port}/ws", "20000"],
                                  stdout=subprocess.PIPE, text=True)
        time.sleep(1.0)
        t0 = time.time()
        code = srv.stop()
        elapsed = time.time() - t0
        check(code == 0 and elapsed < 3,
              f"SIGTERM with an open WebSocket: exit {code} in {elapsed:.2f}s; server said: {srv.stderr()[-2000:]}")
        holder.kill()
        holder.wait()
    finally:
        srv.__exit__()


def write_site(files: dict[str, str]) -> pathlib.Path:
    site = pathlib.Path(tempfile.mkdtemp(prefix="langoost-serve-")) / "site"
    for name, text in files.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return site


PARAMS_SCRIPT = 'import server\nimport json\nprintln("{file} " + json.stringify(server.request.params))\n'


def test_params(binary: str):
    """Path parameters: [name].goost and [name]/ folders; exact names win."""
    names = ["index.goost", "users/[id].goost", "users/new.goost", "users/[id]/posts.goost",
             "users/[id]/posts/[post].goost", "files/[name].goost", "pages/[slug]/index.goost",
             "shop/[cat]/[item].goost", "shop/sale/[item].goost"]
    files = {n: PARAMS_SCRIPT.replace("{file}", n) for n in names}
    files["files/readme.txt"] = "static\n"
    site = write_site(files)
    with Server(binary, site) as srv:
        p = srv.port
        cases = {
            "/users/42": 'users/[id].goost {"id":"42"}',
            "/users/new": "users/new.goost {}",
            "/users/42/posts": 'users/[id]/posts.goost {"id":"42"}',
            "/users/7/posts/hello": 'users/[id]/posts/[post].goost {"id":"7","post":"hello"}',
            "/users/%C3%A9t%C3%A9": 'users/[id].goost {"id":"été"}',
            "/users/a%20b?x=1": 'users/[id].goost {"id":"a b"}',
            "/files/other": 'files/[name].goost {"name":"other"}',
            "/files/readme.txt": "static",
            "/pages/about": 'pages/[slug]/index.goost {"slug":"about"}',
            "/shop/sale/hat": 'shop/sale/[item].goost {"item":"hat"}',
            "/shop/toys/ball": 'shop/[cat]/[item].goost {"cat":"toys","item":"ball"}',
            "/": "index.goost {}",
        }
        for path, want in cases.items():
            r = request(p, path=path)
            check(r.status == 200 and r.text.strip() == want, f"{path}: {r.status} {r.text!r}, want {want!r}")
        for path in ["/users/42/nope", "/users/42/posts/1/2", "/users/_x", "/users/.x", "/users/42%2F43",
                     "/users/[id].goost", "/nothing", "/users/..%2F..%2Fetc"]:
            r = request(p, path=path)
            check(r.status in (400, 404), f"{path} -> 404, got {r.status} {r.text!r}")


SQL_SITE = {
    "db.goost": 'import sql\nimport os\nfn open() { return sql.open(os.getenv("TEST_DB_URL")) }\n',
    "init.goost": 'import { open } from "./db"\nlet db = open()\ndb.exec("DROP TABLE IF EXISTS items")\n'
                  'db.exec("CREATE TABLE items (name TEXT NOT NULL)")\nprintln("ready")\n',
    "add.goost": 'import server\nimport { open } from "./db"\n'
                 'open().exec("INSERT INTO items (name) VALUES (?)", [server.request.query.name])\nprintln("ok")\n',
    "count.goost": 'import server\nimport { open } from "./db"\n'
                   'println(open().queryOne("SELECT count(*) AS n FROM items WHERE name = ?", [server.request.query.name]).n)\n',
    "stuck.goost": 'import time\nimport { open } from "./db"\n'
                   'open().transaction(fn(tx) { tx.exec("INSERT INTO items (name) VALUES (?)", ["stuck"])\n time.sleep(60000) })\n',
    "throws.goost": 'import { open } from "./db"\n'
                    'open().transaction(fn(tx) { tx.exec("INSERT INTO items (name) VALUES (?)", ["thrown"])\n throw "no" })\n',
    "slow.goost": 'import { open } from "./db"\nlet db = open()\nif db.backend == "postgres" { db.query("SELECT pg_sleep(60)") }\n'
                  'else { db.query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c") }\n',
}


def sql_server_checks(binary: str, url: str, label: str):
    site = write_site(SQL_SITE)
    env = dict(os.environ, TEST_DB_URL=url)
    with Server(binary, site, "--workers", "2", "--db-pool", "3", "--timeout-ms", "1500", env=env) as srv:
        p = srv.port
        r = request(p, path="/init")
        if not check(r.status == 200 and r.text == "ready\n", f"{label}: init: {r.status} {r.text!r}"):
            return
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            oks = list(pool.map(lambda i: request(p, path="/add?name=many").text, range(60)))
        check(oks == ["ok\n"] * 60, f"{label}: 60 concurrent inserts through a pool of 3: {set(oks)}")
        check(request(p, path="/count?name=many").text == "60\n", f"{label}: all 60 rows there")
        # A request ended by its time limit inside a transaction: rolled back, lock released.
        r = request(p, path="/stuck")
        check(r.status == 503, f"{label}: a transaction past the time limit -> 503, got {r.status}")
        check(request(p, path="/count?name=stuck").text == "0\n", f"{label}: its insert was rolled back")
        r = request(p, path="/throws")
        check(r.status == 500, f"{label}: a transaction that throws -> 500, got {r.status}")
        check(request(p, path="/count?name=thrown").text == "0\n", f"{label}: rolled back on throw")
        r = request(p, path="/add?name=after")
        check(r.status == 200 and request(p, path="/count?name=after").text == "1\n", f"{label}: writes work after")
        # A query still running at the time limit is cancelled; the server goes on.
        start = time.time()
        r = request(p, path="/slow")
        check(r.status == 503 and time.time() - start < 10, f"{label}: a slow query -> 503 in time, got {r.status}")
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            counts = list(pool.map(lambda i: request(p, path="/count?name=many").text, range(16)))
        check(counts == ["60\n"] * 16, f"{label}: reads after the cancelled query: {set(counts)}")
    # One worker: a request waiting for its query parks, the worker answers others meanwhile.
    with Server(binary, site, "--workers", "1", "--db-pool", "2", "--timeout-ms", "3000", env=env) as srv:
        p = srv.port
        request(p, path="/count?name=many")  # warm: the pool holds a connection
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            slow = pool.submit(request, p, "GET", "/slow")
            time.sleep(0.5)
            r = request(p, path="/count?name=many")
            check(r.status == 200 and r.text == "60\n" and not slow.done(),
                  f"{label}: answered while a query of the only worker runs: {r.status} {r.text!r} {slow.done()}")
            check(slow.result().status == 503, f"{label}: the slow query still ends at the time limit")


def test_sql(binary: str):
    """sql in requests: a shared pool per URL, transactions rolled back when
    their request ends, queries cancelled at the time limit; SQLite, and a
    private PostgreSQL when the server binaries are installed."""
    tmp = tempfile.mkdtemp(prefix="langoost-sql-")
    sql_server_checks(binary, f"sqlite:{tmp}/app.db", "sqlite")
    sys.path.insert(0, str(HERE.parent / "sql"))
    from postgres_fixture import PrivatePostgres, Unavailable
    try:
        with PrivatePostgres() as pg:
            sql_server_checks(binary, pg.url, "postgres")
    except Unavailable as e:
        print(f"skip postgres: {e}")
    shutil.rmtree(tmp, ignore_errors=True)


GROUPS = {name[5:]: fn for name, fn in globals().items() if name.startswith("test_")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--langoost", required=True)
    ap.add_argument("groups", nargs="*", help="default: all of " + ", ".join(GROUPS))
    args = ap.parse_args()
    for name in args.groups or list(GROUPS):
        if name not in GROUPS:
            print(f"unknown group {name}", file=sys.stderr)
            return 2
        try:
            GROUPS[name](os.path.abspath(args.langoost))
        except Exception as e:  # a crash of the test itself is a failure too
            check(False, f"{name}: {type(e).__name__}: {e}")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
