"""Real servers for tests: uvicorn on 127.0.0.1, port 0, in a thread (``start_server``) or as a
``csdl serve`` process (``start_process``), and a small HTTP client on the standard library.

``start_server(tmp_path, **settings) -> (base_url, stop)``: ``settings`` are fields of
``csdl.server.settings.Settings`` (``store`` defaults to a file in ``tmp_path``).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: A valid Instagram managed source as ``source/create`` takes it (shared: copy it before changing it).
INSTAGRAM_SOURCE = {
    "source_type": "instagram", "name": "IG", "parameters": {"comments": False},
    "resources": [{"parameters": {"type": "tag", "value": "nofilter"}}],
    "auth": [{"parameters": {"value": "token-0"}}],
}


def start_server(tmp_path, **settings):
    from csdl.server.app import create_app
    from csdl.server.run import make_server
    from csdl.server.settings import Settings

    settings.setdefault("store", os.path.join(str(tmp_path), "store.sqlite3"))
    settings.setdefault("port", 0)
    config = Settings(**settings)
    server = make_server(create_app(config), config)
    thread = threading.Thread(target=server.run, name="csdl-serve-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    host, port = server.bound()

    def stop():
        server.should_exit = True
        thread.join(20)
        if thread.is_alive():
            raise RuntimeError("the test server did not stop")

    return f"http://{host}:{port}", stop


def start_process(*args, env=None, cwd=None):
    """``csdl serve --port 0 ARGS`` as a child process: (base_url, process). Stop it with
    ``process.send_signal(signal.SIGTERM)`` and ``process.wait()``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "csdl", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd or ROOT,
        env={**os.environ, **(env or {})},
    )
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"listening on (http://\S+)", line)
        if m:
            threading.Thread(target=_drain, args=(process.stderr, lines), daemon=True).start()
            process.log = lines
            return m.group(1), process
    process.kill()
    out = process.communicate()
    raise RuntimeError(f"csdl serve did not start: {''.join(lines)}{out[1]}")


def _drain(stream, lines):
    for line in stream:
        lines.append(line)


class Reply:
    def __init__(self, status, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"Reply({self.status}, {self.body[:300]!r})"


class Client:
    """HTTP/1.1 over one kept-alive connection (a new one if the server closed it)."""

    def __init__(self, base_url: str, user: str | None = "me", key: str | None = "secret"):
        parsed = urllib.parse.urlsplit(base_url)
        self.host, self.port = parsed.hostname, parsed.port
        self.user, self.key = user, key
        self.conn = None

    def request(self, method: str, path: str, *, form: dict | None = None, json_body=None, body: bytes | None = None,
                headers: dict | None = None, query: dict | None = None, auth: bool = True) -> Reply:
        all_headers = {}
        if auth and self.user is not None:
            all_headers["Authorization"] = f"{self.user}:{self.key}"
        if query:
            path += ("&" if "?" in path else "?") + urllib.parse.urlencode(query)
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body).encode()
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            if response.getheader("connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        raise AssertionError("unreachable")

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def basic(user: str, key: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{key}".encode()).decode()
