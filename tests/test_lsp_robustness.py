"""``csdl lsp`` against bad input: malformed JSON-RPC, unknown methods, a 1 MB document, files
that are not UTF-8, TCP. Spoken as raw bytes (no client library smoothing anything over); every
read is bounded by a timeout, so a hung server fails the test instead of hanging the run."""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time

import pytest

pytest.importorskip("pygls")

from pygls.uris import from_fs_path  # noqa: E402

TIMEOUT = 30.0


class RawClient:
    """Content-Length framed JSON-RPC over a byte stream."""

    def __init__(self, write, read):
        self._write = write
        self._read = read
        self.messages: queue.Queue = queue.Queue()
        self._buffer = b""
        self._next_id = 0
        self.backlog: list = []
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        while True:
            chunk = self._read(65536)
            if not chunk:
                self.messages.put(None)
                return
            self._buffer += chunk
            while True:
                head, sep, rest = self._buffer.partition(b"\r\n\r\n")
                if not sep:
                    break
                length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))
                if len(rest) < length:
                    break
                self.messages.put(json.loads(rest[:length]))
                self._buffer = rest[length:]

    def send_bytes(self, data: bytes) -> None:
        self._write(data)

    def send(self, payload) -> None:
        body = json.dumps(payload).encode("utf-8")
        self._write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def request(self, method: str, params=None) -> int:
        self._next_id += 1
        self.send({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params})
        return self._next_id

    def notify(self, method: str, params=None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_for(self, predicate, timeout: float = TIMEOUT):
        """The first message (received earlier or now) that ``predicate`` accepts."""
        for i, message in enumerate(self.backlog):
            if predicate(message):
                return self.backlog.pop(i)
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out; received: {seen}")
            try:
                message = self.messages.get(timeout=remaining)
            except queue.Empty:
                continue
            if message is None:
                raise AssertionError(f"the server closed the connection; received: {seen}")
            if isinstance(message, dict) and message.get("method") == "client/registerCapability":
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                continue
            if predicate(message):
                return message
            seen.append(message)
            self.backlog.append(message)

    def response(self, request_id: int, timeout: float = TIMEOUT):
        return self.wait_for(lambda m: m.get("id") == request_id and "method" not in m, timeout)

    def diagnostics(self, uri: str, timeout: float = TIMEOUT):
        return self.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                             and m["params"]["uri"] == uri, timeout)["params"]

    def initialize(self, root: str | None = None) -> dict:
        request = self.request("initialize", {
            "processId": os.getpid(), "capabilities": {},
            "rootUri": from_fs_path(root) if root else None,
        })
        result = self.response(request)["result"]
        self.notify("initialized", {})
        return result

    def shutdown(self) -> None:
        assert self.response(self.request("shutdown"))["result"] is None
        self.notify("exit")


@pytest.fixture
def server():
    process = subprocess.Popen([sys.executable, "-m", "csdl", "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)

    def write(data: bytes):
        process.stdin.write(data)
        process.stdin.flush()

    client = RawClient(write, process.stdout.read1)
    client.process = process
    try:
        yield client
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=TIMEOUT)
        process.stdin.close()
        process.stdout.close()
        process.stderr.close()


def hover(client: RawClient, uri: str, line: int = 0, character: int = 2):
    return client.response(client.request("textDocument/hover", {
        "textDocument": {"uri": uri}, "position": {"line": line, "character": character}}))


def test_malformed_messages_and_unknown_methods_leave_it_answering(server):
    server.initialize()
    uri = "untitled:a.csdl"
    server.send_bytes(b"Content-Length: 9\r\n\r\n{not json")  # not JSON
    server.send_bytes(b"Content-Length: 6\r\n\r\n[1, 2]")  # JSON, not a message
    server.send_bytes(b"Garbage-Header\r\n\r\n")  # no Content-Length
    server.send({"jsonrpc": "1.0", "id": 50, "method": "shutdown"})  # wrong protocol version: ignored
    bad = server.request("textDocument/hover", {"textDocument": "nope", "position": 7})
    error = server.response(bad)["error"]
    assert error["code"] == -32602  # invalid params, answered instead of left hanging
    unknown = server.request("csdl/noSuchMethod", {})
    assert server.response(unknown)["error"]["code"] == -32601  # method not found
    server.notify("csdl/noSuchNotification", {"x": 1})  # ignored
    server.notify("textDocument/didChange", {"textDocument": {"uri": "untitled:never-opened.csdl", "version": 2},
                                             "contentChanges": [{"text": "x"}]})
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "csdl", "version": 1,
                                                            "text": 'twitter.text contains "x"'}})
    assert server.diagnostics(uri)["diagnostics"] == []
    assert "twitter.text" in hover(server, uri)["result"]["contents"]["value"]
    server.shutdown()
    assert server.process.wait(timeout=TIMEOUT) == 0


def test_a_1_mb_document_is_checked_and_the_server_stays_responsive(server):
    server.initialize()
    words = []
    size = 0
    while size < 1_000_000:
        word = f"keyword{len(words)}"
        words.append(word)
        size += len(word) + 2
    text = 'interaction.content contains_any "' + ", ".join(words) + '"'
    assert 1_000_000 <= len(text.encode()) <= 1_048_576
    uri = "untitled:big.csdl"
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "csdl", "version": 1, "text": text}})
    assert server.diagnostics(uri, timeout=60)["diagnostics"] == []
    # an edit at the end of the 1 MB line and a request right behind it
    end = len(text)
    server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [
        {"range": {"start": {"line": 0, "character": end}, "end": {"line": 0, "character": end}},
         "text": " AND twitter.txt exists"}]})
    shown = hover(server, uri, 0, 5)["result"]["contents"]["value"]
    assert "interaction.content" in shown
    published = server.diagnostics(uri, timeout=60)
    assert published["version"] == 2 and [d["code"] for d in published["diagnostics"]] == ["E101"]
    # over DataSift's 1 MB limit: the check says so (E008) instead of choking
    server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [
        {"text": text + ", " + "x" * 60_000 + '"'}]})
    published = server.diagnostics(uri, timeout=60)
    assert published["version"] == 3 and [d["code"] for d in published["diagnostics"]] == ["E008"]
    server.shutdown()
    assert server.process.wait(timeout=TIMEOUT) == 0


def test_files_that_are_not_utf8_on_disk(server, tmp_path):
    (tmp_path / "latin1.csdl").write_bytes('twitter.text contains "caf\xe9"'.encode("latin-1"))
    (tmp_path / "binary.csdl").write_bytes(bytes(range(256)))
    (tmp_path / "fine.csdl").write_text('twitter.text contains "café"', encoding="utf-8")
    (tmp_path / "csdl.toml").write_text("", encoding="utf-8")  # the defaults, whatever lies above tmp
    server.initialize(str(tmp_path))
    for name in ("latin1.csdl", "binary.csdl"):
        published = server.diagnostics(from_fs_path(str(tmp_path / name)))
        assert [d["code"] for d in published["diagnostics"]] == ["E009"]
    assert server.diagnostics(from_fs_path(str(tmp_path / "fine.csdl")))["diagnostics"] == []
    # the editor opens the Latin-1 file (decoded its own way) and the server checks that text
    uri = from_fs_path(str(tmp_path / "latin1.csdl"))
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "csdl", "version": 1,
                                                            "text": 'twitter.text contains "caf\ufffd"'}})
    assert server.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                           and m["params"]["uri"] == uri and m["params"].get("version") == 1)["params"]["diagnostics"] == []
    server.shutdown()
    assert server.process.wait(timeout=TIMEOUT) == 0


def test_end_of_input_without_exit_ends_the_server(server):
    server.initialize()
    server.process.stdin.close()
    assert server.process.wait(timeout=TIMEOUT) == 1  # no shutdown request first: exit code 1, as the LSP says


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _end(process: subprocess.Popen) -> None:
    """Kills a TCP server the test left running and closes its stderr pipe."""
    if process.poll() is None:
        process.kill()
    process.wait(timeout=TIMEOUT)
    process.stderr.close()


def test_tcp():
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "csdl", "lsp", "--tcp", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        with connection:
            client = RawClient(connection.sendall, connection.recv)
            assert client.initialize()["serverInfo"]["name"] == "csdl"
            uri = "untitled:tcp.csdl"
            client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "csdl", "version": 1,
                                                                    "text": "twitter.txt exists"}})
            assert [d["code"] for d in client.diagnostics(uri)["diagnostics"]] == ["E101"]
            client.shutdown()
            assert process.wait(timeout=TIMEOUT) == 0
    finally:
        _end(process)


def test_without_the_extra_csdl_lsp_says_how_to_install_it():
    code = "import sys; sys.modules['pygls'] = None\nfrom csdl.cli import main\nmain(['lsp'])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "pip install 'datasift-csdl[lsp]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_lsp_is_in_the_command_list():
    result = subprocess.run([sys.executable, "-m", "csdl", "--help"], capture_output=True, text=True, timeout=60)
    assert " lsp " in result.stdout
    result = subprocess.run([sys.executable, "-m", "csdl", "lsp", "--tcp", "nonsense"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2 and "HOST:PORT" in result.stderr


def test_import_csdl_and_check_do_not_import_pygls():
    code = ("import sys, csdl; csdl.check('twitter.text contains \"x\"'); "
            "print('pygls' in sys.modules, 'lsprotocol' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env={
        **os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.stdout.split() == ["False", "False"]


# Framing (issue 25 item 7) ------------------------------------------------------------------------

def _framed(payload, length: int | str | None = None) -> bytes:
    body = json.dumps(payload).encode("utf-8")
    return b"Content-Length: %s\r\n\r\n" % str(len(body) if length is None else length).encode() + body


def _is_parse_error(message) -> bool:
    return "method" not in message and message.get("id") is None and message.get("error", {}).get("code") == -32700


def _hover_request(client: RawClient, uri: str, request_id: int) -> dict:
    return {"jsonrpc": "2.0", "id": request_id, "method": "textDocument/hover",
            "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 2}}}


def test_bad_content_lengths_and_undecodable_json_are_answered_and_the_session_recovers(server):
    server.initialize()
    uri = "untitled:frames.csdl"
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "csdl", "version": 1,
                                                            "text": 'twitter.text contains "x"'}})
    server.diagnostics(uri)
    cases = [
        _framed(_hover_request(server, uri, 101), length=10),  # too short: the rest precedes the next header
        _framed(_hover_request(server, uri, 102), length=400),  # too long: swallows the next message
        _framed({"x": 1}, length=2 ** 63),  # past any buffer
        _framed({"x": 1}, length="9" * 5000),  # past Python's int limit
        b"Content-Length: 9\r\n\r\n{not json",
        b"Content-Length: 4\r\n\r\n\"\xff\xfe\"",  # not UTF-8
        b"Content-Length: 30\r\n\r\n" + b"[" * 30,  # unfinished
    ]
    for number, case in enumerate(cases):
        server.send_bytes(case)
        request_id = 200 + number
        server.send_bytes(_framed(_hover_request(server, uri, request_id)))
        answer = server.response(request_id)
        assert "twitter.text" in answer["result"]["contents"]["value"], (number, answer)
        if number == 1:  # the too-long body held a whole message: it is answered
            assert "twitter.text" in server.response(102)["result"]["contents"]["value"]
        else:  # the bad input was answered, not ignored
            assert server.wait_for(_is_parse_error), number
        server.backlog.clear()
    assert server.process.poll() is None
    server.shutdown()
    assert server.process.wait(timeout=TIMEOUT) == 0


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads the RSS from /proc")
def test_memory_stays_flat_over_thousands_of_edits(server):
    server.initialize()
    uri = "untitled:edits.csdl"
    text = 'twitter.text contains "x"'
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "csdl", "version": 1,
                                                            "text": text}})
    version = 1

    def edits(count: int) -> int:
        nonlocal version
        for _ in range(count):
            version += 1
            word = "x" if version % 2 else "y"
            server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                     "contentChanges": [{"text": f'twitter.text contains "{word}"'}]})
        assert "twitter.text" in hover(server, uri)["result"]["contents"]["value"]  # all handled
        server.backlog.clear()
        return _rss_kb(server.process.pid)

    edits(1000)  # warm up: caches, the allocator's arenas
    before = edits(500)
    after = edits(5000)
    growth = after - before
    print(f"\nRSS over 5,000 edits: {before:,} KiB -> {after:,} KiB ({growth:+,} KiB, {growth * 1024 / 5000:+.0f} B/edit)")
    # a per-edit leak of even 1 KiB would show as 5,000 KiB
    assert growth < 2500, f"the server grew by {growth} KiB over 5,000 edits"
    server.shutdown()
    assert server.process.wait(timeout=TIMEOUT) == 0


# TCP: exactly one client (issue 25 item 6) ---------------------------------------------------------

def _start_tcp(host: str = "127.0.0.1"):
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "csdl", "lsp", "--tcp", f"{host}:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + TIMEOUT
    while True:  # a probe that connects and closes at once: itself one of the cases under test
        try:
            socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT).close()
            return process, port
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise
            time.sleep(0.05)


def _closed_without_answer(connection: socket.socket) -> bool:
    """True when the server closes the connection without sending anything."""
    connection.settimeout(TIMEOUT)
    try:
        return connection.recv(65536) == b""
    except ConnectionResetError:
        return True


def test_tcp_serves_one_client_and_ignores_scans_browsers_and_latecomers():
    process, port = _start_tcp()
    try:
        # a port scan: connect and close, twice (one happened while waiting for the port)
        socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT).close()
        # a browser's fetch(): an HTTP POST whose body is a JSON-RPC initialize
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                           "params": {"processId": None, "capabilities": {}}}).encode()
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as browser:
            browser.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                            b"Content-Length: %d\r\n\r\n" % len(body) + body)
            assert _closed_without_answer(browser)
        # a connection whose first message is not initialize
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as other:
            other.sendall(_framed({"jsonrpc": "2.0", "id": 1, "method": "shutdown"}))
            assert _closed_without_answer(other)
        assert process.poll() is None  # none of them ended the server
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as editor_socket:
            editor = RawClient(editor_socket.sendall, editor_socket.recv)
            editor.initialize()
            uri = "untitled:one.csdl"
            editor.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "csdl", "version": 1,
                                                                    "text": 'twitter.text contains "x"'}})
            editor.diagnostics(uri)
            # a second client: refused outright or dropped; it never receives the editor's replies
            try:
                late = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
            except ConnectionRefusedError:
                late = None
            if late is not None:
                with late:
                    late_client = RawClient(late.sendall, late.recv)
                    try:
                        late_client.initialize()
                    except (AssertionError, OSError):
                        pass  # closed on it
                    else:
                        raise AssertionError("a second client was served")
            assert "twitter.text" in hover(editor, uri)["result"]["contents"]["value"]
            editor.shutdown()
            assert process.wait(timeout=TIMEOUT) == 0
    finally:
        _end(process)


def test_tcp_on_a_non_loopback_address_warns():
    process, port = _start_tcp("0.0.0.0")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as connection:
            client = RawClient(connection.sendall, connection.recv)
            client.initialize()
            client.shutdown()
            assert process.wait(timeout=TIMEOUT) == 0
        stderr = process.stderr.read().decode()
        assert "warning: --tcp 0.0.0.0 is not a loopback address" in stderr
    finally:
        _end(process)
