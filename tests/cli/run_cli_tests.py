#!/usr/bin/env python3
"""End-to-end tests of `langoost test` and the REPL.

    run_cli_tests.py --langoost PATH [--only test_runner|test_threads|repl]

The test-runner checks run `langoost test` on the fixtures in
tests/cli/test_runner/ (from that directory, so paths are short) and check
the per-test lines, the summary line, the exit status, --filter and --json.
The thread checks run it on tests/cli/test_threads/: a thread's exit() fails
only its file, and threads left running end with their file.
The REPL checks pipe input into `langoost` and compare stdout/stderr, and
drive one interactive session through a pseudo-terminal (libedit, history).
Exit status 1 when any check fails.
"""
import argparse
import json
import os
import pathlib
import re
import select
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
FIXTURES = HERE / "test_runner"

failures = []


def check(cond, what, detail=""):
    if cond:
        return
    failures.append(what)
    print(f"FAIL: {what}")
    if detail:
        print("  " + detail.replace("\n", "\n  "))


def run(binary, args, cwd=FIXTURES, stdin=None, env=None):
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    if env:
        e.update(env)
    r = subprocess.run([binary] + args, cwd=cwd, input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60, env=e)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


# The full run, with the milliseconds replaced by "#".
EXPECTED_FULL = """\
basic_test.goost
  ok    test_double (#)
  FAIL  test_failing_assertion (#)
        AssertionError: expected 7, got 6
        at basic_test.goost:12
  FAIL  test_throws_error (#)
        IndexError: index 5 out of range for array of length 2
        at basic_test.goost:17
  FAIL  test_throws_plain_value (#)
        uncaught exception: not an error object
        at basic_test.goost:25
  ok    test_last_passes (#)
broken_compile_test.goost
  FAIL  broken_compile_test.goost (#)
        broken_compile_test.goost:4:9: error: undefined name 'undefined_name'
            let x = undefined_name + 1
                    ^
exit_test.goost
  ok    test_before_exit (#)
  FAIL  test_calls_exit (#)
        test called exit(3)
  skip  test_after_exit (not run: an earlier test ended the isolate)
imports_test.goost
  ok    test_helper_passes (#)
  FAIL  test_helper_fails (#)
        AssertionError: got ab, want ba
        at sub/helper.goost:7, from imports_test.goost:10
setup_fails_test.goost
  FAIL  test_needs_database (#)
        setup: SetupError: no database
        at setup_fails_test.goost:3
setup_test.goost
  ok    test_first (#)
  ok    test_second (#)
  FAIL  test_teardown_after_failure (#)
        AssertionError: deliberate failure
        at setup_test.goost:21
  ok    test_teardown_ran_after_failure (#)
sub/nested_test.goost
hello from nested
  ok    test_nested_prints (#)
teardown_fails_test.goost
  FAIL  test_body_passes (#)
        teardown: AssertionError: could not clean up
        at teardown_fails_test.goost:2
toplevel_throw_test.goost
  FAIL  toplevel_throw_test.goost (#)
        top-level code threw: TypeError: cannot read field 'port' of a value of type void
        at toplevel_throw_test.goost:5

8 passed, 10 failed, 1 skipped
"""

MS = re.compile(r"\(\d+\.\d\d ms\)")


def normalise(out):
    return MS.sub("(#)", out)


def test_runner(binary):
    # Full run from the fixture directory (PATH defaults to ".").
    code, out, err = run(binary, ["test"])
    check(code == 1, "test: exit status 1 when a test failed", f"got {code}")
    check(normalise(out) == EXPECTED_FULL, "test: full output", diff(EXPECTED_FULL, normalise(out)))
    check("\x1b[" not in out, "test: no colours when stdout is not a terminal")
    check(err == "", "test: nothing on stderr", err)

    # An explicit directory argument gives the same tests, paths prefixed.
    code, out2, _ = run(binary, ["test", str(FIXTURES.relative_to(HERE.parent.parent))], cwd=HERE.parent.parent)
    check(out2.splitlines()[-1] == "8 passed, 10 failed, 1 skipped", "test PATH: summary", out2[-200:])
    check("tests/cli/test_runner/sub/nested_test.goost\n" in out2, "test PATH: nested file shown with its path")

    # Only passing tests: exit 0, no skipped part in the summary.
    code, out, _ = run(binary, ["test", "setup_test.goost", "sub", "--filter", "t"])
    lines = out.splitlines()
    check(code == 1, "test FILE DIR --filter: exit 1 (one failure)", f"got {code}")
    check(lines[-1] == "4 passed, 1 failed", "test FILE DIR: summary without skipped", out)
    code, out, _ = run(binary, ["test", "setup_test.goost", "--filter", "test_first"])
    check(code == 0, "test --filter (all pass): exit 0", f"got {code}\n{out}")
    check(normalise(out) == "setup_test.goost\n  ok    test_first (#)\n\n1 passed, 0 failed\n",
          "test --filter: only the matching test", out)

    # --filter: files without a matching test are not run; a file that does
    # not compile still fails (it may hold matching tests).
    code, out, _ = run(binary, ["test", "--filter", "double"])
    check(normalise(out) == "basic_test.goost\n  ok    test_double (#)\n"
          "broken_compile_test.goost\n  FAIL  broken_compile_test.goost (#)\n"
          "        broken_compile_test.goost:4:9: error: undefined name 'undefined_name'\n"
          "            let x = undefined_name + 1\n"
          "                    ^\n\n1 passed, 1 failed\n", "test --filter double", out)

    # --json: stdout is exactly one JSON document; test output goes to stderr.
    code, out, err = run(binary, ["test", "--json"])
    check(code == 1, "test --json: exit 1", f"got {code}")
    try:
        report = json.loads(out)
    except ValueError as e:
        check(False, "test --json: valid JSON", f"{e}\n{out}")
        return
    check((report["passed"], report["failed"], report["skipped"]) == (8, 10, 1), "test --json: counts",
          str(report)[:300])
    check(len(report["files"]) == 9, "test --json: discovered files", str(report["files"]))
    by_name = {(t["file"], t["name"]): t for t in report["tests"]}
    t = by_name.get(("basic_test.goost", "test_failing_assertion"))
    check(t is not None and t["status"] == "fail" and t["message"] == "AssertionError: expected 7, got 6"
          and t["location"] == "basic_test.goost:12" and isinstance(t["ms"], (int, float)),
          "test --json: failing assertion entry", str(t))
    t = by_name.get(("basic_test.goost", "test_double"))
    check(t is not None and t["status"] == "pass" and "message" not in t, "test --json: passing entry", str(t))
    t = by_name.get(("broken_compile_test.goost", "broken_compile_test.goost"))
    check(t is not None and t["phase"] == "compile" and "undefined name 'undefined_name'" in t["message"],
          "test --json: compile failure entry", str(t))
    t = by_name.get(("toplevel_throw_test.goost", "toplevel_throw_test.goost"))
    check(t is not None and t["phase"] == "load" and t["location"] == "toplevel_throw_test.goost:5",
          "test --json: top-level failure entry", str(t))
    t = by_name.get(("exit_test.goost", "test_after_exit"))
    check(t is not None and t["status"] == "skip", "test --json: skipped entry", str(t))
    t = by_name.get(("imports_test.goost", "test_helper_fails"))
    check(t is not None and t["testLocation"] == "imports_test.goost:10", "test --json: testLocation", str(t))
    names = [t["name"] for t in report["tests"] if t["file"] == "setup_test.goost"]
    check(names == ["test_first", "test_second", "test_teardown_after_failure", "test_teardown_ran_after_failure"],
          "test --json: declaration order", str(names))
    check("hello from nested" in err, "test --json: script output goes to stderr", err)

    # Errors in the invocation.
    code, out, err = run(binary, ["test", "no/such/dir"])
    check(code == 2 and "no such file or directory 'no/such/dir'" in err, "test: missing PATH is a usage error",
          f"{code} {err}")
    with tempfile.TemporaryDirectory() as tmp:
        code, out, err = run(binary, ["test"], cwd=tmp)
        check(code == 0 and out.endswith("0 passed, 0 failed\n") and "no *_test.goost files found" in err,
              "test: no test files", f"{code} {out!r} {err!r}")

    # Colours on a terminal, unless NO_COLOR is set.
    out = run_in_pty(binary, ["test", "setup_test.goost", "--filter", "first"], cwd=FIXTURES)
    check("\x1b[32mok" in out, "test: green 'ok' on a terminal", repr(out))
    out = run_in_pty(binary, ["test", "setup_test.goost", "--filter", "first"], cwd=FIXTURES,
                     env={"NO_COLOR": "1"})
    check("\x1b[" not in out and "1 passed, 0 failed" in out, "test: NO_COLOR disables colours", repr(out))


THREADS = HERE / "test_threads"

EXPECTED_EXIT_THEN_MORE = """\
a_thread_exit_test.goost
  ok    test_spawns_exiting_thread (#)
  FAIL  a_thread_exit_test.goost (#)
        a thread called exit(0)
b_failing_test.goost
  FAIL  test_fails (#)
        AssertionError: one is not two
        at b_failing_test.goost:2
c_passing_test.goost
  ok    test_passes (#)

2 passed, 2 failed
"""

EXPECTED_ENDLESS = """\
one_test.goost
  ok    test_leaves_a_looping_thread_one (#)
two_test.goost
  ok    test_leaves_a_looping_thread_two (#)

2 passed, 0 failed
"""


def test_threads(binary):
    # exit(0) in a spawned thread ends that thread only: its file fails, the
    # files after it still run, and the exit status reflects every file.
    code, out, err = run(binary, ["test"], cwd=THREADS / "exit_then_more")
    check(code == 1, "test: exit(0) in a thread does not end the run with status 0", f"got {code}\n{out}{err}")
    check(normalise(out) == EXPECTED_EXIT_THEN_MORE, "test: every file reported after a thread's exit(0)",
          diff(EXPECTED_EXIT_THEN_MORE, normalise(out)))
    code, out, err = run(binary, ["test", "a_thread_exit_test.goost"], cwd=THREADS / "exit_then_more")
    check(code == 1 and out.endswith("1 passed, 1 failed\n"), "test: a thread's exit(0) alone fails the run",
          f"got {code}\n{out}{err}")
    # Each file leaves a thread looping (and allocating) forever: the threads
    # are stopped with their file, the run ends cleanly, several times over.
    for attempt in range(3):
        try:
            code, out, err = run(binary, ["test"], cwd=THREADS / "endless")
        except subprocess.TimeoutExpired:
            check(False, "test: files leaving endless threads finish", "timed out after 60 s")
            break
        check(code == 0 and normalise(out) == EXPECTED_ENDLESS and err == "",
              f"test: files leaving endless threads finish cleanly (run {attempt + 1})",
              f"exit {code}\n{diff(EXPECTED_ENDLESS, normalise(out))}\nstderr: {err}")


REPL_INPUT = """\
fn add(a, b) {
    // a comment with an unbalanced ( inside
    let s = "a string with { inside"
    return a + b
}
add(2, 3)
let xs = [
    1,
    2,
]
xs.map(fn(x) { return x * 10 })
let name = "goost"
name
println("printed", name)
nil
undefined_thing + 1
xs[10]
let after = len(xs) + 1
after
import strings
strings.upper(name)
class P { fn sum() { return self.a + self.b } }
P{a: 1, b: 2}.sum()
fn add(a, b) { return a * b }
add(2, 3)
/* a block comment
   spanning lines */ after * 2
:help
:nope
:quit
println("never runs")
"""

REPL_STDOUT = """\
5
[10,20]
"goost"
printed goost
3
"GOOST"
3
6
6
Enter Langoost statements or expressions; the value of an expression is
printed (strings quoted, nil not shown). Definitions (let, fn, class,
import) persist for the whole session. Input continues on the next line
while ( [ { are open or the entry is unfinished (`1 +`); an empty line
ends an unfinished entry. Tab completes names and members after a dot;
Ctrl-C abandons the entry being typed, or interrupts a running one.
  :help   this text
  :quit   leave (also :q, Ctrl-D)
"""

REPL_STDERR = """\
<repl>:1:1: error: undefined name 'undefined_thing'
    undefined_thing + 1
    ^
IndexError: index 10 out of range for array of length 2
  at <main> (<repl>:1:3)
unknown command ':nope' (try :help)
"""


def test_repl(binary):
    code, out, err = run(binary, [], stdin=REPL_INPUT.encode())
    check(code == 0, "repl: exit 0 after :quit", f"got {code}")
    check(out == REPL_STDOUT, "repl: stdout", diff(REPL_STDOUT, out))
    check(err == REPL_STDERR, "repl: stderr", diff(REPL_STDERR, err))

    # `langoost repl` is the same; end of input ends the session; exit(n) ends it with n.
    code, out, err = run(binary, ["repl"], stdin=b"let a = 20\na + 22\n")
    check((code, out, err) == (0, "42\n", ""), "repl: EOF ends the session", f"{code} {out!r} {err!r}")
    # \r\n line endings (and a leading byte-order mark) are read as plain newlines.
    code, out, err = run(binary, ["repl"], stdin=b"\xef\xbb\xbflet x = 1\r\nif x == 1 {\r\nprintln(\"yes\")\r\n}\r\nx + 1\r\n")
    check((code, out, err) == (0, "yes\n2\n", ""), "repl: \\r\\n input", f"{code} {out!r} {err!r}")
    code, out, err = run(binary, ["repl"], stdin=b"let a = 1\r\nlet b = @\r\n")
    check(code == 0 and "<repl>:1:9: error: unexpected character '@'" in err, "repl: \\r\\n error columns",
          f"{code} {out!r} {err!r}")
    code, out, err = run(binary, ["repl"], stdin=b"println(1)\nexit(4)\nprintln(2)\n")
    check((code, out) == (4, "1\n"), "repl: exit(n)", f"{code} {out!r} {err!r}")
    # Input that ends inside an open bracket is compiled anyway, showing the error.
    code, out, err = run(binary, ["repl"], stdin=b"let y = (1 +\n")
    check(code == 0 and "expected an expression, got end of file" in err, "repl: unfinished entry at EOF",
          f"{code} {err!r}")

    # Each entry adds globals, which may move the module's globals array; a
    # method call site warmed before must then read the moved array (the
    # method cache holds a globals pointer and is dropped on growth).
    entries = ["let g = 1", "class C { fn get() { return g } }", "let c = C{}",
               "fn call() { return c.get() }", "call()"]
    entries += [f"let a{i} = {i}" for i in range(40)] + ["g = 42", "call()"]
    code, out, err = run(binary, ["repl"], stdin=("\n".join(entries) + "\n").encode())
    check((code, out, err) == (0, "1\n42\n", ""), "repl: a warm method call site sees globals added later",
          f"{code} {out!r} {err!r}")

    # An interactive session through a pseudo-terminal: prompt, continuation, history file.
    with tempfile.TemporaryDirectory() as home:
        out = run_in_pty(binary, [], cwd=FIXTURES, env={"HOME": home, "TERM": "dumb"},
                         input_lines=["fn sq(x) {", "return x * x", "}", "sq(7)", ":quit"])
        check("Langoost" in out and ":help" in out, "repl (tty): banner", repr(out))
        check("49" in out, "repl (tty): value printed", repr(out))
        check("... " in out, "repl (tty): continuation prompt", repr(out))
        hist = pathlib.Path(home) / ".langoost_history"
        check(hist.exists() and "sq(7)" in hist.read_text(errors="replace"), "repl (tty): history file written",
              hist.read_text(errors="replace") if hist.exists() else "missing")


def test_repl_editing(binary):
    """Continuation after an operator, Ctrl-C, Tab completion and multi-line history, on a terminal."""
    sys.path.insert(0, str(HERE))
    from ptysession import PtySession, PtyTimeout

    # Piped input continues an entry that stops at its end, as a file does.
    code, out, err = run(binary, ["repl"], stdin=b"1 +\n2\nlet s = \"a\" +\n  \"b\"\ns\nlet t = [1,\n2].map(fn(x) {\nreturn x * 2 })\nt\n")
    check((code, out) == (0, "3\n\"ab\"\n[2,4]\n"), "repl: an entry ending in an operator continues",
          f"{code} {out!r} {err!r}")
    # An empty line ends an unfinished entry and shows its error; the session goes on.
    code, out, err = run(binary, ["repl"], stdin=b"1 +\n\n40 + 2\n")
    check(code == 0 and out == "42\n" and "got end of file" in err, "repl: an empty line ends an unfinished entry",
          f"{code} {out!r} {err!r}")

    with tempfile.TemporaryDirectory() as home:
        try:
            with PtySession([binary], cwd=home, env={"HOME": home, "TERM": "xterm"}) as s:
                s.expect("> ")
                s.send("1 +\r")
                s.expect("... ")
                s.send("41\r")
                s.expect("42")
                # Ctrl-C on a half-typed entry (two lines in) abandons it; the session goes on.
                s.expect("> ")
                s.send("let lost = (1 +\r")
                s.expect("... ")
                s.send("2")
                s.expect("2")  # libedit has taken the key: Ctrl-C now finds it waiting
                time.sleep(0.2)
                s.send("\x03")
                s.expect("> ")
                s.send("typeof(lost)\r")
                s.expect("undefined name 'lost'")
                # Tab completes module members, globals and keywords.
                s.expect("> ")
                s.send("import strings\r")
                s.expect("> ")
                s.send("strings.upp\t")
                s.expect("er")
                s.send("(\"tab\")\r")
                s.expect('"TAB"')
                s.expect("> ")
                s.send("let counter = 41\r")
                s.expect("> ")
                s.send("coun\t")
                s.expect("ter")
                s.send(" + 1\r")
                s.expect("42")
                s.expect("> ")
                s.send("whi\t")
                s.expect("le")
                time.sleep(0.2)  # a Ctrl-C typed while libedit still handles a key can be lost
                s.send("\x03")
                s.expect("> ")
                # Ctrl-C interrupts a running entry; the session and its state go on.
                s.send("while true { counter += 1 }\r")
                time.sleep(0.5)
                s.send("\x03")
                s.expect("InterruptError: interrupted (Ctrl-C)")
                s.expect("> ")
                s.send("counter > 42\r")
                s.expect("true")
                s.expect("> ")
                # A multi-line entry is one history entry.
                s.send("fn twice(x) {\r")
                s.expect("... ")
                s.send("return x * 2\r")
                s.expect("... ")
                s.send("}\r")
                s.expect("> ")
                s.send("twice(21)\r")
                s.expect("42")
                s.expect("> ")
                s.send(":quit\r")
                status = s.wait()
            check(status == 0, "repl (tty): :quit after Ctrl-C exits 0", f"status {status}")
        except PtyTimeout as e:
            check(False, "repl (tty): editing session", str(e))
        hist = pathlib.Path(home) / ".langoost_history"
        text = hist.read_text(errors="replace") if hist.exists() else ""
        # libedit stores each entry on one line, with octal escapes (\040 a space, \012 a newline).
        lines = [re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line) for line in text.splitlines()]
        check("fn twice(x) {\nreturn x * 2\n}" in lines and "return x * 2" not in lines,
              "repl (tty): a multi-line entry is one history entry", text)


def run_in_pty(binary, args, cwd, env=None, input_lines=None, timeout=20):
    """Runs the binary with stdin/stdout/stderr on a pseudo-terminal; returns what it printed."""
    import pty
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    e.setdefault("TERM", "xterm")
    if env:
        e.update(env)
    master, slave = pty.openpty()
    p = subprocess.Popen([binary] + args, cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=e,
                         close_fds=True)
    os.close(slave)
    out = b""
    deadline = time.time() + timeout
    pending = list(input_lines or [])

    def drain(wait):
        nonlocal out
        while True:
            r, _, _ = select.select([master], [], [], wait)
            if not r:
                return
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            if not chunk:
                return
            out += chunk
            wait = 0.05

    while pending and time.time() < deadline:
        drain(0.3)
        os.write(master, (pending.pop(0) + "\n").encode())
    while p.poll() is None and time.time() < deadline:
        drain(0.1)
    drain(0.1)
    if p.poll() is None:
        p.kill()
        p.wait()
    os.close(master)
    return out.decode("utf-8", "replace")


def diff(want, got):
    import difflib
    return "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), "expected", "actual"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--langoost", required=True)
    ap.add_argument("--only", choices=["test_runner", "test_threads", "repl"])
    args = ap.parse_args()
    binary = str(pathlib.Path(args.langoost).resolve())
    if args.only in (None, "test_runner"):
        test_runner(binary)
    if args.only in (None, "test_threads"):
        test_threads(binary)
    if args.only in (None, "repl"):
        test_repl(binary)
        test_repl_editing(binary)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all CLI checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
