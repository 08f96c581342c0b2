"""Attacks on a real `csdl serve` that a web page or a local process could make, each of which must
be refused, and the server's peak memory while they run. Bounded (about 30 s); rerun it with

    python -m benchmarks.attack_serve [--json]

It starts `csdl serve --port 0` on a temporary store, then tries: DNS rebinding (a foreign Host),
cross-site writes (a foreign Origin, a text/plain body, an <img>-style GET delete), a gzip bomb in
the workbench's preview upload (one 256 MB line in ~256 KB), poisoned records (a lone surrogate,
an integer beyond 64 bits, a time of 1e20) and 1,010 silent sockets. An attack counts as refused
when its answer is the expected JSON error and the server's peak memory (VmHWM) grew by less than
64 MB during it. Then it scans the port of `csdl lsp --tcp 127.0.0.1:PORT` as a port scanner, a
web page and a second editor would (a connection that closes at once, an HTTP POST carrying an
`initialize`, a connection whose first message is not `initialize`, a second client once the first
is served) and checks that the language server keeps its one client, with its peak memory. Exit
status 0 when every attack was refused and both servers kept answering, 1 otherwise.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib

MB = 1024 * 1024
MAX_GROWTH = 64 * MB  # the server's peak memory may grow this much during one attack


class Server:
    """`csdl serve` as a child process on a free port."""

    def __init__(self, store: str):
        self.process = subprocess.Popen([sys.executable, "-m", "csdl", "serve", "--port", "0", "--store", store],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for line in self.process.stderr:
            m = re.search(r"listening on http://([^:]+):(\d+)", line)
            if m:
                self.host, self.port = m.group(1), int(m.group(2))
                threading.Thread(target=self.process.stderr.read, daemon=True).start()  # keep the pipe drained
                return
        raise SystemExit("csdl serve did not start")

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers={"Authorization": "me:secret", **(headers or {})})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def peak_memory(self) -> int:
        with open(f"/proc/{self.process.pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(30)


def gzip_bomb(line_mb: int = 256) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = io.BytesIO()
    chunk = b"a" * MB
    for _ in range(line_mb):
        out.write(compressor.compress(chunk))
    out.write(compressor.flush())
    return out.getvalue()


def multipart(content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csdl"\r\n\r\ninteraction.content exists\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="bomb.jsonl.gz"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


SOURCE = {"source_type": "instagram", "name": "IG", "parameters": {"comments": False},
          "resources": [{"parameters": {"type": "tag", "value": "nofilter"}}],
          "auth": [{"parameters": {"value": "token-0"}}]}
JSON = {"Content-Type": "application/json"}
EVIL = {"Origin": "http://evil.example"}


def attacks(server: Server) -> list[tuple[str, object, tuple]]:
    """(name, request, statuses that mean refused)."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    bomb, kind = multipart(gzip_bomb())
    status, answer = server.request("POST", "/v1/compile", b"csdl=interaction.content+exists", form)
    stream = json.loads(answer)["hash"].encode()
    return [
        ("rebinding: GET /api/streams with Host evil.example", ("GET", "/api/streams", None, {"Host": "evil.example"}),
         (403,)),
        ("rebinding: GET /v1/source/get with Host evil.example",
         ("GET", "/v1/source/get", None, {"Host": f"evil.example:{server.port}"}), (403,)),
        ("cross-site: text/plain POST /api/compile", ("POST", "/api/compile", b'{"csdl": "a.b exists"}',
                                                      {**EVIL, "Content-Type": "text/plain"}), (403,)),
        ("cross-site: form POST /v1/source/create", ("POST", "/v1/source/create",
                                                     b"username=me&api_key=k&source_type=instagram&name=x",
                                                     {**EVIL, **form}), (403,)),
        ("cross-site: <img> GET /v1/source/delete", ("GET", "/v1/source/delete?id=" + "0" * 32, None,
                                                     {"Sec-Fetch-Site": "cross-site"}), (403,)),
        ("no Origin: text/plain POST /api/compile", ("POST", "/api/compile", b'{"csdl": "a.b exists"}',
                                                     {"Content-Type": "text/plain"}), (415,)),
        ("gzip bomb: one 256 MB line in the preview upload", ("POST", "/api/preview", bomb, {"Content-Type": kind}),
         (413,)),
        ("poison: source name with a lone surrogate", ("POST", "/v1/source/create",
                                                       json.dumps({**SOURCE, "name": "x\ud800"}).encode(), JSON), (400,)),
        ("poison: source parameter 2^64", ("POST", "/v1/source/create",
                                           json.dumps({**SOURCE, "parameters": {"n": 2**64}}).encode(), JSON), (400,)),
        ("poison: Historics end 1e20", ("POST", "/v1/historics/prepare",
                                        b"hash=" + stream + b"&start=1&end=100000000000000000000&name=q&sources=twitter",
                                        form), (400,)),
        ("poison: JSON nested 1,000 deep", ("POST", "/api/check", b'{"csdl": ' + b"[" * 1000 + b"]" * 1000 + b"}",
                                            JSON), (400,)),
    ]


def idle_sockets(server: Server, count: int = 1010, seconds: float = 30) -> tuple[bool, float]:
    """Open ``count`` silent sockets, then time how long until a request is answered (bounded)."""
    sockets = [socket.create_connection((server.host, server.port), timeout=10) for _ in range(count)]
    start = time.monotonic()
    try:
        while time.monotonic() - start < seconds:
            try:
                if server.request("GET", "/v1/usage")[0] == 200:
                    return True, time.monotonic() - start
            except OSError:
                pass
            time.sleep(0.2)
        return False, time.monotonic() - start
    finally:
        for sock in sockets:
            sock.close()


class LspClient:
    """JSON-RPC over one TCP connection, framed as LSP frames it (Content-Length headers)."""

    def __init__(self, port: int):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buffer = b""
        self.next_id = 0

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode()
        self.socket.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def receive(self) -> dict:
        while b"\r\n\r\n" not in self.buffer:
            self.read()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        length = int(re.search(rb"Content-Length: *(\d+)", head, re.I).group(1))
        while len(self.buffer) < length:
            self.read()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return json.loads(body)

    def read(self) -> None:
        data = self.socket.recv(65536)
        if not data:
            raise ConnectionError("the language server closed the connection")
        self.buffer += data

    def request(self, method: str, params) -> dict:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            message = self.receive()
            if message.get("id") == self.next_id and "method" not in message:
                return message

    def notify(self, method: str, params) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def initialize(self) -> dict:
        answer = self.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        self.notify("initialized", {})
        return answer

    def close(self) -> None:
        self.socket.close()


def closed_without_answer(sock: socket.socket) -> bool:
    try:
        return sock.recv(65536) == b""
    except ConnectionResetError:
        return True


def start_lsp() -> tuple[subprocess.Popen, int]:
    """`csdl lsp --tcp 127.0.0.1:PORT` on a free port, once the port accepts connections (that
    first probe connects and closes: one port scan already)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "csdl", "lsp", "--tcp", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=10).close()
            return process, port
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise SystemExit("csdl lsp --tcp did not start") from None
            time.sleep(0.05)


def lsp_attacks(process: subprocess.Popen, port: int) -> list[dict]:
    """Each way in that is not the editor's must leave the one client served (and the server up)."""
    results = []

    def note(name: str, refused: bool) -> None:
        results.append({"attack": f"lsp --tcp: {name}", "status": "-", "refused": refused and process.poll() is None})

    socket.create_connection(("127.0.0.1", port), timeout=10).close()
    note("port scan (connect, close)", True)
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                       "params": {"processId": None, "capabilities": {}}}).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as browser:
        browser.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                        b"Content-Length: %d\r\n\r\n" % len(body) + body)
        note("a web page's HTTP POST carrying initialize", closed_without_answer(browser))
    with socket.create_connection(("127.0.0.1", port), timeout=30) as other:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "shutdown"}).encode()
        other.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        note("a first message that is not initialize", closed_without_answer(other))
    editor = LspClient(port)
    try:
        served = "capabilities" in editor.initialize().get("result", {})
        uri = "untitled:attack.csdl"
        editor.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "csdl", "version": 1,
                                                                "text": 'twitter.text contains "x"'}})
        try:
            late = LspClient(port)
        except OSError:
            note("a second client (refused: the port is closed)", served)
        else:
            try:
                late.initialize()
                stolen = True
            except OSError:
                stolen = False
            late.close()
            note("a second client (dropped)", served and not stolen)
        hover = editor.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                      "position": {"line": 0, "character": 3}})
        keeps = "twitter.text" in json.dumps(hover.get("result"))
        results.append({"attack": "lsp --tcp: the editor is still served afterwards", "status": "-",
                        "refused": keeps})
        editor.request("shutdown", None)
        editor.notify("exit", None)
    finally:
        editor.close()
    return results


def peak_memory_of(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def lsp_port_scan() -> tuple[list[dict], int]:
    """The LSP attacks and the language server's peak memory after them."""
    process, port = start_lsp()
    try:
        results = lsp_attacks(process, port)
        peak = peak_memory_of(process.pid)
        exited = process.wait(30) == 0
        results.append({"attack": "lsp --tcp: exits 0 after the editor's shutdown and exit", "status": "-",
                        "refused": exited})
        return results, peak
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)


def main(argv: list[str]) -> int:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(os.path.join(tmp, "store.sqlite3"))
        try:
            start_memory = server.peak_memory()
            for name, (method, path, body, headers), refused in attacks(server):
                before = server.peak_memory()
                status, answer = server.request(method, path, body, headers)
                grown = server.peak_memory() - before
                is_json = answer[:1] == b"{"
                # refused in time too: a refusal after the server took the bomb's size in memory is none
                results.append({"attack": name, "status": status, "peak_growth_mb": round(grown / MB, 1),
                                "refused": status in refused and is_json and grown < MAX_GROWTH})
            ok, waited = idle_sockets(server)
            results.append({"attack": "1,010 silent sockets, then a request", "status": 200 if ok else 503,
                            "refused": ok, "note": f"answered after {waited:.1f} s"})
            listing = server.request("GET", "/v1/source/get")[0]
            results.append({"attack": "listings still answer after the poison", "status": listing,
                            "refused": listing == 200})
            peak = server.peak_memory()
        finally:
            server.stop()
    lsp_results, lsp_peak = lsp_port_scan()
    results += lsp_results
    summary = {"results": results, "peak_memory_mb": round(peak / MB, 1),
               "memory_at_start_mb": round(start_memory / MB, 1), "lsp_peak_memory_mb": round(lsp_peak / MB, 1),
               "all_refused": all(r["refused"] for r in results)}
    if "--json" in argv:
        print(json.dumps(summary, indent=2))
    else:
        for r in results:
            grown = f"  (peak memory +{r['peak_growth_mb']} MB)" if r.get("peak_growth_mb") else ""
            print(f"{'refused' if r['refused'] else 'NOT REFUSED':<12} {r['status']:>4}  {r['attack']}{grown}"
                  f"{'  (' + r['note'] + ')' if r.get('note') else ''}")
        print(f"server peak memory: {summary['peak_memory_mb']} MB (at start {summary['memory_at_start_mb']} MB)")
        print(f"language server (csdl lsp --tcp) peak memory: {summary['lsp_peak_memory_mb']} MB")
    return 0 if summary["all_refused"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
