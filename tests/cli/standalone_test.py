#!/usr/bin/env python3
"""End-to-end tests of `langoost compile`, `langoost build` and `langoost install`.

    standalone_test.py --langoost PATH GROUP

Groups:
  compile  standalone binaries of single- and multi-module programs (a
           relative module, a goost_modules package with a manifest, stdlib
           imports); the sources are then moved away and the binary is run
           from another directory, with every argument going to the script.
  corrupt  a binary whose embedded program is damaged (a flipped byte, a
           truncated file, a bad trailer) stops with a clear error, status 65.
  build    `langoost build DIR`: DIR/build/NAME, run.sh (loads .env), .env.
  install  path:, git:file://…@tag and transitive dependencies from local
           bare repositories (never the network), langoost.lock, the
           up-to-date no-op, a failing install that leaves goost_modules/
           untouched, conflicts, then `langoost run` of the app.
Everything happens in a fresh temporary directory. Exit 1 when a check fails.
"""
import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

failures = []
LANGOOST = ""


def check(cond, what, detail=""):
    if cond:
        print(f"ok   {what}")
        return
    failures.append(what)
    print(f"FAIL {what}")
    if detail:
        print("  " + str(detail).replace("\n", "\n  "))


def run(args, cwd, env=None, binary=None):
    e = dict(os.environ)
    e["NO_COLOR"] = "1"
    e.pop("LANGOOST_ROUNDTRIP", None)
    if env:
        e.update(env)
    r = subprocess.run([binary or LANGOOST] + args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120, env=e)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def write(path, text):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def make_app(root):
    """A three-module app: ./lib/util (relative), greet (package with a manifest), stdlib."""
    app = root / "app"
    write(app / "lib" / "util.goost", 'let PI = 3.25\nfn twice(x) { return x * 2 }\n'
          'class Point { fn show() { return "P(" + toString(self.x) + ")" } }\n')
    write(app / "goost_modules" / "greet" / "langoost.json", '{"name": "greet", "main": "src/greet.goost"}')
    write(app / "goost_modules" / "greet" / "src" / "greet.goost",
          'import strings\nimport { suffix } from "./suffix"\n'
          'fn hello(n) { return "hello, " + strings.upper(n) + suffix }\n')
    write(app / "goost_modules" / "greet" / "src" / "suffix.goost", 'let suffix = "!"\n')
    write(app / "main.goost",
          'import { twice, PI, Point } from "./lib/util"\nimport { hello } from "greet"\nimport os\n'
          'println(twice(21), PI, Point{x: 7}.show(), hello("goost"))\nprintln(os.args())\n'
          'println(0.0 / 0.0, -0.0, 1.0 / 0.0, -9223372036854775807 - 1, len("a\\x00b"))\n'
          'if len(os.args()) > 0 && os.args()[0] == "fail" { throw "boom" }\n'
          'if len(os.args()) > 0 && os.args()[0] == "exit" { exit(7) }\n')
    return app


EXPECTED_APP = '42 3.25 P(7) hello, GOOST!\n{args}\nnan -0.0 inf -9223372036854775808 3\n'


def test_compile(tmp):
    app = make_app(tmp)
    code, out, err = run(["run", "main.goost", "a"], cwd=app)
    expected_run = EXPECTED_APP.format(args='["a"]')
    check(code == 0 and out == expected_run, "run before compiling", out + err)
    binary = tmp / "out" / "app"
    (tmp / "out").mkdir()
    code, out, err = run(["compile", "main.goost", "-o", str(binary)], cwd=app)
    check(code == 0 and binary.exists(), "compile writes the binary", err)
    check(os.access(binary, os.X_OK), "the binary is executable")
    shutil.move(str(app), str(tmp / "moved-away"))
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    code, out, err = run(["--flag", "x", "-o", "run"], cwd=elsewhere, binary=str(binary))
    check(code == 0 and out == EXPECTED_APP.format(args='["--flag","x","-o","run"]'),
          "the binary runs without its sources, args go to the script", out + err)
    code, out, err = run([], cwd=elsewhere, binary=str(binary))
    check(code == 0 and out == EXPECTED_APP.format(args='[]'), "no arguments: no REPL, the program runs", out + err)
    code, out, err = run(["fail"], cwd=elsewhere, binary=str(binary))
    check(code == 1 and err.startswith("uncaught exception: boom") and "at <main> (main.goost:7:" in err,
          "an uncaught error: status 1 and a trace with the source positions", err)
    code, out, err = run(["exit"], cwd=elsewhere, binary=str(binary))
    check(code == 7, "exit(7) is the binary's status", str(code))
    code, out, err = run(["version"], cwd=elsewhere, binary=str(binary))
    check(code == 0 and '["version"]' in out, "a command name is just an argument to the program", out + err)

    write(tmp / "bad.goost", "let x = \n")
    code, out, err = run(["compile", "bad.goost", "-o", str(tmp / "bad")], cwd=tmp)
    check(code == 65 and "error:" in err and not (tmp / "bad").exists(), "a compile error writes nothing", err)
    code, out, err = run(["compile", "missing.goost", "-o", str(tmp / "m")], cwd=tmp)
    check(code == 2 and "cannot read" in err, "a missing file is a usage error", err)
    code, out, err = run(["compile", "bad.goost"], cwd=tmp)
    check(code == 2, "-o is required", err)

    # The output is never one of the program's sources, and never anything but a regular file.
    src = 'import { v } from "./dep"\nprintln(v)\n'
    write(tmp / "self" / "p.goost", src)
    write(tmp / "self" / "dep.goost", 'let v = 1\n')
    selfdir = tmp / "self"
    os.symlink("p.goost", selfdir / "link.goost")
    os.link(selfdir / "dep.goost", selfdir / "hard.goost")
    for target, what in (("p.goost", "the entry itself"), ("./p.goost", "the entry by another name"),
                         ("link.goost", "a symlink to the entry"), ("dep.goost", "an imported module"),
                         ("hard.goost", "a hard link to an imported module")):
        code, out, err = run(["compile", "p.goost", "-o", target], cwd=selfdir)
        check(code == 2 and "refusing to write the binary over its own source" in err,
              f"compile -o {what} is refused", err)
    check((selfdir / "p.goost").read_text() == src and (selfdir / "dep.goost").read_text() == 'let v = 1\n',
          "... and the sources are untouched")
    (selfdir / "outdir").mkdir()
    for target in ("/dev/null", str(selfdir / "outdir")):
        code, out, err = run(["compile", "p.goost", "-o", target], cwd=selfdir)
        check(code == 2 and "it is not a regular file" in err, f"compile -o {target} (not a regular file) is refused",
              err)
    check(os.path.exists("/dev/null") and not os.path.isfile("/dev/null"), "/dev/null is still a device")
    # A symlink output: the binary goes to the file it names, the link stays a link.
    write(selfdir / "bin" / "real", "old")
    os.symlink("bin/real", selfdir / "app-link")
    os.link(selfdir / "bin" / "real", selfdir / "bin" / "real2")
    code, out, err = run(["compile", "p.goost", "-o", "app-link"], cwd=selfdir)
    check(code == 0 and os.path.islink(selfdir / "app-link")
          and (selfdir / "bin" / "real").read_bytes() == (selfdir / "bin" / "real2").read_bytes()
          and os.path.samefile(selfdir / "bin" / "real", selfdir / "bin" / "real2"),
          "compile -o SYMLINK writes through it, hard links stay linked", err)
    code, out, err = run([], cwd=selfdir, binary=str(selfdir / "app-link"))
    check(code == 0 and out == "1\n", "the binary written through the link runs", out + err)

    # io.writeFile keeps hard links too (it already wrote through symlinks).
    write(tmp / "io" / "a.txt", "old")
    os.link(tmp / "io" / "a.txt", tmp / "io" / "b.txt")
    write(tmp / "io" / "w.goost", 'import io\nio.write("a.txt", "new")\n')
    code, out, err = run(["run", "w.goost"], cwd=tmp / "io")
    check(code == 0 and (tmp / "io" / "b.txt").read_text() == "new", "io.write keeps a hard link", err)


def test_corrupt(tmp):
    write(tmp / "hello.goost", 'println("hello")\n')
    good = tmp / "hello"
    code, out, err = run(["compile", "hello.goost", "-o", str(good)], cwd=tmp)
    check(code == 0, "compile hello", err)
    data = good.read_bytes()
    offset = int.from_bytes(data[-24:-16], "little")
    length = int.from_bytes(data[-16:-8], "little")
    check(data[offset:offset + 8] == b"LGSTPROG" and offset + length + 24 == len(data), "trailer points at the blob")

    def variant(name, blob):
        path = tmp / name
        path.write_bytes(blob)
        path.chmod(0o755)
        return run([], cwd=tmp, binary=str(path))

    mid = offset + length // 2
    flipped = bytearray(data)
    flipped[mid] ^= 0x5a
    code, out, err = variant("flipped", bytes(flipped))
    check(code == 65 and "the embedded program is unusable" in err and "checksum" in err and out == "",
          "a flipped byte in the program: checksum error, status 65", err)
    magic = bytearray(data)
    magic[offset] ^= 0x01
    code, out, err = variant("magic", bytes(magic))
    check(code == 65 and "bad magic" in err, "a damaged blob magic", err)
    version = bytearray(data)
    version[offset + 8] = 99
    code, out, err = variant("version", bytes(version))
    check(code == 65 and "format version 99" in err, "a different format version", err)
    trailer = bytearray(data)
    trailer[-20] ^= 0x01  # high bits of the blob offset
    code, out, err = variant("trailer", bytes(trailer))
    check(code == 65 and "bad trailer" in err, "a bad trailer", err)
    cut = data[:offset + length // 2] + data[-24:]
    code, out, err = variant("cut", cut)
    check(code == 65 and "unusable" in err, "a truncated program", err)
    code, out, err = variant("intact", data)
    check(code == 0 and out == "hello\n", "the intact copy still runs", out + err)


def test_build(tmp):
    app = make_app(tmp)
    write(app / "langoost.json", '{"name": "greeter", "version": "0.1.0", "main": "main.goost"}')
    code, out, err = run(["build", str(app)], cwd=tmp)
    build = app / "build"
    check(code == 0 and (build / "greeter").exists(), "build makes build/NAME (name from langoost.json)", out + err)
    check(os.access(build / "greeter", os.X_OK) and os.access(build / "run.sh", os.X_OK), "binary and run.sh are executable")
    env_text = (build / ".env").read_text() if (build / ".env").exists() else ""
    check("# LANGOOST_CORE=" in env_text, ".env is a commented template naming LANGOOST_CORE", env_text)
    write(build / ".env", 'GREETING="from .env"\n')
    write(app / "main.goost", 'import os\nprintln(os.getenv("GREETING"), os.args())\n')
    code, out, err = run(["build", str(app)], cwd=tmp)
    check(code == 0 and (build / ".env").read_text() == 'GREETING="from .env"\n', "a rebuild keeps an edited .env", err)
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    r = subprocess.run([str(build / "run.sh"), "one", "two words"], cwd=elsewhere, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    check(r.returncode == 0 and r.stdout.decode() == 'from .env ["one","two words"]\n',
          "run.sh loads .env and passes the arguments", r.stdout.decode() + r.stderr.decode())

    plain = tmp / "plainapp"
    write(plain / "main.goost", 'println("plain")\n')
    code, out, err = run(["build", "plainapp"], cwd=tmp)
    check(code == 0 and (plain / "build" / "plainapp").exists(), "no manifest: main.goost, named after the directory",
          out + err)
    code, out, err = run([], cwd=tmp, binary=str(plain / "build" / "plainapp"))
    check(out == "plain\n", "the plain app runs", out + err)
    empty = tmp / "empty"
    empty.mkdir()
    code, out, err = run(["build", "empty"], cwd=tmp)
    check(code == 2 and "no entry file" in err, "no entry file: a clear error", err)

    # build's outputs: through a symlink, never over a non-regular file.
    linked = tmp / "linked"
    write(linked / "main.goost", 'println("linked")\n')
    write(tmp / "elsewhere-bin" / "linked", "old")
    (linked / "build").mkdir()
    os.symlink(tmp / "elsewhere-bin" / "linked", linked / "build" / "linked")
    code, out, err = run(["build", "linked"], cwd=tmp)
    check(code == 0 and os.path.islink(linked / "build" / "linked")
          and (tmp / "elsewhere-bin" / "linked").stat().st_size > 1000, "build writes through a symlinked output",
          out + err)
    os.unlink(linked / "build" / "linked")
    (linked / "build" / "linked").mkdir()
    code, out, err = run(["build", "linked"], cwd=tmp)
    check(code == 2 and "not a regular file" in err, "build refuses to replace a directory with the binary", err)

    # A directory of scripts without an entry file is packaged as a site.
    site = tmp / "site"
    write(site / "index.goost", 'println("home")\n')
    write(site / "users" / "list.goost", 'import { names } from "../_lib"\nprintln(names())\n')
    write(site / "_lib.goost", 'fn names() { return ["ann"] }\n')
    write(site / ".secret", "never copied\n")
    write(site / "page.html", "<p>hi</p>\n")
    write(tmp / "outside.txt", "outside\n")
    os.symlink(tmp / "outside.txt", site / "leak.txt")
    os.symlink(site / "page.html", site / "alias.html")
    code, out, err = run(["build", "site"], cwd=tmp)
    packaged = site / "build" / "site"
    check(code == 0 and "a site of 3 scripts" in out, "build packages a site", out + err)
    check(sorted(p.relative_to(packaged).as_posix() for p in packaged.rglob("*")) ==
          ["_lib.goost", "alias.html", "index.goost", "page.html", "users", "users/list.goost"],
          "the site copy: no dot files, no build/, no link leading outside",
          sorted(str(p) for p in packaged.rglob("*")))
    check("leak.txt" in err and "outside the site" in err, "a link leading outside is reported", err)
    check(os.access(site / "build" / "langoost", os.X_OK) and "serve" in (site / "build" / "run.sh").read_text(),
          "the site package has the runtime and a run.sh that serves it")
    write(site / "index.goost", 'println("home"\n')
    write(site / "users" / "list.goost", "let = 1\n")
    code, out, err = run(["build", "site"], cwd=tmp)
    check(code == 65 and "index.goost" in err and "list.goost" in err
          and (packaged / "index.goost").read_text() == 'println("home")\n',
          "a site with compile errors: every one reported, the old package kept", f"{code} {err}")
    write(site / "langoost.json", '{"name": "x",}')
    code, out, err = run(["build", "site"], cwd=tmp)
    check(code == 2 and "langoost.json:1:14: invalid JSON" in err, "a trailing comma in langoost.json: line:col", err)


def git(args, cwd):
    r = subprocess.run(["git"] + args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
                                GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com"))
    if r.returncode != 0:
        raise RuntimeError(f"git {args}: {r.stderr.decode()}")
    return r.stdout.decode().strip()


def make_repo(tmp, name, files, tags):
    """A bare repository tmp/NAME.git with one commit per tag; returns {tag: commit}."""
    bare = tmp / f"{name}.git"
    git(["init", "--quiet", "--bare", str(bare)], cwd=tmp)
    work = tmp / f"{name}-work"
    git(["init", "--quiet", str(work)], cwd=tmp)
    commits = {}
    for tag in tags:
        for path, text in files(tag).items():
            write(work / path, text)
        git(["add", "-A"], cwd=work)
        git(["commit", "--quiet", "-m", tag], cwd=work)
        git(["tag", tag], cwd=work)
        commits[tag] = git(["rev-parse", "HEAD"], cwd=work)
    git(["push", "--quiet", "--tags", str(bare), "HEAD:refs/heads/main"], cwd=work)
    return f"file://{bare}", commits


def test_install_path_checks(tmp):
    """Checks that need no git: a malformed manifest, a path dependency around the project."""
    app = tmp / "plain"
    write(app / "main.goost", 'println("x")\n')
    write(app / "langoost.json", '{\n  "name": "plain",\n  "dependencies": {"a": "path:../a",}\n}\n')
    code, out, err = run(["install"], cwd=app)
    check(code == 1 and "langoost.json:3:37: invalid JSON: expected a string key" in err,
          "install: malformed JSON names the line and column", err)
    code, out, err = run(["build", str(app)], cwd=tmp)
    check(code == 2 and "langoost.json:3:37: invalid JSON" in err, "build: malformed JSON names the line and column",
          err)
    write(app / "langoost.json", '[1, 2]\n')
    code, out, err = run(["install"], cwd=app)
    check(code == 1 and "must hold a JSON object" in err, "install: a manifest that is not an object", err)
    for spec in ("path:.", "path:..", "path:../plain"):
        write(app / "langoost.json", json.dumps({"name": "plain", "dependencies": {"me": spec}}))
        code, out, err = run(["install"], cwd=app)
        check(code == 1 and "contains the project itself" in err
              and not any(p.name.startswith(".goost_modules.tmp") for p in app.iterdir()),
              f"install: {spec} (around the project) is refused and the staging folder removed", err[-400:])
    write(tmp / "plain" / "vendor" / "v" / "main.goost", 'let v = 1\n')
    write(app / "langoost.json", json.dumps({"name": "plain", "dependencies": {"v": "path:./vendor/v"}}))
    code, out, err = run(["install"], cwd=app)
    check(code == 0 and (app / "goost_modules" / "v" / "main.goost").exists(),
          "install: a path dependency inside the project is fine", out + err)


def test_install(tmp):
    test_install_path_checks(tmp)
    if shutil.which("git") is None:
        print("skip: git is not installed")
        sys.exit(77)
    # util: a git package; web: a git package depending on util (same source) and on a path package.
    util_url, util_commits = make_repo(tmp, "util", lambda tag: {
        "langoost.json": '{"name": "util", "main": "util.goost"}',
        "util.goost": f'let version = "{tag}"\nfn shout(s) {{ return s + "!" }}\n'}, ["v1.0.0", "v1.1.0"])
    write(tmp / "shared" / "main.goost", 'let shared = "shared"\n')
    web_url, web_commits = make_repo(tmp, "web", lambda tag: {
        "langoost.json": json.dumps({"name": "web", "main": "src/web.goost",
                                     "dependencies": {"util": f"git:{util_url}@v1.0.0"}}),
        "src/web.goost": 'import { shout, version } from "util"\nfn page(t) { return shout("<" + t + ">") + " " + version }\n'},
        ["v2.0.0"])
    app = tmp / "app"
    write(app / "langoost.json", json.dumps({"name": "app", "main": "main.goost", "dependencies": {
        "web": f"git:{web_url}@v2.0.0", "shared": "path:../shared"}}))
    write(app / "main.goost", 'import { page } from "web"\nimport { shared } from "shared"\nprintln(page("hi"), shared)\n')

    code, out, err = run(["install"], cwd=app)
    modules = app / "goost_modules"
    check(code == 0 and (modules / "web" / "src" / "web.goost").exists() and (modules / "util" / "util.goost").exists()
          and (modules / "shared" / "main.goost").exists(), "install: git, transitive git and path packages",
          out + err)
    check(not (modules / "web" / ".git").exists(), "installed packages carry no .git")
    lock = json.loads((app / "langoost.lock").read_text())
    packages = lock.get("packages", {})
    check(packages.get("web", {}).get("commit") == web_commits["v2.0.0"]
          and packages.get("util", {}).get("commit") == util_commits["v1.0.0"]
          and packages.get("util", {}).get("requiredBy") == "web"
          and packages.get("shared", {}).get("hash", "").startswith("sha256:"),
          "langoost.lock has each git commit and the path package's hash", json.dumps(lock, indent=1))
    code, out, err = run(["run", "main.goost"], cwd=app)
    check(code == 0 and out == "<hi>! v1.0.0 shared\n", "the app runs with the installed packages", out + err)

    code, out, err = run(["install"], cwd=app)
    check(code == 0 and out.startswith("up to date"), "a second install is a no-op", out + err)
    write(tmp / "shared" / "main.goost", 'let shared = "shared2"\n')
    code, out, err = run(["install"], cwd=app)
    check(code == 0 and "installed shared" in out and (modules / "shared" / "main.goost").read_text().endswith('"shared2"\n'),
          "an edited path package is copied again", out + err)

    # The lock pins the commit: moving the tag upstream does not change what is installed.
    work = tmp / "util-work"
    write(work / "util.goost", 'let version = "moved"\nfn shout(s) { return s }\n')
    git(["commit", "--quiet", "-am", "moved"], cwd=work)
    git(["tag", "-f", "v1.0.0"], cwd=work)
    git(["push", "--quiet", "--force", "--tags", str(tmp / "util.git")], cwd=work)
    shutil.rmtree(modules)
    code, out, err = run(["install"], cwd=app)
    check(code == 0 and '"v1.0.0"' in (modules / "util" / "util.goost").read_text(),
          "a reinstall checks out the locked commit, not the moved tag", out + err)

    # A failing install leaves goost_modules/ and the lock exactly as they were.
    before = sorted(str(p.relative_to(app)) for p in app.rglob("*"))
    lock_before = (app / "langoost.lock").read_text()
    manifest = json.loads((app / "langoost.json").read_text())
    manifest["dependencies"]["extra"] = f"git:{util_url}@v9.9.9"
    write(app / "langoost.json", json.dumps(manifest))
    code, out, err = run(["install"], cwd=app)
    check(code == 1 and "tag 'v9.9.9' not found" in err and util_url in err, "a bad tag: a clear error naming URL and tag",
          err)
    after = sorted(str(p.relative_to(app)) for p in app.rglob("*"))
    check(before == after and (app / "langoost.lock").read_text() == lock_before,
          "a failed install leaves goost_modules/ and langoost.lock unchanged", "\n".join(set(before) ^ set(after)))
    manifest["dependencies"]["extra"] = "git:file:///nonexistent/repo.git@v1.0.0"
    write(app / "langoost.json", json.dumps(manifest))
    code, out, err = run(["install"], cwd=app)
    check(code == 1 and "git clone of file:///nonexistent/repo.git at v1.0.0 failed" in err,
          "an unreachable repository: the URL and tag in the error", err)
    manifest["dependencies"]["extra"] = "path:../nowhere"
    write(app / "langoost.json", json.dumps(manifest))
    code, out, err = run(["install"], cwd=app)
    check(code == 1 and "not found" in err, "a missing path dependency", err)
    manifest["dependencies"]["extra"] = "svn:whatever"
    write(app / "langoost.json", json.dumps(manifest))
    code, out, err = run(["install"], cwd=app)
    check(code == 1 and "unknown source" in err, "an unknown source kind", err)

    # Two sources for one name: a conflict.
    manifest["dependencies"] = {"web": f"git:{web_url}@v2.0.0", "util": f"git:{util_url}@v1.1.0"}
    write(app / "langoost.json", json.dumps(manifest))
    code, out, err = run(["install"], cwd=app)
    check(code == 1 and "conflicting sources for \"util\"" in err, "a version conflict is a clear error", err)
    after = sorted(str(p.relative_to(app)) for p in app.rglob("*"))
    check(before == after, "... and changes nothing")

    code, out, err = run(["install", "--dir", str(tmp / "shared")], cwd=tmp)
    check(code == 2 and "no langoost.json" in err, "install without a manifest: usage error", err)


def main():
    global LANGOOST
    ap = argparse.ArgumentParser()
    ap.add_argument("--langoost", required=True)
    ap.add_argument("group", choices=["compile", "corrupt", "build", "install"])
    args = ap.parse_args()
    LANGOOST = os.path.abspath(args.langoost)
    with tempfile.TemporaryDirectory(prefix="langoost-standalone-") as d:
        globals()["test_" + args.group](pathlib.Path(d).resolve())
    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
