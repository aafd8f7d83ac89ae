#!/usr/bin/env python3
"""Run Langoost script tests with inline expectations.

Usage: run_scripts.py --langoost PATH/TO/langoost [--update] FILE_OR_DIR...

Each `.goost` file (directories are searched recursively, in sorted order) is
run as `langoost run FILE` with a 10 s timeout, stdin=/dev/null and
NO_COLOR=1, and checked against expectation comments in the script:

  // expect: TEXT                 next stdout line is exactly TEXT
                                  (`// expect: ` alone = an empty line)
  // expect error: TEXT           compile error: exit 65, TEXT is a substring
                                  of stderr (every such line), stdout empty
  // expect runtime error: TEXT   exit 1, first stderr line starts with TEXT;
                                  stdout before it is still checked
  // expect exit: N               exit code must be N

A comment may follow code on the same line or stand on its own line.
Timeouts and deaths by signal always fail. `--update` is accepted and ignored.
Prints `ok   path` / `FAIL path` per file, then `N passed, M failed`.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass, field

# Per-script timeout; sanitizer builds pass a longer one (--timeout).
TIMEOUT_S = 10
EXCERPT_LINES = 20

# `// expect: x`, `// expect error: x`, `// expect runtime error: x`,
# `// expect exit: N`. One optional space after the colon is part of the
# syntax; everything after it (trailing newline excluded) is the text.
EXPECT_RE = re.compile(r"//\s*expect( runtime error| error| exit)?:(.*)$")


@dataclass
class Expectations:
    stdout: list[str] = field(default_factory=list)
    compile_errors: list[str] = field(default_factory=list)
    runtime_error: str | None = None
    exit_code: int | None = None
    problems: list[str] = field(default_factory=list)


def _text(raw: str) -> str:
    return raw[1:] if raw.startswith(" ") else raw


def parse_expectations(path: str) -> Expectations:
    exp = Expectations()
    with open(path, "rb") as f:
        data = f.read().decode("utf-8", errors="surrogateescape")
    for lineno, line in enumerate(data.split("\n"), 1):
        line = line.rstrip("\r")
        m = EXPECT_RE.search(line)
        if not m:
            continue
        kind, text = m.group(1), _text(m.group(2))
        if kind is None:
            exp.stdout.append(text)
        elif kind == " error":
            exp.compile_errors.append(text)
        elif kind == " runtime error":
            if exp.runtime_error is not None:
                exp.problems.append(f"line {lineno}: more than one `expect runtime error`")
            exp.runtime_error = text
        else:
            try:
                exp.exit_code = int(text.strip())
            except ValueError:
                exp.problems.append(f"line {lineno}: bad `expect exit` value {text!r}")
    if exp.compile_errors and exp.runtime_error is not None:
        exp.problems.append("both `expect error` and `expect runtime error`")
    return exp


def split_lines(text: str) -> list[str]:
    if text == "":
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [l[:-1] if l.endswith("\r") else l for l in lines]


def excerpt(label: str, text: str) -> list[str]:
    lines = split_lines(text)
    out = [f"  {label}:" + ("" if lines else " (empty)")]
    for l in lines[:EXCERPT_LINES]:
        out.append(f"    | {l}")
    if len(lines) > EXCERPT_LINES:
        out.append(f"    | ... ({len(lines) - EXCERPT_LINES} more lines)")
    return out


def run_one(langoost: str, path: str) -> tuple[bool, list[str]]:
    exp = parse_expectations(path)
    if exp.problems:
        return False, [f"  bad test file: {p}" for p in exp.problems]

    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    # `// run-flags: --timeout 200` passes limit flags to `langoost run`.
    flags: list[str] = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.search(r"//\s*run-flags:\s*(.*)$", line)
            if m:
                flags += m.group(1).split()
    try:
        proc = subprocess.Popen(
            [langoost, "run", *flags, path],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
    except OSError as e:
        return False, [f"  could not run {langoost}: {e}"]
    try:
        raw_out, raw_err = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            proc.kill()
        try:
            raw_out, raw_err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            raw_out, raw_err = b"", b""
        msgs = [f"  timed out after {TIMEOUT_S} s"]
        msgs += excerpt("stdout", raw_out.decode("utf-8", "surrogateescape"))
        msgs += excerpt("stderr", raw_err.decode("utf-8", "surrogateescape"))
        return False, msgs

    out = raw_out.decode("utf-8", errors="surrogateescape")
    err = raw_err.decode("utf-8", errors="surrogateescape")
    rc = proc.returncode
    failures: list[str] = []

    if rc < 0:
        failures.append(f"  killed by signal {-rc}")

    if exp.compile_errors:
        want_rc = 65
    elif exp.runtime_error is not None:
        want_rc = 1
    else:
        want_rc = 0
    if exp.exit_code is not None:
        want_rc = exp.exit_code
    if rc >= 0 and rc != want_rc:
        failures.append(f"  exit code: expected {want_rc}, got {rc}")

    got_lines = split_lines(out)
    if exp.compile_errors:
        if out != "":
            failures.append("  stdout: expected empty output for a compile error")
        for text in exp.compile_errors:
            if text not in err:
                failures.append(f"  stderr: missing expected compile error text {text!r}")
    else:
        if got_lines != exp.stdout:
            failures.append(
                f"  stdout: expected {len(exp.stdout)} line(s), got {len(got_lines)}")
            for i in range(max(len(got_lines), len(exp.stdout))):
                want = exp.stdout[i] if i < len(exp.stdout) else None
                got = got_lines[i] if i < len(got_lines) else None
                if want != got:
                    failures.append(f"    first difference at output line {i + 1}:")
                    failures.append(f"      expected: {want!r}" if want is not None
                                    else "      expected: (no more lines)")
                    failures.append(f"      actual:   {got!r}" if got is not None
                                    else "      actual:   (no more lines)")
                    break
        if exp.runtime_error is not None:
            first = err.split("\n", 1)[0].rstrip("\r")
            if not first.startswith(exp.runtime_error):
                failures.append(
                    f"  stderr: first line should start with {exp.runtime_error!r}, "
                    f"got {first!r}")

    if failures:
        failures += excerpt("stdout", out)
        failures += excerpt("stderr", err)
        return False, failures
    return True, []


def collect(paths: list[str]) -> list[str]:
    files: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, names in os.walk(p):
                dirs.sort()
                for n in names:
                    if n.endswith(".goost"):
                        found.append(os.path.join(root, n))
            files.extend(sorted(found))
        else:
            files.append(p)
    return files


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="Run Langoost script tests.")
    ap.add_argument("--langoost", required=True, help="path to the langoost binary")
    ap.add_argument("--update", action="store_true", help="accepted and ignored")
    ap.add_argument("--timeout", type=float, default=None, help="per-script timeout in seconds (default 10)")
    ap.add_argument("--mode", default="", help="build mode; files marked `// MODE: skip` are skipped")
    ap.add_argument("paths", nargs="+", metavar="FILE_OR_DIR")
    args = ap.parse_args(argv)
    global TIMEOUT_S
    if args.timeout:
        TIMEOUT_S = args.timeout
    # LANGOOST_GC_STRESS=1 (a collection at every allocation): the files
    # marked `// gc-stress: skip` are skipped, the slowest take ~50 s on a
    # loaded machine.
    if os.environ.get("LANGOOST_GC_STRESS", "0") not in ("", "0"):
        args.mode = args.mode or "gc-stress"
        TIMEOUT_S = max(TIMEOUT_S, 120)

    langoost = args.langoost
    if os.sep in langoost or os.path.exists(langoost):
        langoost = os.path.abspath(langoost)

    passed = failed = skipped = 0
    for path in collect(args.paths):
        if args.mode and os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                if f"// {args.mode}: skip" in f.read():
                    skipped += 1
                    print(f"skip {path} ({args.mode})")
                    continue
        if not os.path.isfile(path):
            ok, msgs = False, ["  no such file"]
        else:
            ok, msgs = run_one(langoost, path)
        if ok:
            passed += 1
            print(f"ok   {path}")
        else:
            failed += 1
            print(f"FAIL {path}")
            for m in msgs:
                print(m)
        sys.stdout.flush()
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    if failed == 0 and passed == 0 and skipped > 0:
        return 77  # CTest SKIP_RETURN_CODE
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
