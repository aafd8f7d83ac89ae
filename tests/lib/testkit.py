"""Helpers shared by the Python test drivers (tests/server, tests/http2,
tests/examples): a tally of named checks, and a server process that
announces its port on stderr and is stopped by the test.

Import it with the drivers' folder-relative path:

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "lib"))
    from testkit import check, summary, ServerProcess
"""
from __future__ import annotations

import re
import signal
import subprocess
import tempfile
import time

failures: list[str] = []
checks = 0


def check(cond: bool, what: str) -> bool:
    """Counts one check; a failed one is printed at once and remembered."""
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}", flush=True)
    return cond


def summary() -> int:
    """Prints "N of M checks passed"; the driver's exit status."""
    print(f"{checks - len(failures)} of {checks} checks passed", flush=True)
    return 1 if failures else 0


class ServerProcess:
    """`cmd` started with stderr captured; `port` is read from the first
    match of `port_pattern` (one group) on stderr within 10 s."""

    def __init__(self, cmd: list[str], port_pattern: bytes, env: dict | None = None):
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.log, env=env)
        self.port = 0
        deadline = time.time() + 10
        while time.time() < deadline and not self.port:
            m = re.search(port_pattern, self.stderr_bytes())
            if m:
                self.port = int(m.group(1))
            elif self.proc.poll() is not None:
                break
            else:
                time.sleep(0.02)
        if not self.port:
            self.kill()
            raise RuntimeError("server did not start: " + self.stderr())

    def stderr_bytes(self) -> bytes:
        self.log.seek(0)
        return self.log.read()

    def stderr(self) -> str:
        return self.stderr_bytes().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=15) -> int | None:
        """Signals the server and waits; its exit status, None if it had to be killed."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                return None
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
