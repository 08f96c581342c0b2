"""How ``csdl serve``'s DataSift endpoints refuse, over real HTTP (uvicorn on a loopback ephemeral
port): a stream it cannot resolve, and a malformed JSON body located as every face locates text."""

from __future__ import annotations

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from server_fixtures import Client, start_server  # noqa: E402

PREFIX = "We are unable to parse this stream."


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    url, stop = start_server(tmp_path_factory.mktemp("refusals"))
    yield Client(url)
    stop()


@pytest.mark.parametrize("text, code, line, position, written", [
    ('interaction.content contains "a" and\rstream "' + "9" * 32 + '"', "C100", 2, 0, 'stream "' + "9" * 32 + '"'),
    ('tags "' + "9" * 32 + '"\r\nreturn {interaction.content contains "a"}', "C101", 1, 5, '"' + "9" * 32 + '"'),
])
def test_an_unresolved_reference_is_refused_with_its_code_at_its_position(client, text, code, line, position, written):
    reply = client.post("/v1.6/validate", form={"csdl": text})
    assert reply.status == 400, reply
    assert reply.json()["error"] == (
        f"{PREFIX} At line {line} position {position}: {code} {written} is not known to this server: "
        "compile its filter here first, or put it in the --library directory")


@pytest.mark.parametrize("body, line, column", [
    (b'{"csdl": "a.b exists",\n"platform": }', 2, 13),
    (b'{"csdl": "a.b exists",\r"platform": }', 2, 13),  # CR alone ends a line (old Mac files)
    (b'{\r\n"csdl": "a.b exists",\r\n\r\n  "platform": }', 4, 15),
    (b'{\r"csdl":\n"a.b exists",\r\n"x": 1,\r "platform": ]', 5, 14),
])
def test_a_malformed_json_body_is_located_with_every_kind_of_line_end(client, body, line, column):
    reply = client.request("POST", "/v1.6/validate", body=body, headers={"Content-Type": "application/json"})
    assert reply.status == 400, reply
    assert reply.json()["error"] == f"Malformed JSON body: Expecting value at line {line} column {column}"
