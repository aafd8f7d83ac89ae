"""A private PostgreSQL server for tests: initdb into a temporary directory
(as the unprivileged user `nobody` when running as root, since PostgreSQL
refuses to run as root), listening on 127.0.0.1 at a free port, trust
authentication, no fsync; stopped and deleted by stop().

    with PrivatePostgres() as pg:
        url = pg.url   # postgres://langoost@127.0.0.1:PORT/postgres
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

START_S = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class Unavailable(Exception):
    pass


class PrivatePostgres:
    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.tmp = ""
        self.port = 0
        self.url = ""

    def _as_user(self, cmd: list[str]) -> list[str]:
        if os.geteuid() != 0:
            return cmd
        return ["runuser", "-u", "nobody", "--", *cmd]

    def start(self) -> "PrivatePostgres":
        initdb, postgres = postgres_bin("initdb"), postgres_bin("postgres")
        if not initdb or not postgres:
            raise Unavailable("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.tmp = tempfile.mkdtemp(prefix="langoost-pg-")
        os.chmod(self.tmp, 0o755)
        data = os.path.join(self.tmp, "data")
        os.mkdir(data, 0o700)
        if os.geteuid() == 0:
            shutil.chown(data, "nobody", "nogroup")
        out = subprocess.run(self._as_user([initdb, "-D", data, "-U", "langoost", "--auth=trust", "-E", "UTF8",
                                            "--locale=C.UTF-8", "--no-sync"]),
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise Unavailable("initdb failed: " + out.stderr[-2000:])
        self.port = free_port()
        self.proc = subprocess.Popen(
            self._as_user([postgres, "-D", data, "-p", str(self.port), "-k", data, "-c", "listen_addresses=127.0.0.1",
                           "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                           "-c", "max_connections=200"]),
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.tmp, "postgres.log"), "w"),
            start_new_session=True)
        self.url = f"postgres://langoost@127.0.0.1:{self.port}/postgres"
        deadline = time.time() + START_S
        isready = postgres_bin("pg_isready")
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise Unavailable("postgres exited: " + self.log()[-2000:])
            if subprocess.run([isready, "-q", "-h", "127.0.0.1", "-p", str(self.port)]).returncode == 0:
                return self
            time.sleep(0.1)
        self.stop()
        raise Unavailable("postgres did not start")

    def log(self) -> str:
        try:
            with open(os.path.join(self.tmp, "postgres.log")) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)  # fast shutdown
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = ""

    def __enter__(self) -> "PrivatePostgres":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
