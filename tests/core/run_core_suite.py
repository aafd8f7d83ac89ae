#!/usr/bin/env python3
"""Run the runtime.core suite (tests/core/*.goost) against one backend.

Usage:
  run_core_suite.py --langoost PATH --backend embedded|file|redis [--timeout S]
  run_core_suite.py --langoost PATH --durability

--backend runs every suite script through tests/run_scripts.py with
LANGOOST_CORE set for that backend: unset (embedded), file:TMPDIR/core.log
(one log shared by the whole run, so each script clears its own prefix
first), or redis://127.0.0.1:PORT/0 against a private `redis-server` started
here on a free loopback port (no persistence) and stopped at the end. The
redis run also checks that ?prefix= and a non-zero DB reach Redis as keys
"P<key>" in that DB. Exit status 1 when anything fails.

--durability runs durability_child.goost (threads writing and printing an
"ack" line after each write returns) on the file backend, kill -9s it
mid-burst, restarts, and checks that every acknowledged write is there; once
with fsync=always and once with fsync=never (a killed process loses nothing
either way: the record is written before the call returns).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RUN_SCRIPTS = os.path.join(os.path.dirname(HERE), "run_scripts.py")
SUITE = sorted(os.path.join(HERE, n) for n in os.listdir(HERE)
               if n.endswith(".goost") and n != "durability_child.goost")
# How long redis-server may take to accept connections.
REDIS_START_S = 10
# The kill comes after a random number of acknowledged writes in this
# range (a random moment of the burst), on the same log several times in a
# row, so each restart also replays the previous kill's torn tail.
DURABILITY_ACKS = (150, 3000)
DURABILITY_ROUNDS = 3
DURABILITY_MAX_S = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def resp(port: int, commands: list[list[str]], lines: int) -> bytes:
    """Sends RESP commands pipelined on one connection; returns what came back
    once `lines` reply lines arrived (or the connection went quiet for 2 s)."""
    msg = b""
    for cmd in commands:
        msg += b"*%d\r\n" % len(cmd)
        for a in cmd:
            b = a.encode()
            msg += b"$%d\r\n%s\r\n" % (len(b), b)
    data = b""
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(msg)
        try:
            while data.count(b"\r\n") < lines:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            pass
    return data


def run_suite(langoost: str, env: dict, timeout: float) -> bool:
    cmd = [sys.executable, RUN_SCRIPTS, "--langoost", langoost, "--timeout", str(timeout), *SUITE]
    return subprocess.run(cmd, env=env).returncode == 0


def start_redis(tmp: str) -> tuple[subprocess.Popen, int]:
    server = shutil.which("redis-server")
    if not server:
        sys.exit("FAIL redis-server not found (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", tmp],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.time() + REDIS_START_S
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"FAIL redis-server exited with {proc.returncode}")
        try:
            if resp(port, [["PING"]], 1).startswith(b"+PONG"):
                return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("FAIL redis-server did not start")


def check_redis_prefix(langoost: str, port: int, tmp: str) -> bool:
    """?prefix= and /DB reach Redis: the key is stored as PREFIX+key in DB 2."""
    script = os.path.join(tmp, "prefix.goost")
    with open(script, "w") as f:
        f.write('import runtime\nruntime.core.set("k*1", 7)\nprintln(runtime.core.keys("k"))\n')
    env = dict(os.environ, LANGOOST_CORE=f"redis://127.0.0.1:{port}/2?prefix=app[1]:")
    out = subprocess.run([langoost, "run", script], env=env, capture_output=True, timeout=30)
    ok = out.stdout == b'["k*1"]\n'
    stored = resp(port, [["SELECT", "2"], ["GET", "app[1]:k*1"]], 3)
    ok = ok and stored == b"+OK\r\n$1\r\n7\r\n"
    print(("ok  " if ok else "FAIL") + f" redis prefix and db (stdout {out.stdout!r}, stored {stored!r})")
    return ok


def backend_run(args) -> int:
    tmp = tempfile.mkdtemp(prefix="langoost-core-")
    env = dict(os.environ)
    env.pop("LANGOOST_CORE", None)
    redis = None
    try:
        if args.backend == "file":
            env["LANGOOST_CORE"] = "file:" + os.path.join(tmp, "core.log")
        elif args.backend == "redis":
            redis, port = start_redis(tmp)
            env["LANGOOST_CORE"] = f"redis://127.0.0.1:{port}/0"
        print(f"backend {args.backend}: LANGOOST_CORE={env.get('LANGOOST_CORE', '(unset)')}")
        sys.stdout.flush()
        ok = run_suite(args.langoost, env, args.timeout)
        if args.backend == "file":
            # Everything the suite left must replay in a fresh process.
            ok = run_suite(args.langoost, env, args.timeout) and ok
        if redis:
            ok = check_redis_prefix(args.langoost, port, tmp) and ok
        return 0 if ok else 1
    finally:
        if redis:
            redis.terminate()
            try:
                redis.wait(timeout=10)
            except subprocess.TimeoutExpired:
                redis.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def durability_once(langoost: str, tmp: str, policy: str, acks_wanted: int) -> bool:
    log = os.path.join(tmp, f"core-{policy}.log")
    env = dict(os.environ, LANGOOST_CORE=f"file:{log}?fsync={policy}")
    child = os.path.join(HERE, "durability_child.goost")
    proc = subprocess.Popen([langoost, "run", child, "burst"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    # Raw reads of the pipe: every byte the child wrote before the kill is
    # seen (a buffered reader mixed with communicate() could drop some).
    fd = proc.stdout.fileno()
    out = b""
    deadline = time.time() + DURABILITY_MAX_S
    while out.count(b"\n") < acks_wanted and time.time() < deadline:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        out += chunk
    os.killpg(proc.pid, signal.SIGKILL)
    while chunk := os.read(fd, 65536):
        out += chunk
    err = proc.stderr.read()
    proc.wait()
    acks = out.splitlines(keepends=True)
    complete = [l.split() for l in acks if l.endswith(b"\n")]
    if len(complete) < 100:
        print(f"FAIL durability fsync={policy}: only {len(complete)} acks before the kill; stderr: {err[-500:]!r}")
        return False

    dump = subprocess.run([langoost, "run", child, "dump"], env=env, capture_output=True, timeout=60)
    if dump.returncode != 0:
        print(f"FAIL durability fsync={policy}: restart failed: {dump.stderr[-500:]!r}")
        return False
    stored = {}
    for line in dump.stdout.decode().splitlines():
        k, v = line.split(" ", 1)
        stored[k] = v
    missing = []
    last_o: dict[str, int] = {}
    for parts in complete:
        if len(parts) != 4 or parts[0] != b"ack":
            continue
        kind, t, i = parts[1].decode(), parts[2].decode(), int(parts[3])
        if kind == "u":
            if stored.get(f"dur:u:{t}:{i}") != str(i):
                missing.append(f"dur:u:{t}:{i}")
        else:
            last_o[t] = max(last_o.get(t, -1), i)
    for t, i in last_o.items():
        v = stored.get(f"dur:o:{t}", "")
        # The last acknowledged overwrite, or the one after it (written, not yet acknowledged).
        if not (v.startswith('{"i":%d,' % i) or v.startswith('{"i":%d,' % (i + 1))):
            missing.append(f"dur:o:{t} (want i={i}, got {v[:20]!r})")
    size = os.path.getsize(log)
    if missing:
        print(f"FAIL durability fsync={policy}: {len(missing)} acknowledged writes lost, e.g. {missing[:5]}")
        return False
    print(f"ok   durability fsync={policy}: killed after {len(complete)} acks, all survived kill -9 "
          f"({len(stored)} keys, log {size} bytes)")
    return True


def durability_run(args) -> int:
    tmp = tempfile.mkdtemp(prefix="langoost-core-dur-")
    try:
        ok = True
        for policy in ("always", "never"):
            for _ in range(DURABILITY_ROUNDS):
                ok = durability_once(args.langoost, tmp, policy, random.randint(*DURABILITY_ACKS)) and ok
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--langoost", required=True)
    ap.add_argument("--backend", choices=["embedded", "file", "redis"])
    ap.add_argument("--durability", action="store_true")
    ap.add_argument("--timeout", type=float, default=30.0, help="per-script timeout (s)")
    args = ap.parse_args()
    args.langoost = os.path.abspath(args.langoost)
    if args.durability:
        return durability_run(args)
    if not args.backend:
        ap.error("--backend or --durability is required")
    return backend_run(args)


if __name__ == "__main__":
    sys.exit(main())
