"""`csdl serve` as a real process: clean shutdown on SIGTERM and Ctrl-C (in-flight requests
finish), persistence across a restart, two servers writing to one store, --users, --cors, and the
command line's own errors."""

from __future__ import annotations

import json
import signal
import threading

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from server_fixtures import INSTAGRAM_SOURCE, Client, start_process, start_server  # noqa: E402

COFFEE = 'interaction.content contains "coffee"'
TASK = {"tasks": [{"value": "coffee", "from_date": "2024-04-01", "to_date": "2024-04-02"}]}
D365 = "/api/data-providers/data365"


def stop(process, sig=signal.SIGTERM) -> int:
    process.send_signal(sig)
    try:
        return process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()


def source_body(token: str) -> dict:
    body = json.loads(json.dumps(INSTAGRAM_SOURCE))
    body["auth"][0]["parameters"]["value"] = token
    return body


def test_sigterm_and_ctrl_c_stop_cleanly_and_a_restart_keeps_everything(tmp_path):
    store = str(tmp_path / "ds.sqlite3")
    url, process = start_process("--store", store)
    c = Client(url)
    hash = c.post("/v1.6/compile", form={"csdl": COFFEE}).json()["hash"]
    source = c.post("/v1.6/source/create", json_body=source_body("persist")).json()
    historic = c.post("/v1.6/historics/prepare", form={"hash": hash, "start": 0, "end": 3600, "name": "q",
                                                      "sources": "twitter"}).json()
    key = {"apikey": "persist-key"}
    assert c.request("PUT", "/api/data-sources/data365", json_body={"token": "t"}, headers=key).status == 200
    task = c.post(D365 + "/tiktok_hashtag", json_body=TASK, headers=key).json()["tasks"][0]
    c.close()
    assert stop(process, signal.SIGTERM) == 0
    assert "stopped" in "".join(process.log)
    assert "Traceback" not in "".join(process.log)
    import os
    import sqlite3

    assert not os.path.exists(store + "-wal")  # every connection closed: the journal was checkpointed
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    url, process = start_process("--store", store)
    c = Client(url)
    assert c.get("/v1.6/dpu", query={"hash": hash}).json()["dpu"] == 0.1
    assert c.post("/v1.6/validate", form={"csdl": f'stream "{hash}"'}).status == 200
    assert c.get("/v1.6/source/get", query={"id": source["id"]}).json() == source
    assert c.get("/v1.6/historics/get", query={"id": historic["id"]}).json()["definition_id"] == hash
    assert c.get(f"{D365}/tiktok_hashtag/{task['id']}", headers=key).json()["status"] == "created"
    c.close()
    assert stop(process, signal.SIGINT) == 0  # Ctrl-C


def test_an_in_flight_request_finishes_during_shutdown(tmp_path):
    url, process = start_process("--store", str(tmp_path / "s.sqlite3"))
    big = 'interaction.content contains_any "' + ",".join(f"word{i}" for i in range(80_000)) + '"'
    result = {}

    def slow():
        result["reply"] = Client(url).post("/v1.6/validate", json_body={"csdl": big})

    worker = threading.Thread(target=slow)
    worker.start()
    import time

    time.sleep(0.15)  # the body is on its way or being compiled
    assert stop(process) == 0
    worker.join(30)
    assert result["reply"].status == 200, result["reply"]


def test_two_servers_on_one_store_lose_and_duplicate_nothing(tmp_path):
    store = str(tmp_path / "shared.sqlite3")
    servers = [start_process("--store", store) for _ in range(2)]
    urls = [url for url, _ in servers]
    rounds = 25
    errors: list = []
    shared_source = Client(urls[0]).post("/v1.6/source/create", json_body=source_body("shared")).json()
    for url in urls:
        Client(url).request("PUT", "/api/data-sources/data365", json_body={"token": "t"}, headers={"apikey": "k"})

    def writer(index: int, url: str):
        c = Client(url)
        try:
            for i in range(rounds):
                # the same filter from every writer: one stream; a filter of its own: one more
                for text in (COFFEE, f'interaction.content contains "w{index}-{i}"'):
                    reply = c.post("/v1.6/compile", form={"csdl": text})
                    if reply.status != 200:
                        errors.append(reply)
                reply = c.post("/v1.6/source/create", json_body=source_body(f"tok-{index}-{i}"))
                if reply.status != 201:
                    errors.append(reply)
                # read-modify-write of one source from both servers: no identity may be lost
                reply = c.request("PUT", "/v1.6/source/auth/add", json_body={
                    "id": shared_source["id"], "auth": [{"parameters": {"value": f"added-{index}-{i}"}}]})
                if reply.status != 200:
                    errors.append(reply)
                reply = c.post(D365 + "/tiktok_hashtag", json_body=TASK, headers={"apikey": "k"})
                if reply.status != 201:
                    errors.append(reply)
        finally:
            c.close()

    threads = [threading.Thread(target=writer, args=(i, urls[i % 2])) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:3]

    c = Client(urls[1])
    sources = c.get("/v1.6/source/get", query={"per_page": 500}).json()
    assert sources["count"] == 1 + 4 * rounds
    assert len({s["id"] for s in sources["sources"]}) == sources["count"]
    shared = c.get("/v1.6/source/get", query={"id": shared_source["id"]}).json()
    values = [a["parameters"]["value"] for a in shared["auth"]]
    assert sorted(values) == sorted(["shared"] + [f"added-{i}-{r}" for i in range(4) for r in range(rounds)])
    tasks = c.get(D365 + "/tiktok_hashtag", headers={"apikey": "k"}).json()
    assert tasks["count"] == 4 * rounds and len({t["id"] for t in tasks["tasks"]}) == 4 * rounds
    for _, process in servers:
        assert stop(process) == 0

    from csdl.server.store import Store

    counted = Store(store)
    streams = counted.list_streams()
    assert len(streams) == 1 + 4 * rounds
    assert len({s["hash"] for s in streams}) == len(streams)
    counted.close()


def test_users_file_makes_every_call_need_a_listed_credential(tmp_path):
    users = tmp_path / "users.txt"
    users.write_text("# team\nalice:alice-key\nbob:bob-key\n", encoding="utf-8")
    url, stop_server = start_server(tmp_path, users_file=str(users))
    try:
        ok = Client(url, user="alice", key="alice-key").post("/v1.6/validate", form={"csdl": COFFEE})
        assert ok.status == 200
        for user, key in (("alice", "bob-key"), ("carol", "x"), (None, None)):
            reply = Client(url, user=user, key=key).post("/v1.6/validate", form={"csdl": COFFEE})
            assert reply.status == 401, (user, reply)
        plain = Client(url, user=None)
        assert plain.get("/v1.6/validate", query={"csdl": COFFEE, "username": "bob", "api_key": "bob-key"}).status == 200
        assert plain.get(D365, headers={"apikey": "bob-key"}).status == 200
        assert plain.get(D365, headers={"apikey": "guess"}).status == 401
    finally:
        stop_server()


def test_cors_only_for_the_given_origin(tmp_path):
    url, stop_server = start_server(tmp_path, cors_origin="http://localhost:3000")
    try:
        c = Client(url)
        reply = c.post("/v1.6/validate", form={"csdl": COFFEE}, headers={"Origin": "http://localhost:3000"})
        assert reply.headers["access-control-allow-origin"] == "http://localhost:3000"
        other = c.post("/v1.6/validate", form={"csdl": COFFEE}, headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        preflight = c.request("OPTIONS", "/v1.6/validate", auth=False, headers={
            "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
        assert preflight.status == 200 and "POST" in preflight.headers["access-control-allow-methods"]
    finally:
        stop_server()


# The command line ----------------------------------------------------------------------------------------


def run_cli(*args):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "csdl", "serve", *args], capture_output=True, text=True, timeout=60)


def test_help_shows_a_curl_example_for_each_endpoint_group():
    result = run_cli("--help")
    assert result.returncode == 0
    for path in ("/validate", "/compile", "/dpu", "historics/prepare", "preview/create", "/usage", "/balance",
                 "source/create", "source/get", "api/data-sources/data365", "api/data-providers/data365"):
        assert any(line.strip().startswith("curl") and path in line for line in result.stdout.splitlines()), path


@pytest.mark.parametrize("args, words", [
    (["--library", "/no/such/dir"], "not a directory"),
    (["--sample", "/no/such/posts.jsonl"], "no such file"),
    (["--users", "/no/such/users"], "--users"),
    (["--store", "/no/such/dir/store.sqlite3"], "does not exist"),
    (["--task-delay", "-1"], "task-delay"),
])
def test_bad_settings_exit_2_with_a_message(args, words):
    result = run_cli(*args, "--port", "0")
    assert result.returncode == 2, result
    assert words in result.stderr and "Traceback" not in result.stderr


def test_a_bad_users_file_is_named_with_its_line(tmp_path):
    users = tmp_path / "users"
    users.write_text("alice:key\nno-colon-here\n", encoding="utf-8")
    result = run_cli("--users", str(users), "--store", str(tmp_path / "s.sqlite3"), "--port", "0")
    assert result.returncode == 2 and f"{users}:2" in result.stderr


def test_not_a_sqlite_store_is_refused(tmp_path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    result = run_cli("--store", str(junk), "--port", "0")
    assert result.returncode == 2 and "SQLite" in result.stderr and "Traceback" not in result.stderr


def test_a_port_in_use_exits_2(tmp_path):
    url, process = start_process("--store", str(tmp_path / "a.sqlite3"))
    try:
        port = url.rsplit(":", 1)[1]
        result = run_cli("--store", str(tmp_path / "b.sqlite3"), "--port", port)
        assert result.returncode == 2 and "Traceback" not in result.stderr
    finally:
        stop(process)


def test_binding_beyond_loopback_without_users_warns(monkeypatch, tmp_path):
    from click.testing import CliRunner

    import csdl.server.run
    from csdl.cli.serve_cmd import serve_command

    monkeypatch.setattr(csdl.server.run, "serve", lambda app, settings, announce=None: None)
    runner = CliRunner()
    warned = runner.invoke(serve_command, ["--host", "0.0.0.0", "--store", str(tmp_path / "w.sqlite3")])
    assert warned.exit_code == 0 and "warning" in warned.output and "--users" in warned.output
    quiet = runner.invoke(serve_command, ["--host", "127.0.0.1", "--store", str(tmp_path / "w.sqlite3")])
    assert quiet.exit_code == 0 and "warning" not in quiet.output
