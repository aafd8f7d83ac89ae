#!/usr/bin/env python3
"""`langoost run --profile OUT` on tests/tools/profile/hot.goost, whose time
goes to fib: the folded stacks are well formed, root first
(`<main>;main;fib;…`), fib has most of the samples and heads the table on
stderr; the program's output and exit status are its own.

    profile_test.py --langoost PATH
"""
import argparse
import pathlib
import re
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
failures = []


def check(cond, what, detail=""):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)
        if detail:
            print("     " + detail.replace("\n", "\n     "))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--langoost", required=True)
    binary = ap.parse_args().langoost

    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "hot.folded"
        r = subprocess.run([binary, "run", "--profile", str(out), str(HERE / "profile" / "hot.goost")],
                           capture_output=True, text=True, timeout=300)
        check(r.returncode == 0 and r.stdout == "1822040\n", "the program runs as usual", r.stdout + r.stderr)
        text = out.read_text() if out.is_file() else ""
        lines = text.splitlines()
        line_re = re.compile(r"^(\S[^;]*)(;[^;]+)* (\d+)$")
        check(lines and all(line_re.match(l) for l in lines), "every line is `frame;frame;… count`", text[:500])
        total = sum(int(l.rsplit(" ", 1)[1]) for l in lines if line_re.match(l))
        in_fib = sum(int(l.rsplit(" ", 1)[1]) for l in lines if line_re.match(l) and
                     l.rsplit(" ", 1)[0].split(";")[-1].startswith("fib "))
        check(total >= 20, "enough samples to judge", f"{total} samples")
        check(in_fib > total * 0.6, "fib has most of the samples", f"{in_fib} of {total}")
        # Samples outside every frame (start-up, exit) form the one-frame stack `[runtime]`.
        check(all(l.startswith("<main> (hot.goost:1);main (hot.goost:17)") or re.match(r"^\[runtime\] \d+$", l)
                  for l in lines), "stacks start at the root: <main>, then main", text[:500])
        check(any(";fib (hot.goost:2);fib (hot.goost:2)" in l for l in lines), "recursion shows as nested frames")
        table = r.stderr.splitlines()
        rows = [l for l in table if re.match(r"^\s+\d+\.\d\s+\d+\.\d\s+", l)]
        check(table and table[0].startswith("profile: ") and rows and rows[0].endswith("fib (hot.goost:2)"),
              "the top-N table on stderr starts with fib", r.stderr)

        exit_prog = pathlib.Path(tmp) / "exit.goost"
        exit_prog.write_text("fn spin(n) {\n    let s = 0\n    for i in range(n) {\n        s += i\n    }\n"
                             "    return s\n}\nprintln(spin(100000))\nexit(3)\n")
        out2 = pathlib.Path(tmp) / "exit.folded"
        e = subprocess.run([binary, "run", "--profile", str(out2), str(exit_prog)], capture_output=True, text=True,
                           timeout=120)
        check(e.returncode == 3 and out2.is_file(), "exit(3) keeps its status and still writes the profile",
              e.stderr)

        bad = subprocess.run([binary, "run", "--profile", str(pathlib.Path(tmp) / "no" / "such" / "dir" / "x"),
                              str(exit_prog)], capture_output=True, text=True, timeout=120)
        check(bad.returncode != 0 and "cannot write the profile" in bad.stderr, "an unwritable OUT is an error",
              bad.stderr)

    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
