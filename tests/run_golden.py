#!/usr/bin/env python3
"""Golden tests for `langoost disasm` and `langoost check`.

    run_golden.py --langoost BIN [--update] FILE...

For tests/golden/disasm/X.goost: runs `BIN disasm X.goost` and compares its
stdout with X.expected.
For tests/golden/diagnostics/X.goost: runs `BIN check X.goost` and compares
its stderr, followed by a final line `exit: N`, with X.expected.

The command runs with the file's directory as cwd and gets just the file
name, so paths in diagnostics are stable. --update rewrites the .expected
files instead of comparing. Prints ok/FAIL per file (with a unified diff on
failure), then `N passed, M failed`; exits 1 if anything failed.
"""
import argparse
import difflib
import os
import subprocess
import sys

TIMEOUT_SECONDS = 30


def mode_of(path):
    parent = os.path.basename(os.path.dirname(os.path.abspath(path)))
    if parent in ("disasm", "diagnostics"):
        return parent
    return None


def actual_output(binary, path, mode):
    directory = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    command = "disasm" if mode == "disasm" else "check"
    proc = subprocess.run([binary, command, name], cwd=directory, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=TIMEOUT_SECONDS)
    stdout = proc.stdout.decode("utf-8", errors="replace")
    stderr = proc.stderr.decode("utf-8", errors="replace")
    if mode == "disasm":
        if proc.returncode != 0:
            # Surface the failure in the diff instead of an empty listing.
            return stdout + stderr + "exit: %d\n" % proc.returncode
        return stdout
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
            print("FAIL %s: not under golden/disasm or golden/diagnostics" % path)
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
