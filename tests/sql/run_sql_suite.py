#!/usr/bin/env python3
"""The sql checks that script tests cannot express.

--backend postgres: the sql script suite (tests/scripts/sql/*.goost, not
its sqlite/ folder; the same scripts run against SQLite as ordinary script
tests) against a private PostgreSQL server, plus a server that is down, one
that goes away mid-query, a query cut short by a time limit, and 10 million
rows under a heap limit. Exit status 77 (skipped) without PostgreSQL.
--backend sqlite: 10 million rows under a heap limit, a query cut short by
a time limit.

Usage: run_sql_suite.py --langoost PATH --backend sqlite|postgres [--timeout S]
Exit status 1 when anything fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from postgres_fixture import PrivatePostgres, Unavailable, free_port  # noqa: E402

TESTS = os.path.dirname(HERE)
RUN_SCRIPTS = os.path.join(TESTS, "run_scripts.py")
SUITE = os.path.join(TESTS, "scripts", "sql")


def run(langoost: str, code: str, env: dict, *flags: str, timeout: float = 60) -> subprocess.CompletedProcess:
    with tempfile.NamedTemporaryFile("w", suffix=".goost", delete=False) as f:
        f.write(code)
    try:
        return subprocess.run([langoost, "run", *flags, f.name], env=env, capture_output=True, text=True,
                              timeout=timeout)
    finally:
        os.unlink(f.name)


def check(name: str, ok: bool, detail: str = "") -> bool:
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
    return ok


def server_checks(langoost: str, pg: PrivatePostgres) -> bool:
    env = dict(os.environ, LANGOOST_SQL_URL=pg.url)
    ok = True
    # A server that is down: SqlError 08001 from sql.open.
    down = f"postgres://langoost@127.0.0.1:{free_port()}/postgres"
    out = run(langoost, f'import sql\ntry {{ sql.open("{down}") }} catch e {{ println(e.kind, e.code) }}\n', env)
    ok &= check("server down", out.stdout == "SqlError 08001\n", out.stdout + out.stderr)
    # 10 million rows under a heap limit: MemoryError, and the connection is usable after.
    # The server goes away mid-query: another session terminates ours.
    code = ('import sql\nimport os\nimport thread\nimport time\nlet db = sql.open(os.getenv("LANGOOST_SQL_URL"))\n'
            'let killer = sql.open(os.getenv("LANGOOST_SQL_URL"))\n'
            'let pid = db.queryOne("SELECT pg_backend_pid() AS p").p\n'
            'let t = thread.core.spawn(fn() {\n time.sleep(300)\n killer.query("SELECT pg_terminate_backend(?)", [pid]) })\n'
            'try { db.query("SELECT pg_sleep(20)") } catch e { println(e.kind, len(e.code) == 5) }\n'
            'thread.core.join(t)\n'
            'println(db.queryOne("SELECT 1 AS one").one)\n')  # a new connection replaces the lost one
    out = run(langoost, code, env)
    ok &= check("server goes away mid-query", out.stdout == "SqlError true\n1\n", out.stdout + out.stderr)
    ok &= limit_checks(langoost, env)
    return ok


def limit_checks(langoost: str, env: dict) -> bool:
    """Limits inside a query, on the backend LANGOOST_SQL_URL names."""
    ok = True
    many = ("SELECT g AS x FROM generate_series(1, 10000000) g" if env["LANGOOST_SQL_URL"].startswith("postgres")
            else "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 10000000) SELECT x FROM c")
    code = ('import sql\nimport os\nlet db = sql.open(os.getenv("LANGOOST_SQL_URL"))\n'
            f'try {{ db.query("{many}") }} catch e {{ println(e.kind) }}\n'
            'println(db.queryOne("SELECT 2 AS two").two)\n')
    out = run(langoost, code, env, "--max-heap", str(64 << 20))
    ok &= check("10M rows under a heap limit", out.stdout == "MemoryError\n2\n", out.stdout + out.stderr)
    slow = ("SELECT pg_sleep(30)" if env["LANGOOST_SQL_URL"].startswith("postgres")
            else "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c")
    code = ('import sql\nimport os\nlet db = sql.open(os.getenv("LANGOOST_SQL_URL"))\n'
            f'try {{ db.query("{slow}") }} catch e {{ println(e.kind) }}\n')
    out = run(langoost, code, env, "--timeout", "1000", timeout=20)
    ok &= check("a query past the time limit", out.stdout.startswith("TimeoutError"), out.stdout + out.stderr)
    return ok


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--langoost", required=True)
    ap.add_argument("--backend", choices=["sqlite", "postgres"], required=True)
    ap.add_argument("--timeout", default="60")
    args = ap.parse_args()
    if args.backend == "sqlite":
        return 0 if limit_checks(args.langoost, dict(os.environ, LANGOOST_SQL_URL="sqlite::memory:")) else 1
    try:
        pg = PrivatePostgres().start()
    except Unavailable as e:
        print(f"skipped: {e}")
        return 77
    try:
        env = dict(os.environ, LANGOOST_SQL_URL=pg.url)
        scripts = sorted(os.path.join(SUITE, n) for n in os.listdir(SUITE) if n.endswith(".goost"))
        suite_ok = subprocess.run([sys.executable, RUN_SCRIPTS, "--langoost", args.langoost, "--timeout", args.timeout,
                                   *scripts], env=env).returncode == 0
        ok = server_checks(args.langoost, pg) and suite_ok
    finally:
        pg.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
