#!/usr/bin/env python3
"""The language-server test: runs lsp_test.js against the binary, after
`npm ci` of its packages when they are missing (tests/lib/node_test.py).

    run_lsp_tests.py --langoost PATH
"""
import argparse
import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "lib"))
from node_test import run_node_test  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--langoost", required=True)
    binary = os.path.abspath(ap.parse_args().langoost)
    return run_node_test(HERE, "language-server", ('vscode-jsonrpc', 'vscode-languageserver-protocol'), "lsp_test.js", [binary])


if __name__ == "__main__":
    sys.exit(main())
