"""`csdl serve` over real HTTP: Managed Sources (seeds 002/003 and the recorded answers) and
Datastreamer's Data365 tasks (seeds 000/001; the answer shapes are ours, docs/serve.md)."""

from __future__ import annotations

import json
import re
import time

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from server_fixtures import Client, start_server  # noqa: E402

ID32 = re.compile(r"[0-9a-f]{32}")
IG = {  # the Ruby client's recorded create body (v1.6 cassettes)
    "source_type": "instagram", "name": "Ruby Test IG",
    "parameters": {"comments": False},
    "resources": [{"parameters": {"type": "tag", "value": "nofilter"}}],
    "auth": [{"parameters": {"value": "458583326.0092129.a61ea13a945524651bacfd31f943a4ab"}}],
}
FB = {  # seed 003's create example
    "source_type": "facebook_page", "name": "My Managed Source",
    "parameters": {"likes": True, "posts_by_others": True, "comments": True, "page_likes": False},
    "resources": [{"parameters": {"url": "http://www.facebook.com/theguardian", "title": "The Guardian", "id": "10513336322"}}],
    "auth": [{"parameters": {"value": "363056350669209|09af1ce9c5d8d23147ec4eeb.1-100002337772319"}, "expires_at": 2122112110}],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url, stop = start_server(tmp_path_factory.mktemp("sources"), task_delay=0.5)
    yield url
    stop()


@pytest.fixture
def client(server):
    c = Client(server)
    yield c
    c.close()


def with_token(body: dict, token: str) -> dict:
    out = json.loads(json.dumps(body))
    out["auth"][0]["parameters"]["value"] = token
    return out


def create(client, body) -> dict:
    reply = client.post("/v1.6/source/create", json_body=body)
    assert reply.status == 201, reply
    return reply.json()


# Managed Sources -----------------------------------------------------------------------------------------


def test_create_answers_the_recorded_source_shape(client):
    source = create(client, with_token(IG, "create-shape"))
    assert set(source) == {"id", "status", "source_type", "name", "parameters", "resources", "auth", "created_at"}
    assert ID32.fullmatch(source["id"]) and source["status"] == "stopped" and isinstance(source["created_at"], int)
    assert source["resources"] == [{"resource_id": source["resources"][0]["resource_id"],
                                    "parameters": {"type": "tag", "value": "nofilter"}}]
    identity = source["auth"][0]
    assert set(identity) == {"identity_id", "expires_at", "parameters"} and ID32.fullmatch(identity["identity_id"])
    assert identity["expires_at"] is None and identity["parameters"]["value"] == "create-shape"


def test_payload_warnings_come_back_in_a_header(client):
    quiet = client.post("/v1.6/source/create", json_body=with_token(FB, "no-warning"))
    assert quiet.status == 201 and "x-csdl-warnings" not in quiet.headers
    body = with_token(FB, "soon-expired")
    body["auth"][0]["expires_at"] = 1_000_000_000  # 2001: already expired, a warning of the rules
    reply = client.post("/v1.6/source/create", json_body=body)
    assert reply.status == 201
    assert "P1" in reply.headers["x-csdl-warnings"] and "expire" in reply.headers["x-csdl-warnings"]


def test_create_from_a_form_body_with_json_fields(client):
    body = with_token(FB, "form-token")
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
    reply = client.post("/v1.3/source/create", form=form)
    assert reply.status == 201, reply
    assert reply.json()["auth"][0]["expires_at"] == 2122112110
    assert reply.json()["resources"][0]["parameters"]["id"] == "10513336322"


def test_create_refusals_have_the_seed_texts(client):
    empty = dict(with_token(IG, "t-empty"), resources=[])
    reply = client.post("/v1.6/source/create", json_body=empty)
    assert reply.status == 400
    assert reply.json()["error"] == "Bad request: resources must have at least 1 entry"
    assert reply.json()["original_error"] == "resources must have at least 1 entry"
    twice = with_token(IG, "t-twice")
    twice["auth"].append(twice["auth"][0])
    reply = client.post("/v1.6/source/create", json_body=twice)
    assert reply.status == 409
    assert reply.json()["error"].startswith("A source with the same auth token already exists")


def test_a_token_used_by_another_source_is_409(client):
    create(client, with_token(IG, "shared-token"))
    reply = client.post("/v1.6/source/create", json_body=with_token(FB, "shared-token"))
    assert reply.status == 409


def test_malformed_json_field_in_a_form_is_400(client):
    reply = client.post("/v1.6/source/create", form={"source_type": "instagram", "name": "x", "resources": "[{oops"})
    assert reply.status == 400 and "resources" in reply.json()["error"]


def test_get_one_and_a_page(client, server):
    source = create(client, with_token(IG, "get-token"))
    got = client.get("/v1.6/source/get", query={"id": source["id"], "page": 1, "per_page": 20})
    assert got.status == 200 and got.json() == source
    page = client.get("/v1.6/source/get", query={"page": 1, "per_page": 1}).json()
    assert set(page) == {"count", "page", "pages", "per_page", "sources"}
    assert page["per_page"] == 1 and len(page["sources"]) == 1 and page["pages"] == page["count"]
    only_ig = client.get("/v1.6/source/get", query={"source_type": "facebook_page"}).json()
    assert all(s["source_type"] == "facebook_page" for s in only_ig["sources"])
    assert Client(server, user="stranger", key="k").get("/v1.6/source/get", query={"id": source["id"]}).status == 404


def test_unknown_source_texts(client):
    missing = "f" * 32
    reply = client.get("/v1.6/source/get", query={"id": missing})
    assert reply.status == 404 and reply.json() == {"error": f'Could not find the specified source instance "{missing}"'}
    reply = client.request("DELETE", "/v1.6/source/delete", query={"id": missing})
    assert reply.status == 404 and reply.json() == {"error": "Source instance not found"}
    for path in ("source/start", "source/stop", "source/log", "source/update"):
        assert client.post(f"/v1.6/{path}", form={"id": missing}).status == 404, path


@pytest.mark.parametrize("bad", ["", "xyz", "../../etc/passwd", "F" * 31, "g" * 32])
def test_ids_are_validated_hex(client, bad):
    reply = client.get("/v1.6/source/get", query={"id": bad}) if bad else client.post("/v1.6/source/start", form={})
    assert reply.status == 400


def test_start_stop_log_and_delete(client):
    source = create(client, with_token(IG, "lifecycle"))
    log = client.post("/v1.6/source/log", form={"id": source["id"]}).json()
    assert log == {"count": 0, "page": 1, "pages": 0, "per_page": 20, "log_entries": []}  # as recorded after create
    assert client.post("/v1.6/source/start", json_body={"id": source["id"]}).json()["status"] == "running"
    assert client.get("/v1.6/source/get", query={"id": source["id"]}).json()["status"] == "running"
    assert client.request("PUT", "/v1.6/source/stop", json_body={"id": source["id"]}).json()["status"] == "stopped"
    log = client.get("/v1.6/source/log", query={"id": source["id"]}).json()
    assert log["count"] == 2 and [e["message"] for e in log["log_entries"]] == ["source stopped", "source started"]
    assert client.request("DELETE", "/v1.6/source/delete", query={"id": source["id"]}).status == 204
    assert client.get("/v1.6/source/get", query={"id": source["id"]}).status == 404


def test_update_keeps_ids_adds_new_and_deletes_omitted(client):
    source = create(client, with_token(FB, "update-old"))
    kept = source["resources"][0]
    body = {
        "id": source["id"], "name": "Renamed",
        "resources": [kept, {"parameters": {"id": "2222222222", "title": "Other"}}],
        "auth": [{"parameters": {"value": "update-new"}, "expires_at": 2122112110}],
    }
    reply = client.request("PUT", "/v1.3/source/update", json_body=body)  # seed 002 sends PUT
    assert reply.status == 202, reply
    updated = reply.json()
    assert updated["name"] == "Renamed" and updated["id"] == source["id"]
    assert updated["resources"][0]["resource_id"] == kept["resource_id"]
    assert ID32.fullmatch(updated["resources"][1]["resource_id"]) and updated["resources"][1]["resource_id"] != kept["resource_id"]
    assert [a["parameters"]["value"] for a in updated["auth"]] == ["update-new"]  # the omitted identity is deleted
    assert updated["auth"][0]["identity_id"] != source["auth"][0]["identity_id"]
    assert client.post("/v1.6/source/update", json_body={"id": source["id"], "name": "Again"}).status == 202  # Ruby/Node POST


def test_update_with_a_foreign_resource_id_is_400(client):
    source = create(client, with_token(IG, "foreign-id"))
    body = {"id": source["id"], "resources": [{"resource_id": "e" * 32, "parameters": {"type": "tag", "value": "x"}}]}
    reply = client.post("/v1.6/source/update", json_body=body)
    assert reply.status == 400 and "resource_id" in reply.json()["error"]
    assert client.get("/v1.6/source/get", query={"id": source["id"]}).json() == source  # untouched


def test_auth_and_resource_add_remove(client):
    source = create(client, with_token(IG, "auth-one"))
    added = client.request("PUT", "/v1.6/source/auth/add",
                           json_body={"id": source["id"], "auth": [{"parameters": {"value": "auth-two"}}]})
    assert added.status == 200, added
    identities = added.json()["auth"]
    assert [a["parameters"]["value"] for a in identities] == ["auth-one", "auth-two"]
    assert identities[0]["identity_id"] == source["auth"][0]["identity_id"]
    removed = client.request("PUT", "/v1.6/source/auth/remove",
                             json_body={"id": source["id"], "auth_ids": [identities[0]["identity_id"]]})
    assert [a["parameters"]["value"] for a in removed.json()["auth"]] == ["auth-two"]
    duplicate = client.request("PUT", "/v1.6/source/auth/add",
                               json_body={"id": source["id"], "auth": [{"parameters": {"value": "auth-two"}}]})
    assert duplicate.status in (400, 409)

    more = client.request("PUT", "/v1.6/source/resource/add",
                          json_body={"id": source["id"], "resources": [{"parameters": {"type": "tag", "value": "cats"}}]})
    assert more.status == 200 and [r["parameters"]["value"] for r in more.json()["resources"]] == ["nofilter", "cats"]
    first = more.json()["resources"][0]["resource_id"]
    fewer = client.request("PUT", "/v1.6/source/resource/remove", json_body={"id": source["id"], "resource_ids": [first]})
    assert [r["parameters"]["value"] for r in fewer.json()["resources"]] == ["cats"]
    unknown = client.request("PUT", "/v1.6/source/resource/remove", json_body={"id": source["id"], "resource_ids": ["d" * 32]})
    assert unknown.status == 400
    assert client.request("PUT", "/v1.6/source/resource/remove", json_body={"id": source["id"], "resource_ids": ["x"]}).status == 400


# Data365 ------------------------------------------------------------------------------------------------------

D365 = "/api/data-providers/data365"
TASKS = {"tasks": [
    {"value": "coffee", "from_date": "2024-04-01", "to_date": "2024-04-02", "parameters": {"max_posts": 300}},
    {"value": "tea", "from_date": "2024-04-01", "to_date": "2024-04-02"},
]}


def d365(server, key="key-1"):
    c = Client(server, user=None)
    c.key_header = {"apikey": key}
    return c


def call(c, method, path, headers=None, **kw):
    return c.request(method, path, headers={**c.key_header, **(headers or {})}, **kw)


def register(c):
    reply = call(c, "PUT", "/api/data-sources/data365", json_body={"token": "data365-token"})
    assert reply.status == 200, reply


def test_data365_needs_an_apikey(server):
    assert Client(server, user=None).get(D365).status == 401


def test_data365_lists_the_sub_sources(server):
    c = d365(server, "lister")
    reply = call(c, "GET", D365)
    assert reply.status == 200
    names = [s["name"] for s in reply.json()["sources"]]
    assert "tiktok_hashtag" in names and "twitter_profile" in names and len(names) == 16


def test_data365_task_lifecycle(server):
    c = d365(server, "lifecycle-key")
    assert call(c, "POST", D365 + "/tiktok_keywords", json_body=TASKS).status == 400  # no token yet
    register(c)
    created = call(c, "POST", D365 + "/tiktok_keywords", json_body=TASKS)
    assert created.status == 201, created
    tasks = created.json()["tasks"]
    assert [t["status"] for t in tasks] == ["created", "created"] and all(ID32.fullmatch(t["id"]) for t in tasks)
    assert tasks[0]["value"] == "coffee" and tasks[0]["parameters"] == {"max_posts": 300}
    listed = call(c, "GET", D365 + "/tiktok_keywords").json()
    assert listed["count"] == 2 and [t["id"] for t in listed["tasks"]] == [t["id"] for t in tasks]

    started = call(c, "PUT", f"{D365}/tiktok_keywords/{tasks[0]['id']}/start")
    assert started.status == 200 and started.json()["status"] == "running"
    assert call(c, "PUT", f"{D365}/tiktok_keywords/{tasks[0]['id']}/start").status == 409  # already running
    cancelled = call(c, "POST", f"{D365}/tiktok_keywords/{tasks[1]['id']}/cancel")
    assert cancelled.status == 200 and cancelled.json()["status"] == "cancelled"
    assert call(c, "POST", f"{D365}/tiktok_keywords/{tasks[1]['id']}/cancel").status == 409
    deadline = time.monotonic() + 10
    while call(c, "GET", f"{D365}/tiktok_keywords/{tasks[0]['id']}").json()["status"] != "complete":
        assert time.monotonic() < deadline, "the task never completed"
        time.sleep(0.1)
    assert call(c, "DELETE", f"{D365}/tiktok_keywords/{tasks[0]['id']}").status == 204
    assert call(c, "GET", f"{D365}/tiktok_keywords/{tasks[0]['id']}").status == 404
    assert call(c, "DELETE", f"{D365}/tiktok_keywords/{tasks[0]['id']}").status == 404


def test_data365_start_all_and_cancel_all(server):
    c = d365(server, "bulk-key")
    register(c)
    ids = [t["id"] for t in call(c, "POST", D365 + "/instagram_hashtag", json_body=TASKS).json()["tasks"]]
    started = call(c, "PUT", D365 + "/instagram_hashtag/start-all")
    assert started.status == 200 and started.json()["started"] == 2
    assert {t["status"] for t in started.json()["tasks"]} == {"running"}
    cancelled = call(c, "POST", D365 + "/instagram_hashtag/cancel-all")
    assert cancelled.json()["cancelled"] == 2
    assert {call(c, "GET", f"{D365}/instagram_hashtag/{i}").json()["status"] for i in ids} == {"cancelled"}


def test_data365_bodies_are_checked(server):
    c = d365(server, "checked-key")
    register(c)
    for body in ({"tasks": []}, {"tasks": [{"value": "x", "from_date": "2024-04-02", "to_date": "2024-04-01"}]},
                 {"tasks": [{"value": "a OR b", "from_date": "2024-04-01", "to_date": "2024-04-02"}]}):
        reply = call(c, "POST", D365 + "/twitter_profile", json_body=body)
        assert reply.status == 400, (body, reply)
        assert "error" in reply.json()
    reply = call(c, "POST", D365 + "/twitter_profile", body=b'{"tasks": [', headers={"Content-Type": "application/json"})
    assert reply.status == 400
    warned = call(c, "POST", D365 + "/tiktok_hashtag",
                  json_body={"tasks": [{"value": "#coffee", "from_date": "2024-01-01", "to_date": "2024-04-01"}]})
    assert warned.status == 201 and warned.json()["warnings"]  # '#' in a hashtag, a 91-day period


def test_data365_unknown_source_and_malformed_task_id(server):
    c = d365(server, "paths-key")
    assert call(c, "GET", D365 + "/myspace").status == 404
    assert call(c, "GET", D365 + "/tiktok_hashtag/not-an-id").status == 400
    assert call(c, "GET", D365 + "/tiktok_hashtag/" + "0" * 32).status == 404


def test_data365_tasks_belong_to_their_key(server):
    owner, other = d365(server, "owner-key"), d365(server, "other-key")
    register(owner)
    task = call(owner, "POST", D365 + "/tiktok_music", json_body=TASKS).json()["tasks"][0]
    assert call(other, "GET", f"{D365}/tiktok_music/{task['id']}").status == 404
    assert call(other, "GET", D365 + "/tiktok_music").json()["count"] == 0
