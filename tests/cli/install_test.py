#!/usr/bin/env python3
"""`cmake --install BUILD --prefix TMP` puts everything where it belongs.

    install_test.py --build-dir BUILD

Checks that the binary, the man page, the bash/zsh/fish completions and the
editor files are installed; that the installed binary runs a script, runs
its tests and compiles a standalone program; that every subcommand listed
by `langoost --help` is in each completion file; that the bash completion
completes subcommands and flags; that the man page's version is the
binary's. Exit status 1 when any check fails.
"""
import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

failures = []


def check(cond, what, detail=""):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}" + (f"\n  {detail}" if detail else ""))


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=120, **kw)


def bash_complete(script, words):
    """What the bash completion offers for the command line `words` (last word being typed)."""
    line = " ".join(words)
    code = (f"source '{script}'; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
            "_langoost; printf '%s\\n' \"${COMPREPLY[@]}\"")
    if words[-1] == "":
        code = code.replace(f"COMP_WORDS=({line})", f"COMP_WORDS=({line} '')")
    return run(["bash", "-c", code]).stdout.split()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        prefix = pathlib.Path(tmp) / "prefix"
        r = run(["cmake", "--install", args.build_dir, "--prefix", str(prefix)])
        check(r.returncode == 0, "cmake --install succeeds", r.stdout)
        share = prefix / "share"
        files = {
            "binary": prefix / "bin/langoost",
            "man page": share / "man/man1/langoost.1",
            "bash completion": share / "bash-completion/completions/langoost",
            "zsh completion": share / "zsh/site-functions/_langoost",
            "fish completion": share / "fish/vendor_completions.d/langoost.fish",
            "grammar": share / "langoost/editors/langoost.tmLanguage.json",
            "vscode extension": share / "langoost/editors/vscode/package.json",
        }
        for what, path in files.items():
            check(path.is_file(), f"{what} installed at {path.relative_to(prefix)}")
        if failures:
            return 1
        binary = str(files["binary"])

        # The installed binary works on its own, from any directory.
        work = pathlib.Path(tmp) / "work"
        work.mkdir()
        (work / "hello.goost").write_text('println("hello")\n')
        (work / "x_test.goost").write_text("import assert\nfn test_add() { assert.eq(1 + 1, 2) }\n")
        r = run([binary, "run", "hello.goost"], cwd=work)
        check(r.returncode == 0 and r.stdout == "hello\n", "installed binary runs a script", r.stdout)
        r = run([binary, "test", "x_test.goost"], cwd=work)
        check(r.returncode == 0, "installed binary runs tests", r.stdout)
        r = run([binary, "compile", "hello.goost", "-o", "hello"], cwd=work)
        check(r.returncode == 0, "installed binary compiles a standalone program", r.stdout)
        r = run([str(work / "hello")])
        check(r.stdout == "hello\n", "the standalone program runs", r.stdout)

        # Completions know every subcommand the binary has.
        help_text = run([binary, "--help"]).stdout
        commands = re.findall(r"^  ([a-z]+) ", help_text.split("Subcommands:")[1], re.M)
        check(len(commands) >= 10, "--help lists the subcommands", help_text)
        listed = {  # where each file lists the subcommands it offers
            "bash completion": lambda t: re.search(r'local commands="([^"]*)"', t).group(1).split(),
            "zsh completion": lambda t: re.findall(r"^    '([a-z]+):", t, re.M),
            "fish completion": lambda t: re.findall(r"-a ([a-z]+) -d", t),
        }
        for what, find in listed.items():
            offered = set(find(files[what].read_text()))
            for cmd in commands:
                check(cmd in offered, f"{what} offers `{cmd}`", f"offers {sorted(offered)}")
        bash = str(files["bash completion"])
        check(run(["bash", "-n", bash]).returncode == 0, "bash completion parses")
        check(bash_complete(bash, ["langoost", "ru"]) == ["run"], "bash completes `ru` to `run`",
              str(bash_complete(bash, ["langoost", "ru"])))
        check("--filter" in bash_complete(bash, ["langoost", "test", "--f"]),
              "bash completes `test --f` to `--filter`")
        check("--tls-cert" in bash_complete(bash, ["langoost", "serve", "--tls"]),
              "bash completes serve's flags")
        if shutil.which("zsh"):
            check(run(["zsh", "-n", str(files["zsh completion"])]).returncode == 0, "zsh completion parses")
        if shutil.which("fish"):
            check(run(["fish", "-n", str(files["fish completion"])]).returncode == 0, "fish completion parses")

        # The man page names the binary's version and renders.
        version = run([binary, "--version"]).stdout.split()[-1]
        check(f'"langoost {version}"' in files["man page"].read_text(),
              f"man page's .TH line names version {version}")
        if shutil.which("man"):
            r = run(["man", "-l", str(files["man page"])], env={"MANPAGER": "cat", "PATH": "/usr/bin:/bin"})
            check(r.returncode == 0 and "langoost serve" in r.stdout, "man page renders", r.stdout[:500])
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
