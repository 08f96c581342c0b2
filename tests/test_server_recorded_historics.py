"""Historics that run: a query started over ``csdl serve --archive`` delivers, through a push
``http`` subscription to a loopback receiver, exactly the posts that ``csdl run`` selects over the
query's window and sources, once each, while ``historics/get`` shows its progress from 0 to 100.

The archive has ``CSDL_HISTORICS_POSTS`` posts (default 3,000; the issue's 1,000,000 with
``CSDL_HISTORICS_POSTS=1000000``), written as JSON Lines and as Parquet (read by DuckDB).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from server_fixtures import Client, start_server  # noqa: E402

POSTS = int(os.environ.get("CSDL_HISTORICS_POSTS", "3000"))
BASE = 1477958400  # 2016-11-01 00:00 UTC
SPAN = 48 * 3600
START, END = BASE + 6 * 3600, BASE + 30 * 3600
SOURCES = ("twitter", "tumblr")
FILTER = 'interaction.content contains "coffee"'
LIMIT = max(120.0, POSTS / 5000)  # seconds a run may take (a bound, not a timing assertion)


def post(i: int) -> dict:
    when = BASE + i * SPAN // POSTS
    return {"interaction": {"id": f"{i:032x}", "type": ("twitter", "tumblr", "facebook")[i % 3],
                            "created_at": formatdate(when, usegmt=False).replace("-0000", "+0000"),
                            "content": "fresh coffee today" if i % 4 == 0 else "green tea",
                            "author": {"id": i % 997, "username": f"u{i % 997}"}}}


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    duckdb = pytest.importorskip("duckdb")
    where = tmp_path_factory.mktemp("archive")
    jsonl = where / "posts.jsonl"
    with open(jsonl, "w", encoding="utf-8") as f:
        for i in range(POSTS):
            f.write(json.dumps(post(i)) + "\n")
    parquet = where / "posts.parquet"
    duckdb.connect().execute(f"COPY (SELECT * FROM read_json('{jsonl}')) TO '{parquet}' (FORMAT parquet)")
    return {"jsonl": str(jsonl), "parquet": str(parquet), "dir": where}


def selected_by_csdl_run(archive, tmp_path, *, sample: int = 100) -> list[str]:
    """The ids ``csdl run`` selects over the window and sources (the posts outside them removed
    first, by this test), then the documented 10 % sample rule, in time order."""
    import csdl

    window = tmp_path / "window.jsonl"
    with open(archive["jsonl"], encoding="utf-8") as src, open(window, "w", encoding="utf-8") as out:
        for line in src:
            interaction = json.loads(line)["interaction"]
            when = int(interaction["id"], 16) * SPAN // POSTS + BASE
            if START <= when < END and interaction["type"] in SOURCES:
                out.write(line)

    class Collect:
        def __init__(self):
            self.ids = []

        def write(self, data: bytes):
            self.ids += [json.loads(line)["interaction"]["id"] for line in data.splitlines() if line.strip()]

    collect = Collect()
    csdl.run(FILTER, str(window), engine="python", output=collect)
    if sample == 10:  # docs/serve.md: the MD5 of the id, its first 8 hex digits, divisible by 10
        collect.ids = [i for i in collect.ids if int(hashlib.md5(i.encode()).hexdigest()[:8], 16) % 10 == 0]
    return collect.ids


class Receiver:
    """A loopback HTTP endpoint keeping the interactions of every json_new_line batch POSTed."""

    def __init__(self):
        self.ids: list[str] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with owner.lock:
                    owner.ids += [json.loads(line)["interaction"]["id"] for line in body.splitlines() if line.strip()]
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"success": true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/receive"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def prepare_with_push(client, receiver, *, sample: int = 100) -> tuple[str, str]:
    hash = client.post("/v1.6/compile", form={"csdl": FILTER}).json()["hash"]
    prepared = client.post("/v1.6/historics/prepare", form={"hash": hash, "start": START, "end": END, "name": "run",
                                                           "sources": ",".join(SOURCES), "sample": sample})
    assert prepared.status == 202, prepared
    historics_id = prepared.json()["id"]
    push = client.post("/v1.6/push/create", json_body={
        "historics_id": historics_id, "name": "archive", "output_type": "http",
        "output_params": {"url": receiver.url, "format": "json_new_line", "delivery_frequency": 0}})
    assert push.status == 200, push
    return historics_id, push.json()["id"]


def run_to_the_end(client, historics_id: str) -> list[tuple[str, int]]:
    """(status, progress) as historics/get shows them, until the query succeeded."""
    seen = []
    deadline = time.monotonic() + LIMIT
    while True:
        record = client.get("/v1.6/historics/get", query={"id": historics_id}).json()
        if not seen or seen[-1] != (record["status"], record["progress"]):
            seen.append((record["status"], record["progress"]))
        if record["status"] in ("succeeded", "failed", "stopped"):
            return seen
        assert time.monotonic() < deadline, f"the query did not finish: {seen}"
        time.sleep(0.01)


def wait_for(condition, what: str):
    deadline = time.monotonic() + LIMIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.mark.parametrize("kind", ["parquet", "jsonl"])
def test_a_started_query_delivers_what_csdl_run_selects(archive, tmp_path, kind):
    expected = selected_by_csdl_run(archive, tmp_path)
    assert expected, "the archive must have matches in the window"
    receiver = Receiver()
    url, stop = start_server(tmp_path, archive=archive[kind])
    try:
        client = Client(url)
        historics_id, push_id = prepare_with_push(client, receiver)
        assert client.get("/v1.6/historics/get", query={"id": historics_id}).json()["progress"] == 0
        assert client.post("/v1.6/historics/start", form={"id": historics_id}).status == 204
        seen = run_to_the_end(client, historics_id)
        assert seen[-1] == ("succeeded", 100), seen
        progress = [p for _, p in seen]
        assert progress == sorted(progress) and progress[0] < 100  # it moved, from below 100 up to 100
        wait_for(lambda: len(receiver.ids) >= len(expected), "the deliveries")
        wait_for(lambda: client.get("/v1.6/push/get", query={"id": push_id}).json()["status"] == "finished",
                 "the push subscription to finish")
        assert sorted(receiver.ids) == sorted(expected) and len(set(receiver.ids)) == len(receiver.ids)
        record = client.get("/v1.6/historics/get", query={"id": historics_id}).json()
        assert record["delivery_count"] == len(expected)
        again = client.post("/v1.6/historics/start", form={"id": historics_id})
        assert again.status == 400
    finally:
        stop()
        receiver.close()


def test_a_ten_percent_sample(archive, tmp_path):
    expected = selected_by_csdl_run(archive, tmp_path, sample=10)
    receiver = Receiver()
    url, stop = start_server(tmp_path, archive=archive["jsonl"])
    try:
        client = Client(url)
        historics_id, push_id = prepare_with_push(client, receiver, sample=10)
        client.post("/v1.6/historics/start", form={"id": historics_id})
        assert run_to_the_end(client, historics_id)[-1] == ("succeeded", 100)
        wait_for(lambda: client.get("/v1.6/push/get", query={"id": push_id}).json()["status"] == "finished",
                 "the push subscription to finish")
        assert sorted(receiver.ids) == sorted(expected)
    finally:
        stop()
        receiver.close()


def test_pause_resume_stop_without_an_archive(tmp_path):
    url, stop = start_server(tmp_path)
    try:
        client = Client(url)
        hash = client.post("/v1.6/compile", form={"csdl": FILTER}).json()["hash"]
        historics_id = client.post("/v1.6/historics/prepare", form={
            "hash": hash, "start": START, "end": END, "name": "q", "sources": "twitter"}).json()["id"]

        def status():
            return client.get("/v1.6/historics/get", query={"id": historics_id}).json()["status"]

        assert client.request("PUT", "/v1.6/historics/pause", form={"id": historics_id}).status == 400  # not started
        assert client.post("/v1.6/historics/start", form={"id": historics_id}).status == 204
        assert status() == "queued"  # nothing to run over: it waits
        assert client.request("PUT", "/v1.6/historics/pause", form={"id": historics_id}).status == 204
        assert status() == "paused"
        assert client.request("PUT", "/v1.6/historics/resume", form={"id": historics_id}).status == 204
        assert status() == "queued"
        assert client.post("/v1.6/historics/update", form={"id": historics_id, "name": "renamed"}).status == 204
        assert client.post("/v1.6/historics/stop", form={"id": historics_id}).status == 204
        wait_for(lambda: status() == "stopped", "the stop")
        assert client.get("/v1.6/historics/get", query={"id": historics_id}).json()["name"] == "renamed"
        missing = client.post("/v1.6/historics/start", form={"id": "0" * 20})
        assert missing.status == 404 and missing.json() == {"error": f"No historic found with the ID {'0' * 20} "}
        availability = client.get("/v1.6/historics/status", query={"start": START, "end": END, "sources": "twitter"})
        assert availability.status == 200  # per day, as documented: the window cut at midnight UTC
        assert [(a["start"], a["end"], list(a["sources"])) for a in availability.json()] == [
            (str(START), BASE + 86400, ["twitter"]), (str(BASE + 86400), END, ["twitter"])]
    finally:
        stop()


def test_an_archive_that_does_not_exist_is_refused(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "csdl", "serve", "--port", "0", "--store", str(tmp_path / "s.sqlite3"),
                           "--archive", str(tmp_path / "nothing*.parquet")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--archive" in done.stderr and "Traceback" not in done.stderr


def test_csdl_serve_archive_flag(archive, tmp_path):
    from server_fixtures import start_process

    url, process = start_process("--store", str(tmp_path / "s.sqlite3"), "--archive", archive["parquet"])
    try:
        client = Client(url)
        hash = client.post("/v1.6/compile", form={"csdl": FILTER}).json()["hash"]
        historics_id = client.post("/v1.6/historics/prepare", form={
            "hash": hash, "start": START, "end": END, "name": "q", "sources": "twitter"}).json()["id"]
        assert client.post("/v1.6/historics/start", form={"id": historics_id}).status == 204
        assert run_to_the_end(client, historics_id)[-1] == ("succeeded", 100)
    finally:
        import signal

        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0


def test_a_running_query_shows_its_chunks(archive, tmp_path):
    receiver = Receiver()
    url, stop = start_server(tmp_path, archive=archive["jsonl"])
    try:
        client = Client(url)
        historics_id, _ = prepare_with_push(client, receiver)
        client.post("/v1.6/historics/start", form={"id": historics_id})
        assert client.request("PUT", "/v1.6/historics/pause", form={"id": historics_id}).status == 204

        def chunks():
            return client.get("/v1.6/historics/get", query={"id": historics_id}).json().get("chunks")

        wait_for(chunks, "the chunks of the paused query")
        assert [(c["start_time"], c["end_time"]) for c in chunks()] == [(START, BASE + 86400), (BASE + 86400, END)]
        assert client.get("/v1.6/historics/get", query={"id": historics_id}).json()["status"] == "paused"
        assert client.request("PUT", "/v1.6/historics/resume", form={"id": historics_id}).status == 204
        seen = run_to_the_end(client, historics_id)
        assert seen[-1] == ("succeeded", 100)
        assert "chunks" not in client.get("/v1.6/historics/get", query={"id": historics_id}).json()  # as recorded
    finally:
        stop()
        receiver.close()


def test_more_queries_than_running_slots_all_finish(archive, tmp_path):
    from csdl.server.historics_run import RUNNING

    expected = selected_by_csdl_run(archive, tmp_path)
    receivers = [Receiver() for _ in range(RUNNING + 2)]
    url, stop = start_server(tmp_path, archive=archive["jsonl"])
    try:
        client = Client(url)
        started = [prepare_with_push(client, receiver)[0] for receiver in receivers]
        for historics_id in started:
            assert client.post("/v1.6/historics/start", form={"id": historics_id}).status == 204
        for historics_id in started:  # the ones beyond the slots wait queued, then run
            assert run_to_the_end(client, historics_id)[-1] == ("succeeded", 100)
        for receiver in receivers:
            wait_for(lambda r=receiver: len(r.ids) >= len(expected), "every query's deliveries")
            assert sorted(receiver.ids) == sorted(expected)
    finally:
        stop()
        for receiver in receivers:
            receiver.close()
