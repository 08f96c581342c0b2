"""The stored-stream list of the workbench: paged, written at compile time (a listing compiles
nothing and costs a few queries whatever the store holds), and with --users only the caller's
own streams (resolving a hash stays shared, as on the platform)."""

from __future__ import annotations

import sqlite3

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from server_fixtures import Client, basic, start_server  # noqa: E402

STORED = 250


class Counted:
    """Calls of csdl's parse/cost/compile and the SQL statements run, while the server answers."""

    def __init__(self, monkeypatch):
        import csdl
        from csdl.server.store import Store

        self.calls = 0
        self.statements: list[str] = []
        for name in ("parse", "cost", "compile"):
            monkeypatch.setattr(csdl, name, self.counting(getattr(csdl, name)))
        connect = Store._connect

        def traced(store):
            db = connect(store)
            db.set_trace_callback(self.statements.append)
            return db

        monkeypatch.setattr(Store, "_connect", traced)

    def counting(self, function):
        def counted(*args, **kwargs):
            self.calls += 1
            return function(*args, **kwargs)

        return counted

    def reset(self):
        self.calls = 0
        self.statements.clear()


def test_a_listing_compiles_nothing_and_is_paged(tmp_path, monkeypatch):
    url, stop = start_server(tmp_path)
    try:
        c = Client(url)
        hashes = [c.post("/v1.6/compile", form={"csdl": f'interaction.content contains "word{i}"'}).json()["hash"]
                  for i in range(STORED)]
        referring = c.post("/api/compile", json_body={"csdl": f'stream "{hashes[0]}"'}).json()["hash"]
        counted = Counted(monkeypatch)
        first = c.get("/api/streams").json()
        assert counted.calls == 0, "the listing compiled stored streams"
        assert len(counted.statements) < 12, counted.statements
        assert first["count"] == STORED + 1 and first["page"] == 1 and first["pages"] == -(-(STORED + 1) // 100)
        assert [s["hash"] for s in first["streams"]][:1] == [referring] and len(first["streams"]) == 100
        last = c.get("/api/streams", query={"page": first["pages"], "per_page": 100}).json()
        oldest = last["streams"][-1]
        assert oldest["hash"] == hashes[0] and oldest["referenced_by"] == [referring]
        assert oldest["summary"] == 'interaction.content contains "word0"' and oldest["dpu"] > 0
        detail = c.get(f"/api/streams/{hashes[0]}").json()
        assert detail["referenced_by"] == [referring] and detail["csdl"].strip() == oldest["summary"]
        assert counted.calls == 0
    finally:
        stop()


def test_streams_stored_by_an_older_version_are_worked_out_once(tmp_path, monkeypatch):
    url, stop = start_server(tmp_path)
    try:
        with sqlite3.connect(str(tmp_path / "store.sqlite3")) as db:
            db.execute("INSERT INTO streams (hash, csdl, platform, created_at) VALUES (?, ?, 'stream', 1)",
                       ("a" * 32, 'interaction.content contains "legacy"'))
        db.close()
        counted = Counted(monkeypatch)
        c = Client(url)
        listed = c.get("/api/streams").json()["streams"]
        assert [s["summary"] for s in listed] == ['interaction.content contains "legacy"'] and listed[0]["dpu"] > 0
        assert counted.calls > 0
        counted.reset()
        assert c.get("/api/streams").json()["streams"] == listed
        assert counted.calls == 0
    finally:
        stop()


@pytest.fixture
def alice_and_bob(tmp_path):
    """A server with --users alice and bob: (alice's client, bob's, alice's auth header, bob's)."""
    users = tmp_path / "users"
    users.write_text("alice:alice-key\nbob:bob-key\n", encoding="utf-8")
    url, stop = start_server(tmp_path, users_file=str(users))
    alice, bob = Client(url, user="alice", key="alice-key"), Client(url, user="bob", key="bob-key")
    yield alice, bob, {"Authorization": basic("alice", "alice-key")}, {"Authorization": basic("bob", "bob-key")}
    stop()


def test_users_see_only_their_own_streams(alice_and_bob):
    alice, bob, as_alice, as_bob = alice_and_bob
    mine = alice.post("/v1.6/compile", form={"csdl": 'interaction.content contains "alice"'}).json()["hash"]
    theirs = bob.post("/api/compile", json_body={"csdl": 'interaction.content contains "bob"'},
                      headers=as_bob).json()["hash"]
    listed = alice.get("/api/streams", headers=as_alice).json()
    assert [s["hash"] for s in listed["streams"]] == [mine] and listed["count"] == 1
    assert [s["hash"] for s in bob.get("/api/streams", headers=as_bob).json()["streams"]] == [theirs]
    assert alice.get(f"/api/streams/{theirs}", headers=as_alice).status == 404
    assert alice.get(f"/api/streams/{mine}", headers=as_alice).status == 200
    # resolving a hash stays shared: alice may build on bob's stream
    built = alice.post("/v1.6/compile", form={"csdl": f'stream "{theirs}"'})
    assert built.status == 200, built
    listed = alice.get("/api/streams", headers=as_alice).json()
    mine_now = {s["hash"]: s for s in listed["streams"]}
    assert set(mine_now) == {mine, built.json()["hash"]}
    # bob's stream is referred to by alice's, but alice's list does not show bob's
    assert theirs not in mine_now
    bobs = bob.get(f"/api/streams/{theirs}", headers=as_bob).json()
    assert bobs["referenced_by"] == []  # alice's referring stream is not bob's to see


def test_a_diff_is_based_only_on_the_callers_own_stream(alice_and_bob):
    alice, bob, as_alice, as_bob = alice_and_bob
    mine = alice.post("/api/compile", json_body={"csdl": 'interaction.content contains "alice"'},
                      headers=as_alice).json()["hash"]
    theirs = bob.post("/api/compile", json_body={"csdl": 'interaction.content contains_any "bob, carol"'},
                      headers=as_bob).json()["hash"]
    change = {"csdl": 'interaction.content contains "alice" and interaction.type == "twitter"'}
    own = alice.post("/api/diff", json_body={**change, "base": mine}, headers=as_alice)
    assert own.status == 200 and own.json()["base"]["hash"] == mine
    other = alice.post("/api/diff", json_body={**change, "base": theirs}, headers=as_alice)
    assert other.status == 404 and other.json()["error"] == f"no stored stream {theirs}"
    assert "detail" not in other.json()  # nothing of bob's filter or its cost
    assert bob.post("/api/diff", json_body={**change, "base": theirs}, headers=as_bob).status == 200
