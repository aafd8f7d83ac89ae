"""Shared pieces of the wrk-driven benchmarks (bench/http/run, bench/serve/run,
bench/serve/waits): running wrk against a URL and reading requests/s and
latency percentiles, finding a free port and waiting for a server to listen,
stopping a server process, and printing the results table."""
import re
import signal
import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc):
    deadline = time.time() + 10
    while time.time() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def to_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def load(url, threads, connections, duration):
    """(requests/s, p50 ms, p99 ms, notes) of `wrk --latency` after a 1 s warm-up."""
    subprocess.run(["wrk", "-t1", "-c4", "-d1s", url], capture_output=True, timeout=30)
    out = subprocess.run(wrk_command(url, threads, connections, duration),
                         capture_output=True, text=True, timeout=duration + 60).stdout
    return parse(out)


def wrk_command(url, threads, connections, duration):
    return ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url]


def parse(out):
    """(requests/s, p50 ms, p99 ms, notes) from the output of `wrk --latency`."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Socket errors:.*", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    notes = [errors.group(0)] if errors else []
    if non2xx:
        notes.append(f"{non2xx.group(1)} non-2xx")
    return rps, p50, p99, "; ".join(notes) or "none"


def print_table(rows, markdown):
    """rows: (server, path, rps, p50, p99, notes)."""
    header = ("server", "path", "requests/s", "p50 (ms)", "p99 (ms)", "errors")
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|---|---|---:|---:|---:|---|")
        for name, path, rps, p50, p99, err in rows:
            print(f"| {name} | `{path}` | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {err} |")
    else:
        print(f"{header[0]:<44} {header[1]:<12} {header[2]:>11} {header[3]:>9} {header[4]:>9}  {header[5]}")
        for name, path, rps, p50, p99, err in rows:
            print(f"{name:<44} {path:<12} {rps:>11,.0f} {p50:>9.2f} {p99:>9.2f}  {err}")
