"""Idle connections: sockets that open and send nothing (or a request head that never ends) are
closed after the header deadline, so a thousand of them from one process cannot make requests
fail (uvicorn answers 503 beyond its 1,000 connections)."""

from __future__ import annotations

import socket
import time

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from server_fixtures import Client, start_server  # noqa: E402

IDLE = 1010  # beyond the server's 1,000 connection slots


def wait_for(condition, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    return condition()


def closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(10)
    try:
        return sock.recv(1) == b""
    except (ConnectionResetError, socket.timeout):
        return False


def test_silent_sockets_are_closed_and_requests_succeed(tmp_path):
    url, stop = start_server(tmp_path, header_timeout=1.0)
    host, port = url.split("//")[1].rsplit(":", 1)
    sockets = []
    try:
        for _ in range(IDLE):
            sockets.append(socket.create_connection((host, int(port)), timeout=10))
        slow = socket.create_connection((host, int(port)), timeout=10)
        slow.sendall(b"GET /v1.6/usage HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # a head that never ends
        sockets.append(slow)

        def answered():
            reply = Client(url).get("/v1.6/usage")
            return reply.status == 200

        assert wait_for(answered, 30), "requests kept failing while idle sockets were open"
        assert closed_by_server(sockets[0]) and closed_by_server(slow)
    finally:
        for sock in sockets:
            sock.close()
        stop()


def test_a_kept_alive_connection_still_serves_several_requests(tmp_path):
    url, stop = start_server(tmp_path, header_timeout=1.0)
    try:
        client = Client(url)
        for _ in range(3):
            assert client.get("/v1.6/usage").status == 200
    finally:
        stop()
