#!/usr/bin/env python3
"""The TextMate grammar test: installs the npm packages it needs (npm ci from
the committed package-lock.json) when tests/editor/node_modules is missing,
then runs tokenize.js. A missing node/npm or a failed install (no network)
fails the test with a message saying so; it is never skipped.

    run_editor_tests.py [--update] [SAMPLE.goost...]
"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    for tool in ("node", "npm"):
        if not shutil.which(tool):
            print("FAIL the editor grammar test needs `%s` (Debian: apt-get install npm)" % tool)
            return 1
    modules = os.path.join(HERE, "node_modules")
    if not all(os.path.isdir(os.path.join(modules, p)) for p in ("vscode-textmate", "vscode-oniguruma")):
        proc = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", HERE],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            print("FAIL npm ci --prefix tests/editor failed (it needs the npm registry, "
                  "registry.npmjs.org):\n" + proc.stdout[-2000:])
            return 1
    return subprocess.run(["node", os.path.join(HERE, "tokenize.js")] + sys.argv[1:]).returncode


if __name__ == "__main__":
    sys.exit(main())
