"""Poisoned records: values an answer could not carry (a lone surrogate, an integer beyond 64
bits, an absurd time, a 5,000-digit number, nesting 1,000 deep) are refused with a JSON 400 and
nothing is stored; a row that an older version stored anyway never makes a listing fail."""

from __future__ import annotations

import json
import sqlite3

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from server_fixtures import INSTAGRAM_SOURCE, Client, start_server  # noqa: E402

COFFEE = 'interaction.content contains "coffee"'
D365 = "/api/data-providers/data365"
TASK = {"value": "coffee", "from_date": "2024-04-01", "to_date": "2024-04-02"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("poison")
    url, stop = start_server(path)
    yield url, str(path / "store.sqlite3")
    stop()


def raw_json(c, path, text: bytes, **kw):
    return c.request("POST", path, body=text, headers={"Content-Type": "application/json", **kw.pop("headers", {})},
                     **kw)


def assert_json_400(reply):
    assert reply.status == 400, reply
    assert reply.headers["content-type"] == "application/json"
    assert isinstance(reply.json()["error"], str)


def test_historics_times_beyond_any_date_are_refused(server):
    url, _ = server
    c = Client(url)
    hash = c.post("/v1.6/compile", form={"csdl": COFFEE}).json()["hash"]
    before = c.get("/v1.6/historics/get").json()["count"]
    good = {"hash": hash, "start": 1477958400, "name": "q", "sources": "twitter"}
    assert_json_400(c.post("/v1.6/historics/prepare", json_body={**good, "end": 10**20}))
    assert_json_400(c.post("/v1.6/historics/prepare", form={**good, "end": "1e20"}))
    assert_json_400(raw_json(c, "/v1.6/historics/prepare", json.dumps(good)[:-1].encode() + b', "end": 1e300}'))
    assert_json_400(c.post("/v1.6/historics/prepare", form={**good, "end": str(2**64)}))
    listing = c.get("/v1.6/historics/get")
    assert listing.status == 200 and listing.json()["count"] == before


@pytest.mark.parametrize("change", [
    lambda s: {**s, "name": "IG \ud800"},
    lambda s: {**s, "parameters": {"comments": False, "limit": 2**64}},
    lambda s: {**s, "parameters": {"comments": False, "limit": -(2**63) - 1}},
])
def test_sources_that_could_not_be_listed_are_refused_and_not_stored(server, change):
    url, _ = server
    c = Client(url, user="poisoner")
    before = c.get("/v1.6/source/get").json()["count"]
    # json.dumps writes a lone surrogate as the escape \ud800, as a client would
    assert_json_400(raw_json(c, "/v1.6/source/create", json.dumps(change(INSTAGRAM_SOURCE)).encode()))
    listing = c.get("/v1.6/source/get")
    assert listing.status == 200 and listing.json()["count"] == before


def test_data365_values_with_lone_surrogates_are_refused(server):
    url, _ = server
    c = Client(url, user=None)
    key = {"apikey": "poison-key"}
    assert c.request("PUT", "/api/data-sources/data365", json_body={"token": "t"}, headers=key).status == 200
    assert_json_400(raw_json(c, "/api/data-sources/data365", b'{"token": "t\\ud800"}', headers=key))
    body = json.dumps({"tasks": [{**TASK, "value": "caf\ud800"}]}).encode()
    assert_json_400(raw_json(c, D365 + "/tiktok_hashtag", body, headers=key))
    listing = c.get(D365 + "/tiktok_hashtag", headers=key)
    assert listing.status == 200 and listing.json()["count"] == 0


def test_huge_numbers_and_deep_nesting_are_a_json_400(server):
    url, _ = server
    c = Client(url)
    digits = b'{"csdl": "interaction.content exists", "x": ' + b"9" * 5000 + b"}"
    deep = b'{"csdl": "interaction.content exists", "x": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    for body in (digits, deep):
        for path in ("/v1.6/validate", "/api/check", "/api/compile", "/v1.6/source/create"):
            assert_json_400(raw_json(c, path, body))


def test_rows_stored_by_an_older_version_still_list(server):
    """A lone surrogate and a 2^64 integer written straight into the store: the listings answer
    200 with JSON (the surrogate as an escape), they never fail for the user."""
    url, store = server
    c = Client(url, user="legacy")
    source = c.post("/v1.6/source/create", json_body=INSTAGRAM_SOURCE).json()
    poisoned = {**source, "name": "IG \ud800", "parameters": {"limit": 2**64}}
    with sqlite3.connect(store) as db:
        db.execute("UPDATE sources SET body = ? WHERE id = ?", (json.dumps(poisoned), source["id"]))
    db.close()
    listing = c.get("/v1.6/source/get")
    assert listing.status == 200, listing
    found = listing.json()["sources"][0]
    assert found["name"] == "IG \ud800" and found["parameters"]["limit"] == 2**64
    assert c.get("/v1.6/source/get", query={"id": source["id"]}).status == 200
