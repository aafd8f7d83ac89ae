#!/usr/bin/env python3
"""The debugger test: installs the npm packages it needs (npm ci from
the committed package-lock.json) when tests/debug/node_modules is missing,
then runs debug_test.js against the binary. A missing node/npm or a failed
install (no network) fails the test with a message saying so.

    run_debug_tests.py --langoost PATH
"""
import argparse
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--langoost", required=True)
    binary = os.path.abspath(ap.parse_args().langoost)
    for tool in ("node", "npm"):
        if not shutil.which(tool):
            print("FAIL the debugger test needs `%s` (Debian: apt-get install npm)" % tool)
            return 1
    modules = os.path.join(HERE, "node_modules")
    if not all(os.path.isdir(os.path.join(modules, p)) for p in ("@vscode/debugadapter-testsupport", "@vscode/debugprotocol")):
        proc = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", HERE],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            print("FAIL npm ci --prefix tests/debug failed (it needs the npm registry, "
                  "registry.npmjs.org):\n" + proc.stdout[-2000:])
            return 1
    return subprocess.run(["node", os.path.join(HERE, "debug_test.js"), binary]).returncode


if __name__ == "__main__":
    sys.exit(main())
