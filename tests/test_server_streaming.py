"""Live delivery over the streaming API: a firehose file replayed into ``csdl serve`` reaches
DataSift's official Node client (HTTP streaming, multi-stream), plain HTTP streaming and WebSocket
consumers, with exactly the interactions the filters select, in order, with their tags; deletes,
ticks and status messages reach the handlers; ODP ingestion publishes into the same bus.

Every server is uvicorn on a loopback ephemeral port; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import sys
import threading
import time

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

sys.path.insert(0, os.path.dirname(__file__))
from node_client import node_or_skip  # noqa: E402
from server_fixtures import Client  # noqa: E402

WORDS = ["coffee", "tea", "music", "sport", "rain", "python", "bread"]
COFFEE = 'tag "tea" { interaction.content contains "tea" }\n' \
         'tag.score.hot +10 { interaction.content contains "coffee" }\n' \
         'return { interaction.content contains "coffee" }'
MUSIC = 'interaction.content contains "music"'


def make_posts(count: int = 120) -> list[dict]:
    posts = []
    for i in range(count):
        a, b = WORDS[i % len(WORDS)], WORDS[(i * 3 + 1) % len(WORDS)]
        posts.append({"interaction": {"id": f"p{i:04d}", "type": "twitter", "content": f"I like {a} and {b} today"}})
    return posts


def words(post) -> set[str]:
    return set(post["interaction"]["content"].split())


def expected_coffee(posts):
    """What the coffee filter selects, worked out here, with the tags DataSift would attach."""
    out = []
    for post in posts:
        if "coffee" in words(post):
            tags = ["tea"] if "tea" in words(post) else []
            out.append((post["interaction"]["id"], tags))
    return out


def write_firehose(tmp_path, posts, *, delete_id: str = "p0000") -> str:
    path = tmp_path / "firehose.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for post in posts:
            f.write(json.dumps(post) + "\n")
        f.write("not json\n")
        f.write(json.dumps({"deleted": True, "interaction": {"id": delete_id}}) + "\n")
    return str(path)


class Server:
    """``csdl serve`` in a thread: the API at ``base``, the stream host at ``stream_port``."""

    def __init__(self, tmp_path, **settings):
        from csdl.server.app import create_app
        from csdl.server.run import make_server
        from csdl.server.settings import Settings

        settings.setdefault("store", str(tmp_path / "store.sqlite3"))
        settings.setdefault("port", 0)
        config = Settings(**settings)
        self.app = create_app(config)
        self.server = make_server(self.app, config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)
        host, port = self.server.bound()
        self.host, self.port = host, port
        self.base = f"http://{host}:{port}"
        stream = self.live.stream_address()
        self.stream_port = stream[1] if stream else None
        self.client = Client(self.base)

    @property
    def live(self):
        return self.app.state.csdl.live

    def compile(self, csdl: str) -> str:
        reply = self.client.post("/v1.6/compile", form={"csdl": csdl})
        assert reply.status == 200, reply
        return reply.json()["hash"]

    def odp_source(self) -> str:
        """The id of a new ODP (``twitter_gnip``) managed source that takes ingested posts."""
        reply = self.client.post("/v1.6/source/create", json_body={
            "source_type": "twitter_gnip", "name": "odp", "parameters": {}, "resources": [{"parameters": {}}],
            "auth": [{"parameters": {"value": "t"}}]})
        assert reply.status == 201, reply
        return reply.json()["id"]

    def stop(self):
        self.client.close()
        self.server.should_exit = True
        self.thread.join(20)
        assert not self.thread.is_alive(), "the server did not stop"


@pytest.fixture
def posts():
    return make_posts()


# -- the official Node client --------------------------------------------------------------------

NODE_SCRIPT = r"""
var DataSift = require('datasift-node');
var ds = new DataSift('me', 'secret', '127.0.0.1:%(api_port)d', false);
ds.host = '127.0.0.1';
ds.port = %(stream_port)d;
var hashes = %(hashes)s;
var out = {interactions: [], deletes: [], ticks: [], successes: [], errors: []};
function finish() { console.log(JSON.stringify(out)); process.exit(0); }
ds.on('connect', function () { hashes.forEach(function (h) { ds.subscribe(h); }); });
ds.on('interaction', function (m) { out.interactions.push(m); });
ds.on('delete', function (m) { out.deletes.push(m); if (out.deletes.length >= hashes.length) { finish(); } });
ds.on('tick', function (m) { out.ticks.push(m); });
ds.on('success', function (m) { out.successes.push(m); });
ds.on('warning', function (m) { out.errors.push('warning: ' + m); });
ds.on('error', function (e) { out.errors.push(String(e)); });
setTimeout(finish, %(timeout_ms)d);
ds.connect();
"""


@pytest.mark.timeout(180)
def test_node_client_multi_stream_receives_exactly_the_matches_with_tags(tmp_path, posts):
    node = node_or_skip()
    server = Server(tmp_path, firehose=write_firehose(tmp_path, posts), stream_port=0, firehose_wait=2)
    try:
        coffee, music = server.compile(COFFEE), server.compile(MUSIC)
        out = node.run_script(NODE_SCRIPT % {"api_port": server.port, "stream_port": server.stream_port,
                                             "hashes": json.dumps([coffee, music]), "timeout_ms": 60000}, timeout=90)
    finally:
        server.stop()
    assert out["errors"] == []
    got_coffee = [(m["data"]["interaction"]["id"], m["data"]["interaction"].get("tags", []))
                  for m in out["interactions"] if m["hash"] == coffee]
    assert got_coffee == expected_coffee(posts)
    scored = [m["data"]["interaction"]["tag_tree"] for m in out["interactions"] if m["hash"] == coffee]
    assert scored and all(tree["score"]["hot"] == 10 for tree in scored)
    got_music = [m["data"]["interaction"]["id"] for m in out["interactions"] if m["hash"] == music]
    assert got_music == [p["interaction"]["id"] for p in posts if "music" in words(p)]
    assert sorted(m["hash"] for m in out["deletes"]) == sorted([coffee, music])
    assert all(m["data"]["interaction"]["id"] == "p0000" for m in out["deletes"])
    assert out["ticks"] and out["ticks"][0]["status"] == "initialised" and isinstance(out["ticks"][0]["tick"], int)
    assert any(coffee in s for s in out["successes"]) and any(music in s for s in out["successes"])


@pytest.mark.timeout(120)
def test_node_client_single_stream_with_the_tick_of_an_idle_connection(tmp_path, posts):
    node = node_or_skip()
    server = Server(tmp_path, firehose=write_firehose(tmp_path, posts), stream_port=0, tick_seconds=0.2)
    try:
        coffee = server.compile(COFFEE)
        script = NODE_SCRIPT.replace(
            "if (out.deletes.length >= hashes.length) { finish(); }",
            # after the delete the connection is idle: wait for a "connected" tick too
            "if (out.deletes.length >= hashes.length) { ds.on('tick', function () { finish(); }); }")
        out = node.run_script(script % {"api_port": server.port, "stream_port": server.stream_port,
                                        "hashes": json.dumps([coffee]), "timeout_ms": 60000}, timeout=90)
    finally:
        server.stop()
    assert out["errors"] == []
    got = [(m["data"]["interaction"]["id"], m["data"]["interaction"].get("tags", [])) for m in out["interactions"]]
    assert got == expected_coffee(posts) and {m["hash"] for m in out["interactions"]} == {coffee}
    assert [m["data"]["interaction"]["id"] for m in out["deletes"]] == ["p0000"]
    assert [t["status"] for t in out["ticks"]][:1] == ["initialised"] and out["ticks"][-1]["status"] == "connected"


@pytest.mark.timeout(120)
def test_node_client_hears_an_unknown_hash_as_an_error(tmp_path, posts):
    node = node_or_skip()
    server = Server(tmp_path, stream_port=0)
    try:
        script = NODE_SCRIPT.replace("ds.on('error', function (e) { out.errors.push(String(e)); });",
                                     "ds.on('error', function (e) { out.errors.push(String(e)); finish(); });")
        out = node.run_script(script % {"api_port": server.port, "stream_port": server.stream_port,
                                        "hashes": json.dumps(["0" * 32]), "timeout_ms": 20000}, timeout=60)
    finally:
        server.stop()
    assert len(out["errors"]) == 1 and "0" * 32 in out["errors"][0] and "not found" in out["errors"][0]


# -- plain HTTP streaming ------------------------------------------------------------------------

def read_lines(host, port, path, headers, until, limit_s=30):
    """GET ``path`` and collect its JSON lines until ``until(lines)`` holds (bounded)."""
    conn = http.client.HTTPConnection(host, port, timeout=limit_s)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    lines = []
    deadline = time.monotonic() + limit_s
    try:
        if response.status != 200:
            return response.status, [json.loads(response.read())]
        while time.monotonic() < deadline and not until(lines):
            line = response.readline()
            if not line:
                break
            if line.strip():
                lines.append(json.loads(line))
    finally:
        conn.close()
    return response.status, lines


def test_http_stream_of_one_hash_delivers_matches_in_order(tmp_path, posts):
    server = Server(tmp_path, firehose=write_firehose(tmp_path, posts))
    try:
        music = server.compile(MUSIC)
        status, lines = read_lines(server.host, server.port, f"/{music}", {"Authorization": "me:secret"},
                                   lambda ls: any(m.get("deleted") for m in ls))
    finally:
        server.stop()
    assert status == 200
    assert lines[0]["status"] == "initialised" and "tick" in lines[0]
    got = [m["interaction"]["id"] for m in lines if "interaction" in m and not m.get("deleted")]
    assert got == [p["interaction"]["id"] for p in posts if "music" in words(p)]
    assert "hash" not in lines[1]  # a single stream is not wrapped


def test_http_stream_refuses_unknown_hash_and_missing_credentials(tmp_path):
    server = Server(tmp_path)
    try:
        status, body = read_lines(server.host, server.port, "/" + "a" * 32, {"Authorization": "me:secret"}, bool)
        assert status == 404 and body[0]["status"] == "failure"
        status, body = read_lines(server.host, server.port, "/" + "a" * 32, {}, bool)
        assert status == 401 and "error" in body[0]
        # the REST API still answers beside the stream routes
        assert server.client.post("/v1.6/validate", form={"csdl": MUSIC}).status == 200
    finally:
        server.stop()


def test_idle_connection_gets_ticks_and_a_slow_consumer_a_warning(tmp_path, posts):
    from csdl.server.streaming import Connection

    server = Server(tmp_path, tick_seconds=0.05)
    try:
        music = server.compile(MUSIC)
        status, lines = read_lines(server.host, server.port, f"/{music}", {"Authorization": "me:secret"},
                                   lambda ls: len(ls) >= 3)
    finally:
        server.stop()
    assert status == 200 and [m["status"] for m in lines[:3]] == ["initialised", "connected", "connected"]
    # a full buffer refuses and counts what the bus drops for it
    loop = asyncio.new_event_loop()
    try:
        connection = Connection(loop, multi=False, capacity=2)
        assert connection.offer("h", {"a": 1}) and connection.offer("h", {"a": 2})
        assert not connection.offer("h", {"a": 3})
        connection.dropped("h", 1)
        items, lost = connection.take()
        assert [i for _, i, _ in items] == [{"a": 1}, {"a": 2}] and lost == 1
    finally:
        loop.close()


def test_firehose_at_a_rate_drops_for_a_full_consumer_and_warns(tmp_path):
    many = make_posts(3000)
    expected = sum(1 for p in many if "music" in words(p)) + 1  # and the delete notification
    server = Server(tmp_path, firehose=write_firehose(tmp_path, many), firehose_rate=100_000, stream_buffer=5,
                    tick_seconds=0.2)
    try:
        music = server.compile(MUSIC)
        conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
        conn.request("GET", f"/{music}", headers={"Authorization": "me:secret"})
        response = conn.getresponse()
        deadline = time.monotonic() + 30
        while not server.live.firehose.done.is_set():  # do not read: let the buffer overflow
            assert time.monotonic() < deadline
            time.sleep(0.01)
        delivered, dropped, warnings = 0, 0, []
        while delivered + dropped < expected:  # every match is either delivered or counted as dropped
            assert time.monotonic() < deadline, (delivered, dropped, expected)
            message = json.loads(response.readline())
            if message.get("status") == "warning":
                warnings.append(message)
                dropped += message["dropped"]
            elif "interaction" in message:
                delivered += 1
        conn.close()
    finally:
        server.stop()
    assert warnings and "too slow" in warnings[0]["message"] and "at most 5" in warnings[0]["message"]
    assert delivered + dropped == expected and dropped > 0


# -- WebSocket -----------------------------------------------------------------------------------

websockets = pytest.importorskip("websockets")


async def ws_collect(url, *, send=(), until, limit_s=30):
    from websockets.asyncio.client import connect

    messages = []
    async with asyncio.timeout(limit_s):
        async with connect(url) as socket:
            for message in send:
                await socket.send(json.dumps(message))
            async for frame in socket:
                messages.append(json.loads(frame))
                if until(messages):
                    break
    return messages


def test_websocket_single_and_multi_stream(tmp_path, posts):
    server = Server(tmp_path, firehose=write_firehose(tmp_path, posts), firehose_wait=2)
    try:
        coffee, music = server.compile(COFFEE), server.compile(MUSIC)
        ws = f"ws://{server.host}:{server.port}"

        async def both():
            single = ws_collect(f"{ws}/{music}?username=me&api_key=secret",
                                until=lambda ms: any(m.get("deleted") for m in ms))
            multi = ws_collect(f"{ws}/multi?username=me&api_key=secret",
                               send=[{"action": "subscribe", "hash": coffee}],
                               until=lambda ms: any(m.get("data", {}).get("deleted") for m in ms))
            return await asyncio.gather(single, multi)

        single, multi = asyncio.run(both())
    finally:
        server.stop()
    assert [m["interaction"]["id"] for m in single if "interaction" in m and not m.get("deleted")] == \
        [p["interaction"]["id"] for p in posts if "music" in words(p)]
    assert any(m.get("status") == "success" and coffee in m["message"] for m in multi)
    got = [(m["data"]["interaction"]["id"], m["data"]["interaction"].get("tags", []))
           for m in multi if "data" in m and not m["data"].get("deleted")]
    assert got == expected_coffee(posts) and all(m["hash"] == coffee for m in multi if "data" in m)
    deletes = [m for m in multi if m.get("deleted")]  # where the Ruby client's WebSocket consumer looks
    assert len(deletes) == 1 and deletes[0]["data"] == {"deleted": True, "interaction": {"id": "p0000"}}


def test_websocket_needs_credentials_in_the_uri(tmp_path):
    server = Server(tmp_path)
    try:
        music = server.compile(MUSIC)
        messages = asyncio.run(ws_collect(f"ws://{server.host}:{server.port}/{music}", until=bool))
    finally:
        server.stop()
    assert messages[0]["status"] == "failure" and "Authorization" in messages[0]["message"]


# -- ODP ingestion and usage ---------------------------------------------------------------------

def test_ingestion_publishes_into_running_streams_and_usage_counts_them(tmp_path):
    server = Server(tmp_path, stream_port=0)
    try:
        music = server.compile(MUSIC)
        source_id = server.odp_source()
        result = {}

        def consume():
            result["status"], result["lines"] = read_lines(
                server.host, server.port, f"/{music}", {"Authorization": "me:secret"},
                lambda ls: sum(1 for m in ls if "interaction" in m) >= 2)

        reader = threading.Thread(target=consume)
        reader.start()
        deadline = time.monotonic() + 20
        while server.live.bus.subscription_count() < 1:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        body = b'{"id": "a1", "interaction": {"content": "music now"}}\n{"id": "a2", "interaction": {"content": "quiet"}}\n' \
               b'{"id": "a3", "interaction": {"content": "more music"}}\n'
        reply = server.client.post(f"/{source_id}", body=body, headers={"Content-Type": "application/json"})
        assert reply.status == 200 and reply.json() == {"accepted": 3, "total_message_bytes": len(body)}
        reader.join(30)
        bad = server.client.post(f"/{source_id}", body=b'{"a": 1}\n[1]\n')
        assert bad.status == 400 and "Line 2" in bad.json()["error"]
        assert server.client.post("/" + "b" * 32, body=b'{"a": 1}\n').status == 404
        usage = http.client.HTTPConnection(server.host, server.stream_port, timeout=10)
        usage.request("GET", "/usage.jsonp?callback=cb&username=me&api_key=secret")
        text = usage.getresponse().read().decode()
        usage.close()
        rest_usage = server.client.get("/v1.6/usage").json()
    finally:
        server.stop()
    ids = [m["interaction"]["id"] for m in result["lines"] if "interaction" in m]
    assert ids == ["a1", "a3"]
    assert all(m["interaction"]["type"] == "twitter_gnip" for m in result["lines"] if "interaction" in m)
    assert text.startswith("cb(") and text.endswith(");")
    payload = json.loads(text[3:-2])
    assert payload["streams"][music]["licenses"] == {"twitter_gnip": 2}
    assert rest_usage["streams"][music]["licenses"] == {"twitter_gnip": 2}
    assert isinstance(rest_usage["streams"][music]["seconds"], int)


def test_a_stream_that_fails_on_a_post_skips_it_and_says_so_once(monkeypatch, capsys):
    """A matcher bug must not stop the firehose (the matcher here is a stand-in that raises)."""
    import types

    import csdl.evaluate
    from csdl.library import Entry
    from csdl.server.bus import Bus, Sink

    class Failing:
        def evaluate(self, post):
            if post.get("bad"):
                raise ValueError("cannot read this post")
            return types.SimpleNamespace(matched=True, tags=[], tag_tree={})

    class Library:
        def resolve(self, hash):
            return Entry(f"store:{hash}", "x", object(), hash, [])

    class Collect(Sink):
        def __init__(self):
            self.got = []

        def offer(self, hash, item, raw=None):
            self.got.append(item)
            return True

    monkeypatch.setattr(csdl.evaluate, "compile_matcher", lambda tree, library=None: Failing())
    bus, sink = Bus(Library()), Collect()
    bus.subscribe(sink, "a" * 32)
    assert bus.publish([{"n": 1}, {"bad": True}, {"n": 3}, {"bad": True}]) == 2
    assert sink.got == [{"n": 1}, {"n": 3}] and bus.errors == 2
    err = capsys.readouterr().err
    assert err.count("failed on a post") == 1 and "cannot read this post" in err


def test_firehose_loops_and_stops_on_request(tmp_path, posts):
    import csdl
    from csdl.library import Entry
    from csdl.server.bus import Bus, Sink
    from csdl.server.firehose import Firehose

    class Library:
        def resolve(self, hash):
            return Entry(f"store:{hash}", MUSIC, csdl.parse(MUSIC), hash, [])

    class Collect(Sink):
        def __init__(self):
            self.got = []

        def offer(self, hash, item, raw=None):
            self.got.append(item["interaction"]["id"] if "interaction" in item else None)
            return True

    bus, sink = Bus(Library()), Collect()
    bus.subscribe(sink, "a" * 32)
    once = [p["interaction"]["id"] for p in posts if "music" in words(p)] + ["p0000"]  # the delete comes last
    firehose = Firehose(bus, write_firehose(tmp_path, posts), loop=True, wait_for=1)
    firehose.start()
    deadline = time.monotonic() + 30
    while len(sink.got) < 3 * len(once):
        assert time.monotonic() < deadline and not firehose.done.is_set()
        time.sleep(0.01)
    firehose.stop()
    assert firehose.done.is_set() and firehose.passes >= 2 and firehose.bad_lines >= 2  # "not json", each pass
    assert sink.got[: 3 * len(once)] == once * 3


def test_shutdown_ends_open_streams_cleanly(tmp_path):
    server = Server(tmp_path)
    music = server.compile(MUSIC)
    conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
    conn.request("GET", f"/{music}", headers={"Authorization": "me:secret"})
    response = conn.getresponse()
    assert json.loads(response.readline())["status"] == "initialised"
    server.stop()
    # the answer ends with its last chunk (an abrupt close would raise IncompleteRead here)
    assert response.read() == b""
    conn.close()


def test_websocket_multi_answers_bad_messages_and_stop(tmp_path):
    server = Server(tmp_path)
    try:
        music = server.compile(MUSIC)
        messages = asyncio.run(ws_collect(
            f"ws://{server.host}:{server.port}/multi?username=me&api_key=secret",
            send=[{"action": "subscribe", "hash": "nothex"}, {"action": "dance"}, {"action": "subscribe", "hash": music},
                  {"action": "unsubscribe", "hash": music}, {"action": "stop"}],
            until=lambda ms: any(m.get("message") == "Stopped by request" for m in ms)))
        still = server.client.post("/v1.6/validate", form={"csdl": MUSIC})
    finally:
        server.stop()
    statuses = [(m["status"], m["message"]) for m in messages if "status" in m and "tick" not in m]
    assert statuses == [("failure", "Invalid hash: nothex"), ("failure", "Unknown action: dance"),
                        ("success", f"Successfully subscribed to {music}"),
                        ("success", f"Successfully unsubscribed from {music}"), ("failure", "Stopped by request")]
    assert still.status == 200


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_json_objects = st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), st.text(max_size=8), st.none()),
                                max_size=3)


@settings(max_examples=80, deadline=None)
@given(messages=st.lists(_json_objects, max_size=6), cuts=st.lists(st.integers(0, 400), max_size=8),
       spaces=st.sampled_from(["", "\n", " \r\n"]))
def test_control_messages_parse_however_the_body_is_split(messages, cuts, spaces):
    from csdl.server.streaming import MessageReader

    body = ("\n" + spaces.join(json.dumps(m) for m in messages)).encode()
    reader, got, start = MessageReader(), [], 0
    for cut in sorted(c for c in cuts if c <= len(body)) + [len(body)]:
        got += reader.feed(body[start:cut])
        start = cut
    assert got == messages


NODE_INGEST = r"""
var DataSift = require('datasift-node');
var ds = new DataSift('me', 'secret', '127.0.0.1:%(port)d', false, false, 1.5, '127.0.0.1:%(port)d');
ds.ingest('%(source)s', %(objects)s, function (err, body, headers, status) {
  console.log(JSON.stringify({error: err ? String(err.statusCode || err) : null, body: body, status: status}));
  process.exit(0);
});
setTimeout(function () { console.log(JSON.stringify({error: 'timed out'})); process.exit(0); }, 30000);
"""


@pytest.mark.timeout(120)
def test_node_client_ingests_into_an_odp_source(tmp_path):
    node = node_or_skip()
    server = Server(tmp_path)
    try:
        music = server.compile(MUSIC)
        source = server.odp_source()
        pull = server.client.post("/v1.6/push/create", form={"hash": music, "name": "p", "output_type": "pull"}).json()
        objects = [{"id": "n1", "interaction": {"content": "loud music"}}, {"id": "n2", "interaction": {"content": "q"}},
                   {"id": "n3", "interaction": {"content": "music again"}}]
        out = node.run_script(NODE_INGEST % {"port": server.port, "source": source, "objects": json.dumps(objects)})
        pulled = server.client.get("/v1.6/pull", query={"id": pull["id"]})
    finally:
        server.stop()
    assert out["error"] is None and out["status"] == 200
    sent = sum(len(json.dumps(o, separators=(",", ":"))) + 1 for o in objects)  # the client's body: a line each
    assert out["body"] == {"accepted": 3, "total_message_bytes": sent}
    assert [json.loads(line)["interaction"]["id"] for line in pulled.body.split(b"\n")] == ["n1", "n3"]


def test_a_consumer_that_disconnects_is_unsubscribed(tmp_path):
    server = Server(tmp_path)
    try:
        music = server.compile(MUSIC)
        conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
        conn.request("GET", f"/{music}", headers={"Authorization": "me:secret"})
        response = conn.getresponse()
        assert json.loads(response.readline())["status"] == "initialised"
        assert server.live.bus.subscription_count() == 1
        conn.close()
        deadline = time.monotonic() + 20
        while server.live.bus.subscription_count():
            assert time.monotonic() < deadline, "the connection's subscription was not freed"
            time.sleep(0.01)
        usage = server.client.get("/v1.6/usage").json()
    finally:
        server.stop()
    assert usage["streams"][music]["licenses"] == {}
