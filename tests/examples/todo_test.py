#!/usr/bin/env python3
"""examples/todo end to end with curl: `langoost serve examples/todo` on a
free loopback port, once on SQLite (a temporary todo.db) and once on a
private PostgreSQL (TODO_DB; tests/sql/postgres_fixture.py), driven by the
curl command line exactly as the example's README shows it.

    todo_test.py --langoost PATH --backend sqlite|postgres
Exit status 0 when every check passed, 77 when PostgreSQL is not installed.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "lib"))
sys.path.insert(0, str(ROOT / "tests" / "sql"))
from testkit import ServerProcess, check, summary  # noqa: E402
from postgres_fixture import PrivatePostgres, Unavailable  # noqa: E402


def curl(port: int, method: str, path: str, body: str | None = None) -> tuple[int, object]:
    cmd = ["curl", "-s", "-X", method, "-w", "\n%{http_code}", f"http://127.0.0.1:{port}{path}"]
    if body is not None:
        cmd += ["-H", "Content-Type: application/json", "--data-binary", body]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout
    text, _, status = out.rpartition("\n")
    try:
        value = json.loads(text) if text else None
    except ValueError:
        value = text
    return int(status or 0), value


def exercise(binary: str, env: dict, label: str) -> None:
    srv = ServerProcess([binary, "serve", str(ROOT / "examples" / "todo"), "--host", "127.0.0.1", "--port", "0"],
                        rb"http://[^:]+:(\d+)", env=env)
    try:
        p = srv.port
        status, value = curl(p, "GET", "/todos")
        check(status == 200 and value == [], f"{label}: empty list: {status} {value}")
        status, milk = curl(p, "POST", "/todos", '{"title": "milk"}')
        check(status == 201 and milk.get("title") == "milk" and milk.get("done") is False, f"{label}: create: {status} {milk}")
        status, eggs = curl(p, "POST", "/todos", '{"title": "eggs\'); DROP TABLE todo; --"}')
        check(status == 201 and eggs["title"] == "eggs'); DROP TABLE todo; --", f"{label}: injection stored as data")
        status, value = curl(p, "GET", "/todos")
        check(status == 200 and [t["title"] for t in value] == ["milk", "eggs'); DROP TABLE todo; --"],
              f"{label}: list: {value}")
        status, value = curl(p, "PATCH", f"/todos/{milk['id']}", '{"done": true}')
        check(status == 200 and value == {"id": milk["id"], "title": "milk", "done": True}, f"{label}: patch: {value}")
        status, value = curl(p, "GET", f"/todos/{milk['id']}")
        check(status == 200 and value["done"] is True, f"{label}: get one: {status} {value}")
        status, value = curl(p, "PATCH", f"/todos/{milk['id']}", '{"done": "yes"}')
        check(status == 400, f"{label}: patch with a bad type -> 400, got {status}")
        for bad in ["not json", "[1, 2]", '{"title": ""}', '{"title": 5}']:
            status, value = curl(p, "POST", "/todos", bad)
            check(status == 400 and "error" in value, f"{label}: POST {bad!r} -> 400, got {status} {value}")
        status, _ = curl(p, "DELETE", f"/todos/{milk['id']}")
        check(status == 204, f"{label}: delete -> 204, got {status}")
        for path in [f"/todos/{milk['id']}", "/todos/abc", "/todos/99999999999999999999", "/todos/1/extra"]:
            status, _ = curl(p, "GET", path)
            check(status == 404, f"{label}: GET {path} -> 404, got {status}")
        status, _ = curl(p, "DELETE", f"/todos/{milk['id']}")
        check(status == 404, f"{label}: delete twice -> 404, got {status}")
        status, _ = curl(p, "PUT", "/todos")
        check(status == 405, f"{label}: PUT /todos -> 405, got {status}")
        status, value = curl(p, "GET", "/")
        check(status == 200 and value.get("app") == "todo", f"{label}: index")
    finally:
        code = srv.stop()
        check(code == 0, f"{label}: server stopped cleanly ({code}); log: {srv.stderr()[-1500:]}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--langoost", required=True)
    ap.add_argument("--backend", choices=["sqlite", "postgres"], required=True)
    args = ap.parse_args()
    if not shutil.which("curl"):
        print("skipped: curl is not installed")
        return 77
    binary = os.path.abspath(args.langoost)
    tmp = tempfile.mkdtemp(prefix="langoost-todo-")
    try:
        if args.backend == "sqlite":
            exercise(binary, dict(os.environ, TODO_DB=f"sqlite:{tmp}/todo.db"), "sqlite")
        else:
            try:
                with PrivatePostgres() as pg:
                    exercise(binary, dict(os.environ, TODO_DB=pg.url), "postgres")
            except Unavailable as e:
                print(f"skipped: {e}")
                return 77
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
