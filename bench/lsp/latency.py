#!/usr/bin/env python3
"""Latency of `langoost lsp` on a large file: generates a Langoost file of
--lines lines (functions with parameters, locals, loops, a class), opens it,
then --changes times: sends a full-text change and times the arrival of its
diagnostics, and times a completion request inside a function body. Prints
the median, best and worst of each (milliseconds), and the server's CPU
time per change (which a busy machine does not inflate). The targets:
diagnostics within 50 ms of a change to a 5,000-line file, completion
within 20 ms.

    bench/lsp/latency.py [--langoost build/release/langoost] [--lines 5000] [--changes 20]
"""
import argparse
import json
import os
import pathlib
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]


def generate(lines_wanted):
    lines = ["import strings", ""]
    i = 0
    while len(lines) < lines_wanted:
        lines += [f"// helper {i}", f"fn f{i}(a: int, b) {{", "    let x = a * 2 + b", f"    if x > {i} {{",
                  '        x = x - strings.len("abc")', "    }", "    for k in range(3) {", "        x += k", "    }",
                  "    return x", "}", ""]
        i += 1
    lines += ["class P {", "    fn m() { return self.v }", "}", "let p = P{v: 1}", "println(f0(1, 2))"]
    return "\n".join(lines) + "\n"


def cpu_ms(pid):
    """User + system CPU time of a process so far, from /proc."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


class Client:
    def __init__(self, binary):
        self.p = subprocess.Popen([binary, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def send(self, message):
        body = json.dumps(message).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def receive(self):
        length = 0
        while True:
            line = self.p.stdout.readline().strip()
            if not line:
                break
            if line.lower().startswith(b"content-length"):
                length = int(line.split(b":")[1])
        return json.loads(self.p.stdout.read(length))

    def until(self, predicate):
        while True:
            m = self.receive()
            if predicate(m):
                return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--langoost", default=str(ROOT / "build/release/langoost"))
    ap.add_argument("--lines", type=int, default=5000)
    ap.add_argument("--changes", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "big.goost"
        text = generate(args.lines)
        path.write_text(text)
        uri = path.as_uri()
        c = Client(args.langoost)
        c.send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}})
        c.until(lambda m: m.get("id") == 1)
        c.send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                "params": {"textDocument": {"uri": uri, "languageId": "langoost", "version": 1, "text": text}}})
        c.until(lambda m: m.get("method") == "textDocument/publishDiagnostics")
        diagnostics, completion = [], []
        cpu0 = cpu_ms(c.p.pid)
        for v in range(args.changes):
            changed = text + f"let extra{v} = 1\n"
            t0 = time.perf_counter()
            c.send({"jsonrpc": "2.0", "method": "textDocument/didChange",
                    "params": {"textDocument": {"uri": uri, "version": v + 2}, "contentChanges": [{"text": changed}]}})
            c.until(lambda m: m.get("method") == "textDocument/publishDiagnostics")
            diagnostics.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            c.send({"jsonrpc": "2.0", "id": 100 + v, "method": "textDocument/completion",
                    "params": {"textDocument": {"uri": uri}, "position": {"line": args.lines // 2 + 2, "character": 8}}})
            c.until(lambda m, want=100 + v: m.get("id") == want)
            completion.append((time.perf_counter() - t0) * 1000)
        cpu = (cpu_ms(c.p.pid) - cpu0) / args.changes
        c.send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        c.send({"jsonrpc": "2.0", "method": "exit"})
        c.p.wait(timeout=30)
    for name, values in (("diagnostics after a change", diagnostics), ("completion", completion)):
        values.sort()
        print(f"{name}: median {values[len(values) // 2]:.1f} ms, best {values[0]:.1f}, worst {values[-1]:.1f} "
              f"({len(text.splitlines())} lines, {len(values)} runs)")
    print(f"server CPU time per change + completion: {cpu:.1f} ms (independent of the machine's load)")


if __name__ == "__main__":
    main()
