"""Contract of `csdl serve`: whatever a client sends — any endpoint, method, encoding, parameters,
bytes — the answer is JSON with a status the API documents, never a 500 and never a traceback."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from server_fixtures import Client, start_server  # noqa: E402

from csdl.server.endpoints import ENDPOINTS  # noqa: E402

DOCUMENTED = {200, 201, 202, 204, 400, 401, 404, 405, 409, 413, 415}
PATHS = sorted(ENDPOINTS) + ["pylon/facebook/validate", "nothing", "source"]  # "/" is the workbench page
D365 = ["/api/data-sources/data365", "/api/data-providers/data365", "/api/data-providers/data365/tiktok_hashtag",
        "/api/data-providers/data365/tiktok_hashtag/start-all", "/api/data-providers/data365/nope/x/start",
        "/api/data-providers/data365/tiktok_hashtag/" + "a" * 32]
KEYS = ["csdl", "hash", "id", "start", "end", "name", "sources", "sample", "parameters", "source_type", "resources",
        "auth", "auth_ids", "resource_ids", "page", "per_page", "max", "period", "historics_id", "tasks", "token"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=False),
                    st.text(max_size=40), st.sampled_from(["interaction.content contains \"x\"", "0" * 32, "a" * 20]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                             max_size=4), max_leaves=12)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    url, stop = start_server(tmp_path_factory.mktemp("props"))
    c = Client(url)
    yield c
    c.close()
    stop()


def check(reply):
    assert reply.status in DOCUMENTED, reply
    if reply.status != 204:
        assert reply.headers["content-type"] == "application/json"
        body = json.loads(reply.body)
        if reply.status >= 400:
            assert isinstance(body, dict) and isinstance(body.get("error"), str)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(PATHS), prefix=st.sampled_from(["/v1.6/", "/v1/", "/", "/v9/"]),
       method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
       params=st.dictionaries(st.sampled_from(KEYS), values, max_size=5),
       encoding=st.sampled_from(["json", "form", "query"]), auth=st.booleans())
def test_datasift_calls_answer_documented_json(client, path, prefix, method, params, encoding, auth):
    if encoding == "json":
        reply = client.request(method, prefix + path, json_body=params, auth=auth)
    else:
        flat = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        if encoding == "form":
            reply = client.request(method, prefix + path, form=flat, auth=auth)
        else:
            reply = client.request(method, prefix + path, query=flat, auth=auth)
    check(reply)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(D365), method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
       body=st.one_of(values.map(lambda v: json.dumps(v).encode()), st.binary(max_size=64)),
       key=st.sampled_from([None, "k1"]))
def test_data365_calls_answer_documented_json(client, path, method, body, key):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["apikey"] = key
    check(client.request(method, path, body=body, headers=headers, auth=False))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=200), content_type=st.sampled_from(
    ["application/json", "application/x-www-form-urlencoded", "", "text/plain", "multipart/form-data; boundary=x"]))
def test_any_bytes_as_a_body(client, body, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    check(client.request("POST", "/v1.6/source/create", body=body, headers=headers))
    check(client.request("POST", "/v1.6/validate", body=body, headers=headers))
