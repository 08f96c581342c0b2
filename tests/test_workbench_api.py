"""The workbench's JSON endpoints over real HTTP (uvicorn on an ephemeral loopback port): the same
answers as the command line for the same input, and a clean 4xx for every kind of bad input."""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import re
import subprocess
import sys
import uuid

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
pytest.importorskip("multipart")

from server_fixtures import ROOT, Client, start_server  # noqa: E402

SAMPLE = os.path.join(ROOT, "csdl", "server", "workbench", "sample.jsonl.gz")
BRANDS = os.path.join(ROOT, "examples", "filters", "brands.csdl")
GRAMMAR = os.path.join(ROOT, "grammar", "csdl.lark")


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    url, stop = start_server(tmp_path_factory.mktemp("workbench-api"))
    yield url
    stop()


@pytest.fixture
def client(base):
    return Client(base)


def post(client, path, data):
    return client.request("POST", path, json_body=data)


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def cli(*args, stdin=None) -> str:
    return subprocess.run([sys.executable, "-m", "csdl", *args], capture_output=True, text=True, cwd=ROOT,
                          input=stdin).stdout


# --- the language the highlighter gets -------------------------------------------------------------


def test_every_grammar_keyword_and_operator_reaches_the_page(client):
    with open(GRAMMAR, encoding="utf-8") as f:
        grammar = f.read()
    # Read the grammar file directly: every alternative of the keyword and operator terminals.
    written = set()
    for name in ("TEXT_OP", "STRING_OP", "STREAM", "_OR", "_AND", "NOT", "TAGS", "RETURN", "EXISTS", "CS", "IN"):
        body = re.search(rf"^{name}\.\d+: /\(?([a-z_|]+)\)?\(\?!", grammar, re.M).group(1)
        written.update(body.split("|"))
    answer = client.get("/api/language").json()
    assert written <= set(answer["keywords"])
    joined = re.compile("|".join(f"({t['pattern']})" for t in answer["terminals"]), re.I)
    kinds = [t["kind"] for t in answer["terminals"]]

    def kind_of(word):
        m = joined.match(word)
        return kinds[next(i for i, g in enumerate(m.groups()) if g is not None)]

    for word in written:
        assert kind_of(word) in ("keyword", "logic", "operator"), word
        assert kind_of(word.upper()) == kind_of(word)
    assert kind_of("interaction.content") == "target"
    assert kind_of('"a \\" b"') == "string"
    assert kind_of("// note") == "comment"
    assert kind_of("containsx") == "plain"  # a keyword inside a longer word is not one
    assert any(t["name"] == "interaction.content" for t in answer["targets"])


def test_an_unknown_grammar_terminal_fails_loudly(monkeypatch):
    from csdl.server.workbench import language

    language.terminals.cache_clear()
    real = language.grammar_terminals

    class Fake:
        name = "NEW_KEYWORD"

    monkeypatch.setattr(language, "grammar_terminals", lambda: list(real()) + [Fake()])
    with pytest.raises(language.UnknownTerminal, match="NEW_KEYWORD"):
        language.terminals()
    language.terminals.cache_clear()


# --- the page and its headers ---------------------------------------------------------------------


def test_page_and_assets_carry_a_strict_policy(client):
    page = client.get("/")
    assert page.status == 200 and b"csdl workbench" in page.body
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    script = client.get("/static/js/main.js")
    assert script.status == 200 and "javascript" in script.headers["content-type"]
    assert script.headers["content-security-policy"] == csp
    for asset in re.findall(rb'(?:href|src)="(static/[^"]+)"', page.body):
        assert client.get("/" + asset.decode()).status == 200, asset
    assert b"http://" not in page.body and b"https://" not in page.body  # nothing from elsewhere


def test_the_users_file_guards_the_page(tmp_path):
    users = tmp_path / "users"
    users.write_text("ana:s3cret\n", encoding="utf-8")
    url, stop = start_server(tmp_path, users_file=str(users))
    try:
        anonymous = Client(url)
        for path in ("/", "/static/js/main.js", "/api/language"):
            reply = anonymous.request("GET", path, auth=False)
            assert reply.status == 401 and "basic" in reply.headers["www-authenticate"].lower()
        good = "Basic " + base64.b64encode(b"ana:s3cret").decode()
        assert anonymous.request("GET", "/", headers={"Authorization": good}, auth=False).status == 200
        bad = "Basic " + base64.b64encode(b"ana:wrong").decode()
        assert anonymous.request("GET", "/", headers={"Authorization": bad}, auth=False).status == 401
    finally:
        stop()


# --- the same answers as the command line ------------------------------------------------------------


def test_check_and_cost_answer_as_the_cli(client):
    with open(BRANDS, encoding="utf-8") as f:
        text = f.read()
    cost = post(client, "/api/cost", {"csdl": text}).json()
    expected = json.loads(cli("cost", BRANDS, "--format", "json"))["files"][0]
    assert cost["dpu"] == expected["dpu"] and cost["report"]["detail"] == expected["detail"]
    broken = 'a.b contains "x"\nAND'
    found = post(client, "/api/check", {"csdl": broken}).json()
    reported = cli("check", "-", "--format", "concise", stdin=broken)
    line = re.search(r"<stdin>:(\d+):(\d+): (\w+)", reported)
    assert (found["diagnostics"][0]["line"], found["diagnostics"][0]["code"]) == (int(line.group(1)), line.group(3))
    assert found["errors"] == len(re.findall(r"^<stdin>:\d+:\d+: E\d+", reported, re.M)) >= 1


def test_preview_of_the_sample_is_csdl_run(client):
    with open(BRANDS, encoding="utf-8") as f:
        text = f.read()
    answer = post(client, "/api/preview", {"csdl": text, "limit": 5}).json()
    expected = json.loads(cli("run", BRANDS, SAMPLE, "--format", "json"))
    for key in ("read", "matched", "match_rate", "tags", "bad_posts", "blank_lines"):
        assert answer["summary"][key] == expected[key], key
    assert answer["summary"]["forecast"] == expected["forecast"]
    assert len(answer["matches"]) == 5
    assert all(m["line"] >= 1 for m in answer["matches"])
    assert [m["line"] for m in answer["matches"]] == sorted(m["line"] for m in answer["matches"])


def test_preview_warnings_carry_their_codes_as_csdl_run_gives_them(client, tmp_path):
    """The preview is csdl.run's summary: its warnings are the run's (code, name and position)."""
    text = 'interaction.content contains [keep(classic)] "coffee"'
    answer = post(client, "/api/preview", {"csdl": text, "limit": 1}).json()
    path = tmp_path / "f.csdl"
    path.write_text(text, encoding="utf-8")
    expected = json.loads(cli("run", str(path), SAMPLE, "--format", "json"))
    assert answer["summary"]["warnings"] == expected["warnings"]
    assert [(w["code"], w["name"]) for w in answer["summary"]["warnings"]] == [("R010", "switch-not-modelled")]


def test_bill_is_csdl_bill(client):
    with open(BRANDS, encoding="utf-8") as f:
        text = f.read()
    answer = post(client, "/api/bill", {"csdl": text, "plan": "on_demand", "hours": "10", "objects_per_hour": "300"}).json()
    expected = json.loads(cli("bill", "stream", BRANDS, "--hours", "10", "--objects-per-hour", "300", "--format", "json"))
    for key in ("total", "licence", "processing", "billed_dpu_per_hour"):
        assert answer["bill"][key] == expected[key], key


def test_compile_stores_the_stream_under_the_cli_hash(client):
    text = 'interaction.content contains "workbench-api"'
    answer = post(client, "/api/compile", {"csdl": text}).json()
    assert answer["hash"] == json.loads(cli("compile", "-", "--format", "json", stdin=text))["hash"]
    listed = client.get("/api/streams").json()["streams"]
    assert answer["hash"] in [s["hash"] for s in listed]
    one = client.get(f"/api/streams/{answer['hash']}").json()
    assert one["csdl"] == answer["csdl"] and one["referenced_by"] == []
    # the DataSift endpoint sees it too: one store
    assert client.request("POST", "/v1/dpu", form={"hash": answer["hash"]}).status == 200


# --- bad input: a clean 4xx, never a traceback ----------------------------------------------------------


@pytest.mark.parametrize("body, status, words", [
    (b"{not json", 400, "Malformed JSON body"),
    (b"[1, 2]", 400, "expected an object"),
    (b'{"csdl": 5}', 400, "`csdl`"),
    (b'{"csdl": "a.b exists", "platform": "moon"}', 400, "platform"),
])
def test_bad_bodies(client, body, status, words):
    for path in ("/api/check", "/api/cost", "/api/compile", "/api/format", "/api/preview"):
        reply = client.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        assert reply.status == status, (path, reply.body)
        assert words in reply.json()["error"]


def test_an_invalid_filter_reads_as_the_command_line_writes_it(client):
    text = "interaction.type exists\rand interaction.content contains"  # CR alone ends a line
    reply = post(client, "/api/compile", {"csdl": text})
    assert reply.status == 422
    concise = cli("check", "--isolated", "--format", "concise", "-", stdin=text).splitlines()
    first = [line for line in concise if line.startswith("<stdin>:")][0]
    assert first.startswith("<stdin>:2:")
    assert reply.json()["error"] == "the filter has errors: " + first[len("<stdin>:"):]


def test_invalid_filters_and_hashes(client):
    reply = post(client, "/api/cost", {"csdl": "a.b contains"})
    assert reply.status == 422 and reply.json()["diagnostics"][0]["code"] == "E004"
    assert post(client, "/api/compile", {"csdl": ""}).status == 422
    assert client.get("/api/streams/not-a-hash").status == 400
    assert client.get("/api/streams/" + "0" * 32).status == 404
    assert post(client, "/api/diff", {"csdl": "a.b exists", "base": "0" * 32}).status == 404
    assert post(client, "/api/bill", {"csdl": "a.b exists", "hours": "-1"}).status == 400
    assert post(client, "/api/bill", {"csdl": "a.b exists", "objects_per_hour": "5", "source": "myspace"}).status == 422
    assert post(client, "/api/preview", {"csdl": "a.b exists", "limit": "many"}).status == 400
    assert client.request("GET", "/api/check").status == 405


def test_uploads_are_limited_and_checked(client):
    big = b'{"interaction": {"content": "x"}}\n' * (2 * 1024 * 1024 // 33 + 10)
    body, kind = multipart({"csdl": "interaction.content exists"}, {"file": ("big.jsonl", big)})
    reply = client.request("POST", "/api/preview", body=body, headers={"Content-Type": kind})
    assert reply.status == 413 and "limit" in reply.json()["error"]
    # a small gzip that unpacks to far more is stopped too
    bomb = gzip.compress((b" " * 1_000_000 + b"{}\n") * 60)
    body, kind = multipart({"csdl": "interaction.content exists"}, {"file": ("bomb.jsonl.gz", bomb)})
    reply = client.request("POST", "/api/preview", body=body, headers={"Content-Type": kind})
    assert reply.status == 413, reply.body
    # broken gzip
    body, kind = multipart({"csdl": "interaction.content exists"}, {"file": ("x.gz", b"\x1f\x8b\x08garbage")})
    reply = client.request("POST", "/api/preview", body=body, headers={"Content-Type": kind})
    assert reply.status == 422 and "cannot read" in reply.json()["error"]


def test_any_text_gets_an_answer_never_a_server_error(base):
    """Contract: whatever the text, every endpoint answers 200 or 422 JSON (never a 500)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    pieces = st.sampled_from(['interaction.content', ' contains ', ' contains_any ', '"a, b"', '"x', ' AND ', ' OR ',
                              ' NOT ', '(', ')', '{', '}', 'tag "t" ', 'return ', 'stream "', '0' * 32, '"', '\\',
                              ' == ', ' 5 ', '[', ']', '// c\n', '/*', '*/', '\n', '\U0001F600', 'é', '\x00'])
    texts = st.lists(pieces, max_size=12).map("".join) | st.text(max_size=40)
    client = Client(base)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(texts)
    def probe(text):
        for path in ("/api/check", "/api/cost", "/api/format", "/api/compile"):
            reply = post(client, path, {"csdl": text, "cost": True})
            assert reply.status in (200, 422), (path, text, reply.body)
            body = reply.json()
            assert ("error" in body) == (reply.status == 422)

    probe()


def test_without_a_browser_the_browser_tests_skip_or_fail_under_ci(monkeypatch, tmp_path):
    import workbench_browser

    monkeypatch.setattr(workbench_browser, "CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        workbench_browser.require_browser()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        workbench_browser.require_browser()
