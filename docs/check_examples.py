#!/usr/bin/env python3
"""Run every example in docs/*.md and compare it with its shown output.

A fenced block tagged `goost` is a complete program. When the next fenced
block is tagged `output`, the program is run (`langoost run example.goost`
in a scratch directory, stdout and stderr merged) and must print exactly
that text. When it is tagged `disasm`, `langoost disasm example.goost` must
print that text. Otherwise the program only has to compile (`langoost check`).

    docs/check_examples.py [--update] [--binary PATH] [FILE.md ...]

--update rewrites the `output` blocks with what the binary prints now.
Exit status 1 when any example differs.
"""
import argparse
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```(\w*)\s*$")


def blocks(lines):
    """Yield (tag, first_body_line, end_line) for every fenced block."""
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m:
            tag = m.group(1)
            j = i + 1
            while j < len(lines) and lines[j].rstrip("\n") != "```":
                j += 1
            yield tag, i + 1, j
            i = j + 1
        else:
            i += 1


def run(binary, code, command):
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "example.goost"
        path.write_text(code)
        r = subprocess.run([binary, command, "example.goost"], cwd=tmp,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        return r.returncode, r.stdout.decode("utf-8", "replace")


def check_file(md, binary, update):
    lines = md.read_text().splitlines(keepends=True)
    found = list(blocks(lines))
    failures, replacements = 0, []
    for n, (tag, start, end) in enumerate(found):
        if tag != "goost":
            continue
        code = "".join(lines[start:end])
        nxt = found[n + 1] if n + 1 < len(found) else None
        # the output block must follow with only blank lines or prose-free gap
        if nxt and nxt[0] in ("output", "disasm") and all(not l.strip() for l in lines[end + 1:nxt[1] - 1]):
            status, out = run(binary, code, "run" if nxt[0] == "output" else "disasm")
            if out and not out.endswith("\n"):
                out += "\n"
            expected = "".join(lines[nxt[1]:nxt[2]])
            if out != expected:
                if update:
                    replacements.append((nxt[1], nxt[2], out))
                else:
                    failures += 1
                    print(f"{md.name}:{start}: output differs\n--- expected\n{expected}--- actual\n{out}")
        else:
            status, out = run(binary, code, "check")
            if status != 0:
                failures += 1
                print(f"{md.name}:{start}: does not compile\n{out}")
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
    files = [pathlib.Path(f) for f in args.files] or sorted((ROOT / "docs").glob("*.md"))
    failures = sum(check_file(f, args.binary, args.update) for f in files)
    print(f"{failures} failing example(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
