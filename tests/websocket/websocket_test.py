#!/usr/bin/env python3
"""Tests of the `websocket` module.

- protocol: echo_server.goost driven by raw sockets — the Autobahn-style
  cases that matter (masking rules, reserved bits, unknown opcodes,
  fragmented or oversized control frames, bad continuations, invalid UTF-8,
  close codes, interleaved pings, oversized messages, bad handshakes);
- node-client: the same server driven by Node's `ws` package (an
  independent implementation), including 100 concurrent clients;
- client: websocket.connect against a Node `ws` echo server.

    websocket_test.py --langoost PATH GROUP...   (protocol, node-client, client)
Node's `ws` is installed into tests/websocket/node_modules from the
committed package-lock.json when missing (npm ci).
"""
from __future__ import annotations

import argparse
import base64
import os
import pathlib
import re
import socket
import struct
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "lib"))
from testkit import check, summary  # noqa: E402


def start(cmd, cwd=HERE):
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
    line = proc.stdout.readline()
    m = re.match(r"listening on (\d+)", line)
    if not m:
        proc.kill()
        raise RuntimeError(f"{cmd} did not start: {line!r} {proc.stderr.read()}")
    return proc, int(m.group(1))


def ensure_node_modules():
    if not (HERE / "node_modules" / "ws").is_dir():
        r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(HERE)], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("npm ci failed (needs the npm registry): " + r.stderr[-500:])


# ---- a raw client ------------------------------------------------------------

class Raw:
    def __init__(self, port, handshake=True):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        if handshake:
            key = base64.b64encode(os.urandom(16)).decode()
            self.s.sendall(f"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
            head = self.read_until(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 101"), head

    def read_until(self, marker):
        while marker not in self.buf:
            data = self.s.recv(65536)
            if not data:
                break
            self.buf += data
        head, _, self.buf = self.buf.partition(marker)
        return head

    def read_exact(self, n):
        while len(self.buf) < n:
            data = self.s.recv(65536)
            if not data:
                return None
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send_frame(self, opcode, payload=b"", fin=True, mask=True, rsv=0):
        b0 = (0x80 if fin else 0) | rsv << 4 | opcode
        n = len(payload)
        head = bytes([b0])
        m = 0x80 if mask else 0
        if n < 126:
            head += bytes([m | n])
        elif n < 65536:
            head += bytes([m | 126]) + struct.pack(">H", n)
        else:
            head += bytes([m | 127]) + struct.pack(">Q", n)
        if mask:
            key = os.urandom(4)
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
            head += key
        self.s.sendall(head + payload)

    def frame(self):
        """(opcode, payload) of the next server frame, None at EOF."""
        h = self.read_exact(2)
        if h is None:
            return None
        opcode, n = h[0] & 0x0F, h[1] & 0x7F
        if h[1] & 0x80:
            raise AssertionError("server frame is masked")
        if n == 126:
            n = struct.unpack(">H", self.read_exact(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self.read_exact(8))[0]
        return opcode, self.read_exact(n)

    def close_code(self):
        """The code of the server's close frame (skipping data), None if the socket just ended."""
        while True:
            try:
                f = self.frame()
            except (ConnectionResetError, socket.timeout):
                return None
            if f is None:
                return None
            if f[0] == 8:
                return struct.unpack(">H", f[1][:2])[0] if len(f[1]) >= 2 else 1005

    def close(self):
        self.s.close()


def test_protocol(binary):
    proc, port = start([binary, "run", str(HERE / "echo_server.goost"), "1000"])
    try:
        c = Raw(port)
        c.send_frame(1, "héllo".encode())
        check(c.frame() == (1, "héllo".encode()), "masked text echo")
        c.send_frame(2, bytes(range(256)) * 3, mask=True)
        check(c.frame() == (2, bytes(range(256)) * 3), "binary echo")
        c.send_frame(1, b"par", fin=False)
        c.send_frame(9, b"mid")
        check(c.frame() == (10, b"mid"), "ping between fragments answered with pong")
        c.send_frame(0, b"ts", fin=True)
        check(c.frame() == (1, b"parts"), "fragments reassembled around a ping")
        c.send_frame(10, b"unsolicited")
        c.send_frame(1, b"after pong")
        check(c.frame() == (1, b"after pong"), "unsolicited pong ignored")
        c.send_frame(8, struct.pack(">H", 1000) + b"bye")
        check(c.close_code() == 1000, "close handshake echoes 1000")
        c.close()

        cases = [
            ("unmasked client frame", lambda c: c.send_frame(1, b"x", mask=False), 1002),
            ("reserved bit set", lambda c: c.send_frame(1, b"x", rsv=4), 1002),
            ("unknown opcode 3", lambda c: c.send_frame(3, b"x"), 1002),
            ("unknown control opcode 11", lambda c: c.send_frame(11, b"x"), 1002),
            ("fragmented ping", lambda c: c.send_frame(9, b"x", fin=False), 1002),
            ("ping over 125 bytes", lambda c: c.send_frame(9, b"x" * 126), 1002),
            ("continuation without a start", lambda c: c.send_frame(0, b"x"), 1002),
            ("new message inside a fragmented one", lambda c: (c.send_frame(1, b"a", fin=False), c.send_frame(1, b"b")), 1002),
            ("invalid UTF-8 text", lambda c: c.send_frame(1, b"\xff\xfe"), 1007),
            ("overlong UTF-8 encoding", lambda c: c.send_frame(1, b"\xc0\xaf"), 1007),
            ("UTF-16 surrogate in text", lambda c: c.send_frame(1, b"\xed\xa0\x80"), 1007),
            ("invalid UTF-8 split over fragments", lambda c: (c.send_frame(1, b"ok\xf0\x9f", fin=False), c.send_frame(0, b"\x28")), 1007),
            ("close with a 1-byte payload", lambda c: c.send_frame(8, b"\x03"), 1002),
            ("close with reserved code 1005", lambda c: c.send_frame(8, struct.pack(">H", 1005)), 1002),
            ("close with code 999", lambda c: c.send_frame(8, struct.pack(">H", 999)), 1002),
            ("close reason not UTF-8", lambda c: c.send_frame(8, struct.pack(">H", 1000) + b"\xff"), 1007),
            ("message over the limit", lambda c: c.send_frame(1, b"y" * 2000), 1009),
            ("fragments over the limit", lambda c: [c.send_frame(1 if i == 0 else 0, b"z" * 400, fin=i == 2) for i in range(3)], 1009),
        ]
        for name, act, expected in cases:
            c = Raw(port)
            act(c)
            code = c.close_code()
            check(code == expected, f"{name}: close code {code}, expected {expected}")
            c.close()
        # valid UTF-8 split across fragments is fine
        c = Raw(port)
        c.send_frame(1, "a€".encode()[:2], fin=False)
        c.send_frame(0, "a€".encode()[2:])
        check(c.frame() == (1, "a€".encode()), "a UTF-8 sequence split across fragments")
        c.close()
        # a bad handshake is refused with 400
        for bad in [b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                    b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n",
                    b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n"]:
            c = Raw(port, handshake=False)
            c.s.sendall(bad)
            check(c.read_until(b"\r\n").startswith(b"HTTP/1.1 400"), f"bad handshake refused: {bad[:60]!r}")
            c.close()
    finally:
        proc.kill()
        proc.wait()


def test_node_client(binary):
    ensure_node_modules()
    proc, port = start([binary, "run", str(HERE / "echo_server.goost")])
    try:
        r = subprocess.run(["node", str(HERE / "node_client.js"), str(port)], capture_output=True, text=True, timeout=120)
        print(r.stdout, end="")
        check(r.returncode == 0, f"node ws client against the Langoost server: {r.stdout[-300:]} {r.stderr[-300:]}")
    finally:
        proc.kill()
        proc.wait()


def test_client(binary):
    ensure_node_modules()
    proc, port = start(["node", str(HERE / "node_echo_server.js")])
    try:
        r = subprocess.run([binary, "run", str(HERE / "client.goost"), str(port)], capture_output=True, text=True, timeout=60)
        expected = ["true", "true", "hello from langoost", "true", "binary 4 true", "true", "after ping", "true", "nil", "-1 -1"]
        check(r.stdout.split("\n")[:len(expected)] == expected, f"langoost client against node ws: {r.stdout!r} {r.stderr!r}")
    finally:
        proc.kill()
        proc.wait()
    test_client_handshake(binary)


def test_client_handshake(binary):
    """websocket.connect reads the 101 with the strict HTTP parser: a response
    with two different Content-Lengths (or other broken framing) is refused,
    and a frame sent in the same packet as the 101 is still received."""
    import hashlib
    import threading

    def accept_for(key):
        return base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()

    def serve_one(listener, extra, frame):
        conn, _ = listener.accept()
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                head += conn.recv(4096)
            key = re.search(rb"Sec-WebSocket-Key: (\S+)", head).group(1).decode()
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         + f"Sec-WebSocket-Accept: {accept_for(key)}\r\n".encode() + extra + b"\r\n" + frame)
            try:
                conn.recv(4096)
            except OSError:
                pass

    script = ('import os\nimport websocket\nlet ws = websocket.connect("ws://127.0.0.1:" + os.args()[0] + "/")\n'
              'println(ws > 0)\nif ws > 0 { println(websocket.recv(ws)) }\n')
    path = pathlib.Path(os.environ.get("TMPDIR", "/tmp")) / f"ws-handshake-{os.getpid()}.goost"
    path.write_text(script)
    cases = [
        ("a clean 101 with a frame in the same packet", b"", ["true", "hi"]),
        ("two different Content-Lengths", b"Content-Length: 0\r\nContent-Length: 5\r\n", ["false"]),
        ("a space before a colon", b"X-A : b\r\n", ["false"]),
        ("two Sec-WebSocket-Accept headers", b"Sec-WebSocket-Accept: x\r\n", ["false"]),
        ("a folded header line", b"X-A: a\r\n b\r\n", ["false"]),
    ]
    try:
        for what, extra, expected in cases:
            listener = socket.socket()
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            t = threading.Thread(target=serve_one, args=(listener, extra, b"\x81\x02hi"), daemon=True)
            t.start()
            r = subprocess.run([binary, "run", str(path), str(listener.getsockname()[1])], capture_output=True, text=True,
                               timeout=30)
            check(r.stdout.split("\n")[:len(expected)] == expected, f"client handshake, {what}: {r.stdout!r} {r.stderr!r}")
            listener.close()
            t.join(5)
    finally:
        path.unlink()


GROUPS = {"protocol": test_protocol, "node-client": test_node_client, "client": test_client}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--langoost", required=True)
    ap.add_argument("groups", nargs="*")
    args = ap.parse_args()
    for name in args.groups or list(GROUPS):
        try:
            GROUPS[name](os.path.abspath(args.langoost))
        except Exception as e:
            check(False, f"{name}: {type(e).__name__}: {e}")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
