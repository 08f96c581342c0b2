"""A gzip bomb uploaded to the workbench's preview is refused while the server's memory stays
flat: measured as the peak resident memory (VmHWM) of a real `csdl serve` process; and only a
bounded number of previews run at once."""

from __future__ import annotations

import io
import signal
import socket
import sys
import time
import uuid
import zlib

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from server_fixtures import Client, start_process, start_server  # noqa: E402

LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/<pid>/status")
MB = 1024 * 1024


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in bytes (from /proc: no psutil needed)."""
    out = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                out[name] = int(value.split()[0]) * 1024
    return out


def gzip_of(chunks) -> bytes:
    """A gzip file of the concatenated chunks, compressed as they come (never all in memory)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = io.BytesIO()
    for chunk in chunks:
        out.write(compressor.compress(chunk))
    out.write(compressor.flush())
    return out.getvalue()


def upload(client: Client, content: bytes, filename: str):
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csdl"\r\n\r\ninteraction.content exists\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return client.request("POST", "/api/preview", body=body,
                          headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url, process = start_process("--store", str(tmp_path_factory.mktemp("bomb") / "s.sqlite3"))
    client = Client(url)
    yield client, process.pid
    client.close()
    process.send_signal(signal.SIGTERM)
    process.wait(30)


@LINUX
def test_one_huge_line_is_refused_with_flat_memory(server):
    client, pid = server
    warm = upload(client, b'{"interaction": {"content": "coffee"}}\n' * 10, "warm.jsonl")
    assert warm.status == 200, warm
    before = memory(pid)
    line = b"a" * MB
    bomb = gzip_of(line for _ in range(256))  # ~256 KB that unpack to one 256 MB line
    assert len(bomb) < 2 * MB
    reply = upload(client, bomb, "bomb.jsonl.gz")
    assert reply.status == 413 and "longer than" in reply.json()["error"], reply
    after = memory(pid)
    grown = after["VmHWM"] - before["VmHWM"]
    print(f"peak memory before {before['VmHWM'] / MB:.0f} MB, after the bomb {after['VmHWM'] / MB:.0f} MB")
    assert grown < 64 * MB, f"the server's peak memory grew by {grown / MB:.0f} MB"


@LINUX
def test_many_lines_unpacking_beyond_the_bound_are_refused_with_flat_memory(server):
    client, pid = server
    before = memory(pid)
    line = b'{"interaction": {"content": "' + b"x" * 1000 + b'"}}\n'
    bomb = gzip_of(line * 1000 for _ in range(64))  # 64 MB of short lines
    reply = upload(client, bomb, "lines.jsonl.gz")
    assert reply.status == 413 and "unpack to more than" in reply.json()["error"], reply
    grown = memory(pid)["VmHWM"] - before["VmHWM"]
    assert grown < 64 * MB, f"the server's peak memory grew by {grown / MB:.0f} MB"


def test_previews_at_once_are_bounded(tmp_path):
    """Previews whose uploads are still arriving hold their slots: beyond MAX_PREVIEWS the next
    one is a 503 with Retry-After; once they go, previews run again."""
    from csdl.server.workbench.api import MAX_PREVIEWS

    url, stop = start_server(tmp_path)
    host, port = url.split("//")[1].rsplit(":", 1)
    held = []
    try:
        for _ in range(MAX_PREVIEWS):
            sock = socket.create_connection((host, int(port)), timeout=10)
            sock.sendall(b"POST /api/preview HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; "
                         b"boundary=x\r\nContent-Length: 100000\r\n\r\n--x\r\n")  # the rest never comes
            held.append(sock)
        client = Client(url)
        deadline = time.monotonic() + 20
        reply = None
        while time.monotonic() < deadline:
            reply = client.post("/api/preview", json_body={"csdl": "interaction.content exists", "limit": 1})
            if reply.status == 503:
                break
            time.sleep(0.05)
        assert reply.status == 503 and reply.headers.get("retry-after") == "1", reply
        assert "previews are running" in reply.json()["error"]
        for sock in held:
            sock.close()
        held.clear()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            reply = client.post("/api/preview", json_body={"csdl": "interaction.content exists", "limit": 1})
            if reply.status == 200:
                break
            time.sleep(0.05)
        assert reply.status == 200, reply
    finally:
        for sock in held:
            sock.close()
        stop()
