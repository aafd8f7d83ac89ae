#!/usr/bin/env python3
"""End-to-end tests of the `http` client module against a local server.

Starts a threaded HTTP/1.1 server on 127.0.0.1 (port picked by the OS),
substitutes `{{BASE}}` (e.g. http://127.0.0.1:43210) and `{{CLOSED}}` (a URL
whose port nothing listens on) into every tests/http/*.goost template, and
runs the results with run_scripts.py (inline `// expect:` comments).

    run_http_tests.py --langoost PATH [TEMPLATE.goost ...]
"""
import argparse
import json
import pathlib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = pathlib.Path(__file__).resolve().parent


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, content_type="text/plain", extra=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path
        if path == "/hello":
            self.send(200, "hello", extra=[("X-Test", "yes"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
        elif path.startswith("/echo"):
            doc = {
                "method": self.command,
                "path": path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("latin-1"),
            }
            self.send(200, json.dumps(doc, sort_keys=True), "application/json")
        elif path.startswith("/status/"):
            self.send(int(path.split("/")[2]), "status " + path.split("/")[2])
        elif path == "/redirect":
            self.send(302, "", extra=[("Location", "/hello")])
        elif path == "/slow":
            time.sleep(3)
            self.send(200, "late")
        elif path == "/binary":
            self.send(200, bytes(range(256)), "application/octet-stream")
        else:
            self.send(404, "not found")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = handle_any


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--langoost", required=True)
    ap.add_argument("templates", nargs="*")
    args = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    closed = f"http://127.0.0.1:{closed_port()}"
    templates = [pathlib.Path(t) for t in args.templates] or sorted(HERE.glob("*.goost"))
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for t in templates:
            out = pathlib.Path(tmp) / t.name
            out.write_text(t.read_text().replace("{{BASE}}", base).replace("{{CLOSED}}", closed))
            files.append(str(out))
        r = subprocess.run([sys.executable, str(HERE.parent / "run_scripts.py"), "--langoost", args.langoost, *files])
    server.shutdown()
    return r.returncode


if __name__ == "__main__":
    sys.exit(main())
