#!/usr/bin/env python3
"""The TextMate grammar test: runs tokenize.js, after `npm ci` of its
packages when they are missing (tests/lib/node_test.py).

    run_editor_tests.py [--update] [SAMPLE.goost...]
"""
import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "lib"))
from node_test import run_node_test  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    return run_node_test(HERE, "editor grammar", ('vscode-textmate', 'vscode-oniguruma'), "tokenize.js", sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
