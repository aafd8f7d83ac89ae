#!/usr/bin/env python3
"""Run every example in docs/*.md and README.md; compare it with its shown output.

A fenced block tagged `goost` is a complete program, run in a scratch
directory (stdout and stderr merged):

- followed by an `output` block: `langoost run example.goost` must print
  exactly that text (the exit status is not checked, so an example may end
  in an uncaught error it shows);
- followed by a `disasm` block: `langoost disasm example.goost` must print
  exactly that text;
- a test file (a top-level `fn test_…()`): saved as `x_test.goost`,
  `langoost test x_test.goost` must pass (exit 0);
- otherwise: `langoost run example.goost` must exit 0 (stdin is empty,
  60-second limit).

The marker for a program that can only be compiled (a script for
`langoost serve`, one that needs the network, stdin, other files or runs
forever) is the info string `goost check` on its opening fence:

    ```goost check
    import server
    server.json({ok: true})
    ```

Such a block only has to compile (`langoost check`). Editors and GitHub
still highlight it as `goost` (the first word of the info string).

    docs/check_examples.py [--update] [--binary PATH] [FILE.md ...]

--update rewrites the `output` blocks with what the binary prints now.
Exit status 1 when any example differs or fails.
"""
import argparse
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```(\w*)( +\w+)?\s*$")
TEST_FN = re.compile(r"^fn test_\w*\s*\(", re.M)


def blocks(lines):
    """Yield (tag, marker, first_body_line, end_line) for every fenced block."""
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m:
            tag, marker = m.group(1), (m.group(2) or "").strip()
            j = i + 1
            while j < len(lines) and lines[j].rstrip("\n") != "```":
                j += 1
            yield tag, marker, i + 1, j
            i = j + 1
        else:
            i += 1


def run(binary, code, command, name="example.goost"):
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / name
        path.write_text(code)
        try:
            r = subprocess.run([binary, command, name], cwd=tmp, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        except subprocess.TimeoutExpired:
            return -1, "timed out after 60 s (mark it `goost check` if it runs forever)\n"
        return r.returncode, r.stdout.decode("utf-8", "replace")


def check_file(md, binary, update):
    lines = md.read_text().splitlines(keepends=True)
    found = list(blocks(lines))
    failures, replacements = 0, []
    for n, (tag, marker, start, end) in enumerate(found):
        if tag != "goost":
            continue
        code = "".join(lines[start:end])
        where = f"{md.relative_to(ROOT) if md.is_relative_to(ROOT) else md}:{start}"
        nxt = found[n + 1] if n + 1 < len(found) else None
        if marker not in ("", "check"):
            failures += 1
            print(f"{where}: unknown marker 'goost {marker}' (only 'goost check')")
        elif marker == "check":
            status, out = run(binary, code, "check")
            if status != 0:
                failures += 1
                print(f"{where}: does not compile\n{out}")
        # the output block must follow with only blank lines between
        elif nxt and nxt[0] in ("output", "disasm") and all(not l.strip() for l in lines[end + 1:nxt[2] - 1]):
            status, out = run(binary, code, "run" if nxt[0] == "output" else "disasm")
            if out and not out.endswith("\n"):
                out += "\n"
            expected = "".join(lines[nxt[2]:nxt[3]])
            if out != expected:
                if update:
                    replacements.append((nxt[2], nxt[3], out))
                else:
                    failures += 1
                    print(f"{where}: output differs\n--- expected\n{expected}--- actual\n{out}")
        elif TEST_FN.search(code):
            status, out = run(binary, code, "test", "x_test.goost")
            if status != 0:
                failures += 1
                print(f"{where}: test example fails (langoost test x_test.goost, exit {status})\n{out}")
        else:
            status, out = run(binary, code, "run")
            if status != 0:
                failures += 1
                print(f"{where}: exits with {status} (mark it `goost check` if it cannot run alone)\n{out}")
    for s, e, out in reversed(replacements):
        lines[s:e] = [out] if out else []
    if replacements:
        md.write_text("".join(lines))
        print(f"{md.name}: updated {len(replacements)} output block(s)")
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--update", action="store_true")
    ap.add_argument("--binary", default=str(ROOT / "build/release/langoost"))
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    args.binary = str(pathlib.Path(args.binary).resolve())
    files = [pathlib.Path(f).resolve() for f in args.files] or \
        sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
    failures = sum(check_file(f, args.binary, args.update) for f in files)
    print(f"{failures} failing example(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
