"""DataSift's recorded API, replayed over real HTTP: every interaction the official Ruby client
recorded against the real API (tests/data/recorded/ruby_cassettes.json, 2015-2018, v1 to v1.6)
is sent in recorded order to a ``csdl serve`` on a loopback port, and the answer must have the
recorded status, keys, JSON types and values (ids, times and account state masked).

Interactions whose request body was not recorded cannot be sent (skipped, and counted); the few
where the emulator knowingly answers otherwise are listed with the reason in
tests/data/recorded/known_differences.json (each must still differ: a listed interaction that
matches fails, so the list cannot go stale). ``test_match_rate`` prints the count per endpoint.
"""

from __future__ import annotations

import json
import os

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

import recorded_replay  # noqa: E402
from server_fixtures import ROOT, start_server  # noqa: E402

VERSIONS = recorded_replay.load()
with open(os.path.join(recorded_replay.DATA, "known_differences.json"), encoding="utf-8") as f:
    KNOWN = json.load(f)
STEPS = [(v, i) for v, steps in VERSIONS.items() for i in range(len(steps))]
#: Of all recorded interactions (sent or not), the part that must match in full.
GOAL = 0.90


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    where = tmp_path_factory.mktemp("recorded")
    (where / "push").mkdir()
    url, stop = start_server(where, sample=os.path.join(ROOT, "examples", "posts.jsonl"), push_dir=str(where / "push"))
    try:
        yield {r.key: r for r in recorded_replay.Replay(url).run(VERSIONS)}
    finally:
        stop()


@pytest.mark.parametrize("version,index", STEPS, ids=[f"{v}#{i:03d}-{VERSIONS[v][i]['endpoint']}" for v, i in STEPS])
def test_recorded_interaction(results, version, index):
    result = results[f"{version}#{index:03d}"]
    if result.skipped:
        pytest.skip(result.skipped)
    reason = KNOWN["interactions"].get(result.key)
    if reason is not None:
        if result.matched and reason in KNOWN.get("loose", ()):
            pytest.skip(f"{result.key} now matches: remove it from known_differences.json")
        assert not result.matched, f"{result.key} now matches: remove it from known_differences.json"
        pytest.xfail(KNOWN["reasons"][reason])
    assert result.matched, (result.step["cassette"], result.problems)


def test_match_rate(results, capsys):
    table = recorded_replay.endpoint_table(list(results.values()))
    recorded = sum(row["recorded"] for row in table.values())
    matched = sum(row["matched"] for row in table.values())
    with capsys.disabled():
        print(f"\nrecorded interactions replayed: {matched} of {recorded} match in full")
        for endpoint, row in sorted(table.items()):
            print(f"  {endpoint:45} {row['matched']:4}/{row['sent']:4} sent/{row['recorded']:4} recorded"
                  f"  ({', '.join(sorted(row['versions']))})")
    assert matched / recorded >= GOAL, f"{matched} of {recorded} recorded interactions match"
