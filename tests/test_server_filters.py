"""`csdl serve` over real HTTP: the filter endpoints, Historics, previews, usage and balance, both
authentication styles, the three body encodings, and every error status.

Expected values come from DataSift's recorded answers (shapes, types, error positions) and from
the DPU model's published rules, never from this server's output.
"""

from __future__ import annotations

import os
import re

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from server_fixtures import ROOT, Client, basic, start_server  # noqa: E402

COFFEE = 'interaction.content contains "coffee"'
CREATED_AT = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
HEX = re.compile(r"[0-9a-f]+")
SAMPLE = os.path.join(ROOT, "examples", "posts.jsonl")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    library = tmp / "library"
    library.mkdir()
    (library / ("ab" * 16 + ".csdl")).write_text('twitter.text contains_any "tea, coffee"\n', encoding="utf-8")
    url, stop = start_server(tmp, library=str(library), sample=SAMPLE)
    yield url
    stop()


@pytest.fixture
def client(server):
    c = Client(server)
    yield c
    c.close()


def compile_hash(client, text=COFFEE) -> str:
    reply = client.post("/v1.6/compile", form={"csdl": text})
    assert reply.status == 200, reply
    return reply.json()["hash"]


# Shapes and types -----------------------------------------------------------------------------------


def test_validate_answers_the_recorded_shape(client):
    reply = client.post("/v1.6/validate", form={"csdl": 'interaction.content contains "ruby"'})
    assert reply.status == 200
    body = reply.json()
    assert set(body) == {"created_at", "dpu"}
    assert body["dpu"] == "0.1"  # a string in validate, as recorded
    assert CREATED_AT.fullmatch(body["created_at"])
    assert reply.headers["content-type"] == "application/json"


def test_compile_answers_a_hash_and_a_string_dpu(client):
    reply = client.post("/v1.6/compile", form={"csdl": COFFEE})
    body = reply.json()
    assert reply.status == 200 and set(body) == {"hash", "created_at", "dpu"}
    assert len(body["hash"]) == 32 and HEX.fullmatch(body["hash"])
    assert body["dpu"] == "0.1"


def test_dpu_answers_a_number_and_the_recorded_detail(client):
    hash = compile_hash(client)
    reply = client.post("/v1.6/dpu", form={"hash": hash})
    assert reply.status == 200
    assert reply.json() == {"dpu": 0.1, "detail": {"contains": {"count": 1, "dpu": 0.1,
                                                               "targets": {"interaction.content": {"count": 1, "dpu": 0.1}}}}}
    assert client.get("/v1.6/dpu", query={"hash": hash}).json()["dpu"] == 0.1  # GET, as Python and Node send it


def test_headers_carry_the_version_asked_for_and_rate_limits(client):
    for prefix, version in (("/v1", "1"), ("/v1.3", "1.3"), ("/v1.6", "1.6"), ("", "1.6")):
        reply = client.post(f"{prefix}/validate", form={"csdl": COFFEE})
        assert reply.status == 200, prefix
        assert reply.headers["x-api-version"] == version
        limit, remaining, cost = (int(reply.headers[f"x-ratelimit-{k}"]) for k in ("limit", "remaining", "cost"))
        assert 0 <= remaining < limit and cost > 0


def test_refusals_carry_the_headers_too(server):
    reply = Client(server, user=None).get("/v1.6/validate")
    assert reply.status == 401 and reply.headers["x-api-version"] == "1.6"
    assert reply.headers["x-ratelimit-cost"] == "0" and reply.headers["x-ratelimit-remaining"].isdigit()
    reply = Client(server).get("/v1.4/dpu", query={"hash": "0" * 32})
    assert reply.status == 400 and reply.headers["x-api-version"] == "1.4" and int(reply.headers["x-ratelimit-cost"]) > 0


def test_rate_limit_remaining_counts_down(server):
    c = Client(server, user="counter", key="k")
    first = int(c.post("/v1.6/validate", form={"csdl": COFFEE}).headers["x-ratelimit-remaining"])
    second = c.post("/v1.6/validate", form={"csdl": COFFEE}).headers
    assert int(second["x-ratelimit-remaining"]) == first - int(second["x-ratelimit-cost"])


@pytest.mark.parametrize("path", ["pylon/validate", "pylon/compile", "analysis/validate", "analysis/compile",
                                  "pylon/facebook/validate", "pylon/linkedin/compile"])
def test_pylon_paths(client, path):
    reply = client.post(f"/v1.6/{path}", json_body={"csdl": 'interaction.content contains "ruby"'})
    assert reply.status == 200, reply
    assert reply.json()["dpu"] == "0.1"
    assert ("hash" in reply.json()) == path.endswith("compile")


def test_pylon_validate_refuses_what_pylon_cannot_filter(client):
    reply = client.post("/v1/pylon/validate", json_body={"csdl": "interaction.nonsense is not valid"})
    assert reply.status == 400
    assert reply.json()["error"].startswith("We are unable to parse this stream. At line 1 position 21")


# Encodings and authentication ----------------------------------------------------------------------


def test_parameters_from_query_form_and_json(client):
    by_query = client.get("/v1.6/validate", query={"csdl": COFFEE})
    by_form = client.post("/v1.6/validate", form={"csdl": COFFEE})
    by_json = client.post("/v1.6/validate", json_body={"csdl": COFFEE})
    assert {r.status for r in (by_query, by_form, by_json)} == {200}
    assert by_query.json()["dpu"] == by_form.json()["dpu"] == by_json.json()["dpu"] == "0.1"


def test_json_body_without_content_type_and_form_with_charset(client):
    assert client.post("/v1.6/validate", body=b'{"csdl": "interaction.content contains \\"x\\""}').status == 200
    reply = client.post("/v1.6/validate", body=b"csdl=interaction.content+contains+%22x%22",
                        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert reply.status == 200


@pytest.mark.parametrize("style", ["authorization", "auth", "basic", "query", "form", "json"])
def test_each_authentication_style(server, style):
    c = Client(server, user=None)
    if style == "authorization":
        reply = c.post("/v1.6/validate", form={"csdl": COFFEE}, headers={"Authorization": "me:key"})
    elif style == "auth":  # the PHP client's header
        reply = c.post("/v1.6/validate", form={"csdl": COFFEE}, headers={"Auth": "me:key"})
    elif style == "basic":
        reply = c.post("/v1.6/validate", form={"csdl": COFFEE}, headers={"Authorization": basic("me", "key")})
    elif style == "query":
        reply = c.get("/v1.6/validate", query={"csdl": COFFEE, "username": "me", "api_key": "key"})
    elif style == "form":
        reply = c.post("/v1.6/validate", form={"csdl": COFFEE, "username": "me", "api_key": "key"})
    else:
        reply = c.post("/v1.6/validate", json_body={"csdl": COFFEE, "username": "me", "api_key": "key"})
    assert reply.status == 200, reply


@pytest.mark.parametrize("headers, query", [
    ({}, {}),
    ({"Authorization": "no-colon"}, {}),
    ({"Authorization": ":key"}, {}),
    ({}, {"username": "me"}),
    ({"Authorization": "Basic !!!"}, {}),
])
def test_missing_or_malformed_credentials_are_401(server, headers, query):
    reply = Client(server, user=None).get("/v1.6/validate", headers=headers, query={"csdl": COFFEE, **query})
    assert reply.status == 401
    assert "error" in reply.json()


# CSDL errors at DataSift's positions ------------------------------------------------------------------


@pytest.mark.parametrize("text, line, position", [
    ("interaction.content contains", 1, 29),          # recorded: end of a 28-character filter
    ("interaction.content contains python", 1, 29),   # recorded: the unquoted value's offset
    ("interaction.nonsense is not valid", 1, 21),     # recorded: `is`
    ('interaction.content contains "a" and\n  twitter.text contains', 2, 24),
])
def test_errors_carry_datasift_prefix_at_our_position(client, text, line, position):
    reply = client.post("/v1.6/validate", form={"csdl": text})
    assert reply.status == 400
    body = reply.json()
    assert set(body) == {"error"}
    assert body["error"].startswith(f"We are unable to parse this stream. At line {line} position {position}")


def test_validation_errors_are_400_with_the_prefix(client):
    reply = client.post("/v1.6/compile", form={"csdl": 'interactin.content contains "datasift"'})
    assert reply.status == 400
    assert reply.json()["error"].startswith("We are unable to parse this stream. At line 1 position 0")
    assert "interactin.content" in reply.json()["error"]


def test_a_filter_over_one_megabyte_is_datasifts_400(client):
    text = 'interaction.content contains_any "' + ",".join(f"w{i}" for i in range(200_000)) + '"'
    assert 1_048_576 < len(text) < 2 * 1024 * 1024 - 100
    reply = client.post("/v1.6/validate", json_body={"csdl": text})
    assert reply.status == 400
    assert "1,048,576" in reply.json()["error"]


def test_missing_csdl_is_400(client):
    reply = client.post("/v1.6/validate", form={})
    assert reply.status == 400 and "csdl" in reply.json()["error"]


# Streams by hash --------------------------------------------------------------------------------------


def test_a_compiled_hash_resolves_in_a_later_filter(client):
    hash = compile_hash(client, 'twitter.text contains "espresso"')
    reply = client.post("/v1.6/validate", form={"csdl": f'stream "{hash}" or interaction.content contains "tea"'})
    assert reply.status == 200, reply
    assert reply.json()["dpu"] == "0.2"  # 0.1 for the referenced stream + 0.1 for `contains`


def test_a_library_file_resolves_by_its_name(client):
    reply = client.post("/v1.6/validate", form={"csdl": f'stream "{"ab" * 16}"'})
    assert reply.status == 200, reply
    reply = client.get("/v1.6/dpu", query={"hash": "AB" * 16})
    assert reply.status == 200 and "contains_any" in reply.json()["detail"]


def test_an_unknown_stream_reference_is_400_at_its_position(client):
    reply = client.post("/v1.6/validate", form={"csdl": 'interaction.content contains "a" and stream "' + "9" * 32 + '"'})
    assert reply.status == 400
    assert reply.json()["error"].startswith("We are unable to parse this stream. At line 1 position 37")


@pytest.mark.parametrize("hash", ["0" * 32, "not-a-hash", "../../etc/passwd", "a" * 33])
def test_dpu_of_an_unknown_or_malformed_hash_is_the_recorded_400(client, hash):
    reply = client.get("/v1.6/dpu", query={"hash": hash})
    assert reply.status == 400
    assert reply.json() == {"error": "Unable to get DPU [400]", "original_error": "Unable to get DPU [400]"}


# Historics ------------------------------------------------------------------------------------------------


def test_historics_prepare_get_delete(client):
    hash = compile_hash(client)
    start, end = 1477958400, 1477958400 + 30 * 86400
    reply = client.post("/v1.6/historics/prepare", form={"hash": hash, "start": start, "end": end, "name": "month",
                                                        "sources": "twitter,tumblr", "sample": 10})
    assert reply.status == 202, reply
    body = reply.json()
    assert body == {"id": body["id"], "dpus": None}  # as v1.6 answered; the DPU is ours, in a header
    assert len(body["id"]) == 20 and HEX.fullmatch(body["id"])
    # seed 004: a 0.1 DPU stream over one month at a 10 % sample is 288 DPU
    assert reply.headers["x-csdl-dpus"] == "288"
    older = client.post("/v1.4/historics/prepare", form={"hash": hash, "start": start, "end": end, "name": "month",
                                                        "sources": "twitter,tumblr", "sample": 10}).json()
    assert older["dpus"] is None and older["availability"] == {"start": start, "end": end, "sources": []}
    oldest = client.post("/v1.2/historics/prepare", form={"hash": hash, "start": start, "end": end, "name": "month",
                                                         "sources": "twitter,tumblr", "sample": 10}).json()
    assert oldest["dpus"] == 288 and oldest["availability"]["start"] == str(start)
    assert set(oldest["availability"]["sources"]) == {"twitter", "tumblr"}

    got = client.get("/v1.6/historics/get", query={"id": body["id"], "with_estimate": 1})
    assert got.status == 200
    record = got.json()
    assert record["definition_id"] == hash and record["sources"] == ["twitter", "tumblr"] and record["sample"] == 10
    assert record["status"] == "init" and isinstance(record["start"], int)

    listing = client.get("/v1.6/historics/get", query={"max": 1, "page": 1}).json()
    assert set(listing) == {"data", "count"} and len(listing["data"]) == 1 and listing["count"] >= 1

    # the query's DPU, as recorded: null from v1.4 on, the figure before; never the filter's breakdown
    assert client.get("/v1.6/dpu", query={"historics_id": body["id"]}).json() == {"dpu": None, "detail": {}}
    assert client.get("/v1.2/dpu", query={"historics_id": body["id"]}).json() == {"dpu": 288, "detail": {}}
    assert client.request("DELETE", "/v1.6/historics/delete", query={"id": body["id"]}).status == 204
    gone = client.request("DELETE", "/v1.6/historics/delete", query={"id": body["id"]})
    assert gone.status == 404 and gone.json() == {"error": f"No historics found with the ID {body['id']} "}
    missing = client.get("/v1.6/historics/get", query={"id": body["id"]})
    assert missing.status == 404 and missing.json() == {"error": f"No historic found with the ID {body['id']} "}


def test_historics_at_a_full_sample_has_the_premium(client):
    hash = compile_hash(client)
    reply = client.post("/v1.6/historics/prepare", json_body={"hash": hash, "start": 0, "end": 86400, "name": "day",
                                                             "sources": "twitter"})
    assert reply.status == 202
    assert reply.headers["x-csdl-dpus"] == "30"  # 1 DPU/hour minimum × 24 h × 1.25 for the 100 % sample


@pytest.mark.parametrize("change, word", [
    ({"hash": "x"}, "hash"),
    ({"hash": "1" * 32}, "not known"),
    ({"end": 100}, "after"),
    ({"start": "yesterday"}, "integer"),
    ({"sample": 50}, "10 or 100"),
    ({"name": ""}, "name"),
    ({"sources": ""}, "sources"),
])
def test_historics_prepare_refusals(client, change, word):
    params = {"hash": compile_hash(client), "start": 1000, "end": 5000, "name": "q", "sources": "twitter", **change}
    reply = client.post("/v1.6/historics/prepare", form=params)
    assert reply.status == 400
    assert word in reply.json()["error"]


def test_historics_of_another_user_are_not_visible(server, client):
    hash = compile_hash(client)
    id = client.post("/v1.6/historics/prepare", form={"hash": hash, "start": 0, "end": 3600, "name": "q",
                                                     "sources": "twitter"}).json()["id"]
    other = Client(server, user="someone-else", key="k")
    assert other.get("/v1.6/historics/get", query={"id": id}).status == 404


# Previews ----------------------------------------------------------------------------------------------


def finished_preview(client, id: str, *, method: str = "GET") -> dict:
    """preview/get until it succeeded: queued, running, then succeeded, one step a read (a bound of 5)."""
    statuses = []
    for _ in range(5):
        if method == "GET":
            reply = client.get("/v1.6/preview/get", query={"id": id})
        else:
            reply = client.post("/v1.6/preview/get", form={"id": id})
        assert reply.status == 202, reply
        preview = reply.json()
        statuses.append((preview["status"], preview["progress"]))
        if preview["status"] == "succeeded":
            assert statuses == [("queued", 0), ("running", 50), ("succeeded", 100)]
            return preview
    raise AssertionError(f"the preview did not succeed: {statuses}")


def test_preview_runs_the_filter_over_the_sample(client):
    hash = compile_hash(client, 'interaction.type == "twitter"')
    reply = client.post("/v1.6/preview/create", form={
        "hash": hash, "start": 1477958400, "end": 1478044800, "sources": "twitter",
        "parameters": "interaction.type,freqDist,5;interaction.id,targetVol,day;twitter.user.followers_count,numericStatistics",
    })
    assert reply.status == 202, reply
    body = reply.json()
    assert set(body) == {"id", "created_at"} and len(body["id"]) == 40 and isinstance(body["created_at"], int)
    preview = finished_preview(client, body["id"], method="POST")
    for key in ("id", "status", "progress", "hash", "start", "end", "parameters", "feeds", "created_at", "user"):
        assert key in preview
    assert preview["status"] == "succeeded" and preview["progress"] == 100 and preview["hash"] == hash
    with open(SAMPLE, encoding="utf-8") as f:
        twitter = sum(1 for line in f if '"type":"twitter"' in line.split('"twitter":')[0])
    assert preview["sample_posts"] == 1000 and preview["matched"] == twitter
    freq, volume, stats = preview["data"]
    assert freq["result"] == [{"key": "twitter", "interactions": twitter}]
    assert sum(b["interactions"] for b in volume["result"]) == twitter
    assert stats["result"]["count"] > 0 and stats["result"]["min"] <= stats["result"]["mean"] <= stats["result"]["max"]


def test_preview_parameters_as_the_python_client_joins_them(client):
    hash = compile_hash(client, 'interaction.type == "twitter"')
    # datasift-python sends ','.join(["interaction.type,freqDist,3", "interaction.id,targetVol,day"])
    reply = client.post("/v1.6/preview/create", form={
        "hash": hash, "start": 1477958400, "sources": "twitter",
        "parameters": "interaction.type,freqDist,3,interaction.id,targetVol,day,twitter.user.followers_count,numericStatistics"})
    assert reply.status == 202, reply
    data = finished_preview(client, reply.json()["id"])["data"]
    assert [(d["target"], d["analysis"], d["parameter"]) for d in data] == [
        ("interaction.type", "freqDist", "3"), ("interaction.id", "targetVol", "day"),
        ("twitter.user.followers_count", "numStats", None)]
    assert data[1]["result"][0]["key"] % 86400 == 0


def test_arrays_in_a_json_body(client):
    hash = compile_hash(client)
    prepared = client.post("/v1.2/historics/prepare", json_body={"hash": hash, "start": 0, "end": 3600, "name": "q",
                                                                "sources": ["twitter", "tumblr"]})
    assert prepared.status == 202 and list(prepared.json()["availability"]["sources"]) == ["twitter", "tumblr"]
    preview = client.post("/v1.6/preview/create", json_body={"hash": hash, "start": 0, "end": 3600,
                                                             "parameters": ["interaction.type,freqDist,2", "interaction.id,targetVol"]})
    assert preview.status == 202
    data = finished_preview(client, preview.json()["id"])["data"]
    assert [d["analysis"] for d in data] == ["freqDist", "targetVol"]


def test_preview_end_defaults_to_a_day_after_the_start(client):
    hash = compile_hash(client)
    reply = client.post("/v1.6/preview/create", form={"hash": hash, "start": 1477958400,
                                                      "parameters": "interaction.type,freqDist"})
    preview = client.get("/v1.6/preview/get", query={"id": reply.json()["id"]}).json()
    assert preview["end"] == 1477958400 + 86400
    future = client.post("/v1.6/preview/create", form={"hash": hash, "start": 4_000_000_000,
                                                       "parameters": "interaction.type,freqDist"})
    assert future.status == 400  # the default end, an hour ago, is before the start


@pytest.mark.parametrize("parameters", ["", "interaction.type", "interaction.type,median", "BAD TARGET,freqDist,5",
                                        "interaction.type,freqDist,1000", "interaction.id,targetVol,fortnight"])
def test_preview_parameter_refusals(client, parameters):
    hash = compile_hash(client)
    reply = client.post("/v1.6/preview/create", form={"hash": hash, "start": 1, "parameters": parameters})
    assert reply.status == 400, reply


def test_preview_get_unknown_and_malformed(client):
    assert client.get("/v1.6/preview/get", query={"id": "0" * 40}).status == 404
    assert client.get("/v1.6/preview/get", query={"id": "../x"}).status == 400


# Account -------------------------------------------------------------------------------------------------


def test_usage_and_balance(client):
    usage = client.get("/v1.6/usage", query={"period": "day"})
    assert usage.status == 200 and set(usage.json()) == {"start", "end", "streams"}
    assert re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000", usage.json()["start"])
    assert client.get("/v1.6/usage", query={"period": "year"}).status == 400
    balance = client.post("/v1.6/balance", json_body={})
    assert balance.status == 200 and balance.json() == {}


# Limits and errors --------------------------------------------------------------------------------------


def test_unknown_endpoint_is_404_json(client):
    for path in ("/v1.6/nothing", "/v2/validate", "/v1.6/../etc/passwd", "/favicon.ico"):
        reply = client.get(path)
        assert reply.status == 404, path
        assert "error" in reply.json()


def test_wrong_method_is_405_json(client):
    reply = client.request("DELETE", "/v1.6/validate")
    assert reply.status == 405 and "error" in reply.json() and "POST" in reply.headers["allow"]
    assert client.request("PATCH", "/v1.6/source/get").status == 405


def test_bodies_over_two_megabytes_are_413_before_parsing(client):
    reply = client.post("/v1.6/validate", body=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                        headers={"Content-Type": "application/json"})
    assert reply.status == 413 and "error" in reply.json()


def test_chunked_bodies_over_the_limit_are_413(server):
    import http.client
    import urllib.parse

    parsed = urllib.parse.urlsplit(server)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    chunks = (b"x" * 65536 for _ in range(40))  # 2.5 MB, no Content-Length
    conn.request("POST", "/v1.6/validate", body=chunks, headers={"Authorization": "me:key",
                                                                  "Content-Type": "application/json"},
                 encode_chunked=True)
    assert conn.getresponse().status == 413
    conn.close()


@pytest.mark.parametrize("body, content_type", [
    (b'{"csdl": ', "application/json"),
    (b"[1, 2]", "application/json"),
    (b"\xff\xfe", "application/json"),
    (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    (b"csdl=x&=nameless", "application/x-www-form-urlencoded"),
    (b"csdl=%C3%28", "application/x-www-form-urlencoded"),
    (b"csdl=\xff", "application/x-www-form-urlencoded"),
    (b"csdl=%FF", "application/x-www-form-urlencoded"),
])
def test_malformed_bodies_are_400_with_a_message(client, body, content_type):
    reply = client.post("/v1.6/validate", body=body, headers={"Content-Type": content_type})
    assert reply.status == 400, reply
    assert reply.json()["error"].startswith(("Malformed JSON body", "Malformed form body"))


def test_raw_utf8_in_a_form_as_curl_d_sends_it(client):
    reply = client.post("/v1.6/validate", body='csdl=interaction.content contains "café"'.encode(),
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 200, reply


def test_unsupported_content_type_is_415(client):
    reply = client.post("/v1.6/validate", body=b"<csdl/>", headers={"Content-Type": "application/xml"})
    assert reply.status == 415


def test_no_cors_headers_by_default(client):
    reply = client.post("/v1.6/validate", form={"csdl": COFFEE}, headers={"Origin": "http://example.com"})
    assert not any(k.startswith("access-control-") for k in reply.headers)
