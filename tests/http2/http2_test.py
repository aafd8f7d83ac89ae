#!/usr/bin/env python3
"""HTTP/2 and TLS end to end: `langoost serve --h2c`, `langoost serve
--tls-cert/--tls-key`, and the `http2` module (serveCleartext, serve).

Every group starts its own server on 127.0.0.1 with a port the OS picks
(read from the server's start-up line) and stops it at the end, whatever
happens. Clients are independent implementations: curl (libcurl + nghttp2)
for prior knowledge, `Upgrade: h2c`, ALPN and HTTP/1.1 on the same port,
and nghttp (nghttp2-client) for many concurrent streams on one connection,
checking every stream's status. TLS groups make a throw-away certificate
with `openssl req -x509`.

    http2_test.py --langoost PATH GROUP...
    groups: serve-h2c serve-tls module-cleartext module-tls
Exit status 0 when every check passed.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "lib"))
from testkit import ServerProcess, check, summary  # noqa: E402

HOST = "127.0.0.1"
TIMEOUT_S = 30

def serve(binary: str, target: pathlib.Path, *flags: str) -> ServerProcess:
    return ServerProcess([binary, "serve", str(target), "--host", HOST, "--port", "0", "--workers", "2", *flags],
                  rb"https?://[^:]+:(\d+)")


def run_module(binary: str, script: pathlib.Path, *args: str) -> ServerProcess:
    return ServerProcess([binary, "run", str(script), *args], rb"listening on port (\d+)")


def curl(*args: str, data: bytes | None = None) -> tuple[int, str, bytes]:
    """(exit status, response head text, body bytes) of one curl call."""
    with tempfile.NamedTemporaryFile() as head, tempfile.NamedTemporaryFile() as body:
        cmd = ["curl", "-sS", "--max-time", str(TIMEOUT_S), "-D", head.name, "-o", body.name, *args]
        if data is not None:
            cmd[1:1] = ["--data-binary", "@-"]
        p = subprocess.run(cmd, input=data, capture_output=True)
        return p.returncode, pathlib.Path(head.name).read_text(errors="replace"), pathlib.Path(body.name).read_bytes()


def final_status(head: str) -> tuple[str, int]:
    """The protocol and status of the last response in a -D dump (after a 101)."""
    lines = [line for line in head.splitlines() if line.startswith("HTTP/")]
    if not lines:
        return "", 0
    proto, status = lines[-1].split()[:2]
    return proto, int(status)


def nghttp_statuses(*args: str) -> dict[str, list[int]]:
    """Runs `nghttp -nv ARGS…` and maps each requested path to the statuses
    its streams got (one entry per stream)."""
    p = subprocess.run(["nghttp", "-nv", "-t", str(TIMEOUT_S), *args], capture_output=True, text=True)
    paths: dict[int, str] = {}
    statuses: dict[str, list[int]] = {}
    current = None
    for line in p.stdout.splitlines():
        m = re.search(r"send HEADERS frame <.*stream_id=(\d+)>", line)
        if m:
            current = int(m.group(1))
            continue
        m = re.match(r"\s+:path: (\S+)", line)
        if m and current is not None:
            paths[current] = m.group(1)
            continue
        if not line.startswith(" "):
            current = None
        m = re.search(r"recv \(stream_id=(\d+)\) :status: (\d+)", line)
        if m:
            statuses.setdefault(paths.get(int(m.group(1)), "?"), []).append(int(m.group(2)))
    return statuses


def make_site(root: pathlib.Path) -> None:
    root.mkdir()
    for name in ("index", "hello", "up"):
        (root / f"{name}.goost").write_text('import server\nprintln("hello " + server.request.path)\n')
    (root / "echo.goost").write_text(
        'import server\n'
        'let r = server.request\n'
        'server.json({method: r.method, path: r.path, query: r.query, body: r.body,\n'
        '             host: r.headers.host, ua: r.headers["x-test"]})\n')
    (root / "fail.goost").write_text('throw error("ValueError", "broken on purpose")\n')
    (root / "stream.goost").write_text('import server\nprintln("part")\nserver.flush()\nprintln("rest")\n')
    (root / "status.goost").write_text(
        'import server\nserver.status(201)\nserver.header("X-Made", "yes")\nprintln("made")\n')
    (root / "small.txt").write_text("a small static file\n")
    (root / "big.bin").write_bytes(os.urandom(700 * 1024))  # > 256 KiB: sendfile over plain HTTP/1.1


def check_site_h2(base: str, root: pathlib.Path, proto_args: list[str], label: str, log: Server) -> None:
    """The checks every HTTP/2 site connection gets (cleartext or TLS)."""
    rc, head, body = curl(*proto_args, base + "/hello?x=1")
    check(rc == 0 and final_status(head) == ("HTTP/2", 200), f"{label}: GET / over h2 ({rc}, {head!r})")
    check(body == b"hello /hello\n", f"{label}: body {body!r}")
    rc, head, body = curl(*proto_args, "-H", "X-Test: yes", base + "/echo?a=1&a=2&b=x+y", data=b"payload")
    check(final_status(head) == ("HTTP/2", 200), f"{label}: POST over h2 {head!r}")
    check(b'"method":"POST"' in body and b'"body":"payload"' in body and b'"a":["1","2"]' in body
          and b'"b":"x y"' in body and b'"ua":"yes"' in body and b'"host":"' in body,
          f"{label}: the request a script sees over h2: {body!r}")
    rc, head, body = curl(*proto_args, base + "/status")
    check(final_status(head)[1] == 201 and "x-made: yes" in head.lower() and body == b"made\n",
          f"{label}: status and header over h2 {head!r}")
    rc, head, body = curl(*proto_args, base + "/small.txt")
    check(final_status(head)[1] == 200 and body == b"a small static file\n" and "etag:" in head.lower(),
          f"{label}: small static file over h2 {head!r}")
    rc, head, body = curl(*proto_args, base + "/big.bin")
    check(final_status(head)[1] == 200 and hashlib.sha256(body).digest() ==
          hashlib.sha256((root / "big.bin").read_bytes()).digest(), f"{label}: 700 KiB static file over h2")
    rc, head, body = curl(*proto_args, "-I", base + "/small.txt")
    check(final_status(head)[1] == 200 and "content-length: 20" in head.lower(), f"{label}: HEAD over h2 {head!r}")
    etag = re.search(r"(?im)^etag: (.+?)\s*$", head)
    if check(etag is not None, f"{label}: ETag over h2"):
        rc, head, body = curl(*proto_args, "-H", "If-None-Match: " + etag.group(1), base + "/small.txt")
        check(final_status(head)[1] == 304, f"{label}: 304 over h2 {head!r}")
    rc, head, body = curl(*proto_args, base + "/_health")
    check(final_status(head)[1] == 200 and body == b"ok\n", f"{label}: /_health over h2")
    rc, head, body = curl(*proto_args, base + "/nothing-here")
    check(final_status(head)[1] == 404, f"{label}: 404 over h2")
    rc, head, body = curl(*proto_args, base + "/stream")
    check(final_status(head)[1] == 500, f"{label}: server.flush over h2 is a 500 {head!r}")
    time.sleep(0.1)
    check("cannot stream" in log.stderr(), f"{label}: the StateError of flush over h2 is logged")

    # Many streams on one connection, and a failing one among them.
    statuses = nghttp_statuses("-m", "20", base + "/")
    check(statuses.get("/") == [200] * 20, f"{label}: nghttp -m 20: {statuses}")
    statuses = nghttp_statuses(base + "/hello", base + "/fail", base + "/small.txt", base + "/echo",
                               base + "/big.bin", base + "/nothing")
    check(statuses == {"/hello": [200], "/fail": [500], "/small.txt": [200], "/echo": [200], "/big.bin": [200],
                       "/nothing": [404]}, f"{label}: one connection, mixed streams: {statuses}")


def group_serve_h2c(binary: str, tmp: pathlib.Path) -> None:
    root = tmp / "site"
    make_site(root)
    server = serve(binary, root, "--h2c", "--max-body-bytes", "100000")
    try:
        base = f"http://{HOST}:{server.port}"
        check(", h2c)" in server.stderr(), "start-up line names h2c")
        check_site_h2(base, root, ["--http2-prior-knowledge"], "serve --h2c", server)
        # HTTP/1.1 on the same port, untouched (streaming included).
        rc, head, body = curl("--http1.1", base + "/hello")
        check(final_status(head) == ("HTTP/1.1", 200) and body == b"hello /hello\n", f"HTTP/1.1 next to h2c {head!r}")
        rc, head, body = curl("--http1.1", base + "/stream")
        check(final_status(head)[1] == 200 and body == b"part\nrest\n", f"HTTP/1.1 still streams {head!r} {body!r}")
        # Upgrade: h2c (curl --http2 on an http:// URL).
        rc, head, body = curl("--http2", base + "/up")
        check("101" in head.split("\n", 1)[0] and final_status(head) == ("HTTP/2", 200) and body == b"hello /up\n",
              f"Upgrade: h2c {head!r} {body!r}")
        rc, head, body = curl("--http2", "-I", base + "/small.txt")
        check(final_status(head) == ("HTTP/2", 200), f"Upgrade: h2c with HEAD {head!r}")
        # Limits: a body over --max-body-bytes is a 413 on its stream only.
        rc, head, body = curl("--http2-prior-knowledge", base + "/echo", data=b"x" * 200000)
        check(final_status(head)[1] == 413, f"413 over h2 {head!r}")
        rc, head, body = curl("--http2-prior-knowledge", base + "/hello")
        check(final_status(head)[1] == 200, "the server goes on after a 413")
    finally:
        server.stop()
    check(server.proc.returncode == 0, f"serve --h2c exits 0 on SIGTERM ({server.proc.returncode})")


def make_certificate(tmp: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def group_serve_tls(binary: str, tmp: pathlib.Path) -> None:
    root = tmp / "site"
    make_site(root)
    cert, key = make_certificate(tmp)
    server = serve(binary, root, "--tls-cert", str(cert), "--tls-key", str(key))
    try:
        port = server.port
        check("https://" in server.stderr(), "start-up line says https")
        # --cacert with the real name: the certificate is verified, not skipped.
        verified = ["--cacert", str(cert), "--resolve", f"localhost:{port}:{HOST}"]
        base = f"https://localhost:{port}"
        check_site_h2(base, root, ["--http2", *verified], "serve TLS h2", server)
        # HTTP/1.1 on the same TLS port, by ALPN.
        rc, head, body = curl("--http1.1", *verified, base + "/hello")
        check(rc == 0 and final_status(head) == ("HTTP/1.1", 200) and body == b"hello /hello\n",
              f"serve TLS: HTTP/1.1 by ALPN ({rc}) {head!r}")
        rc, head, body = curl("--http1.1", *verified, base + "/big.bin")
        check(hashlib.sha256(body).digest() == hashlib.sha256((root / "big.bin").read_bytes()).digest(),
              "serve TLS: 700 KiB static file over HTTP/1.1")
        rc, head, body = curl("--http1.1", *verified, base + "/fail")
        check(final_status(head)[1] == 500, "serve TLS: a failing script over HTTP/1.1 is a 500")
        rc, head, body = curl("--http1.1", *verified, base + "/stream")
        check(final_status(head)[1] == 500, "serve TLS: no streaming over TLS (500, StateError)")
        two = subprocess.run(["curl", "-sS", "--http1.1", *verified, "-w", "[%{num_connects}]", base + "/hello",
                              base + "/small.txt"], capture_output=True, text=True, timeout=TIMEOUT_S)
        check(two.stdout == "hello /hello\n[1]a small static file\n[0]",
              f"serve TLS: keep-alive over HTTP/1.1 (two requests, one connection): {two.stdout!r}")
        rc, head, body = curl("--http1.1", f"http://{HOST}:{port}/")
        check(rc != 0 or final_status(head)[1] != 200, "plain HTTP on the TLS port is not answered as HTTP")
        rc, head, body = curl("--http2", *verified, base + "/hello")
        check(final_status(head) == ("HTTP/2", 200), "serve TLS: still serving after a plaintext client")
    finally:
        server.stop()
    check(server.proc.returncode == 0, f"serve TLS exits 0 on SIGTERM ({server.proc.returncode})")


MODULE_SCRIPT = """import http2
import json
import os

let handler = fn(req) {
    if req.path == "/fail" { throw error("ValueError", "handler broke") }
    if req.path == "/json" { return {method: req.method, path: req.path, query: req.query,
                                     body: req.body, x: req.headers["x-test"]} }
    if req.path == "/created" { return {status: 201, headers: {"X-Made": "yes"}, body: "made"} }
    if req.path == "/void" { return }
    return "hello " + req.path
}
let a = os.args()
if len(a) > 0 {
    http2.serve(0, handler, {cert: a[0], key: a[1]})
} else {
    http2.serveCleartext(0, handler)
}
"""


def check_module(base: str, proto_args: list[str], label: str, server: Server) -> None:
    rc, head, body = curl(*proto_args, base + "/hi")
    check(final_status(head) == ("HTTP/2", 200) and body == b"hello /hi\n" or body == b"hello /hi",
          f"{label}: string response over h2 {head!r} {body!r}")
    check("content-type: text/plain" in head.lower(), f"{label}: text/plain {head!r}")
    rc, head, body = curl(*proto_args, "-H", "X-Test: 1", base + "/json?q=a+b", data=b"sent")
    check(final_status(head)[1] == 200 and b'"method":"POST"' in body and b'"q":"a b"' in body
          and b'"body":"sent"' in body and b'"x":"1"' in body, f"{label}: request fields {body!r}")
    rc, head, body = curl(*proto_args, base + "/created")
    check(final_status(head)[1] == 201 and "x-made: yes" in head.lower() and body == b"made",
          f"{label}: explicit response {head!r}")
    rc, head, body = curl(*proto_args, base + "/void")
    check(final_status(head)[1] == 204, f"{label}: void is 204 {head!r}")
    statuses = nghttp_statuses("-m", "20", base + "/many")
    check(statuses.get("/many") == [200] * 20, f"{label}: nghttp -m 20: {statuses}")
    statuses = nghttp_statuses(base + "/a", base + "/fail", base + "/b", base + "/json")
    check(statuses == {"/a": [200], "/fail": [500], "/b": [200], "/json": [200]},
          f"{label}: a handler error is a 500 on its stream only: {statuses}")
    time.sleep(0.1)
    check("http2: handler failed: ValueError: handler broke" in server.stderr(), f"{label}: the failure is logged")


def group_module_cleartext(binary: str, tmp: pathlib.Path) -> None:
    script = tmp / "h2c_server.goost"
    script.write_text(MODULE_SCRIPT)
    server = run_module(binary, script)
    try:
        base = f"http://{HOST}:{server.port}"
        check_module(base, ["--http2-prior-knowledge"], "http2.serveCleartext", server)
        rc, head, body = curl("--http2", base + "/up")
        check(head.startswith("HTTP/1.1 101") and final_status(head) == ("HTTP/2", 200) and body == b"hello /up",
              f"http2.serveCleartext: Upgrade: h2c {head!r} {body!r}")
        rc, head, body = curl("--http1.1", base + "/plain")
        check(final_status(head) == ("HTTP/1.1", 200) and body == b"hello /plain",
              f"http2.serveCleartext: plain HTTP/1.1 {head!r}")
        rc, head, body = curl("--http1.1", base + "/fail")
        check(final_status(head)[1] == 500, "http2.serveCleartext: a handler error over HTTP/1.1 is a 500")
        check(server.proc.poll() is None, "http2.serveCleartext keeps serving")
    finally:
        server.stop()


def group_module_tls(binary: str, tmp: pathlib.Path) -> None:
    script = tmp / "h2_server.goost"
    script.write_text(MODULE_SCRIPT)
    cert, key = make_certificate(tmp)
    server = run_module(binary, script, str(cert), str(key))
    try:
        verified = ["--cacert", str(cert), "--resolve", f"localhost:{server.port}:{HOST}"]
        base = f"https://localhost:{server.port}"
        check_module(base, ["--http2", *verified], "http2.serve", server)
        rc, head, body = curl("--http1.1", *verified, base + "/old")
        check(rc == 0 and final_status(head) == ("HTTP/1.1", 200) and body == b"hello /old",
              f"http2.serve: HTTP/1.1 by ALPN ({rc}) {head!r}")
    finally:
        server.stop()
    bad = subprocess.run([binary, "run", str(script), str(tmp / "missing.pem"), str(key)], capture_output=True,
                         text=True, timeout=30)
    check(bad.returncode == 1 and "IOError" in bad.stderr and "missing.pem" in bad.stderr,
          f"http2.serve: a missing certificate is an IOError: {bad.stderr!r}")


GROUPS = {
    "serve-h2c": group_serve_h2c,
    "serve-tls": group_serve_tls,
    "module-cleartext": group_module_cleartext,
    "module-tls": group_module_tls,
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--langoost", required=True)
    ap.add_argument("groups", nargs="+", choices=sorted(GROUPS))
    args = ap.parse_args()
    for tool in ("curl", "nghttp", "openssl"):
        if not shutil.which(tool):
            print(f"SKIP: {tool} is not installed (apt-get install curl nghttp2-client openssl)")
            return 77
    for name in args.groups:
        with tempfile.TemporaryDirectory(prefix="langoost-h2-") as tmp:
            try:
                GROUPS[name](args.langoost, pathlib.Path(tmp))
            except Exception as e:  # a crash of the harness is a failure too
                check(False, f"{name}: {type(e).__name__}: {e}")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
