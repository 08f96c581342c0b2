"""Differential tests: generated filters x generated posts, the Python engine against DuckDB
(JSON Lines and Parquet): the same posts match, with the same tags and scores."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

pytest.importorskip("duckdb")

import csdl  # noqa: E402
from csdl.diagnostics import CSDLError  # noqa: E402
from csdl.evaluate import compile_matcher  # noqa: E402
from engine_matchers import EngineMatcher, duckdb_runner  # noqa: E402
from engine_strategies import filters, posts  # noqa: E402

EXAMPLES = int(os.environ.get("CSDL_ENGINE_EXAMPLES", "50"))
_RUN = {}


def _duckdb():
    if "duckdb" not in _RUN:
        _RUN["duckdb"] = duckdb_runner()
    return _RUN["duckdb"]


def expected(filter_text: str, batch: list[dict]):
    matcher = compile_matcher(csdl.parse(filter_text))
    out = []
    for post in batch:
        ev = matcher.evaluate(json.loads(json.dumps(post)))
        out.append((ev.matched, ev.tags if ev.matched else [], ev.tag_tree if ev.matched else {}))
    return out


def observed(engine_matcher: EngineMatcher, batch: list[dict]):
    return [(ev.matched, ev.tags, ev.tag_tree) for ev in engine_matcher.evaluate_many(batch)]


def _compile_or_skip(filter_text: str):
    try:
        tree = csdl.parse(filter_text)
        compile_matcher(tree)
    except CSDLError:
        return None  # a filter the Python engine refuses (both refuse it: tested elsewhere)
    return tree


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(filter_text=filters(), batch=st.lists(posts(), min_size=1, max_size=12), sample=st.sampled_from([1, 2, 2000]))
def test_duckdb_json_lines_agrees_with_python(filter_text, batch, sample):
    """``sample``: how many posts the column types are inferred from. With 1 or 2 the later
    posts' types differ from the inferred ones, and the json_type guards must send them to our
    matcher; with 2000 mixed fields are JSON-typed and run on the UDF throughout."""
    from csdl.engines import duckdb as engine

    tree = _compile_or_skip(filter_text)
    assume(tree is not None)
    saved = engine.SAMPLE_LINES
    engine.SAMPLE_LINES = sample
    try:
        got = observed(EngineMatcher(_duckdb(), tree), batch)
    finally:
        engine.SAMPLE_LINES = saved
    assert got == expected(filter_text, batch), filter_text


def _parquet_runner():
    """Posts written to Parquet (typed columns) by DuckDB, then run from the Parquet file."""
    from csdl.engines import duckdb as engine
    from csdl.engines import inputs

    con = engine.connect(threads=1)

    def run(filter_ast, path, sink, library):
        from engine_matchers import _Recorder

        parquet = path + ".parquet"
        engine.write_parquet(path, parquet)
        lines = _Recorder(sink)
        engine.run(filter_ast, inputs.resolve(parquet), lines, library=library, con=con)
        return lines.numbers

    return run


@settings(max_examples=max(10, EXAMPLES // 2), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(filter_text=filters(), batch=st.lists(posts(typed=True), min_size=1, max_size=12))
def test_duckdb_parquet_agrees_with_python(filter_text, batch):
    tree = _compile_or_skip(filter_text)
    assume(tree is not None)
    if "parquet" not in _RUN:
        _RUN["parquet"] = _parquet_runner()
    got = observed(EngineMatcher(_RUN["parquet"], tree), batch)
    assert got == expected(filter_text, batch), filter_text


def _wrong_typed_lines(filter_text: str, batch: list[dict]) -> list[int]:
    """The lines the Python engine reports as R201 (its runner: tags only for matching posts)."""
    matcher = compile_matcher(csdl.parse(filter_text))
    return [n for n, post in enumerate(batch, 1) if matcher.deliver(json.loads(json.dumps(post))).issues]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(filter_text=filters(), batch=st.lists(posts(), min_size=1, max_size=12), sample=st.sampled_from([1, 2000]))
def test_duckdb_json_lines_reports_the_same_wrong_typed_posts(filter_text, batch, sample):
    """R201 is a run report like the others: DuckDB names the same lines as the Python engine,
    targets reached through an array included."""
    from csdl.engines import duckdb as engine

    tree = _compile_or_skip(filter_text)
    assume(tree is not None)
    saved = engine.SAMPLE_LINES
    engine.SAMPLE_LINES = sample
    try:
        got = [n for n, ev in enumerate(EngineMatcher(_duckdb(), tree).evaluate_many(batch), 1) if ev.issues]
    finally:
        engine.SAMPLE_LINES = saved
    assert got == _wrong_typed_lines(filter_text, batch), filter_text


def test_duckdb_reports_wrong_typed_values_behind_an_array():
    """A post with a value on a target's path where the sample had an array is decided (and its
    wrong-typed values reported) by the Python engine, as is one with an array there."""
    from csdl.engines import duckdb as engine

    filter_text = "NOT twitter.user.followers_count < 0"
    batch = [{"interaction": {"id": "0", "type": "twitter"}, "twitter": [{"user": {"followers_count": 7}}]},
             {"interaction": {"id": "0", "type": "twitter"}, "twitter": {"user": {"followers_count": {"n": 1}}}}]
    saved = engine.SAMPLE_LINES
    engine.SAMPLE_LINES = 1
    try:
        got = [n for n, ev in enumerate(EngineMatcher(_duckdb(), csdl.parse(filter_text)).evaluate_many(batch), 1) if ev.issues]
    finally:
        engine.SAMPLE_LINES = saved
    assert _wrong_typed_lines(filter_text, batch) == [2]
    assert got == [2]
