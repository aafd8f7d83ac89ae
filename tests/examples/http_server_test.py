#!/usr/bin/env python3
"""End-to-end test of examples/http_server.goost, the HTTP/1.1 server
written in Langoost.

Starts `langoost run examples/http_server.goost 0`, reads the port the OS
picked from its "listening on PORT" line, then checks it with raw sockets
(GET/POST/404/405/HEAD, keep-alive, pipelining, chunked bodies,
Expect: 100-continue, 413, 431, malformed requests, HTTP/1.0, idle timeout),
with curl, and with a short wrk load run (no socket errors, no non-2xx).
Finally it sends SIGTERM and checks that the server exited. The server is
always killed, whatever happens.

    http_server_test.py --langoost PATH [--skip-load]
Exit status 0 when every check passed.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "lib"))
from testkit import check, summary  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "http_server.goost"
HOST = "127.0.0.1"
IO_TIMEOUT_S = 10
IDLE_TIMEOUT_MS = 2500  # passed to the server through HTTP_IDLE_TIMEOUT_MS
MAX_CONNECTIONS = 64    # and HTTP_MAX_CONNECTIONS
HEADER_TIMEOUT_MS = 1500  # and HTTP_HEADER_TIMEOUT_MS

# --------------------------------------------------------------------------
# The server process


class Server:
    def __init__(self, binary: str):
        env = dict(os.environ, HTTP_IDLE_TIMEOUT_MS=str(IDLE_TIMEOUT_MS), HTTP_MAX_CONNECTIONS=str(MAX_CONNECTIONS),
                   HTTP_HEADER_TIMEOUT_MS=str(HEADER_TIMEOUT_MS))
        self.proc = subprocess.Popen(
            [binary, "run", str(EXAMPLE), "0"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.output: list[str] = []
        self.errors: list[str] = []
        self.port_found = threading.Event()
        self.port = 0
        threading.Thread(target=self._drain, args=(self.proc.stdout, self.output, True), daemon=True).start()
        threading.Thread(target=self._drain, args=(self.proc.stderr, self.errors, False), daemon=True).start()
        if not self.port_found.wait(IO_TIMEOUT_S):
            raise RuntimeError("the server did not print 'listening on PORT'; stderr: " + "".join(self.errors))

    def _drain(self, pipe, sink, look_for_port):
        for raw in pipe:
            line = raw.decode("utf-8", "replace")
            sink.append(line)
            m = re.match(r"listening on (\d+)", line)
            if look_for_port and m and not self.port_found.is_set():
                self.port = int(m.group(1))
                self.port_found.set()

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL if it lingers; the exit status (None if it never exited)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    return None
        return self.proc.returncode


# --------------------------------------------------------------------------
# A tiny HTTP client over a raw socket, so we control every byte.


class Conn:
    def __init__(self, port: int):
        self.sock = socket.create_connection((HOST, port), timeout=IO_TIMEOUT_S)
        self.buf = b""

    def send(self, data: bytes | str):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        if not chunk:
            return False
        self.buf += chunk
        return True

    def read_head(self):
        """(status, headers with lowercased names) of the next response, or None at EOF."""
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                return None
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
        return status, headers

    def read_response(self, head_only: bool = False):
        """(status, headers, body) or None at EOF; the body is read by Content-Length."""
        got = self.read_head()
        if got is None:
            return None
        status, headers = got
        length = 0 if head_only else int(headers.get("content-length", "0"))
        while len(self.buf) < length:
            if not self._fill():
                raise AssertionError("connection closed in the middle of a body")
        body, self.buf = self.buf[:length], self.buf[length:]
        return status, headers, body

    def closed_by_peer(self, wait: float = 1.0) -> bool:
        """True when the server closes the connection (EOF, or a reset)
        within `wait` seconds, well before its idle timeout."""
        if self.buf:
            return False
        self.sock.settimeout(wait)
        try:
            return not self._fill()
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False
        finally:
            self.sock.settimeout(IO_TIMEOUT_S)

    def close(self):
        self.sock.close()


def request(method: str, path: str, body: bytes | str | None = None, headers=(), version="HTTP/1.1") -> str:
    lines = [f"{method} {path} {version}", "Host: test"]
    lines += list(headers)
    if body is not None:
        body = body.decode("latin-1") if isinstance(body, bytes) else body
        lines.append(f"Content-Length: {len(body.encode())}")
    return "\r\n".join(lines) + "\r\n\r\n" + (body or "")


def one(port: int, raw: str | bytes, head_only=False):
    c = Conn(port)
    try:
        c.send(raw)
        return c.read_response(head_only)
    finally:
        c.close()


def as_json(body: bytes):
    try:
        return json.loads(body)
    except ValueError:
        return None


# --------------------------------------------------------------------------
# Checks with raw sockets


def test_basics(port: int):
    status, headers, body = one(port, request("GET", "/"))
    check(status == 200, f"GET / → 200 (got {status})")
    check(headers.get("content-type") == "application/json", "GET / is JSON")
    check(int(headers.get("content-length", -1)) == len(body), "Content-Length matches the body")
    check((as_json(body) or {}).get("server") == "langoost-http", f"GET / names the server: {body!r}")

    status, _, body = one(port, request("GET", "/health"))
    check(status == 200 and (as_json(body) or {}).get("status") == "ok", f"GET /health: {status} {body!r}")

    status, headers, body = one(port, request("POST", "/items", '{"name":"apple","price":3}'))
    item = as_json(body) or {}
    check(status == 201, f"POST /items → 201 (got {status}, {body!r})")
    check(item.get("name") == "apple" and isinstance(item.get("id"), int), f"POST /items returns the item with an id: {body!r}")
    check(headers.get("location") == f"/items/{item.get('id')}", f"POST /items sets Location: {headers}")

    status, _, body = one(port, request("GET", f"/items/{item.get('id')}"))
    check(status == 200 and as_json(body) == item, f"GET /items/:id returns the stored item: {status} {body!r}")

    status, _, body = one(port, request("GET", "/items"))
    listing = as_json(body) or {}
    check(status == 200 and item in listing.get("items", []), f"GET /items lists the item: {body!r}")

    status, _, body = one(port, request("GET", "/items/999999"))
    check(status == 404 and "error" in (as_json(body) or {}), f"GET /items/999999 → 404 (got {status} {body!r})")
    status, _, _ = one(port, request("GET", "/no/such/path"))
    check(status == 404, f"unknown path → 404 (got {status})")
    status, headers, _ = one(port, request("DELETE", "/items"))
    check(status == 405 and "GET" in headers.get("allow", ""), f"DELETE /items → 405 with Allow (got {status} {headers})")

    status, _, body = one(port, request("POST", "/items", "{not json"))
    check(status == 400, f"POST /items with bad JSON → 400 (got {status} {body!r})")
    status, _, body = one(port, request("POST", "/items", "[1,2]"))
    check(status == 400, f"POST /items with a non-object → 400 (got {status} {body!r})")


def test_head(port: int):
    c = Conn(port)
    try:
        c.send(request("HEAD", "/health"))
        status, headers, body = c.read_response(head_only=True)
        check(status == 200, f"HEAD /health → 200 (got {status})")
        check(int(headers.get("content-length", "0")) > 0, "HEAD carries the GET Content-Length")
        # No body may follow: the next response on this connection must parse.
        c.send(request("GET", "/"))
        status, _, body = c.read_response()
        check(status == 200 and as_json(body) is not None, "HEAD sent no body (next response parses)")
    finally:
        c.close()


def test_keep_alive(port: int):
    c = Conn(port)
    try:
        c.send(request("GET", "/health"))
        first = c.read_response()
        c.send(request("GET", "/"))
        second = c.read_response()
        check(first is not None and first[0] == 200, "keep-alive: first request")
        check(second is not None and second[0] == 200, "keep-alive: second request on the same connection")
        check(first is not None and "connection" not in first[1], "HTTP/1.1 keeps the connection by default")
        # Connection: close is honoured.
        c.send(request("GET", "/health", headers=["Connection: close"]))
        third = c.read_response()
        check(third is not None and third[1].get("connection") == "close", "Connection: close is echoed")
        check(c.closed_by_peer(), "Connection: close closes the connection")
    finally:
        c.close()


def test_pipelining(port: int):
    c = Conn(port)
    try:
        c.send(request("GET", "/health") + request("POST", "/items", '{"pipelined":true}')
               + request("GET", "/items/999999") + request("GET", "/", headers=["Connection: close"]))
        statuses = []
        for _ in range(4):
            r = c.read_response()
            statuses.append(r[0] if r else None)
        check(statuses == [200, 201, 404, 200], f"pipelined requests answered in order: {statuses}")
        check(c.closed_by_peer(), "pipelined: closed after the last (Connection: close)")
    finally:
        c.close()


def test_bare_lf(port: int):
    c = Conn(port)
    try:
        c.send("GET /health HTTP/1.1\nHost: test\n\nGET / HTTP/1.1\nHost: test\nConnection: close\n\n")
        statuses = [r and r[0] for r in (c.read_response(), c.read_response())]
        check(statuses == [200, 200], f"requests with bare-LF line ends are understood: {statuses}")
    finally:
        c.close()


def test_chunked(port: int):
    c = Conn(port)
    try:
        c.send("POST /items HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n")
        for piece in ["6\r\n{\"name\r\n", "a;ext=1\r\n\":\"chunky\"\r\n", "1\r\n}\r\n", "0\r\nX-Trailer: yes\r\n\r\n"]:
            time.sleep(0.05)
            c.send(piece)
        status, _, body = c.read_response()
        check(status == 201 and (as_json(body) or {}).get("name") == "chunky", f"chunked POST → 201 (got {status} {body!r})")
        # The connection is still usable afterwards.
        c.send(request("GET", "/health"))
        r = c.read_response()
        check(r is not None and r[0] == 200, "keep-alive after a chunked body")
    finally:
        c.close()

    status, _, _ = one(port, "POST /items HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
    check(status == 400, f"malformed chunk size → 400 (got {status})")


def test_expect_continue(port: int):
    body = '{"name":"patient"}'
    c = Conn(port)
    try:
        c.send("POST /items HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\n"
               f"Content-Length: {len(body)}\r\n\r\n")
        interim = c.read_head()
        check(interim is not None and interim[0] == 100, f"Expect: 100-continue → 100 Continue first (got {interim})")
        c.send(body)
        status, _, reply = c.read_response()
        check(status == 201 and (as_json(reply) or {}).get("name") == "patient", f"then the final 201 (got {status} {reply!r})")
    finally:
        c.close()

    # A body that is too large is refused at once, without a 100.
    c = Conn(port)
    try:
        c.send("POST /items HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 5000000\r\n\r\n")
        r = c.read_response()
        check(r is not None and r[0] == 413, f"Expect with an oversized body → 413 without 100 (got {r and r[0]})")
    finally:
        c.close()


def test_limits(port: int):
    # 413: Content-Length over 1 MiB.
    c = Conn(port)
    try:
        c.send("POST /items HTTP/1.1\r\nHost: test\r\nContent-Length: 2000000\r\n\r\n")
        r = c.read_response()
        check(r is not None and r[0] == 413, f"2 MB Content-Length → 413 (got {r and r[0]})")
        check(r is not None and r[1].get("connection") == "close" and c.closed_by_peer(), "413 closes the connection")
    finally:
        c.close()

    # 413: a chunked body that grows past 1 MiB.
    c = Conn(port)
    try:
        c.send("POST /items HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"80000\r\n" + b"x" * 0x80000 + b"\r\n"  # 512 KiB each
        status = None
        try:
            for _ in range(3):
                c.send(chunk)
            r = c.read_response()
            status = r and r[0]
        except (BrokenPipeError, ConnectionResetError):
            status = "reset"
        check(status == 413, f"chunked body over 1 MiB → 413 (got {status})")
    finally:
        c.close()

    # A body just under the limit is fine (it is not JSON, so 400 from the handler).
    big = "x" * (1024 * 1024)
    status, _, body = one(port, request("POST", "/items", big))
    check(status == 400 and b"not JSON" in body, f"a 1 MiB body is read in full (got {status} {body[:60]!r})")

    # 431: headers over 16 KiB, as one huge header and as many small ones.
    status, headers, _ = one(port, request("GET", "/", headers=["X-Big: " + "a" * 20000]))
    check(status == 431 and headers.get("connection") == "close", f"a 20 KB header → 431 (got {status})")
    status, _, _ = one(port, request("GET", "/", headers=[f"X-H{i}: {'b' * 100}" for i in range(200)]))
    check(status == 431, f"200 headers of 100 bytes → 431 (got {status})")
    status, _, _ = one(port, "GET /" + "c" * 20000 + " HTTP/1.1\r\nHost: test\r\n\r\n")
    check(status == 431, f"a 20 KB request line → 431 (got {status})")
    # Just under the limit passes.
    status, _, _ = one(port, request("GET", "/health", headers=["X-Big: " + "a" * 15000]))
    check(status == 200, f"a 15 KB header is accepted (got {status})")


def test_malformed(port: int):
    cases = {
        "garbage request line": "garbage\r\n\r\n",
        "no HTTP version": "GET /\r\nHost: test\r\n\r\n",
        "header without colon": "GET / HTTP/1.1\r\nHost: test\r\nNoColonHere\r\n\r\n",
        "space before colon": "GET / HTTP/1.1\r\nHost : test\r\n\r\n",
        "bad Content-Length": "POST /items HTTP/1.1\r\nHost: test\r\nContent-Length: abc\r\n\r\n",
        "two different Content-Lengths": "POST /items HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        "CL and TE together": "POST /items HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "HTTP/1.1 without Host": "GET / HTTP/1.1\r\n\r\n",
        "target not a path": "GET items HTTP/1.1\r\nHost: test\r\n\r\n",
    }
    for name, raw in cases.items():
        c = Conn(port)
        try:
            c.send(raw)
            r = c.read_response()
            check(r is not None and r[0] == 400, f"{name} → 400 (got {r and r[0]})")
            check(r is not None and r[1].get("connection") == "close" and c.closed_by_peer(),
                  f"{name}: the connection is closed")
        finally:
            c.close()
    status, _, _ = one(port, "GET / HTTP/2.0\r\nHost: test\r\n\r\n")
    check(status == 505, f"HTTP/2.0 request line → 505 (got {status})")


def test_http10(port: int):
    c = Conn(port)
    try:
        c.send("GET /health HTTP/1.0\r\n\r\n")
        r = c.read_response()
        check(r is not None and r[0] == 200, "HTTP/1.0 GET → 200")
        check(r is not None and r[1].get("connection") == "close" and c.closed_by_peer(), "HTTP/1.0 closes by default")
    finally:
        c.close()
    c = Conn(port)
    try:
        c.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        r = c.read_response()
        check(r is not None and r[1].get("connection", "").lower() == "keep-alive", "HTTP/1.0 keep-alive is confirmed")
        c.send("GET / HTTP/1.0\r\n\r\n")
        r = c.read_response()
        check(r is not None and r[0] == 200 and c.closed_by_peer(), "HTTP/1.0 keep-alive: second request, then closed")
    finally:
        c.close()


def test_slowloris(port: int):
    """A client trickling header bytes (each within the quiet timeout) is
    answered 408 and closed once the head took longer than the header
    timeout, while other clients are served."""
    c = Conn(port)
    try:
        start = time.monotonic()
        c.send("G")
        reply = None
        for ch in "ET / HTTP/1.1\r\nHost: test\r\nX-Slow: " + "a" * 200:
            time.sleep(0.2)
            try:
                c.send(ch)
            except OSError:
                break
            if time.monotonic() - start > HEADER_TIMEOUT_MS / 1000 + 2:
                break
        status, _, _ = one(port, request("GET", "/health"))
        check(status == 200, "served while a slowloris client trickles")
        reply = c.read_response()
        waited = time.monotonic() - start
        check((reply is None or reply[0] == 408) and waited < HEADER_TIMEOUT_MS / 1000 + 3,
              f"slowloris: 408 or closed after {waited:.2f}s (got {reply and reply[0]})")
    finally:
        c.close()


def test_idle_timeout(port: int):
    c = Conn(port)
    try:
        c.send(request("GET", "/health"))
        c.read_response()
        start = time.monotonic()
        closed = c.closed_by_peer(wait=IO_TIMEOUT_S)
        waited = time.monotonic() - start
        check(closed and IDLE_TIMEOUT_MS / 1000 * 0.8 <= waited <= IDLE_TIMEOUT_MS / 1000 + 3,
              f"an idle keep-alive connection is closed after the timeout (closed={closed}, after {waited:.2f}s)")
    finally:
        c.close()


def test_concurrent(port: int):
    """60 connections at once (under the cap), each making 5 keep-alive requests."""
    results = []

    def client(i):
        try:
            c = Conn(port)
            ok = True
            for j in range(5):
                c.send(request("GET", "/health"))
                r = c.read_response()
                ok = ok and r is not None and r[0] == 200
            c.close()
            results.append(ok)
        except OSError:
            results.append(False)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(IO_TIMEOUT_S * 2)
    check(results.count(True) == 60, f"60 concurrent connections all served ({results.count(True)} ok)")


def test_connection_cap(port: int):
    """MAX_CONNECTIONS connections are served at once; the next one waits
    until one of them closes."""
    held = []
    try:
        served = 0
        for _ in range(MAX_CONNECTIONS):
            c = Conn(port)
            held.append(c)
            c.send(request("GET", "/health"))
            r = c.read_response()
            served += r is not None and r[0] == 200
        if not check(served == MAX_CONNECTIONS, f"{MAX_CONNECTIONS} connections open at once are served ({served})"):
            return
        # Use each connection once more, so that none nears its idle timeout
        # (opening them can take a while under a sanitizer).
        for c in held:
            c.send(request("GET", "/health"))
            c.read_response()
        extra = Conn(port)
        held.append(extra)
        extra.send(request("GET", "/health"))
        extra.sock.settimeout(0.5)
        try:
            early = extra.read_response()
        except socket.timeout:
            early = None
        extra.sock.settimeout(IO_TIMEOUT_S)
        check(early is None, f"connection {MAX_CONNECTIONS + 1} waits while {MAX_CONNECTIONS} are open")
        held.pop(0).close()
        start = time.monotonic()
        r = extra.read_response()
        check(r is not None and r[0] == 200 and time.monotonic() - start < 2.0,
              "it is served as soon as one connection closes")
    finally:
        for c in held:
            c.close()


# --------------------------------------------------------------------------
# curl


def curl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["curl", "-sS", "--max-time", "10", *args], capture_output=True, text=True, timeout=20)


def test_curl(port: int):
    base = f"http://{HOST}:{port}"
    r = curl(base + "/")
    check(r.returncode == 0 and (as_json(r.stdout.encode()) or {}).get("server") == "langoost-http", f"curl GET /: {r.stdout!r} {r.stderr!r}")

    r = curl("-w", "\n%{http_code}", "-H", "Content-Type: application/json", "-d", '{"name":"curl"}', base + "/items")
    body, _, code = r.stdout.rpartition("\n")
    check(code == "201" and (as_json(body.encode()) or {}).get("name") == "curl", f"curl POST /items: {r.stdout!r}")

    r = curl("-o", "/dev/null", "-w", "%{http_code}", base + "/items/424242")
    check(r.stdout == "404", f"curl 404: {r.stdout!r}")

    r = curl("-I", base + "/health")
    check(r.returncode == 0 and "200" in r.stdout.splitlines()[0] and "Content-Length" in r.stdout, f"curl HEAD: {r.stdout!r}")

    # Two URLs in one curl run share the connection.
    r = curl("-v", base + "/health", base + "/items")
    check(r.returncode == 0 and ("Re-using existing connection" in r.stderr or "Reusing existing connection" in r.stderr),
          "curl reuses the keep-alive connection")

    r = curl("-w", "\n%{http_code}", "-H", "Transfer-Encoding: chunked", "-d", '{"name":"curl-chunked"}', base + "/items")
    body, _, code = r.stdout.rpartition("\n")
    check(code == "201" and (as_json(body.encode()) or {}).get("name") == "curl-chunked", f"curl chunked upload: {r.stdout!r}")

    r = curl("-v", "-w", "\n%{http_code}", "-H", "Expect: 100-continue", "-d", '{"name":"curl-expect"}', base + "/items")
    body, _, code = r.stdout.rpartition("\n")
    check(code == "201" and "100 Continue" in r.stderr, f"curl Expect: 100-continue: {r.stdout!r}")

    r = curl("--http1.0", "-v", base + "/health")
    check(r.returncode == 0 and "HTTP/1.0" in r.stderr and '"ok"' in r.stdout, f"curl --http1.0: {r.stdout!r}")

    big = "x" * (2 * 1024 * 1024)
    r = subprocess.run(["curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}",
                        "--data-binary", "@-", base + "/items"], input=big, capture_output=True, text=True, timeout=20)
    check(r.stdout == "413", f"curl 2 MiB upload → 413 (got {r.stdout!r} {r.stderr!r})")


# --------------------------------------------------------------------------
# wrk


def test_load(port: int):
    for path in ["/health", "/items"]:
        r = subprocess.run(["wrk", "-t2", "-c16", "-d3s", f"http://{HOST}:{port}{path}"],
                           capture_output=True, text=True, timeout=30)
        print(r.stdout, flush=True)
        m = re.search(r"(\d+) requests in", r.stdout)
        total = int(m.group(1)) if m else 0
        check(r.returncode == 0 and total > 100, f"wrk {path}: ran ({total} requests)")
        check("Socket errors" not in r.stdout, f"wrk {path}: no socket errors")
        check("Non-2xx" not in r.stdout, f"wrk {path}: no non-2xx responses")


# --------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--langoost", required=True)
    ap.add_argument("--skip-load", action="store_true", help="leave out the wrk run")
    args = ap.parse_args()

    missing = [tool for tool in ["curl"] + ([] if args.skip_load else ["wrk"]) if shutil.which(tool) is None]
    if missing:
        print(f"missing tools: {', '.join(missing)} (scripts/install-deps installs them)")
        return 1

    server = Server(args.langoost)
    try:
        port = server.port
        print(f"server on port {port}", flush=True)
        tests = [test_basics, test_head, test_keep_alive, test_pipelining, test_bare_lf, test_chunked, test_expect_continue,
                 test_limits, test_malformed, test_http10, test_slowloris, test_idle_timeout, test_concurrent,
                 test_connection_cap, test_curl]
        if not args.skip_load:
            tests.append(test_load)
        for t in tests:
            try:
                t(port)
            except Exception as e:  # one broken check must not hide the others
                check(False, f"{t.__name__} raised {type(e).__name__}: {e}")
        check(server.proc.poll() is None, "the server is still running after all the checks")
        # After the load: the server still answers.
        r = one(port, request("GET", "/health"))
        check(r is not None and r[0] == 200, "the server still answers after the load run")
    finally:
        status = server.stop()
    check(status is not None, "the server exited after SIGTERM")
    check(status == -signal.SIGTERM, f"the server ended by SIGTERM (status {status})")
    # Nothing unexpected was reported by the server.
    noise = [l for l in server.output if not l.startswith("listening on")] + server.errors
    check(not noise, "the server printed no errors: " + "".join(noise)[:2000])

    return summary()


if __name__ == "__main__":
    sys.exit(main())
