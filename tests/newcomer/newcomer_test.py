#!/usr/bin/env python3
"""The first hour of a new user, replayed from a clean shell.

    newcomer_test.py --build-dir BUILD

Installs the build into a temporary prefix (`cmake --install`), then, with
only that prefix's bin/ and the system directories on PATH and a fresh
HOME, does what a newcomer does: `init` a project, `run` and `test` it,
`check .`, mistype a command, ask for `help`, run code with `-e` and from
stdin, write a script that needs the basics (stderr, reading a file line
by line, formatted columns, string methods, array callbacks), use the REPL
through a pseudo-terminal (continuation, Tab, Ctrl-C, history), and serve
a site with a path parameter, then `build` it and serve the package. Exit
status 1 when any step fails.
"""
import argparse
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "cli"))
from ptysession import PtySession, PtyTimeout  # noqa: E402

failures = []


def check(cond, what, detail=""):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)
        if detail:
            print("  " + str(detail).replace("\n", "\n  "))


class Shell:
    """A clean environment: PATH = PREFIX/bin and the system, HOME = a fresh directory."""

    def __init__(self, prefix, home):
        self.env = {"PATH": f"{prefix}/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
                    "TERM": "xterm"}
        if "TMPDIR" in os.environ:
            self.env["TMPDIR"] = os.environ["TMPDIR"]

    def run(self, cmd, cwd, stdin=None, extra_env=None):
        env = dict(self.env, **(extra_env or {}))
        r = subprocess.run(cmd, cwd=cwd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=120, env=env, shell=isinstance(cmd, str))
        return r.returncode, r.stdout, r.stderr

    def popen(self, cmd, cwd, extra_env=None):
        env = dict(self.env, **(extra_env or {}))
        return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_for_port(port, proc, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def install(build_dir, prefix):
    r = subprocess.run(["cmake", "--install", build_dir, "--prefix", str(prefix)], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=120)
    check(r.returncode == 0 and (prefix / "bin/langoost").is_file(), "install: cmake --install into a prefix",
          r.stdout)
    check((prefix / "share/man/man1/langoost.1").is_file(), "install: man page")
    check((prefix / "share/bash-completion/completions/langoost").is_file(), "install: bash completion")


def project(sh, work):
    code, out, err = sh.run(["langoost", "init", "hello"], work)
    check(code == 0 and "next:" in out, "init: creates a project", out + err)
    app = work / "hello"
    for name in ["langoost.json", "main.goost", "main_test.goost", ".gitignore"]:
        check((app / name).is_file(), f"init: writes {name}")
    code, out, err = sh.run(["langoost", "init", "hello"], work)
    check(code == 2 and "already exists" in err, "init: refuses to overwrite", f"{code} {err}")

    code, out, err = sh.run(["langoost", "run", "main.goost"], app)
    check((code, out) == (0, "Hello, world!\n"), "run: the new project's main", f"{code} {out!r} {err!r}")
    code, out, err = sh.run(["langoost", "main.goost", "Ada"], app)
    check((code, out) == (0, "Hello, Ada!\n"), "run: langoost FILE ARGS", f"{code} {out!r} {err!r}")
    code, out, err = sh.run(["langoost", "test"], app)
    check(code == 0 and "2 passed, 0 failed" in out, "test: the new project's tests pass", out + err)
    code, out, err = sh.run(["langoost", "check", "."], app)
    check((code, out, err) == (0, "", ""), "check .: the whole project", f"{code} {out!r} {err!r}")
    (app / "broken.goost").write_text("let x = )\n")
    code, out, err = sh.run(["langoost", "check", "."], app)
    check(code == 65 and "broken.goost:1:9" in err, "check .: finds the broken file", f"{code} {err!r}")
    (app / "broken.goost").unlink()
    code, out, err = sh.run(["langoost", "compile", "main.goost", "-o", "hello"], app)
    check(code == 0 and out == "built hello\n", "compile: reports what it built", f"{code} {out!r} {err!r}")
    code, out, err = sh.run(["./hello", "Bob"], app)
    check(out == "Hello, Bob!\n", "compile: the binary runs", out + err)
    return app


def mistakes_and_help(sh, work):
    code, out, err = sh.run(["langoost", "tset"], work)
    check(code == 2 and "did you mean 'test'" in err, "a mistyped command gets a suggestion", f"{code} {err!r}")
    code, out, err = sh.run(["langoost", "hepl"], work)
    check(code == 2 and "did you mean 'help'" in err, "`hepl` suggests help", f"{code} {err!r}")
    code, out, err = sh.run(["langoost", "help"], work)
    check(code == 0 and "init" in out and "run" in out, "help: lists the commands", f"{code} {out!r} {err!r}")
    code, out, err = sh.run(["langoost", "help", "run"], work)
    check(code == 0 and "--eval" in out, "help run: run's usage", f"{code} {out!r} {err!r}")
    code, out, err = sh.run(["langoost", "run", "-e", "println(6 * 7)"], work)
    check((code, out) == (0, "42\n"), "run -e CODE", f"{code} {out!r} {err!r}")
    code, out, err = sh.run(["langoost", "run", "-e", "import os\nprintln(os.args())", "a", "-b"], work)
    check((code, out) == (0, '["a","-b"]\n'), "run -e CODE ARGS", f"{code} {out!r} {err!r}")
    code, out, err = sh.run(["langoost", "-e", "println(7)"], work)
    check((code, out) == (0, "7\n"), "langoost -e CODE (no run)", f"{code} {out!r} {err!r}")
    code, out, err = sh.run(["langoost", "run", "-"], work, stdin='println("from stdin")\n')
    check((code, out) == (0, "from stdin\n"), "run - reads the program from stdin", f"{code} {out!r} {err!r}")
    code, out, err = sh.run("echo 'let x = ' | langoost run -", work)
    check(code == 65 and "<stdin>:2:1" in err, "run -: compile errors name <stdin>", f"{code} {err!r}")


SCRIPT = r'''
// Sums a CSV by city: the basics a first script needs.
import io
import os
import strings

if len(os.args()) < 1 {
    eprintln("usage: sales FILE")
    exit(2)
}
let totals = {}
let rows = 0
for line in io.lines(os.args()[0]) {
    if line == "" || line.hasPrefix("#") { continue }
    let cells = line.split(",")
    let city = cells[0].trim()
    if totals[city] == nil { totals[city] = 0.0 }
    totals[city] += toFloat(cells[1].trim())
    rows += 1
}
for city in totals {
    println(strings.format("%-8s|%8.2f|", city, totals[city]))
}
let amounts = totals.values()
println("total", amounts.reduce(fn(a, b) { return a + b }, 0.0))
println("big", totals.keys().find(fn(c) { return totals[c] > 100 }), amounts.some(fn(a) { return a < 1 }))
eprintln(strings.format("%d rows", rows))

let out = io.open("report.txt", "w")
for city in totals { out.write(city.upper() + "\n") }
out.close()
let f = io.open("report.txt")
println(f.readLine(), f.readLine(), f.readLine())
f.close()
'''


def script_basics(sh, work):
    (work / "sales.csv").write_text("# city, amount\nOslo, 10.5\nLima, 200\r\nOslo, 4.25\n\nLima,0.5\n")
    (work / "sales.goost").write_text(SCRIPT)
    code, out, err = sh.run(["langoost", "run", "sales.goost", "sales.csv"], work)
    want = "Lima    |  200.50|\nOslo    |   14.75|\ntotal 215.25\nbig Lima false\nLIMA OSLO nil\n"
    check((code, out, err) == (0, want, "4 rows\n"), "a CSV script: io.lines, methods, format, eprintln, io.open",
          f"{code}\n{out}\nstderr: {err}")
    code, out, err = sh.run(["langoost", "run", "sales.goost"], work)
    check((code, out, err) == (2, "", "usage: sales FILE\n"), "eprintln goes to stderr", f"{code} {out!r} {err!r}")


def repl(sh, work):
    home = pathlib.Path(sh.env["HOME"])
    try:
        with PtySession(["langoost"], cwd=work, env=sh.env) as s:
            s.expect("> ")
            s.send("let total = 1 +\r")
            s.expect("... ")
            s.send("2\r")
            s.expect("> ")
            s.send("total * 14\r")
            s.expect("42")
            s.expect("> ")
            s.send("import strings\r")
            s.expect("> ")
            s.send("strings.repe\t")
            s.expect("at")
            s.send('("ab", 2)\r')
            s.expect('"abab"')
            s.expect("> ")
            s.send("fn half(x) {\r")
            s.expect("... ")
            s.send("return x /")
            s.expect("x /")
            time.sleep(0.2)  # a Ctrl-C typed while libedit still handles a key can be lost
            s.send("\x03")
            s.expect("> ")
            s.send("fn half(x) {\r")
            s.expect("... ")
            s.send("return x / 2\r")
            s.expect("... ")
            s.send("}\r")
            s.expect("> ")
            s.send("half(84)\r")
            s.expect("42")
            s.expect("> ")
            s.send("while true {}\r")
            time.sleep(0.5)
            s.send("\x03")
            s.expect("InterruptError")
            s.expect("> ")
            s.send(":quit\r")
            status = s.wait()
        check(status == 0, "repl: continuation, Tab, Ctrl-C (a line, a running loop), :quit", f"status {status}")
    except PtyTimeout as e:
        check(False, "repl: continuation, Tab, Ctrl-C (a line, a running loop), :quit", str(e))
    hist = home / ".langoost_history"
    text = hist.read_text(errors="replace") if hist.exists() else ""
    # libedit stores each entry on one line, with octal escapes (\040 a space, \012 a newline).
    lines = [re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line) for line in text.splitlines()]
    check("fn half(x) {\nreturn x / 2\n}" in lines, "repl: the multi-line function is one history entry", text)


def serve(sh, work):
    site = work / "site"
    (site / "api/todos").mkdir(parents=True)
    (site / "index.goost").write_text('println("home")\n')
    (site / "style.css").write_text("body {}\n")
    (site / "api/todos/[id].goost").write_text(
        'import server\nserver.json({id: toInt(server.request.params.id), title: "todo " + server.request.params.id})\n')
    url = "/api/todos/2"
    port = free_port()
    proc = sh.popen(["langoost", "serve", "site", "--host", "127.0.0.1", "--port", str(port)], work)
    try:
        up = wait_for_port(port, proc)
        check(up, "serve: listens")
        if up:
            check(get(port, url) == (200, '{"id":2,"title":"todo 2"}'), f"serve: {url}", get(port, url))
            check(get(port, "/")[1] == "home\n", "serve: /")
    finally:
        stop(proc)

    # A langoost.json with a trailing comma is reported at its position.
    (site / "langoost.json").write_text('{\n  "name": "todos",\n}\n')
    code, out, err = sh.run(["langoost", "build", "site"], work)
    check(code == 2 and "langoost.json:3:1:" in err, "build: a trailing comma in langoost.json has line:col",
          f"{code} {err!r}")
    (site / "langoost.json").write_text('{\n  "name": "todos"\n}\n')

    code, out, err = sh.run(["langoost", "build", "site"], work)
    check(code == 0 and "built" in out and (site / "build/run.sh").is_file() and (site / "build/site").is_dir(),
          "build: packages a site for serve", f"{code} {out!r} {err!r}")
    # The package runs on its own: moved away from the sources, started by run.sh.
    moved = work / "deployed"
    shutil.move(str(site / "build"), str(moved))
    shutil.rmtree(site)
    port = free_port()
    proc = sh.popen([str(moved / "run.sh")], work, extra_env={"HOST": "127.0.0.1", "PORT": str(port)})
    try:
        up = wait_for_port(port, proc)
        check(up, "build: run.sh serves the package (HOST and PORT from the environment)")
        if up:
            check(get(port, url) == (200, '{"id":2,"title":"todo 2"}'), f"build: the package answers {url}",
                  get(port, url))
            check(get(port, "/style.css")[1] == "body {}\n", "build: static files are packaged")
    finally:
        stop(proc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        prefix, home, work = tmp / "prefix", tmp / "home", tmp / "work"
        home.mkdir()
        work.mkdir()
        install(args.build_dir, prefix)
        if failures:
            return 1
        sh = Shell(prefix, home)
        project(sh, work)
        mistakes_and_help(sh, work)
        script_basics(sh, work)
        repl(sh, work)
        serve(sh, work)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
