"""DuckDB on JSON Lines against the Python engine, whole runs: the column types are inferred from a
sample of 1, 2 or 2000 posts, so later lines fall outside them (numbers where the sample had text,
arrays or text where it had objects, fields it never had), among blank, malformed, lenient (NaN, a
trailing comma) and non-object lines. Every run report must agree: the counts, the time span, the
bad lines with their numbers, codes and messages (R101, R102, R201), the tags and sources, and the
matching posts written byte for byte as read. Such a file is read either by DuckDB's JSON reader
or, when that reader would see it differently from our decoder, line by line; both are held to
the Python engine here, and ``reader_sees_lines`` (which decides between them) on its own below."""

from __future__ import annotations

import io
import json
import os
import tempfile

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

pytest.importorskip("duckdb")

import csdl  # noqa: E402
from csdl.diagnostics import CSDLError  # noqa: E402
from csdl.evaluate import compile_matcher  # noqa: E402
from engine_matchers import edge_stamp_runs  # noqa: E402
from engine_strategies import filters, posts  # noqa: E402

EXAMPLES = int(os.environ.get("CSDL_ENGINE_EXAMPLES", "50"))
STAMPS = ["Mon, 04 Mar 2024 01:07:00 +0000", "Tue, 05 Mar 2024 23:59:59 -0800", "Mon, 4 Mar 2024 01:07:00 +0000",
          "2024-03-04T01:07:00Z", "soon", ""]

# Lines that are not posts, or that DuckDB's reader would read where our decoder refuses them.
OTHER_LINES = [b"", b"   ", b"\t", b"not json", b'{"interaction": ', b'{"a": 1} {"b": 2}', b"[1, 2]", b"null", b"5", b'"text"',
               b'{"interaction": {"id": "n", "type": "twitter"}, "x": NaN}', b'{"interaction": {"id": "c", "type": "twitter"},}',
               b'{"interaction": {"id": "i", "sample": -Infinity}}', b'{"x": [1, ]}', b'{"a": 1, "a": 2}',
               b'\xef\xbb\xbf{"interaction": {"id": "bom", "type": "twitter"}}']


@st.composite
def post_lines(draw) -> bytes:
    """A post, sometimes with a timestamp (of the common shape or not), or with an array or text
    where other posts have objects, written compactly or with spaces (as json.dumps does)."""
    post = draw(posts())
    if draw(st.booleans()):
        post["interaction"]["created_at"] = draw(st.one_of(st.sampled_from(STAMPS), st.just(5)))
    shape = draw(st.integers(0, 9))
    if shape == 0:
        post["interaction"] = [post["interaction"]]
    elif shape == 1:
        post["language"] = draw(st.sampled_from(["en", {"tag": "en"}, [{"tag": "en"}], 7]))
    separators = (",", ":") if draw(st.booleans()) else (", ", ": ")
    return json.dumps(post, ensure_ascii=draw(st.booleans()), separators=separators).encode("utf-8")


def lines():
    return st.lists(st.one_of(post_lines(), post_lines(), post_lines(), st.sampled_from(OTHER_LINES)), min_size=1, max_size=12)


def _report(stats) -> dict:
    return {"read": stats.read, "matched": stats.matched, "blank": stats.blank, "bad_count": stats.bad_count,
            "unevaluated": stats.unevaluated, "bad": [(b.line, b.code, b.message) for b in stats.bad],
            "tags": dict(stats.tags), "sources": dict(stats.matched_sources), "first": stats.first_time,
            "last": stats.last_time, "timed": stats.timed, "untimed_first_line": stats.untimed_first_line}


def _python_run(tree, path: str) -> tuple[dict, bytes]:
    from csdl.evaluate.runner import run

    sink = io.BytesIO()
    with open(path, "rb") as posts_file:
        result = run(compile_matcher(tree), posts_file, sink)
    return _report(result.stats), sink.getvalue()


_CON = {}


def _duckdb_run(tree, path: str, *, want_posts: bool, sample: int) -> tuple[dict, bytes]:
    from csdl.engines import duckdb as engine
    from csdl.engines import inputs

    con = _CON.setdefault("con", engine.connect(threads=1))
    sink = io.BytesIO()
    saved = engine.SAMPLE_LINES
    engine.SAMPLE_LINES = sample
    try:
        result, _ = engine.run(tree, inputs.resolve(path), sink, con=con, want_posts=want_posts)
    finally:
        engine.SAMPLE_LINES = saved
    return _report(result.stats), sink.getvalue()


def _parsed(filter_text: str):
    try:
        tree = csdl.parse(filter_text)
        compile_matcher(tree)
    except CSDLError:
        return None
    return tree


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(filter_text=filters(), body=lines(), sample=st.sampled_from([1, 2, 2000]), want_posts=st.booleans(),
       last_newline=st.booleans())
@example(filter_text="interaction.sample < 50", body=[b'{"interaction": {"sample": 5}}', b'{"interaction": {"sample": "7"}}'],
         sample=1, want_posts=True, last_newline=True)
@example(filter_text="interaction.content contains \"tea\"", body=[b'{"interaction": {"content": "tea"}}', b'{"interaction": {"content": 5}}',
                                                                    b'{"interaction": {"content": {"t": "tea"}}}', b'{"interaction": [1]}'],
         sample=1, want_posts=True, last_newline=False)
@example(filter_text='interaction.content contains "5" or interaction.title exists',
         body=[b'{"interaction": {"content": "tea 5", "title": "t"}}', b'{"interaction": {"content": 5, "title": 5}}',
               b'{"interaction": {"content": "5", "title": "true"}}', b'{"interaction": {"content": true, "title": [1]}}',
               b'{"interaction": {"content": "[5]", "title": "{}"}}', b'{"interaction": {"content": {"a": 5}, "title": null}}'],
         sample=1, want_posts=True, last_newline=True)
def test_duckdb_json_lines_run_reports_as_python(filter_text, body, sample, want_posts, last_newline):
    tree = _parsed(filter_text)
    assume(tree is not None)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "posts.jsonl")
        with open(path, "wb") as f:
            f.write(b"\n".join(body) + (b"\n" if last_newline else b""))
        expected, written = _python_run(tree, path)
        got, out = _duckdb_run(tree, path, want_posts=want_posts, sample=sample)
    assert got == expected, filter_text
    if want_posts:  # (without, what reaches the sink is not the run's output: the CLI discards it)
        assert out == written, filter_text


@pytest.mark.parametrize(("data", "plain"), [
    (b'{"a": 1}\n{"b": [1, 2]}\n', True),
    (b'{"a": 1}\n{"b": 2}', True),  # no line end after the last line
    (b"", True),
    (b'{"a": "x, ]"}\n', False),  # inside a string: only the slower query
    (b'{"a": 1}\n\n{"b": 2}\n', False),  # a blank line
    (b'{"a": 1}\n  \n', False),
    (b'\n{"a": 1}\n', False),
    (b'{"a": 1}\nnull\n', False),  # the reader's row of NULLs
    (b' {"a": 1}\n', False),
    (b'{"a": NaN}\n', False),
    (b'{"a": [1, -inf]}\n', False),
    (b'{"a": 1,}\n', False),
    (b'{"a": [1,\t]}\n', False),
    (b'{"a": 1}\x0b\n', False),
    (b'{"a": 1}\r\n', False),
    (b'\xef\xbb\xbf{"a": 1}\n', False),
])
def test_reader_sees_lines(tmp_path, data, plain):
    from csdl.engines.jsonl_fast import reader_sees_lines

    path = tmp_path / "posts.jsonl"
    path.write_bytes(data)
    assert reader_sees_lines(str(path)) is plain


def test_reader_sees_lines_across_chunks(tmp_path, monkeypatch):
    """A blank line or a NaN where one chunk of the file ends and the next begins."""
    from csdl.engines import jsonl_fast

    monkeypatch.setattr(jsonl_fast, "CHUNK_BYTES", 16)
    line = b'{"abc": 12345}\n'  # 15 bytes: lines straddle the 16-byte chunks
    path = tmp_path / "posts.jsonl"
    path.write_bytes(line * 5)
    assert jsonl_fast.reader_sees_lines(str(path))
    path.write_bytes(line * 3 + b"\n" + line)
    assert not jsonl_fast.reader_sees_lines(str(path))
    path.write_bytes(line * 3 + b'{"abc": NaN}\n' + line)
    assert not jsonl_fast.reader_sees_lines(str(path))


@pytest.mark.parametrize("parquet", [False, True], ids=["jsonl", "parquet"])
def test_duckdb_reads_edge_timestamps_as_python(tmp_path, parquet):
    """The first and last post time and the untimed posts as the Python engine counts them, with
    each edge timestamp beside an ordinary one (year 0000: DuckDB reads it as a year, our parser
    does not, so SQL must leave it to our parser)."""
    from csdl.engines import duckdb as duck
    from csdl.engines import inputs

    tree = csdl.parse('interaction.content contains "no such word"')
    for stamp, path, want in edge_stamp_runs(tmp_path, tree, parquet):
        got = duck.run(tree, inputs.resolve(path), io.BytesIO(), want_posts=False)[0].stats
        assert (got.read, got.timed, got.first_time, got.last_time) == (want.read, want.timed, want.first_time, want.last_time), stamp


def test_duckdb_writes_the_matching_lines_of_a_large_file_under_a_keyword_join(tmp_path):
    """A long keyword list runs as a join, which does not keep the file's order; a file large
    enough for DuckDB to read in parallel: the posts written are the Python engine's, byte for
    byte (a line attributed by the row's place, not its number, wrote other posts)."""
    import random

    from csdl.engines import duckdb as duck
    from csdl.engines import inputs
    from csdl.evaluate.runner import run as run_python

    rng = random.Random(7)
    vocabulary = [f"w{i}" for i in range(2000)]
    keywords = vocabulary[:300]
    path = tmp_path / "posts.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for i in range(60_000):
            words = " ".join(rng.choice(vocabulary) for _ in range(12))
            f.write(json.dumps({"interaction": {"id": f"p{i}", "type": "twitter", "content": f"{words} {'x' * 400}",
                                                "created_at": "Mon, 04 Mar 2024 01:07:00 +0000"}}) + "\n")
    tree = csdl.parse(f'interaction.content contains_any "{", ".join(keywords)}"')
    expected = io.BytesIO()
    with open(path, "rb") as lines:
        run_python(compile_matcher(tree), lines, expected)
    got = io.BytesIO()
    result, prepared = duck.run(tree, inputs.resolve(str(path)), got, want_posts=True)
    assert prepared.plan.word_tables, "the keyword list should run as a join for this test to mean anything"
    assert got.getvalue() == expected.getvalue() and result.stats.matched > 1000
