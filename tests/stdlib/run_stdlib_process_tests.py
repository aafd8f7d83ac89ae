#!/usr/bin/env python3
"""End-to-end tests of stdlib features that need a real child process.

  run_stdlib_process_tests.py --langoost PATH [--only signal|signal-stop|stdin|stdin-thread|isatty]

signal:      a child calls os.signal.notify(), prints "ready"; we send SIGINT,
             SIGTERM and SIGHUP in turn and expect it to report each one via
             os.signal.trap() and then finish normally.
signal-stop: after notify() + stop() a SIGTERM ends the child again.
stdin:       io.readLine() / io.stdin() on piped input (CRLF stripped, EOF).
stdin-thread: a thread blocked in io.readLine() lets the main thread run.
isatty:      terminal.isatty() is false on a pipe and true on a pseudo-terminal;
             NO_COLOR empties the colour escapes.
no-openssl:  with LANGOOST_LIBSSL naming a library that does not exist, scripts
             that never hash run as usual, crypto calls and `import websocket`
             raise a catchable IOError naming the problem (OpenSSL is loaded on
             first use), and nothing crashes.
lazy-json:   a release binary (libstdc++ linked in; LANGOOST_EXPECT_LAZY_JSON=1)
             maps neither libsimdjson nor libstdc++.so until a script parses JSON; then four threads parse
             at once, the first use racing, and every result is right.
Exit status 0 when everything passed.
"""
from __future__ import annotations

import argparse
import os
import pty
import select
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT_S = 15


def read_line(proc: subprocess.Popen, deadline: float) -> str:
    buf = b""
    fd = proc.stdout.fileno()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"timed out waiting for a line (partial: {buf!r})")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        ch = os.read(fd, 1)
        if not ch:
            raise AssertionError(f"child closed stdout (partial: {buf!r})")
        if ch == b"\n":
            return buf.decode()
        buf += ch


def spawn(langoost: str, script: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([langoost, "run", os.path.join(HERE, script)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True, **kw)


def test_signal(langoost: str) -> None:
    proc = spawn(langoost, "signal_child.goost", stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + TIMEOUT_S
        line = read_line(proc, deadline)
        assert line == "ready", f"expected 'ready', got {line!r}"
        for sig, name in ((signal.SIGINT, "SIGINT"), (signal.SIGTERM, "SIGTERM"), (signal.SIGHUP, "SIGHUP")):
            proc.send_signal(sig)
            line = read_line(proc, deadline)
            assert line == f"got {name}", f"after {name}: expected 'got {name}', got {line!r}"
        line = read_line(proc, deadline)
        assert line == "done", f"expected 'done', got {line!r}"
        rc = proc.wait(timeout=TIMEOUT_S)
        assert rc == 0, f"exit status {rc}, stderr: {proc.stderr.read()!r}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_signal_stop(langoost: str) -> None:
    proc = spawn(langoost, "signal_stop_child.goost", stdin=subprocess.DEVNULL)
    try:
        line = read_line(proc, time.monotonic() + TIMEOUT_S)
        assert line == "ready", f"expected 'ready', got {line!r}"
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=TIMEOUT_S)
        assert rc == -signal.SIGTERM, f"expected death by SIGTERM, got status {rc}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_stdin(langoost: str) -> None:
    proc = subprocess.run([langoost, "run", os.path.join(HERE, "stdin_child.goost")],
                          input=b"first line\r\nsecond\nthe rest\nof it", stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=TIMEOUT_S)
    want = "prompt> [first line]\n[second]\n[the rest\nof it]\nvoid\n"
    got = proc.stdout.decode()
    assert proc.returncode == 0 and got == want, f"status {proc.returncode}, stdout {got!r}, want {want!r}"


def test_stdin_thread(langoost: str) -> None:
    proc = spawn(langoost, "stdin_thread_child.goost", stdin=subprocess.PIPE)
    try:
        deadline = time.monotonic() + TIMEOUT_S
        line = read_line(proc, deadline)
        assert line == "main still runs", f"expected 'main still runs', got {line!r}"
        proc.stdin.write(b"typed later\n")
        proc.stdin.close()
        line = read_line(proc, deadline)
        assert line == "[typed later]", f"expected '[typed later]', got {line!r}"
        rc = proc.wait(timeout=TIMEOUT_S)
        assert rc == 0, f"exit status {rc}, stderr: {proc.stderr.read()!r}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_isatty(langoost: str) -> None:
    code = 'import terminal\nprintln(terminal.isatty(), len(terminal.color("red")), len(terminal.reset()))\n'
    script = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"langoost-isatty-{os.getpid()}.goost")
    with open(script, "w") as f:
        f.write(code)
    try:
        env = dict(os.environ)
        env.pop("NO_COLOR", None)
        piped = subprocess.run([langoost, "run", script], stdout=subprocess.PIPE, env=env, timeout=TIMEOUT_S)
        assert piped.stdout == b"false 5 4\n", f"pipe: {piped.stdout!r}"
        env["NO_COLOR"] = "1"
        nocolor = subprocess.run([langoost, "run", script], stdout=subprocess.PIPE, env=env, timeout=TIMEOUT_S)
        assert nocolor.stdout == b"false 0 0\n", f"NO_COLOR: {nocolor.stdout!r}"
        env.pop("NO_COLOR")
        master, slave = pty.openpty()
        proc = subprocess.Popen([langoost, "run", script], stdout=slave, stderr=slave, env=env)
        os.close(slave)
        out = b""
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 1024)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
        proc.wait(timeout=TIMEOUT_S)
        os.close(master)
        assert out.replace(b"\r", b"") == b"true 5 4\n", f"pty: {out!r}"
    finally:
        os.unlink(script)


def test_no_openssl(langoost: str) -> None:
    tmp = os.environ.get("TMPDIR", "/tmp")
    cases = [
        ('println("plain")\n', 0, b"plain\n", b""),
        ('import crypto\nprintln(crypto.sha256("abc"))\n', 0,
         b"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n", b""),
        ('import crypto\ntry { crypto.sha256("abc") } catch e { println(e.kind, e.message) }\n', 0,
         b"IOError crypto.sha256: OpenSSL cannot be loaded", b"missing"),
        ('import crypto\nprintln(crypto.randomHex(4))\n', 1, b"", b"missing"),
        ('import websocket\nprintln("never")\n', 1, b"", b"missing"),
    ]
    for i, (code, want_rc, want_out, mode) in enumerate(cases):
        script = os.path.join(tmp, f"langoost-nossl-{os.getpid()}-{i}.goost")
        with open(script, "w") as f:
            f.write(code)
        try:
            env = dict(os.environ)
            if mode == b"missing":
                env["LANGOOST_LIBSSL"] = "libdoes-not-exist.so.9"
            p = subprocess.run([langoost, "run", script], capture_output=True, env=env, timeout=TIMEOUT_S)
            assert p.returncode == want_rc, f"case {i}: exit {p.returncode}, stderr {p.stderr!r}"
            assert p.stdout.startswith(want_out), f"case {i}: stdout {p.stdout!r}"
            if want_rc == 1:
                assert b"IOError" in p.stderr and b"OpenSSL cannot be loaded" in p.stderr, f"case {i}: {p.stderr!r}"
        finally:
            os.unlink(script)


def test_lazy_json(langoost: str) -> None:
    # Set by CMake for release links; sanitizer and fuzz builds link simdjson.
    lazy = os.environ.get("LANGOOST_EXPECT_LAZY_JSON") == "1"
    code = (
        'import io\nimport json\nimport strings\nimport { core } from "thread"\n'
        'let before = io.read("/proc/self/maps")\n'
        'println(strings.contains(before, "libsimdjson"), strings.contains(before, "libstdc++"))\n'
        'let threads = []\n'
        'for i in range(4) { threads.push(core.spawn(fn() { return json.parse("[1, {\\"a\\": 7}]")[1].a + i })) }\n'
        'println(threads.map(fn(t) { return core.join(t) }))\n'
        'println(strings.contains(io.read("/proc/self/maps"), "libsimdjson"))\n'
    )
    script = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"langoost-lazyjson-{os.getpid()}.goost")
    with open(script, "w") as f:
        f.write(code)
    try:
        p = subprocess.run([langoost, "run", script], capture_output=True, timeout=TIMEOUT_S)
    finally:
        os.unlink(script)
    assert p.returncode == 0, f"exit {p.returncode}, stderr {p.stderr!r}"
    lines = p.stdout.decode().split("\n")
    assert not lazy or lines[0] == "false false", f"mapped before any JSON: {lines[0]!r}"
    assert lines[1:] == ["[7,8,9,10]", "true", ""], f"stdout {p.stdout!r}"


TESTS = {"signal": test_signal, "signal-stop": test_signal_stop, "stdin": test_stdin,
         "stdin-thread": test_stdin_thread, "isatty": test_isatty, "no-openssl": test_no_openssl,
         "lazy-json": test_lazy_json}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--langoost", required=True)
    ap.add_argument("--only", choices=sorted(TESTS))
    args = ap.parse_args()
    failed = 0
    for name, fn in TESTS.items():
        if args.only and name != args.only:
            continue
        try:
            fn(args.langoost)
            print(f"ok   {name}")
        except Exception as e:  # noqa: BLE001 - report every failure
            failed += 1
            print(f"FAIL {name}: {e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
