"""DataSift's official Node client (``datasift-node`` 1.5.0, its API version 1.5) against
``csdl serve``: its Historics (over ``--archive``, delivered to a pull subscription), account,
identity, token, limit, PYLON and task calls, each with the status and answer DataSift gave."""

from __future__ import annotations

import json
from email.utils import formatdate

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from node_client import node_or_skip  # noqa: E402
from server_fixtures import start_server  # noqa: E402

BASE = 1477958400
FILTER = 'interaction.content contains "coffee"'

SCRIPT = r"""
var DataSift = require('datasift-node');
var ds = new DataSift('node-user', 'key', '127.0.0.1:%(port)d', false);
var out = {};
var steps = [];
function call(name, fn, params) {
    steps.push(function (next) {
        fn(typeof params === 'function' ? params() : params, function (err, body, headers, status) {
            var failed = err && err.statusCode;
            out[name] = {status: failed ? err.statusCode : status,
                         body: failed ? JSON.parse(err.body) : body};
            next();
        });
    });
}
function until(name, fn, params, done, limit) {
    steps.push(function poll(next) {
        fn(params(), function (err, body) {
            out[name] = body;
            if (done(body) || --limit <= 0) { return next(); }
            setTimeout(function () { poll(next); }, 50);
        });
    });
}
function run() { var step = steps.shift(); if (step) { step(run); } else { console.log(JSON.stringify(out)); } }

call('compile', ds.compile, {csdl: %(filter)s});
call('prepare', ds.historics.prepare, function () {
    return {hash: out.compile.body.hash, start: %(start)d, end: %(end)d, sources: 'twitter', name: 'node', sample: 100}; });
call('push', ds.push.create, function () {
    return {historics_id: out.prepare.body.id, name: 'pull it', output_type: 'pull', output_params: {}}; });
call('start', ds.historics.start, function () { return {id: out.prepare.body.id}; });
until('finished', ds.historics.get, function () { return {id: out.prepare.body.id}; },
      function (body) { return body && body.status === 'succeeded'; }, 400);
call('update', ds.historics.update, function () { return {id: out.prepare.body.id, name: 'renamed'}; });
call('status', ds.historics.status, {start: %(start)d, end: %(end)d, sources: 'twitter'});
call('dpu', ds.dpu, function () { return {historics_id: out.prepare.body.id}; });
call('pull', ds.pull, function () { return {id: out.push.body.id}; });
call('usage', ds.account.usage, {period: 'daily'});
call('identity', ds.identity.create, {label: 'node', status: 'active', master: false});
call('identity_get', ds.identity.get, function () { return {id: out.identity.body.id}; });
call('identity_list', ds.identity.list, {label: 'node'});
call('identity_update', ds.identity.update, function () { return {id: out.identity.body.id, label: 'node-2'}; });
call('identity_delete', ds.identity.delete, function () { return {id: out.identity.body.id}; });
call('token', ds.token.create, function () { return {identity_id: out.identity.body.id, service: 'facebook', token: 'tok'}; });
call('token_update', ds.token.update, function () { return {identity_id: out.identity.body.id, service: 'facebook', token: 'tok2'}; });
call('token_list', ds.token.list, function () { return {identity_id: out.identity.body.id}; });
call('token_delete', ds.token.delete, function () { return {identity_id: out.identity.body.id, service: 'facebook'}; });
call('limit', ds.limit.create, function () { return {identity_id: out.identity.body.id, service: 'facebook', total_allowance: 100}; });
call('limit_update', ds.limit.update, function () { return {identity_id: out.identity.body.id, service: 'facebook', total_allowance: 200}; });
call('limit_list', ds.limit.list, {service: 'facebook'});
call('limit_delete', ds.limit.delete, function () { return {identity_id: out.identity.body.id, service: 'facebook'}; });
call('pylon_compile', ds.pylon.compile, {service: 'facebook', csdl: %(filter)s});
call('pylon_start', ds.pylon.start, function () { return {service: 'facebook', hash: out.pylon_compile.body.hash, name: 'node'}; });
until('pylon_get', ds.pylon.get, function () { return {service: 'facebook', id: out.pylon_start.body.id}; },
      function (body) { return body && body.volume >= 100; }, 400);
call('pylon_update', ds.pylon.update, function () { return {service: 'facebook', id: out.pylon_start.body.id, name: 'n2'}; });
call('pylon_analyze', ds.pylon.analyze, function () { return {service: 'facebook', id: out.pylon_start.body.id,
    parameters: {analysis_type: 'freqDist', parameters: {target: 'fb.language', threshold: 3}}}; });
call('pylon_tags', ds.pylon.tags, function () { return {service: 'facebook', id: out.pylon_start.body.id}; });
call('pylon_sample', ds.pylon.sample, function () { return {service: 'facebook', id: out.pylon_start.body.id, count: 5}; });
call('pylon_stop', ds.pylon.stop, function () { return {service: 'facebook', id: out.pylon_start.body.id}; });
call('task', ds.task.create, function () { return {service: 'linkedin', subscription_id: out.pylon_start.body.id,
    name: 'node task', type: 'analysis', parameters: {parameters: {analysis_type: 'freqDist',
    parameters: {target: 'li.user.member.country', threshold: 5}}}}; });
call('task_get', ds.task.get, function () { return {service: 'linkedin', type: 'analysis', id: out.task.body.id}; });
call('task_list', ds.task.list, {service: 'linkedin', type: 'analysis'});
run();
"""


@pytest.mark.timeout(180)
def test_node_client_historics_account_and_pylon_calls(tmp_path):
    node = node_or_skip()
    archive = tmp_path / "archive.jsonl"
    with open(archive, "w", encoding="utf-8") as f:
        for i in range(200):
            f.write(json.dumps({"interaction": {
                "id": f"{i:032x}", "type": "twitter", "content": "coffee" if i % 2 else "tea",
                "created_at": formatdate(BASE + i * 30, usegmt=False).replace("-0000", "+0000")}}) + "\n")
    url, stop = start_server(tmp_path, archive=str(archive))
    try:
        port = int(url.rsplit(":", 1)[1])
        out = node.run_script(SCRIPT % {"port": port, "filter": json.dumps(FILTER), "start": BASE, "end": BASE + 7200},
                              timeout=120)
    finally:
        stop()
    assert out["prepare"]["status"] == 202 and set(out["prepare"]["body"]) == {"id", "dpus", "availability"}  # v1.5
    assert out["prepare"]["body"]["dpus"] is None and out["prepare"]["body"]["availability"]["sources"] == []
    assert out["push"]["status"] == 200 and out["start"]["status"] == 204
    assert out["finished"]["status"] == "succeeded" and out["finished"]["progress"] == 100
    assert out["finished"]["delivery_count"] == 100  # the odd posts of the 200, all inside the window
    assert out["update"]["status"] == 204 and out["status"]["status"] == 200
    assert out["dpu"]["body"] == {"dpu": None, "detail": {}}
    pulled = out["pull"]["body"]
    assert out["pull"]["status"] == 200 and len(pulled) == 100
    assert all("coffee" in item["interaction"]["content"] for item in pulled)
    assert out["usage"]["status"] == 200 and out["usage"]["body"]["usage"][0]["category"] == "historics"
    identity = out["identity"]["body"]
    assert out["identity"]["status"] == 201 and out["identity_get"]["body"] == identity
    assert out["identity_list"]["body"]["identities"] == [identity]
    assert out["identity_update"]["body"]["label"] == "node-2"
    assert out["identity_delete"] == {"status": 404, "body": {"error": "Deletion of Identities is currently unavailable"}}
    assert out["token"]["status"] == 201 and out["token_update"]["body"]["token"] == "tok2"
    assert out["token_list"]["body"]["count"] == 1 and out["token_delete"]["status"] == 204
    assert out["limit"]["body"] == {"id": identity["id"], "service": "facebook", "total_allowance": 100,
                                    "analyze_queries": None}
    assert out["limit_update"]["body"]["total_allowance"] == 200
    assert out["limit_list"]["body"]["count"] == 1 and out["limit_delete"]["status"] == 204
    assert out["pylon_start"]["status"] == 200 and len(out["pylon_start"]["body"]["id"]) == 40
    assert out["pylon_get"]["status"] == "running" and out["pylon_get"]["volume"] == 100  # the archive's matches
    assert out["pylon_update"]["status"] == 204
    assert out["pylon_analyze"]["body"]["analysis"]["redacted"] is True  # posts without authors: no audience
    sample = out["pylon_sample"]["body"]["interactions"]  # the recording captured the archive's matches
    assert len(sample) == 5 and all("coffee" in item["interaction"]["content"] for item in sample)
    assert out["pylon_tags"]["body"] == []
    assert out["pylon_stop"]["status"] == 204
    assert out["task"]["status"] == 202 and out["task_get"]["body"]["status"] == "queued"
    assert out["task_list"]["body"]["count"] == 1
