"""account/identity (with token and limit) and account/usage over real HTTP: the statuses, shapes
and error texts DataSift's API recorded (2015-2018), scoped per user."""

from __future__ import annotations

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from server_fixtures import Client, start_server  # noqa: E402

IDENTITY_KEYS = {"id", "label", "api_key", "status", "master", "created_at", "updated_at", "expires_at"}


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    url, stop = start_server(tmp_path_factory.mktemp("accounts"))
    yield url
    stop()


def test_identity_life(url):
    me = Client(url, user="alice")
    created = me.post("/v1.6/account/identity", json_body={"label": "minitest", "status": "active", "master": False})
    assert created.status == 201 and set(created.json()) == IDENTITY_KEYS
    ident = created.json()["id"]
    taken = me.post("/v1.6/account/identity", json_body={"label": "minitest"})
    assert taken.status == 409 and taken.json()["error"] == "An Identity with that label already exists"
    assert me.get(f"/v1.6/account/identity/{ident}").json() == created.json()
    updated = me.request("PUT", f"/v1.6/account/identity/{ident}", json_body={"label": "minitest-update"})
    assert updated.status == 200 and updated.json()["label"] == "minitest-update"
    listed = me.get("/v1.6/account/identity", query={"label": "minitest-update", "page": 1, "per_page": 1}).json()
    assert listed["count"] == 1 and listed["identities"][0]["id"] == ident and listed["per_page"] == 1
    assert me.request("PUT", "/v1.6/account/identity/fake_id", json_body={"label": "x"}).json() == {"error": "Identity not found"}
    gone = me.request("DELETE", f"/v1.6/account/identity/{ident}")  # as recorded, 2015-2018
    assert (gone.status, gone.json()) == (404, {"error": "Deletion of Identities is currently unavailable"})
    assert me.request("DELETE", "/v1.1/account/identity/").status == 405
    assert me.request("DELETE", f"/v1/account/identity/{ident}").json() == "Deletion of Identities is currently unavailable"
    other = Client(url, user="bob")
    assert other.get(f"/v1.6/account/identity/{ident}").status == 404


def test_limits_and_tokens(url):
    me = Client(url, user="carol")
    ident = me.post("/v1.6/account/identity", json_body={"label": "limits"}).json()["id"]
    limit = me.post(f"/v1.5/account/identity/{ident}/limit",
                    json_body={"service": "facebook", "total_allowance": 100000, "analyze_queries": 50})
    assert (limit.status, limit.json()) == (201, {"id": ident, "service": "facebook", "total_allowance": 100000,
                                                  "analyze_queries": 50})
    bad = me.post(f"/v1.5/account/identity/{ident}/limit", json_body={"service": "twitter", "total_allowance": 1})
    assert (bad.status, bad.json()) == (400, {"error": "service is invalid; valid values are: facebook,linkedin"})
    newer = me.post(f"/v1.6/account/identity/{ident}/limit", json_body={"service": "facebook", "total_allowance": 1})
    assert newer.json() == {"error": "service is invalid; valid values are: linkedin"}  # as v1.6 answered
    assert me.get("/v1.6/account/identity/INVALID_IDENTITY_ID/limit/facebook").json() == {
        "error": "identity_id must be a valid hash"}
    changed = me.request("PUT", f"/v1.5/account/identity/{ident}/limit/facebook",
                         json_body={"total_allowance": 200000, "analyze_queries": 100})
    assert changed.json()["total_allowance"] == 200000 and changed.json()["analyze_queries"] == 100
    page = me.get("/v1.5/account/identity/limit/facebook", query={"page": 1, "per_page": 1}).json()
    assert set(page) == {"count", "page", "pages", "per_page", "limits"} and page["count"] == 1
    assert me.request("DELETE", f"/v1.5/account/identity/{ident}/limit/facebook").status == 204
    assert me.get(f"/v1.5/account/identity/{ident}/limit/facebook").status == 404
    token = me.post(f"/v1.6/account/identity/{ident}/token", json_body={"service": "facebook", "token": "abc"})
    assert token.status == 201 and token.json()["token"] == "abc"
    assert me.get(f"/v1.6/account/identity/{ident}/token/facebook").json()["token"] == "abc"
    assert me.request("DELETE", f"/v1.6/account/identity/{ident}/token/facebook").status == 204


@pytest.mark.parametrize("version", ["1.2", "1.4", "1.6"])
def test_account_usage_periods(url, version):
    me = Client(url, user="dave")
    bad = me.get(f"/v{version}/account/usage", query={"period": "invalid_period"})
    assert (bad.status, bad.json()) == (400, {"error": "period is invalid; valid values are: hourly,daily,monthly"})
    for period in ("hourly", "daily", "monthly"):
        ok = me.get(f"/v{version}/account/usage", query={"period": period, "start": 1490054400, "end": 1490572800})
        assert ok.status == 200 and ok.json() == {"usage": []}


def test_account_usage_counts_what_streams_delivered(tmp_path):
    import http.client
    import json
    import time

    posts = tmp_path / "firehose.jsonl"
    with open(posts, "w", encoding="utf-8") as f:
        for i in range(30):
            kind = "twitter" if i % 3 else "tumblr"
            f.write(json.dumps({"interaction": {"id": f"p{i}", "type": kind, "content": "coffee"}}) + "\n")
    url, stop = start_server(tmp_path, firehose=str(posts))
    try:
        me = Client(url, user="erin")
        hash = me.post("/v1.6/compile", form={"csdl": 'interaction.content contains "coffee"'}).json()["hash"]
        stream = http.client.HTTPConnection(me.host, me.port, timeout=30)
        stream.request("GET", f"/{hash}", headers={"Authorization": "erin:secret"})
        response = stream.getresponse()
        received = 0
        while received < 30:
            line = response.fp.readline()
            assert line, "the stream ended early"
            if b'"interaction"' in line:
                received += 1
        stream.close()

        def realtime():
            items = me.get("/v1.6/account/usage", query={"period": "hourly"}).json()["usage"]
            return {i["source"]: i["quantity"] for i in items if i["category"] == "realtime" and i["unit"] == "interaction"}

        deadline = time.monotonic() + 20
        while realtime() != {"twitter": 20, "tumblr": 10}:
            assert time.monotonic() < deadline, realtime()
            time.sleep(0.05)
    finally:
        stop()
