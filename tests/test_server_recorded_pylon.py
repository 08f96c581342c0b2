"""PYLON recordings over a firehose: a recording started on ``csdl serve --firehose`` captures what
its filter matches, and ``pylon/analyze`` answers ``freqDist`` and ``timeSeries`` (nested, with an
analysis filter) equal to a DuckDB ``GROUP BY`` over the posts ``csdl run`` selects from the same
file, computed here independently, with PYLON's redaction below 100 unique authors; the recorded
2015 calls (hash-named, ``/v1/pylon``) and the 2016+ per-service routes (id-named) both work.
"""

from __future__ import annotations

import json
import time
from email.utils import formatdate

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
duckdb = pytest.importorskip("duckdb")

from server_fixtures import Client, start_server  # noqa: E402

POSTS = 4000
BASE = 1477958400
FILTER = 'interaction.content contains "coffee"'
TAIL = 60  # the last posts, alone in a late hour: fewer than 100 authors there
REDACTION = 100


def post(i: int) -> dict:
    language = ("en", "en", "de", "fr")[i % 4]
    author = i % 40 if language == "fr" else i % 1000  # French posts come from 40 authors only
    when = BASE + 7 * 3600 + i if i >= POSTS - TAIL else BASE + i * 6 * 3600 // POSTS
    return {"interaction": {"id": f"{i:032x}", "type": "facebook", "content": "coffee" if i % 3 != 2 else "tea",
                            "created_at": formatdate(when, usegmt=False).replace("-0000", "+0000"),
                            "author": {"id": author}},
            "fb": {"language": language}}


@pytest.fixture(scope="module")
def firehose(tmp_path_factory):
    where = tmp_path_factory.mktemp("pylon")
    path = where / "firehose.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for i in range(POSTS):
            f.write(json.dumps(post(i)) + "\n")
    import csdl

    matched = where / "matched.jsonl"
    with open(matched, "wb") as out:
        summary = csdl.run(FILTER, str(path), engine="python", output=out)
    return {"path": str(path), "matched": str(matched), "count": summary.matched, "dir": where}


@pytest.fixture(scope="module")
def recording(firehose):
    url, stop = start_server(firehose["dir"], firehose=firehose["path"])
    client = Client(url)
    hash = client.post("/v1/pylon/compile", json_body={"csdl": FILTER}).json()["hash"]
    assert client.request("PUT", "/v1/pylon/start", json_body={"hash": hash, "name": "coffee"}).status == 204
    deadline = time.monotonic() + 60
    while client.get("/v1/pylon/get", query={"hash": hash}).json()["volume"] < firehose["count"]:
        assert time.monotonic() < deadline, "the recording did not capture the firehose"
        time.sleep(0.05)
    yield client, hash
    stop()


def sql(query: str, matched: str) -> list[tuple]:
    con = duckdb.connect()
    con.execute(f"CREATE VIEW m AS SELECT * FROM read_json('{matched}', format='newline_delimited')")
    return con.execute(query).fetchall()


EPOCH = "epoch(strptime(interaction.created_at, '%a, %d %b %Y %H:%M:%S %z'))"


def analyze(client, hash, parameters, **extra):
    reply = client.post("/v1/pylon/analyze", json_body={"hash": hash, "parameters": parameters, **extra})
    assert reply.status == 200, reply
    return reply.json()


def test_freq_dist_is_a_group_by(recording, firehose):
    client, hash = recording
    answer = analyze(client, hash, {"analysis_type": "freqDist", "parameters": {"target": "fb.language", "threshold": 5}})
    expected = sql(f"""SELECT fb.language, count(*), count(DISTINCT interaction.author.id) FROM m
                       GROUP BY 1 HAVING count(DISTINCT interaction.author.id) >= {REDACTION}
                       ORDER BY 2 DESC, 1 LIMIT 5""", firehose["matched"])
    assert [(r["key"], r["interactions"], r["unique_authors"]) for r in answer["analysis"]["results"]] == expected
    assert "fr" not in [r["key"] for r in answer["analysis"]["results"]]  # 40 authors: redacted
    (total, authors), = sql("SELECT count(*), count(DISTINCT interaction.author.id) FROM m", firehose["matched"])
    assert (answer["interactions"], answer["unique_authors"]) == (total, authors)
    assert answer["analysis"]["redacted"] is False and answer["analysis"]["analysis_type"] == "freqDist"


def test_time_series_is_a_group_by(recording, firehose):
    client, hash = recording
    answer = analyze(client, hash, {"analysis_type": "timeSeries", "parameters": {"interval": "hour"}})
    expected = sql(f"""SELECT CAST(floor({EPOCH} / 3600) * 3600 AS BIGINT) AS k, count(*),
                              count(DISTINCT interaction.author.id) FROM m
                       GROUP BY 1 HAVING count(DISTINCT interaction.author.id) >= {REDACTION} ORDER BY 1""",
                   firehose["matched"])
    got = [(r["key"], r["interactions"], r["unique_authors"]) for r in answer["analysis"]["results"]]
    assert got == expected and len(got) == 6  # the late hour's few authors are left out


def test_nested_analysis_and_filter(recording, firehose):
    client, hash = recording
    answer = analyze(client, hash, {"analysis_type": "freqDist", "parameters": {"target": "fb.language", "threshold": 2},
                                    "child": {"analysis_type": "timeSeries", "parameters": {"interval": "day"}}})
    for result in answer["analysis"]["results"]:
        expected = sql(f"""SELECT CAST(floor({EPOCH} / 86400) * 86400 AS BIGINT), count(*),
                                  count(DISTINCT interaction.author.id) FROM m WHERE fb.language = '{result["key"]}'
                           GROUP BY 1 HAVING count(DISTINCT interaction.author.id) >= {REDACTION} ORDER BY 1""",
                       firehose["matched"])
        child = result["child"]["results"]
        assert [(r["key"], r["interactions"], r["unique_authors"]) for r in child] == expected
    filtered = analyze(client, hash, {"analysis_type": "freqDist", "parameters": {"target": "fb.language"}},
                       filter='fb.language == "de"')
    (count, authors), = sql("SELECT count(*), count(DISTINCT interaction.author.id) FROM m WHERE fb.language = 'de'",
                            firehose["matched"])
    assert [(r["key"], r["interactions"], r["unique_authors"]) for r in filtered["analysis"]["results"]] == [
        ("de", count, authors)]


def test_an_audience_under_the_threshold_is_redacted(recording):
    client, hash = recording
    answer = analyze(client, hash, {"analysis_type": "freqDist", "parameters": {"target": "fb.language"}},
                     filter='fb.language == "fr"')
    assert answer == {"interactions": 0, "unique_authors": 0, "analysis": {
        "analysis_type": "freqDist", "parameters": {"target": "fb.language"}, "results": [], "redacted": True}}


def test_recorded_errors_and_life_cycle(recording, firehose):
    client, hash = recording
    assert client.request("PUT", "/v1/pylon/start", json_body={"hash": "abc_invalid_filter_123", "name": "x"}).json() == {
        "error": "hash must be a valid hash"}
    assert client.request("PUT", "/v1/pylon/start", json_body={"hash": hash, "name": ""}).json() == {
        "error": "Missing param 'name'"}
    missing = client.get("/v1/pylon/get", query={"hash": "abc_invalid_filter_123"})
    assert (missing.status, missing.json()) == (404, {"error": "Subscription not found"})
    listed = client.get("/v1/pylon/get").json()
    assert isinstance(listed, list) and listed[0]["hash"] == hash and listed[0]["status"] == "running"
    sample = client.get("/v1/pylon/sample", query={"hash": hash, "count": 5}).json()
    assert len(sample["interactions"]) == 5 and set(sample) == {"remaining", "reset_at", "interactions"}
    assert client.get("/v1/pylon/tags", query={"hash": hash}).json() == []


def test_per_service_routes_name_recordings_by_id(firehose, tmp_path):
    url, stop = start_server(tmp_path)
    try:
        client = Client(url)
        hash = client.post("/v1.6/pylon/facebook/compile", json_body={"csdl": FILTER}).json()["hash"]
        started = client.post("/v1.6/pylon/facebook/start", json_body={"hash": hash, "name": "fb"})
        assert started.status == 200 and len(started.json()["id"]) == 40
        ident = started.json()["id"]
        got = client.get("/v1.6/pylon/facebook/get", query={"id": ident}).json()
        assert got["id"] == ident and got["status"] == "running" and got["volume"] == 0
        assert client.request("PUT", "/v1.6/pylon/facebook/update", json_body={"id": ident, "name": "renamed"}).status == 204
        assert client.request("PUT", "/v1.6/pylon/facebook/stop", json_body={"id": ident}).status == 204
        again = client.request("PUT", "/v1.6/pylon/facebook/stop", json_body={"id": ident})
        assert (again.status, again.json()) == (409, {"error": "Subscription not running"})
        restarted = client.post("/v1.6/pylon/facebook/start", json_body={"id": ident})
        assert restarted.status == 204
        assert client.get("/v1.6/pylon/facebook/get", query={"id": ident}).json()["status"] == "running"
        running = client.post("/v1.6/pylon/facebook/start", json_body={"id": ident})
        assert running.status == 409
        assert client.request("PUT", "/v1.6/pylon/facebook/stop", json_body={"id": ident}).status == 204
        page = client.get("/v1.6/pylon/facebook/get").json()
        assert page["count"] == 1 and page["subscriptions"][0]["name"] == "renamed"
        empty = client.post("/v1.6/pylon/facebook/analyze", json_body={
            "id": ident, "parameters": {"analysis_type": "timeSeries", "parameters": {"interval": "hour", "span": 12}}})
        assert empty.json()["analysis"]["redacted"] is True
        # the Python client's tasks: POST pylon/facebook/task/, GET pylon/facebook/task lists every type
        task = client.post("/v1.6/pylon/facebook/task/", json_body={
            "subscription_id": ident, "name": "t", "type": "analysis",
            "parameters": {"parameters": {"analysis_type": "freqDist", "parameters": {"target": "fb.language"}}}})
        assert task.status == 202 and task.headers["x-ratelimit-cost"] == "25"
        listed = client.get("/v1.6/pylon/facebook/task").json()
        assert [t["id"] for t in listed["tasks"]] == [task.json()["id"]]
        assert client.get("/v1.6/pylon/linkedin/task/analysis").json()["count"] == 0  # tasks are per service
        compiled_2015 = client.post("/v1/pylon/compile", json_body={"csdl": FILTER}).json()
        assert compiled_2015["created_at"].isdigit()  # unix seconds in a string, as recorded in 2015
        assert not client.post("/v1.6/pylon/compile", json_body={"csdl": FILTER}).json()["created_at"].isdigit()
    finally:
        stop()


def test_a_recording_over_the_archive(firehose, tmp_path):
    url, stop = start_server(tmp_path, archive=firehose["path"])
    try:
        client = Client(url)
        hash = client.post("/v1.6/pylon/facebook/compile", json_body={"csdl": FILTER}).json()["hash"]
        ident = client.post("/v1.6/pylon/facebook/start", json_body={"hash": hash, "name": "archive"}).json()["id"]
        deadline = time.monotonic() + 60
        while client.get("/v1.6/pylon/facebook/get", query={"id": ident}).json()["volume"] < firehose["count"]:
            assert time.monotonic() < deadline, "the recording did not capture the archive"
            time.sleep(0.05)
        reply = client.post("/v1.6/pylon/facebook/analyze", json_body={
            "id": ident, "parameters": {"analysis_type": "freqDist", "parameters": {"target": "fb.language"}}})
        expected = sql(f"""SELECT fb.language, count(*), count(DISTINCT interaction.author.id) FROM m
                           GROUP BY 1 HAVING count(DISTINCT interaction.author.id) >= {REDACTION}
                           ORDER BY 2 DESC, 1 LIMIT 10""", firehose["matched"])
        assert [(r["key"], r["interactions"], r["unique_authors"]) for r in reply.json()["analysis"]["results"]] == expected
    finally:
        stop()


def test_running_recordings_are_bounded(tmp_path, monkeypatch):
    from csdl.server import pylon

    monkeypatch.setattr(pylon, "MAX_RUNNING", 2)
    url, stop = start_server(tmp_path)
    try:
        client = Client(url)
        hash = client.post("/v1.6/pylon/facebook/compile", json_body={"csdl": FILTER}).json()["hash"]
        ids = [client.post("/v1.6/pylon/facebook/start", json_body={"hash": hash, "name": f"r{i}"}) for i in range(3)]
        assert [r.status for r in ids] == [200, 200, 400] and "At most 2" in ids[2].json()["error"]
        assert client.request("PUT", "/v1.6/pylon/facebook/stop", json_body={"id": ids[0].json()["id"]}).status == 204
        assert client.post("/v1.6/pylon/facebook/start", json_body={"hash": hash, "name": "again"}).status == 200
    finally:
        stop()
