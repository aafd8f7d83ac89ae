#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_deserialize: the serialized program of each
script in fuzz/corpus/compile/ that compiles (blobs under 4 KB, the fuzzer's
-max_len), taken from the standalone binaries `langoost compile` makes.

    fuzz/gen_deserialize_corpus.py --langoost build/release/langoost
"""
import argparse
import pathlib
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent
MAX_BLOB = 4096


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--langoost", required=True)
    args = ap.parse_args()
    args.langoost = str(pathlib.Path(args.langoost).resolve())
    out = ROOT / "corpus" / "deserialize"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        old.unlink()
    written = 0
    with tempfile.TemporaryDirectory() as tmp:
        exe = pathlib.Path(tmp) / "prog"
        for script in sorted((ROOT / "corpus" / "compile").iterdir()):
            r = subprocess.run([args.langoost, "compile", script.name, "-o", str(exe)], cwd=script.parent,
                               capture_output=True)
            if r.returncode != 0:
                continue
            data = exe.read_bytes()
            offset = int.from_bytes(data[-24:-16], "little")
            length = int.from_bytes(data[-16:-8], "little")
            if length <= MAX_BLOB:
                (out / (script.stem + ".blob")).write_bytes(data[offset:offset + length])
                written += 1
    print(f"{written} blobs in {out}")


if __name__ == "__main__":
    main()
