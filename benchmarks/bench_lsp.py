"""Benchmarks for ``csdl lsp``: how long an edit takes to become diagnostics, and whether memory
stays flat over many edits.

    python -m benchmarks.bench_lsp [--quick]      # standalone
    python -m benchmarks [--quick]                # with the rest of the suite (--only lsp)

The real server runs as a subprocess over stdio, as editors start it. Each round sends a
``didChange`` with the whole text (alternating between two texts of the same size) and waits for
the ``publishDiagnostics`` of that version. The server measures, with ``CSDL_LSP_TIMINGS=1``,
the time from the moment it handles the ``didChange`` to the moment the diagnostics are written
(the check on its worker thread, the translation to LSP positions and the JSON); the client-side
round trip (pipes and JSON both ways) is shown beside it. The baseline is ``csdl.check`` of the
same text in this process, measured round by round in between. Memory is the server's resident
set after a warm-up and after 1,000 edits (100 with --quick).
"""

from __future__ import annotations

import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time

from . import inputs
from .rows import row

GOAL_RATIO = 1.5
GOAL_GROWTH_MB = 10.0


class _Server:
    def __init__(self):
        env = dict(os.environ, CSDL_LSP_TIMINGS="1")
        self.process = subprocess.Popen([sys.executable, "-m", "csdl", "lsp"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.messages: queue.Queue = queue.Queue()
        self._id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self.messages.put(None)
                    return
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                if line in (b"\r\n", b"\n"):
                    break
            self.messages.put(json.loads(stream.read(length)))

    def send(self, payload) -> None:
        body = json.dumps(payload).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def request(self, method, params=None):
        self._id += 1
        self.send({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == self._id and "method" not in m)

    def notify(self, method, params=None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait(self, predicate, timeout: float = 120.0):
        deadline = time.monotonic() + timeout
        while True:
            message = self.messages.get(timeout=max(0.01, deadline - time.monotonic()))
            if message is None:
                raise RuntimeError("csdl lsp exited")
            if predicate(message):
                return message

    def published(self, uri: str, version: int) -> float:
        """Wait for the diagnostics of ``version`` and return the server-side milliseconds."""
        timing = None
        seen = False
        while timing is None or not seen:
            message = self.wait(lambda m: m.get("method") in ("window/logMessage", "textDocument/publishDiagnostics"))
            params = message["params"]
            if message["method"] == "window/logMessage":
                if params["message"].startswith("csdl-timing "):
                    fields = dict(part.split("=", 1) for part in params["message"].split()[2:])
                    if int(fields["version"]) == version:
                        timing = float(fields["ms"])
            elif params.get("uri") == uri and params.get("version") == version:
                seen = True
        return timing

    def rss_mb(self) -> float:
        with open(f"/proc/{self.process.pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
        return float("nan")

    def close(self) -> None:
        try:
            self.request("shutdown")
            self.notify("exit")
            self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()


def _variants(text: str) -> tuple[str, str]:
    """Two texts of the same length that differ in one character (an edit inside a word)."""
    index = text.index("e")
    return text, text[:index] + "E" + text[index + 1:]


def _latency(server: _Server, check, name: str, text: str, rounds: int, uri: str) -> list[dict]:
    texts = _variants(text)
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "csdl", "version": 1, "text": text}})
    server.published(uri, 1)
    check(text)
    served, trips, baseline = [], [], []
    version = 1
    for i in range(rounds + 3):
        version += 1
        body = texts[version % 2]
        start = time.perf_counter()
        server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                 "contentChanges": [{"text": body}]})
        server_ms = server.published(uri, version)
        trip_ms = (time.perf_counter() - start) * 1000.0
        start = time.perf_counter()
        check(body)
        check_ms = (time.perf_counter() - start) * 1000.0
        if i >= 3:  # warm-up rounds dropped
            served.append(server_ms)
            trips.append(trip_ms)
            baseline.append(check_ms)
    s, t, b = statistics.median(served), statistics.median(trips), statistics.median(baseline)
    size = f"{len(text):,} chars"
    return [
        row(name, f"csdl.check in-process ({size})", b, "ms"),
        row(name, "didChange -> publishDiagnostics (server)", s, "ms", baseline="csdl.check", baseline_value=b,
            goal=f"<= {GOAL_RATIO}x csdl.check", met=s <= GOAL_RATIO * b),
        row(name, "round trip seen by the client", t, "ms", baseline="csdl.check", baseline_value=b),
    ]


def run(quick: bool = False) -> list[dict]:
    import csdl

    check = csdl.check
    out: list[dict] = []
    server = _Server()
    try:
        server.request("initialize", {"processId": os.getpid(), "capabilities": {}, "rootUri": None})
        server.notify("initialized", {})
        cases = [("lsp: 200-char filter", inputs.SMALL, 30 if quick else 300),
                 ("lsp: 500 conditions / 20 KB", inputs.conditions_filter(500), 5 if quick else 40)]
        for n, (name, text, rounds) in enumerate(cases):
            out.extend(_latency(server, check, name, text, rounds, f"untitled:bench{n}.csdl"))

        edits = 100 if quick else 1000
        uri = "untitled:memory.csdl"
        text = inputs.SMALL
        server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "csdl", "version": 1, "text": text}})
        server.published(uri, 1)
        version = 1
        for _ in range(50):  # warm-up: caches, allocator pools
            version += 1
            server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                     "contentChanges": [{"text": text + f" // {version}"}]})
            server.published(uri, version)
        before = server.rss_mb()
        for _ in range(edits):
            version += 1
            server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                     "contentChanges": [{"text": text + f" // {version}"}]})
            server.published(uri, version)
        after = server.rss_mb()
        out.append(row("lsp: memory", "server RSS after warm-up", before, "MB"))
        out.append(row("lsp: memory", f"server RSS after {edits:,} more edits", after, "MB"))
        out.append(row("lsp: memory", "growth", after - before, "MB", goal=f"<= {GOAL_GROWTH_MB:g} MB (flat)",
                       met=after - before <= GOAL_GROWTH_MB))
    finally:
        server.close()
    return out


def main(argv=None) -> int:
    quick = "--quick" in (argv if argv is not None else sys.argv[1:])
    for entry in run(quick):
        ratio = f"  {entry['ratio']:.2f}x {entry['baseline']}" if "ratio" in entry else ""
        goal = f"  {entry['goal']}: {'met' if entry['met'] else 'MISSED'}" if "goal" in entry else ""
        print(f"{entry['case']:<30} {entry['measure']:<42} {entry['value']:>10.3f} {entry['unit']}{ratio}{goal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
