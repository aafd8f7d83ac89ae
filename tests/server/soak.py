#!/usr/bin/env python3
"""Soak test of `langoost serve` (outside CI): mixed load for a while, with
the server's RSS and open file descriptors sampled; both must stay flat.

    tests/server/soak.py --langoost PATH [--minutes 10] [--interval 10]

Load, all at once: wrk on hello world, a JSON-building script, a static
file and runtime.core increments (4 wrk processes, 16 connections each),
plus a Python loop of failing scripts, limit hits (time and memory),
Server-Sent Events, malformed requests and connections dropped mid-request.
Prints a sample table and the drift between the first and the last third
of the run; exits 1 when RSS grows by more than 20 % (and 16 MB) or the
fd count by more than 32 from the first third to the last.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import random
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import serve_test as st  # noqa: E402


def sample(pid):
    rss = 0
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def chaos(port, stop, counts):
    paths = ["/fail", "/loop", "/bomb", "/compile_error", "/?name=x", "/counter", "/docs/page.html", "/nope"]
    while not stop.is_set():
        kind = random.random()
        try:
            if kind < 0.5:
                st.request(port, path=random.choice(paths))
            elif kind < 0.7:
                with st.connect(port) as s:
                    s.sendall(b"GET /sse HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
                    s.recv(4096)
            elif kind < 0.85:
                st.request(port, raw=random.choice([b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
                                                     b"POST /echo HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n"]))
            else:
                s = st.connect(port)
                s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf")
                s.close()
            counts[0] += 1
        except OSError:
            counts[1] += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--langoost", required=True)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--interval", type=float, default=10)
    args = ap.parse_args()
    site = st.fresh_site()
    seconds = int(args.minutes * 60)
    with st.Server(os.path.abspath(args.langoost), site, "--timeout-ms", "200", "--max-memory-mb", "32") as srv:
        port = srv.port
        url = f"http://127.0.0.1:{port}"
        wrks = [subprocess.Popen(["wrk", "-t1", "-c16", f"-d{seconds}s", url + path], stdout=subprocess.PIPE, text=True)
                for path in ["/?name=soak", "/echo", "/docs/style.css", "/incr"]]
        stop = threading.Event()
        counts = [0, 0]
        threads = [threading.Thread(target=chaos, args=(port, stop, counts), daemon=True) for _ in range(2)]
        for t in threads:
            t.start()
        samples = []
        start = time.time()
        while time.time() - start < seconds:
            time.sleep(args.interval)
            rss, fds = sample(srv.proc.pid)
            samples.append((time.time() - start, rss, fds))
            print(f"{samples[-1][0]:7.0f}s  RSS {rss / 1024:7.1f} MB  fds {fds:5d}", flush=True)
        stop.set()
        for t in threads:
            t.join(10)
        totals = []
        for w in wrks:
            out = w.communicate(timeout=120)[0]
            line = [l for l in out.splitlines() if "requests in" in l]
            totals.append(line[0].strip() if line else "?")
        third = max(1, len(samples) // 3)
        first = samples[:third]
        last = samples[-third:]
        rss0 = sum(s[1] for s in first) / len(first)
        rss1 = sum(s[1] for s in last) / len(last)
        fd0 = sum(s[2] for s in first) / len(first)
        fd1 = sum(s[2] for s in last) / len(last)
        print("wrk:", "; ".join(totals))
        print(f"chaos requests: {counts[0]} ({counts[1]} connection errors)")
        print(f"RSS first third {rss0 / 1024:.1f} MB, last third {rss1 / 1024:.1f} MB; fds {fd0:.0f} -> {fd1:.0f}")
        ok = (rss1 - rss0 < max(0.2 * rss0, 16 * 1024)) and fd1 - fd0 < 32
        print("flat" if ok else "GROWING")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
