"""What a web page the user visits cannot do to `csdl serve`: DNS rebinding (a foreign Host),
cross-site requests (a foreign Origin or Sec-Fetch-Site, a form's content type), and the start-up
checks of --cors, --host and --users. All over real HTTP."""

from __future__ import annotations

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from server_fixtures import INSTAGRAM_SOURCE, Client, start_process, start_server  # noqa: E402

COFFEE = 'interaction.content contains "coffee"'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url, stop = start_server(tmp_path_factory.mktemp("security"), allowed_hosts=("dev.example",),
                             cors_origin="http://localhost:3000")
    c = Client(url)
    source = c.post("/v1.6/source/create", json_body=INSTAGRAM_SOURCE)
    assert source.status == 201, source
    yield url, source.json()["id"]
    stop()


def port_of(url: str) -> str:
    return url.rsplit(":", 1)[1]


@pytest.mark.parametrize("path", ["/api/streams", "/v1.6/source/get", "/v1/source/delete?id=" + "0" * 32, "/",
                                  "/api/data-providers/data365"])
def test_a_foreign_host_is_refused_with_a_json_403(server, path):
    url, _ = server
    reply = Client(url).get(path, headers={"Host": f"evil.example:{port_of(url)}", "apikey": "k"})
    assert reply.status == 403, reply
    assert "Host" in reply.json()["error"] and reply.headers["content-type"] == "application/json"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST.", "app.localhost", "[::1]", "dev.example",
                                  "192.168.1.20"])
def test_local_names_and_allowed_hosts_are_served(server, host):
    url, _ = server
    reply = Client(url).get("/v1.6/source/get", headers={"Host": f"{host}:{port_of(url)}"})
    assert reply.status == 200, (host, reply)


def test_cross_site_writes_are_refused(server):
    url, source_id = server
    c = Client(url, user=None)
    evil = {"Origin": "http://evil.example"}
    # a page's fetch() of text/plain JSON to the workbench
    reply = c.request("POST", "/api/compile", body=b'{"csdl": "interaction.content exists"}',
                      headers={**evil, "Content-Type": "text/plain"})
    assert reply.status == 403 and "evil.example" in reply.json()["error"]
    # a form with credentials to the DataSift API
    reply = c.post("/v1.6/source/create", form={"username": "me", "api_key": "secret", **INSTAGRAM_SOURCE}, headers=evil)
    assert reply.status == 403
    # an <img src=…/source/delete?…>: no Origin, but Sec-Fetch-Site says cross-site
    delete = f"/v1.6/source/delete?id={source_id}&username=me&api_key=secret"
    assert c.get(delete, headers={"Sec-Fetch-Site": "cross-site"}).status == 403
    assert c.get(delete, headers={"Origin": "null"}).status == 403
    assert Client(url).get("/v1.6/source/get", query={"id": source_id}).status == 200  # still there


def test_own_pages_the_cors_origin_and_sdks_pass(server):
    url, _ = server
    c = Client(url)
    own = url.replace("127.0.0.1", "localhost")
    assert c.post("/api/check", json_body={"csdl": COFFEE}, headers={"Origin": url}).status == 200
    assert c.post("/api/check", json_body={"csdl": COFFEE}, headers={
        "Origin": own, "Host": own.split("//")[1], "Sec-Fetch-Site": "same-origin"}).status == 200
    assert c.post("/v1.6/validate", form={"csdl": COFFEE}, headers={"Origin": "http://localhost:3000"}).status == 200
    assert c.post("/v1.6/validate", form={"csdl": COFFEE}).status == 200  # an SDK: no Origin
    assert c.get("/v1.6/validate", query={"csdl": COFFEE}, headers={"Sec-Fetch-Site": "none"}).status == 200


def test_the_workbench_api_takes_json_only(server):
    url, _ = server
    c = Client(url)
    for kind in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"Content-Type": kind} if kind else {}
        reply = c.request("POST", "/api/compile", body=b'{"csdl": "interaction.content exists"}', headers=headers)
        assert reply.status == 415 and "application/json" in reply.json()["error"], (kind, reply)
    assert c.post("/api/compile", json_body={"csdl": COFFEE}).status == 200


def test_every_answer_says_nosniff(server):
    url, _ = server
    c = Client(url)
    for reply in (c.post("/v1.6/validate", form={"csdl": COFFEE}), c.get("/v1.6/nothing"),
                  c.get("/v1/validate", auth=False), c.get("/api/streams")):
        assert reply.headers.get("x-content-type-options") == "nosniff", reply


# Start-up checks ---------------------------------------------------------------------------------------


def run_cli(*args):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "csdl", "serve", "--port", "0", *args],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("origin, words", [
    ("null", "sandboxed"),
    ("http://localhost:3000/app", "not an origin"),
    ("localhost:3000", "not an origin"),
    ("http://user@host", "not an origin"),
    ("http://host:99999", "not an origin"),
])
def test_bad_cors_origins_are_refused(tmp_path, origin, words):
    result = run_cli("--cors", origin, "--store", str(tmp_path / "s.sqlite3"))
    assert result.returncode == 2, result
    assert words in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "s.sqlite3").exists()  # refused before the store is opened


def test_wide_settings_warn_at_start_and_allowed_hosts_are_answered(tmp_path):
    import signal

    users = tmp_path / "users"
    users.write_text("alice:alice-key\n", encoding="utf-8")
    url, process = start_process("--cors", "*", "--host", "0.0.0.0", "--users", str(users),
                                 "--allowed-host", "dev.example", "--allowed-host", "ci.internal",
                                 "--store", str(tmp_path / "s.sqlite3"))
    try:
        log = "".join(process.log)
        assert "--cors '*'" in log and "clear text" in log, log
        port = url.rsplit(":", 1)[1]
        c = Client(f"http://127.0.0.1:{port}", user="alice", key="alice-key")
        for host, status in (("dev.example", 200), ("CI.internal", 200), ("evil.example", 403)):
            assert c.get("/v1.6/usage", headers={"Host": f"{host}:{port}"}).status == status, host
        c.close()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
