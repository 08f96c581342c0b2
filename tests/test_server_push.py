"""Push and pull over real HTTP: ``csdl serve`` delivers what its bus matches to a loopback
receiver (each format, each interaction exactly once), retries a receiver that fails and logs it,
queues pull subscriptions with cursors, honours pause/resume/stop, writes file outputs into
``--push-dir``, and answers every push call in the shape DataSift's API recorded.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

sys.path.insert(0, os.path.dirname(__file__))
from test_server_streaming import MUSIC, Server, make_posts, words, write_firehose  # noqa: E402


class Receiver:
    """A loopback HTTP endpoint that records each POST; the first ``fail`` answers are 500."""

    def __init__(self, fail: int = 0):
        self.lock = threading.Lock()
        self.accepted: list[tuple[dict, bytes]] = []
        self.refused = 0
        self.fail = fail
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with owner.lock:
                    failing = owner.refused < owner.fail
                    if failing:
                        owner.refused += 1
                    else:
                        owner.accepted.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(500 if failing else 200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"success": false}' if failing else b'{"success": true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/receive"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def interactions(self, fmt: str) -> list[dict]:
        with self.lock:
            bodies = [body for _, body in self.accepted]
        out = []
        for body in bodies:
            if fmt == "json_meta":
                out += json.loads(body)["interactions"]
            elif fmt == "json_array":
                out += json.loads(body)
            else:
                out += [json.loads(line) for line in body.splitlines() if line.strip()]
        return out

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def wait_for(condition, limit: float = 30, what: str = "condition"):
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def music_ids(posts):
    return [p["interaction"]["id"] for p in posts if "music" in words(p)]


def ids(interactions):
    return [i["interaction"]["id"] for i in interactions if not i.get("deleted")]


def create_http(server, hash, url, fmt, **extra):
    reply = server.client.post("/v1.6/push/create", json_body={
        "hash": hash, "name": f"to {fmt}", "output_type": "http",
        "output_params": {"url": url, "format": fmt, "delivery_frequency": 0, "max_size": 2048, **extra}})
    assert reply.status == 200, reply
    return reply.json()


@pytest.mark.parametrize("fmt", ["json_meta", "json_array", "json_new_line"])
def test_http_push_delivers_each_match_exactly_once(tmp_path, fmt):
    posts = make_posts(150)
    receiver = Receiver()
    server = Server(tmp_path, firehose=write_firehose(tmp_path, posts))
    try:
        music = server.compile(MUSIC)
        subscription = create_http(server, music, receiver.url, fmt)
        wait_for(lambda: any(i.get("deleted") for i in receiver.interactions(fmt)), what="the delete notification")
        got = server.client.get("/v1.6/push/get", query={"id": subscription["id"]}).json()
    finally:
        server.stop()
        receiver.close()
    assert ids(receiver.interactions(fmt)) == music_ids(posts)
    assert len(receiver.accepted) > 1  # max_size split the deliveries into batches
    headers, body = receiver.accepted[0]
    assert headers["x-datasift-id"] == subscription["id"] and headers["x-datasift-hash"] == music
    if fmt == "json_meta":
        meta = json.loads(body)
        assert meta["hash"] == music and meta["hash_type"] == "stream" and meta["count"] == len(meta["interactions"])
    assert got["interaction_count"] == len(music_ids(posts)) + 1 and got["status"] == "active"


def test_failing_receiver_is_retried_and_the_log_shows_it(tmp_path):
    posts = make_posts(40)
    receiver = Receiver(fail=2)
    server = Server(tmp_path, firehose=write_firehose(tmp_path, posts))
    try:
        music = server.compile(MUSIC)
        subscription = create_http(server, music, receiver.url, "json_array", max_size=10 * 1024 * 1024,
                                   auth={"type": "basic", "username": "u", "password": "p"})
        wait_for(lambda: any(i.get("deleted") for i in receiver.interactions("json_array")), what="delivery")
        log = server.client.get("/v1.6/push/log", query={"id": subscription["id"]}).json()
    finally:
        server.stop()
        receiver.close()
    assert receiver.refused == 2
    assert ids(receiver.interactions("json_array")) == music_ids(posts)
    assert receiver.accepted[0][0]["authorization"] == "Basic dTpw"
    messages = [(e["success"], e["message"]) for e in reversed(log["log_entries"])]
    assert [m for m in messages if not m[0]][:2] == [(False, "The endpoint answered HTTP 500 Internal Server Error")] * 2
    assert (True, "Successfully delivered after delivery failure(s)") in messages
    assert log["success"] is True and log["count"] == len(log["log_entries"])


def test_pull_with_cursors_returns_each_interaction_once(tmp_path):
    posts = make_posts(100)
    server = Server(tmp_path, firehose=write_firehose(tmp_path, posts))
    try:
        music = server.compile(MUSIC)
        created = server.client.post("/v1.6/push/create", form={"hash": music, "name": "p", "output_type": "pull"})
        assert created.status == 200, created
        ident = created.json()["id"]
        wait_for(lambda: server.live.firehose.done.is_set(), what="the firehose")
        got, first_batch, first_cursor, cursor = [], None, None, None
        for _ in range(200):
            reply = server.client.get("/v1.6/pull", query={"id": ident, "size": 300, **({"cursor": cursor} if cursor else {})})
            assert reply.headers["x-datasift-format"] == "json_new_line"
            if reply.status == 204:
                break
            batch = [json.loads(line) for line in reply.body.split(b"\n")]
            if first_batch is None:
                first_batch, first_cursor = batch, reply.headers["x-datasift-cursor-current"]
            got += batch
            cursor = reply.headers["x-datasift-cursor-next"]
        again = server.client.get("/v1.6/pull", query={"id": ident, "size": 300, "cursor": first_cursor})
        bad = server.client.get("/v1.6/pull", query={"id": ident, "cursor": "f" * 32})
    finally:
        server.stop()
    assert ids(got) == music_ids(posts) and got[-1]["deleted"] is True
    assert [json.loads(line) for line in again.body.split(b"\n")] == first_batch  # a cursor re-reads
    assert bad.status == 400 and "cursor" in bad.json()["error"]


def test_pause_resume_and_stop(tmp_path):
    receiver = Receiver()
    server = Server(tmp_path)
    try:
        music = server.compile(MUSIC)
        source = server.odp_source()

        def ingest(*texts):
            body = "\n".join(json.dumps({"interaction": {"id": t, "content": f"{t} music"}}) for t in texts).encode()
            assert server.client.post(f"/{source}", body=body).status == 200

        def state(ident):
            return server.client.get("/v1.6/push/get", query={"id": ident}).json()

        ident = create_http(server, music, receiver.url, "json_array")["id"]
        paused = server.client.request("PUT", "/v1.6/push/pause", json_body={"id": ident}).json()
        assert paused["status"] == "paused"
        ingest("a", "b")
        assert state(ident)["remaining_bytes"] == 2 and receiver.interactions("json_array") == []
        resumed = server.client.request("PUT", "/v1.6/push/resume", json_body={"id": ident}).json()
        assert resumed["status"] == "active" and shape(resumed) == CHANGED
        wait_for(lambda: len(receiver.interactions("json_array")) == 2, what="delivery after resume")
        server.client.request("PUT", "/v1.6/push/pause", json_body={"id": ident})
        ingest("c", "d", "e")
        stopped = server.client.request("PUT", "/v1.6/push/stop", json_body={"id": ident}).json()
        # the recorded stop answer's keys; it has delivered, so last_request/last_success are times
        assert stopped["status"] == "finishing" and set(stopped) == set(CREATED) and isinstance(stopped["end"], int)
        assert isinstance(stopped["last_success"], int) and stopped["remaining_bytes"] is None
        ingest("f")  # after stop: not taken
        wait_for(lambda: state(ident)["status"] == "finished", what="finished")
        again = server.client.request("PUT", "/v1.6/push/resume", json_body={"id": ident})
        delete = server.client.request("DELETE", f"/v1.6/push/delete?id={ident}")
        gone = server.client.get("/v1.6/push/get", query={"id": ident})
    finally:
        server.stop()
        receiver.close()
    assert ids(receiver.interactions("json_array")) == ["a", "b", "c", "d", "e"]
    assert again.status == 400 and delete.status == 204 and gone.status == 404


# DataSift's recorded answers (API v1.6, the official Ruby client's cassettes), as facts: keys and types.
CREATED = {"id": str, "output_type": str, "name": str, "created_at": int, "user_id": int, "hash": str,
           "hash_type": str, "output_params": dict, "status": str, "last_request": type(None),
           "last_success": type(None), "remaining_bytes": type(None), "lost_data": bool, "start": int, "end": int}
GOT = {**CREATED, "interaction_count": int, "remaining_bytes": int, "end": type(None)}
CHANGED = {**CREATED, "end": type(None)}  # pause and resume (stop: "end" is the time it stopped)
UPDATED = {**CREATED, "remaining_bytes": int, "end": type(None)}


def shape(value: dict) -> dict:
    return {k: type(v) for k, v in value.items()}


def test_push_answers_have_the_recorded_shapes(tmp_path):
    server = Server(tmp_path, push_dir=str(tmp_path))
    try:
        music = server.compile(MUSIC)
        params = {"bucket": "b", "directory": "ruby", "acl": "private", "delivery_frequency": 0,
                  "max_size": 104857600, "file_prefix": "DataSift", "auth": {"access_key": "A", "secret_key": "S"}}
        valid = server.client.post("/v1.6/push/validate", json_body={"output_type": "s3", "output_params": params})
        created = server.client.post("/v1.6/push/create", json_body={
            "hash": music, "name": "Ruby Push Example", "output_type": "s3", "output_params": params})
        ident = created.json()["id"]
        got = server.client.get("/v1.6/push/get", query={"id": ident})
        listing = server.client.get("/v1.6/push/get", query={"page": 1, "per_page": 20, "order_by": "created_at",
                                                             "order_dir": "desc", "include_finished": 0})
        by_hash = server.client.get("/v1.6/push/get", query={"hash": music})
        paused = server.client.request("PUT", "/v1.6/push/pause", form={"id": ident})
        log = server.client.get("/v1.6/push/log", query={"id": ident})
        pull = server.client.post("/v1.6/push/create", form={"hash": music, "name": "p", "output_type": "pull"})
        empty = server.client.get("/v1.6/pull", query={"id": pull.json()["id"], "cursor": "", "size": 52428800})
        flat = server.client.post("/v1.6/push/validate", form={
            "output_type": "http", "output_params.url": "http://127.0.0.1:9/x", "output_params.auth.type": "none"})
        refused = [server.client.post("/v1.6/push/validate", json_body=body) for body in (
            {"output_type": "http", "output_params": {}},
            {"output_type": "telex", "output_params": {"url": "x"}},
            {"output_type": "http", "output_params": {"url": "http://x", "colour": "red"}})]
        unknown = server.client.post("/v1.6/push/create", json_body={
            "hash": "c" * 32, "name": "x", "output_type": "pull", "output_params": {}})
        deleted = server.client.request("DELETE", f"/v1.6/push/delete?id={ident}")
    finally:
        server.stop()
    assert valid.status == 200 and valid.json() == {"success": True, "message": "Validated successfully"}
    assert created.status == 200 and shape(created.json()) == CREATED and created.json()["status"] == "active"
    assert created.json()["output_params"]["bucket"] == "b" and created.json()["hash_type"] == "stream"
    assert got.status == 200 and shape(got.json()) == GOT
    assert listing.status == 200 and set(listing.json()) == {"subscriptions", "count"}
    assert by_hash.json()["count"] == 1 and by_hash.json()["subscriptions"][0]["id"] == ident
    assert paused.status == 200 and paused.json()["status"] == "paused" and shape(paused.json()) == CHANGED
    assert log.status == 200 and log.json() == {"success": True, "count": 0, "log_entries": []}
    assert empty.status == 204 and empty.headers["x-datasift-format"] == "json_new_line"
    assert len(empty.headers["x-datasift-cursor-current"]) == 32 and "x-datasift-cursor-next" not in empty.headers
    assert flat.status == 200
    assert [r.status for r in refused] == [400, 400, 400] and "url" in refused[0].json()["error"]
    assert "colour" in refused[2].json()["error"]
    assert unknown.status == 400 and "not found" in unknown.json()["error"]
    assert deleted.status == 204


def test_file_outputs_are_written_into_push_dir(tmp_path):
    posts = make_posts(60)
    out = tmp_path / "out"
    out.mkdir()
    server = Server(tmp_path, firehose=write_firehose(tmp_path, posts), push_dir=str(out))
    try:
        music = server.compile(MUSIC)
        ident = server.client.post("/v1.6/push/create", json_body={
            "hash": music, "name": "files", "output_type": "ftp", "output_params": {
                "host": "ftp.example", "directory": "/in", "format": "json_new_line", "delivery_frequency": 0,
                "auth": {"username": "u", "password": "p"}}}).json()["id"]

        def delivered():
            files = sorted((out / ident).glob("DataSift*.json")) if (out / ident).exists() else []
            return [json.loads(line) for f in files for line in f.read_text().splitlines() if line]

        wait_for(lambda: any(i.get("deleted") for i in delivered()), what="the files")
        no_dir = Server(tmp_path / "other" if (tmp_path / "other").mkdir() is None else tmp_path)
        try:
            refused = no_dir.client.post("/v1.6/push/create", json_body={
                "hash": no_dir.compile(MUSIC), "name": "x", "output_type": "ftp", "output_params": {
                    "host": "h", "directory": "/", "auth": {"username": "u", "password": "p"}}})
        finally:
            no_dir.stop()
    finally:
        server.stop()
    assert sorted(ids(delivered()), key=lambda i: int(i[1:])) == music_ids(posts)
    assert refused.status == 400 and "--push-dir" in refused.json()["error"]


NODE_PULL = r"""
var DataSift = require('datasift-node');
var ds = new DataSift('me', 'secret', '127.0.0.1:%(port)d', false);
var out = {errors: [], pulled: []};
function fail(e) { out.errors.push(String(e && (e.body || e.message) || e)); console.log(JSON.stringify(out)); process.exit(0); }
ds.push.create({hash: '%(hash)s', name: 'node pull', output_type: 'pull'}, function (err, sub) {
  if (err) { return fail(err); }
  out.created = sub;
  function next(cursor) {
    ds.pull({id: sub.id, size: 400, cursor: cursor}, function (err, body, headers, status) {
      if (err) { return fail(err); }
      if (status === 204 || !body) { ds.push.get({id: sub.id}, function (err, got) { out.got = got;
        ds.push.stop({id: sub.id}, function (err, stopped) { out.stopped = stopped;
          console.log(JSON.stringify(out)); process.exit(0); }); }); return; }
      out.pulled = out.pulled.concat(body);
      next(headers['x-datasift-cursor-next']);
    });
  }
  var wait = setInterval(function () {
    ds.push.get({id: sub.id}, function (err, got) {
      if (!err && got.interaction_count >= %(expected)d) { clearInterval(wait); next(''); }
    });
  }, 50);
});
setTimeout(function () { fail('timed out'); }, 60000);
"""


@pytest.mark.timeout(180)
def test_node_client_creates_a_pull_subscription_and_pulls_each_interaction_once(tmp_path):
    from node_client import node_or_skip

    node = node_or_skip()
    posts = make_posts(80)
    server = Server(tmp_path, firehose=write_firehose(tmp_path, posts))
    try:
        music = server.compile(MUSIC)
        out = node.run_script(NODE_PULL % {"port": server.port, "hash": music,
                                           "expected": len(music_ids(posts)) + 1}, timeout=90)
    finally:
        server.stop()
    assert out["errors"] == []
    assert out["created"]["output_type"] == "pull" and out["created"]["hash"] == music
    assert ids(out["pulled"]) == music_ids(posts) and out["pulled"][-1]["deleted"] is True
    assert out["got"]["status"] == "active" and out["stopped"]["status"] == "finished"


def test_historics_deliver_through_their_push_subscriptions(tmp_path):
    """The interface Historics use: subscriptions made for a query id receive what the query
    delivers, then finish when it is done."""
    receiver = Receiver()
    server = Server(tmp_path)
    try:
        music = server.compile(MUSIC)
        prepared = server.client.post("/v1.6/historics/prepare", form={
            "hash": music, "start": 1477958400, "end": 1478044800, "name": "q", "sources": "twitter"})
        assert prepared.status == 202, prepared
        historics_id = prepared.json()["id"]
        created = server.client.post("/v1.6/push/create", json_body={
            "historics_id": historics_id, "name": "h", "output_type": "http",
            "output_params": {"url": receiver.url, "format": "json_meta", "delivery_frequency": 0}})
        assert created.status == 200 and created.json()["hash_type"] == "historic"
        assert created.json()["hash"] == historics_id
        listed = server.client.get("/v1.6/push/get", query={"historics_id": historics_id}).json()
        registry = server.live.push
        items = [{"interaction": {"id": f"h{i}", "content": "music"}} for i in range(25)]
        assert registry.deliver_historics(historics_id, items) == 25
        registry.historics_done(historics_id)
        ident = created.json()["id"]
        wait_for(lambda: server.client.get("/v1.6/push/get", query={"id": ident}).json()["status"] == "finished",
                 what="finished")
        unknown = server.client.post("/v1.6/push/create", json_body={
            "historics_id": "0" * 20, "name": "h", "output_type": "pull"})
    finally:
        server.stop()
        receiver.close()
    assert listed["count"] == 1
    assert ids(receiver.interactions("json_meta")) == [f"h{i}" for i in range(25)]
    assert json.loads(receiver.accepted[0][1])["hash_type"] == "historic"
    assert unknown.status == 400 and "No historic found" in unknown.json()["error"]


def test_update_changes_the_output_and_is_checked(tmp_path):
    server = Server(tmp_path)
    try:
        music = server.compile(MUSIC)
        ident = server.client.post("/v1.6/push/create", json_body={
            "hash": music, "name": "a", "output_type": "http",
            "output_params": {"url": "http://127.0.0.1:9/a"}}).json()["id"]
        updated = server.client.post("/v1.6/push/update", json_body={
            "id": ident, "name": "b", "output_params": {"url": "http://127.0.0.1:9/b", "format": "json_array"}})
        refused = server.client.post("/v1.6/push/update", json_body={"id": ident, "output_params": {"format": "xml"}})
        missing = server.client.post("/v1.6/push/update", json_body={"id": "e" * 32, "name": "x"})
    finally:
        server.stop()
    assert updated.status == 200 and shape(updated.json()) == UPDATED
    assert updated.json()["name"] == "b" and updated.json()["output_params"]["url"].endswith("/b")
    assert refused.status == 400 and missing.status == 404


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=80, deadline=None)
@given(steps=st.lists(st.one_of(st.tuples(st.just("add"), st.integers(1, 5), st.just(False)),
                                st.tuples(st.just("pull"), st.integers(1, 40), st.booleans())), max_size=40))
def test_pull_queue_returns_each_item_once_in_order_and_a_cursor_rereads(steps):
    """Pulls without a cursor, or with the previous answer's next cursor (the same thing), return
    every item once and in order; a batch's own current cursor reads that batch again."""
    from csdl.server.pull import PullQueue

    queue = PullQueue("q", capacity=1000)
    added, pulled, n, following = [], [], 0, None
    for kind, amount, use_cursor in steps:
        if kind == "add":
            for _ in range(amount):
                item = json.dumps({"n": n}).encode()
                assert queue.add(item)
                added.append(item)
                n += 1
            continue
        batch, current, following = queue.pull(amount, following if use_cursor else None)
        if added[len(pulled):]:
            assert batch, "something was waiting: a pull returns at least one item"
        assert queue.pull(amount, current)[0] == batch
        pulled += batch
    pulled += queue.pull(10 ** 9, None)[0]
    assert pulled == added
