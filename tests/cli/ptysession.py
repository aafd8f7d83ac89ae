"""A program on a pseudo-terminal, driven like a user at a keyboard.

    with PtySession([binary], cwd=..., env=...) as s:
        s.expect("> ")
        s.send("1 +\\n")
        s.expect("... ")

The pty is the child's controlling terminal (its own session), so Ctrl-C
(s.send("\\x03")) reaches it as SIGINT through the line discipline, as it
would from a real terminal. `expect` waits for text and fails after a
timeout with everything read so far; `output` is the whole transcript.
"""
import fcntl
import os
import pty
import select
import subprocess
import termios
import time


class PtyTimeout(Exception):
    pass


class PtySession:
    def __init__(self, argv, cwd=None, env=None, timeout=20):
        e = dict(os.environ)
        e.pop("NO_COLOR", None)
        e.setdefault("TERM", "xterm")
        # Diagnostics are coloured on a terminal: the sessions match plain text.
        e.setdefault("NO_COLOR", "1")
        if env:
            e.update(env)
        self.master, slave = pty.openpty()
        self.timeout = timeout
        self.output = ""
        self._seen = 0  # expect() searches after this offset

        def make_controlling():
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(argv, cwd=cwd, env=e, stdin=slave, stdout=slave, stderr=slave,
                                     close_fds=True, start_new_session=True, preexec_fn=make_controlling)
        os.close(slave)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _read(self, wait):
        r, _, _ = select.select([self.master], [], [], wait)
        if not r:
            return False
        try:
            chunk = os.read(self.master, 4096)
        except OSError:
            return False
        if not chunk:
            return False
        self.output += chunk.decode("utf-8", "replace")
        return True

    def send(self, text):
        os.write(self.master, text.encode())

    def expect(self, text):
        """Waits until `text` appears after the previous match; returns what came before it."""
        deadline = time.time() + self.timeout
        while True:
            at = self.output.find(text, self._seen)
            if at >= 0:
                before = self.output[self._seen:at]
                self._seen = at + len(text)
                return before
            if time.time() > deadline:
                raise PtyTimeout(f"waited for {text!r}; got:\n{self.output}")
            self._read(0.2)

    def wait(self):
        """Reads until the program exits; returns its status."""
        deadline = time.time() + self.timeout
        while self.proc.poll() is None and time.time() < deadline:
            self._read(0.1)
        while self._read(0.05):
            pass
        if self.proc.poll() is None:
            raise PtyTimeout(f"still running; output:\n{self.output}")
        return self.proc.returncode

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        try:
            os.close(self.master)
        except OSError:
            pass
