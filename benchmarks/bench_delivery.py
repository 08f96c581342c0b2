"""Live delivery of ``csdl serve``: firehose → bus → consumers, against ``csdl run`` over the same
posts in the same run, then it stops by itself.

    python -m benchmarks.bench_delivery [--quick]                  # standalone
    python -m benchmarks --only delivery [--quick]                 # with the suite

For 1 and 10 streams (filters of ten keywords each over a generated vocabulary; with 10 streams
the full run delivers about 1,000,000 interactions per consumer kind), a real ``csdl
serve`` process on 127.0.0.1 replays a posts file (``--firehose``, no rate: as fast as the
consumers take it) to (a) one HTTP streaming consumer of ``/multi?hashes=…`` in this process and
(b) one ``http`` push subscription per stream, delivering to a loopback receiver in this process.
The clock runs from the subscription that starts the replay to the delete notification that
closes the file (every stream gets it last). Figures: posts/s through the server, as a ratio to
``csdl run`` over the same posts with the same filters (one ``csdl run`` process per filter,
timed whole; goal: delivery >= 0.5x), and the server's resident memory (VmRSS) before the replay,
halfway (a delete notification closes each half of the file) and after it: flat means the second
half of the deliveries added no more than 10 %.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .rows import row

GOAL_RATIO = 0.5
VOCABULARY = [f"word{i}" for i in range(200)]
LIMIT_S = 600


def write_posts(path: str, count: int) -> None:
    """``count`` posts in two halves, each closed by a delete notification (every stream gets it):
    the consumers note the server's memory at the first and finish at the second."""
    rng = random.Random(23)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(count):
            text = " ".join(rng.choice(VOCABULARY) for _ in range(12))
            f.write(json.dumps({"interaction": {"id": f"b{i}", "type": "twitter", "content": text},
                                "language": {"tag": "en"}}) + "\n")
            if i + 1 in (count // 2, count):
                f.write(json.dumps({"deleted": True, "interaction": {"id": "b0"}}) + "\n")


def filters(streams: int) -> list[str]:
    """Ten words each: every stream matches about 45 % of the posts."""
    return [f'interaction.content contains_any "{", ".join(f"word{i * 10 + k}" for k in range(10))}"'
            for i in range(streams)]


def offline_seconds(posts: str, texts: list[str], workdir: str) -> float:
    """Wall seconds of ``csdl run`` over ``posts`` for each filter, one process each, summed."""
    total = 0.0
    for n, text in enumerate(texts):
        path = os.path.join(workdir, f"f{n}.csdl")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "csdl", "run", path, posts, "--format", "json", "-q"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        total += time.perf_counter() - start
    return total


class Server:
    def __init__(self, posts: str, store: str, streams: int):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "csdl", "serve", "--port", "0", "--store", store, "--firehose", posts,
             "--firehose-wait", str(streams)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            m = re.search(r"listening on http://([\d.]+):(\d+)", line or "")
            if m:
                self.host, self.port = m.group(1), int(m.group(2))
                threading.Thread(target=self.process.stderr.read, daemon=True).start()
                return
            if not line:
                break
        self.process.kill()
        raise RuntimeError("csdl serve did not start")

    def call(self, path: str, body: dict) -> dict:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        conn.request("POST", path, body=json.dumps(body), headers={"Authorization": "bench:key",
                                                                   "Content-Type": "application/json"})
        answer = conn.getresponse()
        data = json.loads(answer.read())
        conn.close()
        if answer.status != 200:
            raise RuntimeError(f"{path}: {answer.status} {data}")
        return data

    def rss_mb(self) -> float:
        with open(f"/proc/{self.process.pid}/status", encoding="ascii") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024.0

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def stream_consumer(server: Server, hashes: list[str], halfway) -> tuple[float, int]:
    """Seconds from connecting to the last stream's delete notification, and interactions read.

    A raw socket, not http.client: its chunked reader costs more per message than the server, and
    the server is what is measured. Messages are the lines that start with ``{"hash"`` (the
    chunk-size lines between them do not)."""
    import socket

    path = "/multi?" + urllib.parse.urlencode({"hashes": ",".join(hashes)})
    start = time.perf_counter()
    sock = socket.create_connection((server.host, server.port), timeout=LIMIT_S)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {server.host}\r\nAuthorization: bench:key\r\n\r\n".encode())
    deletes = interactions = 0
    rest = b""
    try:
        while deletes < 2 * len(hashes):
            data = sock.recv(1 << 20)
            if not data:
                raise RuntimeError("the stream ended early")
            lines = (rest + data).split(b"\n")
            rest = lines.pop()
            for line in lines:
                if line.startswith(b'{"hash"'):
                    if b'"data":{"deleted":true' in line:
                        deletes += 1
                        if deletes == len(hashes):
                            halfway()
                    else:
                        interactions += 1
    finally:
        sock.close()
    return time.perf_counter() - start, interactions


class Receiver:
    def __init__(self, streams: int, halfway):
        self.done = threading.Event()
        self.deletes = 0
        self.interactions = 0
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                lines = body.count(b"\n")
                deleted = body.count(b'"deleted":true')
                with owner.lock:
                    owner.interactions += lines - deleted
                    if owner.deletes < streams <= owner.deletes + deleted:
                        halfway()
                    owner.deletes += deleted
                    if owner.deletes >= 2 * streams:
                        owner.done.set()
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def push_consumer(server: Server, hashes: list[str], halfway) -> tuple[float, int]:
    receiver = Receiver(len(hashes), halfway)
    try:
        start = time.perf_counter()
        for n, hash in enumerate(hashes):
            server.call("/v1.6/push/create", {"hash": hash, "name": f"bench{n}", "output_type": "http",
                                              "output_params": {"url": receiver.url, "format": "json_new_line",
                                                                "delivery_frequency": 0, "max_size": 1_000_000}})
        if not receiver.done.wait(LIMIT_S):
            raise RuntimeError("push delivery did not finish")
        return time.perf_counter() - start, receiver.interactions
    finally:
        receiver.close()


def measure(kind: str, posts: str, count: int, streams: int, workdir: str) -> dict:
    server = Server(posts, os.path.join(workdir, f"{kind}{streams}.sqlite3"), streams)
    try:
        hashes = [server.call("/v1.6/compile", {"csdl": text})["hash"] for text in filters(streams)]
        before = server.rss_mb()
        half: list = []
        consume = stream_consumer if kind == "stream" else push_consumer
        seconds, delivered = consume(server, hashes, lambda: half.append(server.rss_mb()))
        after = server.rss_mb()
    finally:
        server.stop()
    return {"posts_per_s": count / seconds, "delivered": delivered, "rss_before": before,
            "rss_half": half[0] if half else after, "rss_after": after}


def run(quick: bool, posts: int | None = None) -> list[dict]:
    count = posts or (3_000 if quick else 230_000)  # full: 10 streams deliver ~1,000,000
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        path = os.path.join(workdir, "posts.jsonl")
        write_posts(path, count)
        for streams in (1, 10):
            offline = count / offline_seconds(path, filters(streams), workdir)
            for kind, label in (("stream", "HTTP stream consumer"), ("push", "push http receiver")):
                got = measure(kind, path, count, streams, workdir)
                case = f"delivery, {streams} stream{'s' if streams > 1 else ''}, {count:,} posts"
                rows.append(row(case, f"firehose -> {label}", got["posts_per_s"], "posts/s",
                                baseline="csdl run", baseline_value=offline,
                                goal=f">= {GOAL_RATIO}x csdl run",
                                met=got["posts_per_s"] >= GOAL_RATIO * offline,
                                note=f"{got['delivered']:,} interactions delivered"))
                rows.append(row(case, f"server RSS at the end ({label})", got["rss_after"], "MB",
                                baseline="RSS before the replay", baseline_value=got["rss_before"]))
                rows.append(row(case, f"server RSS at the end ({label})", got["rss_after"], "MB",
                                baseline="RSS halfway", baseline_value=got["rss_half"],
                                goal="flat: <= 1.1x halfway", met=got["rss_after"] <= 1.1 * got["rss_half"]))
    return rows


def main(argv=None) -> int:
    from .rows import standalone_main

    return standalone_main(run, "Live delivery of csdl serve against csdl run.", argv)


if __name__ == "__main__":
    sys.exit(main())
