#!/usr/bin/env python3
"""Tests for `langoost fmt`.

    run_format_tests.py --langoost BIN golden [--update] [CASE.goost...]
    run_format_tests.py --langoost BIN repo [FILE|DIR...]
    run_format_tests.py --langoost BIN cli

golden: formats each tests/format/cases/X.goost (default: all of them) and
compares the result with X.expected; the expected text must itself be a
fixed point and compile to the same bytecode as the input. --update rewrites
the .expected files.

repo: every .goost file git knows (or the ones named) must format
idempotently (fmt(fmt(x)) == fmt(x)) and, when the file compiles, to the same
bytecode: `langoost disasm` of the formatted copy equals that of the original
with line:column information stripped, and the file with all indentation
removed must format to the same text. A file with a syntax error must be
refused with exit status 65. Files that compile but not with `check` (e.g.
compile_errors/) are checked for idempotence only.

cli: exit statuses and output of --check, --stdout, '-', directories and a
file with a syntax error (left untouched).

Prints ok/FAIL lines and a summary; exits 1 if anything failed.
"""
import argparse
import concurrent.futures
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TIMEOUT = 60


def run(binary, args, stdin=None, cwd=None):
    return subprocess.run([binary] + args, input=stdin, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=TIMEOUT)


def fmt_text(binary, text):
    """Formats `text` through `fmt -`; returns (status, stdout bytes, stderr)."""
    proc = run(binary, ["fmt", "-"], stdin=text)
    return proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace")


LOCATION = re.compile(r"^(\d{4,})  \S+\s+", re.M)
HEADER = re.compile(r"^(== .*) \(.*:\d+:\d+\)", re.M)


def bytecode(binary, path):
    """disasm of `path` without line:column info, or None if it does not compile."""
    proc = run(binary, ["disasm", os.path.basename(path)], cwd=os.path.dirname(os.path.abspath(path)))
    if proc.returncode != 0:
        return None
    text = proc.stdout.decode("utf-8", "replace")
    return HEADER.sub(r"\1", LOCATION.sub(r"\1  ", text))


def same_bytecode(binary, path, formatted):
    """Compares the bytecode of `path` with that of `formatted` compiled from
    the same directory (so relative imports resolve). None: does not compile."""
    original = bytecode(binary, path)
    if original is None:
        return None
    directory = os.path.dirname(os.path.abspath(path))
    fd, copy = tempfile.mkstemp(prefix=".fmtcheck-", suffix=".goost", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(formatted)
        after = bytecode(binary, copy)
    finally:
        os.unlink(copy)
    if after is None:
        return "the formatted file does not compile"
    if after != original:
        diff = difflib.unified_diff(original.splitlines(True), after.splitlines(True), "original", "formatted", n=2)
        return "bytecode differs:\n" + "".join(list(diff)[:60])
    return ""


def check_idempotent(binary, label, text):
    """Formats text twice; returns (first output or None, problem)."""
    status, once, err = fmt_text(binary, text)
    if status != 0:
        return None, "fmt failed (%d): %s" % (status, err.strip())
    status, twice, err = fmt_text(binary, once)
    if status != 0:
        return None, "fmt of the formatted text failed (%d): %s" % (status, err.strip())
    if once != twice:
        diff = difflib.unified_diff(once.decode("utf-8", "replace").splitlines(True),
                                    twice.decode("utf-8", "replace").splitlines(True), "fmt(x)", "fmt(fmt(x))")
        return None, "not idempotent:\n" + "".join(diff)
    return once, ""


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, label, note=""):
        self.passed += 1
        print("ok   %s%s" % (label, "  (" + note + ")" if note else ""))

    def fail(self, label, why):
        self.failed += 1
        print("FAIL %s: %s" % (label, why))

    def finish(self, what):
        print("%s: %d passed, %d failed" % (what, self.passed, self.failed))
        return 1 if self.failed else 0


def golden(binary, cases, update):
    report = Report()
    if not cases:
        case_dir = os.path.join(HERE, "cases")
        cases = sorted(os.path.join(case_dir, n) for n in os.listdir(case_dir) if n.endswith(".goost"))
    for case in cases:
        label = os.path.relpath(case, ROOT)
        expected_path = case[:-len(".goost")] + ".expected"
        with open(case, "rb") as f:
            text = f.read()
        status, actual, err = fmt_text(binary, text)
        if status != 0:
            report.fail(label, "fmt exited %d: %s" % (status, err.strip()))
            continue
        if update:
            with open(expected_path, "wb") as f:
                f.write(actual)
        expected = open(expected_path, "rb").read() if os.path.exists(expected_path) else b""
        if actual != expected:
            diff = difflib.unified_diff(expected.decode().splitlines(True), actual.decode().splitlines(True),
                                        "expected", "actual")
            report.fail(label, "output differs:\n" + "".join(diff))
            continue
        _, problem = check_idempotent(binary, label, actual)
        if problem:
            report.fail(label, problem)
            continue
        problem = same_bytecode(binary, case, actual)
        if problem:
            report.fail(label, problem)
            continue
        report.ok(label, "does not compile: formatting only" if problem is None else "")
    return report.finish("format golden")


def repo_files(paths):
    if paths:
        files = []
        for p in paths:
            if os.path.isdir(p):
                for base, dirs, names in os.walk(p):
                    files += [os.path.join(base, n) for n in names if n.endswith(".goost")]
            else:
                files.append(p)
        return sorted(files)
    proc = subprocess.run(["git", "ls-files", "-z", "*.goost"], cwd=ROOT, stdout=subprocess.PIPE, check=True)
    return [os.path.join(ROOT, p) for p in proc.stdout.decode().split("\0") if p]


def check_repo_file(binary, path):
    """One file of the repo: (label, problem or None, what passed)."""
    label = os.path.relpath(path, ROOT)
    with open(path, "rb") as f:
        text = f.read()
    status, _, err = fmt_text(binary, text)
    if status == 65:
        proc = run(binary, ["check", os.path.basename(path)], cwd=os.path.dirname(path))
        if proc.returncode != 65:
            return label, "fmt reports a syntax error but check exits %d" % proc.returncode, None
        return label, None, "syntax error, refused"
    formatted, problem = check_idempotent(binary, label, text)
    if problem:
        return label, problem, None
    problem = same_bytecode(binary, path, formatted)
    if problem:
        return label, problem, None
    # Indentation carries no meaning: the file with every line's leading
    # whitespace removed must format to the same text (block comments,
    # whose inner lines are kept verbatim, aside).
    dedented = b"\n".join(line.lstrip(b" \t") for line in text.split(b"\n"))
    status, again, err = fmt_text(binary, dedented)
    if status != 0:
        return label, "fmt of the dedented file failed (%d): %s" % (status, err.strip()), None
    if b"/*" not in text and again != formatted:
        diff = difflib.unified_diff(formatted.decode("utf-8", "replace").splitlines(True),
                                    again.decode("utf-8", "replace").splitlines(True), "fmt(x)", "fmt(dedent(x))")
        return label, "indentation-dependent output:\n" + "".join(diff), None
    return label, None, "idempotent only" if problem is None else "same bytecode"


def repo(binary, paths, stride, jobs):
    """Every .goost file of the repo (every stride-th one: the sanitizer
    builds check a quarter, the release build all), jobs files at a time."""
    report = Report()
    counts = {"same bytecode": 0, "idempotent only": 0, "syntax error, refused": 0}
    files = repo_files(paths)[::stride]
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for label, problem, passed in pool.map(lambda path: check_repo_file(binary, path), files):
            if problem:
                report.fail(label, problem)
            else:
                counts[passed] += 1
                report.ok(label, passed)
    print(", ".join("%s: %d" % kv for kv in counts.items()))
    return report.finish("format repo")


def cli(binary):
    report = Report()
    messy = b"let x=1\nif x==1{println( x )}\n"
    tidy = b"let x = 1\nif x == 1 { println(x) }\n"
    broken = b"let x = (1\nprintln(x)\n"
    work = tempfile.mkdtemp(prefix="langoost-fmt-")
    try:
        def write(name, data):
            path = os.path.join(work, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            return path

        def expect(label, cond, why):
            report.ok(label) if cond else report.fail(label, why)

        a = write("a.goost", messy)
        b = write("sub/b.goost", tidy)
        write("sub/notes.txt", b"not goost")
        write(".hidden/c.goost", messy)
        bad = write("bad/bad.goost", broken)

        proc = run(binary, ["fmt", "--check", a, b])
        expect("--check with a file to change exits 1 and names it",
               proc.returncode == 1 and proc.stdout.decode() == a + "\n" and open(a, "rb").read() == messy,
               "status %d, stdout %r" % (proc.returncode, proc.stdout))
        proc = run(binary, ["fmt", "--check", b])
        expect("--check on a formatted file exits 0 silently", proc.returncode == 0 and proc.stdout == b"",
               "status %d, stdout %r" % (proc.returncode, proc.stdout))
        proc = run(binary, ["fmt", "--stdout", a])
        expect("--stdout prints and does not write",
               proc.returncode == 0 and proc.stdout == tidy and open(a, "rb").read() == messy,
               "status %d, stdout %r" % (proc.returncode, proc.stdout))
        proc = run(binary, ["fmt", "-"], stdin=messy)
        expect("'-' formats stdin to stdout", proc.returncode == 0 and proc.stdout == tidy,
               "status %d, stdout %r" % (proc.returncode, proc.stdout))
        proc = run(binary, ["fmt", bad])
        expect("a syntax error exits 65 with the diagnostic and leaves the file untouched",
               proc.returncode == 65 and b"bad.goost:2:1: error:" in proc.stderr and open(bad, "rb").read() == broken,
               "status %d, stderr %r" % (proc.returncode, proc.stderr))
        proc = run(binary, ["fmt", "--check", os.path.join(work, "bad")])
        expect("--check with a syntax error exits 65", proc.returncode == 65, "status %d" % proc.returncode)
        proc = run(binary, ["fmt", os.path.join(work, "missing.goost")])
        expect("a missing file exits 2", proc.returncode == 2 and b"cannot read" in proc.stderr,
               "status %d, stderr %r" % (proc.returncode, proc.stderr))
        proc = run(binary, ["fmt", "--check", work])
        expect("--check on a directory lists the .goost files below it (not hidden ones)",
               proc.returncode == 65 and proc.stdout.decode() == a + "\n",
               "status %d, stdout %r" % (proc.returncode, proc.stdout))
        os.unlink(bad)
        proc = run(binary, ["fmt", work])
        expect("fmt DIR rewrites in place",
               proc.returncode == 0 and open(a, "rb").read() == tidy and open(b, "rb").read() == tidy
               and open(os.path.join(work, ".hidden/c.goost"), "rb").read() == messy,
               "status %d, stderr %r" % (proc.returncode, proc.stderr))
        proc = run(binary, ["fmt", "--check", work])
        expect("--check after fmt exits 0", proc.returncode == 0 and proc.stdout == b"",
               "status %d, stdout %r" % (proc.returncode, proc.stdout))
        proc = run(binary, ["fmt"])
        expect("fmt without a path is a usage error", proc.returncode == 2, "status %d" % proc.returncode)

        # \r\n line endings and a leading byte-order mark: fmt writes \n and no BOM.
        crlf = write("crlf.goost", b"\xef\xbb\xbflet x=1\r\nif x==1{println( x )} // c\r\n")
        proc = run(binary, ["fmt", "--check", crlf])
        expect("--check lists a \\r\\n file", proc.returncode == 1, "status %d" % proc.returncode)
        proc = run(binary, ["fmt", crlf])
        expect("fmt normalises \\r\\n to \\n and drops the BOM",
               proc.returncode == 0 and open(crlf, "rb").read() == tidy[:-1] + b" // c\n",
               "status %d, got %r" % (proc.returncode, open(crlf, "rb").read()))
        os.unlink(crlf)

        # A symlink is written through (it stays a link); hard links stay linked; the mode is kept.
        target = write("real/target.goost", messy)
        os.chmod(target, 0o640)
        link = os.path.join(work, "link.goost")
        os.symlink(target, link)
        proc = run(binary, ["fmt", link])
        expect("fmt SYMLINK rewrites the file it names and keeps the link",
               proc.returncode == 0 and os.path.islink(link) and open(target, "rb").read() == tidy
               and (os.stat(target).st_mode & 0o777) == 0o640,
               "status %d, stderr %r" % (proc.returncode, proc.stderr))
        first = write("hard/one.goost", messy)
        second = os.path.join(work, "hard/two.goost")
        os.link(first, second)
        proc = run(binary, ["fmt", first])
        expect("fmt on a hard-linked file keeps the link",
               proc.returncode == 0 and os.path.samefile(first, second) and open(second, "rb").read() == tidy,
               "status %d, stderr %r" % (proc.returncode, proc.stderr))
    finally:
        shutil.rmtree(work)
    return report.finish("format cli")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--langoost", required=True)
    parser.add_argument("mode", choices=["golden", "repo", "cli"])
    parser.add_argument("--update", action="store_true")
    parser.add_argument("--stride", type=int, default=1, help="repo: check every N-th file")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="repo: files checked at once")
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args()
    binary = os.path.abspath(args.langoost)
    if args.mode == "golden":
        return golden(binary, [os.path.abspath(p) for p in args.paths], args.update)
    if args.mode == "repo":
        return repo(binary, [os.path.abspath(p) for p in args.paths], max(1, args.stride), max(1, args.jobs))
    return cli(binary)


if __name__ == "__main__":
    sys.exit(main())
