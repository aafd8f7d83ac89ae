#!/usr/bin/env python3
"""`langoost test --coverage` on tests/tools/coverage/: calc.goost's hit and
missed lines are known (calc_test.goost runs classify(5), classify(-1) and
Counter.bump, never `unused`, the `n == 0` branch or Counter.reset).

    coverage_test.py --langoost PATH
"""
import argparse
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
FIXTURE = HERE / "coverage"

HIT = {2, 3, 4, 6, 9, 12, 17, 18, 19, 20, 22}  # declarations run when the module loads
MISSED = {7, 13, 14, 23}
failures = []


def check(cond, what, detail=""):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)
        if detail:
            print("     " + detail.replace("\n", "\n     "))


def lcov_records(text):
    files = {}
    current = None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key == "SF":
            current = files.setdefault(pathlib.Path(value).name, {"DA": {}, "FNDA": {}, "LF": None, "LH": None})
        elif key == "DA":
            n, count = value.split(",")[:2]
            current["DA"][int(n)] = int(count)
        elif key == "FNDA":
            count, name = value.split(",", 1)
            current["FNDA"][name] = int(count)
        elif key in ("LF", "LH"):
            current[key] = int(value)
    return files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--langoost", required=True)
    binary = ap.parse_args().langoost

    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp) / "project"
        shutil.copytree(FIXTURE, work)
        r = subprocess.run([binary, "test", "--coverage"], cwd=work, capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, "the tests pass under coverage", r.stdout + r.stderr)
        out = work / "coverage" / "lcov.info"
        check(out.is_file(), "lcov goes to coverage/lcov.info by default")
        records = lcov_records(out.read_text() if out.is_file() else "")
        check(set(records) == {"calc.goost"}, "only the file under test is measured, not *_test.goost", str(records.keys()))
        calc = records.get("calc.goost", {"DA": {}, "FNDA": {}})
        hit = {n for n, c in calc["DA"].items() if c > 0}
        missed = {n for n, c in calc["DA"].items() if c == 0}
        check(hit == HIT, "the lines that ran are hit", f"got {sorted(hit)}, want {sorted(HIT)}")
        check(missed == MISSED, "the lines that never ran are missed", f"got {sorted(missed)}, want {sorted(MISSED)}")
        check(calc.get("LF") == len(HIT | MISSED) and calc.get("LH") == len(HIT), "LF/LH count them")
        check(calc["FNDA"] == {"classify": 1, "unused": 0, "Counter.bump": 1, "Counter.reset": 0},
              "functions that ran", str(calc["FNDA"]))
        check("73.3%  11/15  calc.goost" in r.stdout, "a summary line per file", r.stdout)
        check(r.stdout.rstrip().endswith("2 passed, 0 failed"), "the summary line stays last", r.stdout)

        # Same answers without coverage: patched code must compute the same.
        plain = subprocess.run([binary, "test"], cwd=work, capture_output=True, text=True, timeout=60)
        check(plain.returncode == 0, "the tests pass without coverage too")

        alt = pathlib.Path(tmp) / "elsewhere" / "cov.info"
        j = subprocess.run([binary, "test", "--json", "--coverage-out", str(alt)], cwd=work, capture_output=True,
                           text=True, timeout=60)
        try:
            report = json.loads(j.stdout)
        except ValueError:
            report = None
        check(report is not None and report["passed"] == 2, "--json keeps stdout one JSON document", j.stdout)
        check(alt.is_file() and "calc.goost" in alt.read_text(), "--coverage-out FILE (implies --coverage)")
        check("calc.goost" in j.stderr, "with --json the summary goes to stderr", j.stderr)

        bad = subprocess.run([binary, "test", "--coverage-out", str(work / "calc.goost" / "x")], cwd=work,
                             capture_output=True, text=True, timeout=60)
        check(bad.returncode == 1 and "cannot write coverage" in bad.stderr, "an unwritable output is an error",
              bad.stderr)

    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
