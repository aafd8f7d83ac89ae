#!/usr/bin/env python3
"""Golden tests for `langoost disasm`, `check` and `run`'s error reports.

    run_golden.py --langoost BIN [--update] FILE...

For tests/golden/disasm/X.goost: runs `BIN disasm X.goost` and compares its
stdout with X.expected.
For tests/golden/diagnostics/X.goost: runs `BIN check X.goost` and compares
its stderr, followed by a final line `exit: N`, with X.expected.
For tests/golden/runtime/X.goost: runs `BIN run X.goost` and compares its
stdout, then its stderr, then `exit: N`, with X.expected.
For tests/golden/colour/X.goost: runs `BIN check X.goost`, then `BIN run
X.goost` if it compiles, on a pseudo-terminal (colour on), and compares the
output, escape codes shown as `<ESC>`, with X.expected; the same run with
NO_COLOR=1, and one with stderr not a terminal, must give that output with
the escape codes removed.

Every command runs with NO_COLOR=1 unless said otherwise.

The command runs with the file's directory as cwd and gets just the file
name, so paths in diagnostics are stable. --update rewrites the .expected
files instead of comparing. Prints ok/FAIL per file (with a unified diff on
failure), then `N passed, M failed`; exits 1 if anything failed.
"""
import argparse
import difflib
import os
import pty
import re
import subprocess
import sys

TIMEOUT_SECONDS = 30


MODES = ("disasm", "diagnostics", "runtime", "colour")
ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def mode_of(path):
    parent = os.path.basename(os.path.dirname(os.path.abspath(path)))
    return parent if parent in MODES else None


def environment(colour):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    if colour:
        env["TERM"] = "xterm"
    else:
        env["NO_COLOR"] = "1"
    return env


def on_terminal(command, cwd, env):
    """Runs command with stdout and stderr on one pseudo-terminal; returns (text, status)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        os.execve(command[0], command, env)
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    text = b"".join(chunks).decode("utf-8", errors="replace").replace("\r\n", "\n")
    return text, os.waitstatus_to_exitcode(status)


def colour_output(binary, directory, name):
    out = ""
    for command in ("check", "run"):
        text, status = on_terminal([binary, command, name], directory, environment(True))
        plain, plain_status = on_terminal([binary, command, name], directory,
                                          dict(environment(True), NO_COLOR="1"))
        piped = subprocess.run([binary, command, name], cwd=directory, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=environment(True), timeout=TIMEOUT_SECONDS)
        piped_text = (piped.stdout + piped.stderr).decode("utf-8", errors="replace")
        stripped = ESCAPE.sub("", text)
        if plain != stripped or plain_status != status:
            out += "NO_COLOR=1 output differs from the coloured one without escapes:\n" + plain
        if piped_text != stripped:
            out += "output to a pipe differs from the coloured one without escapes:\n" + piped_text
        out += "$ langoost %s\n%sexit: %d\n" % (command, text.replace("\x1b", "<ESC>"), status)
        if status != 0 and command == "check":
            break
    return out


def actual_output(binary, path, mode):
    directory = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    if mode == "colour":
        return colour_output(binary, directory, name)
    command = {"disasm": "disasm", "diagnostics": "check", "runtime": "run"}[mode]
    proc = subprocess.run([binary, command, name], cwd=directory, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=environment(False),
                          timeout=TIMEOUT_SECONDS)
    stdout = proc.stdout.decode("utf-8", errors="replace")
    stderr = proc.stderr.decode("utf-8", errors="replace")
    if mode == "disasm":
        if proc.returncode != 0:
            # Surface the failure in the diff instead of an empty listing.
            return stdout + stderr + "exit: %d\n" % proc.returncode
        return stdout
    if mode == "runtime":
        return stdout + stderr + "exit: %d\n" % proc.returncode
    return stderr + "exit: %d\n" % proc.returncode


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--langoost", required=True, help="path to the langoost binary")
    parser.add_argument("--update", action="store_true", help="rewrite the .expected files")
    parser.add_argument("files", nargs="+", metavar="FILE")
    args = parser.parse_args()
    binary = os.path.abspath(args.langoost)

    passed = failed = 0
    for path in args.files:
        mode = mode_of(path)
        if mode is None:
            print("FAIL %s: not under golden/{%s}" % (path, ",".join(MODES)))
            failed += 1
            continue
        expected_path = os.path.splitext(path)[0] + ".expected"
        try:
            actual = actual_output(binary, path, mode)
        except subprocess.TimeoutExpired:
            print("FAIL %s: timed out after %ds" % (path, TIMEOUT_SECONDS))
            failed += 1
            continue
        except OSError as e:
            print("FAIL %s: cannot run %s: %s" % (path, binary, e))
            failed += 1
            continue

        if args.update:
            with open(expected_path, "w", encoding="utf-8", newline="\n") as f:
                f.write(actual)
            print("updated %s" % expected_path)
            passed += 1
            continue

        try:
            with open(expected_path, encoding="utf-8", newline="") as f:
                expected = f.read()
        except OSError:
            print("FAIL %s: missing %s (run with --update)" % (path, expected_path))
            failed += 1
            continue

        if actual == expected:
            print("ok   %s" % path)
            passed += 1
        else:
            print("FAIL %s" % path)
            diff = difflib.unified_diff(expected.splitlines(keepends=True),
                                        actual.splitlines(keepends=True),
                                        fromfile=expected_path, tofile="actual")
            for line in diff:
                sys.stdout.write(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
            failed += 1

    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
