"""Load test of ``csdl serve`` on loopback: a fixed number of requests from concurrent clients,
then it stops by itself.

    python -m benchmarks.bench_serve [--quick] [--requests N] [--clients C]   # standalone
    python -m benchmarks [--quick]                                            # with the suite

The server is a real ``csdl serve`` process on 127.0.0.1 (port 0, a fresh store); the clients are
keep-alive HTTP/1.1 connections driven by one asyncio loop in this process. Three kinds of
request are measured in the same run, interleaved in rounds: ``balance`` (the baseline: the same
routing, authentication and JSON answer, no filter work), ``validate`` and ``compile`` (each
request a different filter, so that nothing is answered from a cache; ``compile`` also writes the
store). Figures: requests/s, p50/p99 latency, errors (the goal is none), and the ratio of
validate's throughput to the baseline's (goal >= 0.4x).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

from .rows import row

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KINDS = ("balance", "validate", "compile")
GOAL_RATIO = 0.4


def _filter(kind: str, i: int) -> str:
    # A typical small filter (~200 characters), different for every request.
    return (f'interaction.content contains_any "coffee {kind}{i}, espresso, latte" AND language.tag in "en, fr" '
            f'AND twitter.user.followers_count >= {i % 997} AND NOT interaction.content contains "sale {i}"')


def _request(kind: str, i: int, host: str) -> bytes:
    if kind == "balance":
        body = b""
    else:
        body = urllib.parse.urlencode({"csdl": _filter(kind, i)}).encode()
    head = (f"POST /v1.6/{kind} HTTP/1.1\r\nHost: {host}\r\nAuthorization: bench:key\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def _client(host: str, port: int, jobs: list, latencies: list, errors: list) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while jobs:
            data = jobs.pop()
            start = time.perf_counter()
            writer.write(data)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = int(re.search(rb"content-length: *(\d+)", head, re.I).group(1))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


async def _phase(host: str, port: int, kind: str, first: int, count: int, clients: int):
    jobs = [_request(kind, first + i, f"{host}:{port}") for i in range(count)]
    jobs.reverse()
    latencies: list = []
    errors: list = []
    start = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(_client(host, port, jobs, latencies, errors) for _ in range(clients))),
                           timeout=600)
    return time.perf_counter() - start, latencies, errors


def start_server(store: str):
    process = subprocess.Popen([sys.executable, "-m", "csdl", "serve", "--port", "0", "--store", store],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        m = re.search(r"listening on http://([\d.]+):(\d+)", line or "")
        if m:
            return process, m.group(1), int(m.group(2))
        if not line:
            break
    process.kill()
    raise RuntimeError("csdl serve did not start: " + (process.stderr.read() or ""))


def measure(requests: int, clients: int, rounds: int = 2) -> dict:
    """{kind: {"seconds", "latencies", "errors", "count"}} over ``rounds`` interleaved rounds."""
    results = {k: {"seconds": 0.0, "latencies": [], "errors": [], "count": 0} for k in KINDS}
    with tempfile.TemporaryDirectory() as tmp:
        process, host, port = start_server(os.path.join(tmp, "bench.sqlite3"))
        try:
            per_round = max(1, requests // rounds)
            for kind in KINDS:  # warm up: imports, parser tables, the store's first write
                asyncio.run(_phase(host, port, kind, 10_000_000, 100, clients))
            for r in range(rounds):
                for kind in KINDS:
                    seconds, latencies, errors = asyncio.run(_phase(host, port, kind, r * per_round, per_round, clients))
                    entry = results[kind]
                    entry["seconds"] += seconds
                    entry["latencies"] += latencies
                    entry["errors"] += errors
                    entry["count"] += per_round
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
    return results


def _percentile(values: list, p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000.0


def run(quick: bool, requests: int | None = None, clients: int | None = None) -> list[dict]:
    requests = requests or (200 if quick else 5000)
    clients = clients or (8 if quick else 32)
    results = measure(requests, clients, rounds=2 if quick else 5)
    rows = []
    base_rate = results["balance"]["count"] / results["balance"]["seconds"]
    case = f"csdl serve, {clients} clients"
    for kind in KINDS:
        entry = results[kind]
        rate = entry["count"] / entry["seconds"]
        name = f"{kind} x{entry['count']:,}"
        if kind == "balance":
            rows.append(row(case, f"{name} req/s (baseline)", rate, "req/s"))
        else:
            goal = {"goal": f">= {GOAL_RATIO}x balance", "met": rate / base_rate >= GOAL_RATIO} if kind == "validate" else {}
            rows.append(row(case, f"{name} req/s", rate, "req/s", baseline="balance", baseline_value=base_rate, **goal))
        rows.append(row(case, f"{kind} p50 latency", _percentile(entry["latencies"], 50), "ms"))
        rows.append(row(case, f"{kind} p99 latency", _percentile(entry["latencies"], 99), "ms"))
        rows.append(row(case, f"{kind} errors", len(entry["errors"]), "responses", goal="0", met=not entry["errors"]))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_serve", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--requests", type=int, help="requests of each kind (default 5,000; --quick 200)")
    parser.add_argument("--clients", type=int, help="concurrent connections (default 32; --quick 8)")
    args = parser.parse_args(argv)
    for entry in run(args.quick, args.requests, args.clients):
        ratio = f"  {entry['ratio']:.2f}x {entry['baseline']}" if "ratio" in entry else ""
        goal = f"  goal {entry['goal']}: {'met' if entry['met'] else 'MISSED'}" if "goal" in entry else ""
        print(f"{entry['case']:<26} {entry['measure']:<34} {entry['value']:>10,.2f} {entry['unit']}{ratio}{goal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
