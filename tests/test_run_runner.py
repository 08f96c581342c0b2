"""The batch runner, the posts reader, timestamps and the sample generator."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

import csdl
from csdl.evaluate import compile_matcher
from csdl.evaluate.posts import open_posts
from csdl.evaluate.runner import StrictFailure, run
from csdl.evaluate.timestamps import to_epoch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXT = 'tag.n.score 1 { interaction.content contains "a" } return { interaction.content contains_any "a, b" }'


def lines_of(posts):
    return [json.dumps(p).encode() + b"\n" for p in posts]


def test_jobs_keep_input_order_and_counts():
    posts = [{"interaction": {"content": "a" if i % 3 == 0 else ("b" if i % 3 == 1 else "c"), "i": i}} for i in range(200)]
    matcher = compile_matcher(csdl.parse(TEXT))
    one, many = io.BytesIO(), io.BytesIO()
    r1 = run(matcher, lines_of(posts), one, batch_lines=7)
    r2 = run(matcher, lines_of(posts), many, jobs=2, filter_text=TEXT, batch_lines=7)
    assert one.getvalue() == many.getvalue()
    assert (r1.stats.read, r1.stats.matched) == (r2.stats.read, r2.stats.matched) == (200, 134)
    assert r1.stats.tags == r2.stats.tags
    assert [json.loads(x)["interaction"]["i"] for x in one.getvalue().splitlines()][:3] == [0, 1, 3]


def test_jobs_by_byte_ranges_match_one_process(tmp_path, monkeypatch):
    import csdl.evaluate.runner as runner

    monkeypatch.setattr(runner, "RANGE_BYTES", 4096)  # many small ranges
    posts = [{"interaction": {"content": "a b" if i % 5 else "c", "i": i}} for i in range(3000)]
    data = b"".join(lines_of(posts)) + b"oops\n" + b"".join(lines_of(posts[:10]))
    path = tmp_path / "p.jsonl"
    path.write_bytes(data)
    matcher = compile_matcher(csdl.parse(TEXT))
    one, many = io.BytesIO(), io.BytesIO()
    r1 = run(matcher, io.BytesIO(data), one)
    with open(path, "rb") as f:
        r2 = run(matcher, f, many, jobs=2, filter_text=TEXT, path=str(path))
    assert one.getvalue() == many.getvalue()
    assert r1.stats.matched == r2.stats.matched and r1.stats.read == r2.stats.read == 3010
    assert [b.line for b in r2.stats.bad] == [3001]


def test_strict_raises_with_the_line():
    matcher = compile_matcher(csdl.parse(TEXT))
    with pytest.raises(StrictFailure) as info:
        run(matcher, [b'{"interaction": {}}\n', b"oops\n"], io.BytesIO(), strict=True)
    assert info.value.bad.line == 2


def test_bom_big_integers_and_invalid_utf8():
    matcher = compile_matcher(csdl.parse("interaction.id exists"))
    lines = [
        b'\xef\xbb\xbf{"interaction": {"id": 1}}\n',
        b'{"interaction": {"id": 123456789012345678901234567890}}\n',
        b'{"interaction": {"id": "\xff"}}\n',
    ]
    out = io.BytesIO()
    result = run(matcher, lines, out)
    assert result.stats.read == 2 and result.stats.matched == 2
    assert [(b.line, b.code) for b in result.stats.bad] == [(3, "R101")]
    assert b"123456789012345678901234567890" in out.getvalue()


def test_timestamps_and_span():
    assert to_epoch("Thu, 01 Jan 1970 00:00:00 +0000") == 0
    assert to_epoch("Mon, 04 Mar 2024 01:07:00 +0000") == 1709514420
    assert to_epoch("Mon, 04 Mar 2024 02:07:00 +0100") == 1709514420
    assert to_epoch("Mon, 4 Mar 2024 01:07:00 GMT") == 1709514420  # other shapes, slow path
    assert to_epoch("yesterday") is None and to_epoch(12) is None and to_epoch(None) is None
    matcher = compile_matcher(csdl.parse("interaction.id exists"))
    posts = [{"interaction": {"id": 1, "created_at": f"Mon, 04 Mar 2024 0{h}:00:00 +0000"}} for h in (3, 1, 2)]
    posts.append({"interaction": {"id": 1, "created_at": "garbage"}})
    stats = run(matcher, lines_of(posts), io.BytesIO()).stats
    assert stats.last_time - stats.first_time == 7200 and stats.timed == 3 and stats.untimed_first_line == 4


def test_profiling_samples_conditions():
    matcher = compile_matcher(csdl.parse(TEXT))
    posts = [{"interaction": {"content": "a"}}] * 500
    stats = run(matcher, lines_of(posts), io.BytesIO()).stats
    assert sum(stats.cond_calls) > 0
    assert stats.read == 500


def test_open_posts_detects_gzip_by_content(tmp_path):
    import gzip

    path = tmp_path / "posts.data"
    path.write_bytes(gzip.compress(b'{"a": 1}\n'))
    with open_posts(str(path)) as f:
        assert list(f) == [b'{"a": 1}\n']


def test_sample_is_what_the_script_writes(tmp_path):
    out = tmp_path / "posts.jsonl"
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make_sample.py"), "-o", str(out)], check=True)
    with open(os.path.join(ROOT, "examples", "posts.jsonl"), "rb") as f:
        assert out.read_bytes() == f.read()


def test_sample_shape():
    with open(os.path.join(ROOT, "examples", "posts.jsonl"), encoding="utf-8") as f:
        posts = [json.loads(line) for line in f]
    assert len(posts) == 1000
    for p in posts[:50]:
        assert isinstance(p["interaction"]["id"], str)
        assert to_epoch(p["interaction"]["created_at"]) is not None
        if "geo" in p["interaction"]:
            assert set(p["interaction"]["geo"]) == {"latitude", "longitude"}


def test_tags_added_where_interaction_is_missing_and_not_where_it_is_not_an_object():
    matcher = compile_matcher(csdl.parse('tag "t" { a.b exists } return { a.b exists }'))
    lines = [b'{"a": {"b": 1}}\n', b'{"a": {"b": 1}, "interaction": "odd"}\n', b'\xef\xbb\xbf{"a": {"b": 2}}\n']
    out = io.BytesIO()
    run(matcher, lines[:2], out)
    first, second = out.getvalue().splitlines()
    assert json.loads(first) == {"a": {"b": 1}, "interaction": {"tags": ["t"]}}
    assert json.loads(second)["interaction"] == "odd"
    plain = compile_matcher(csdl.parse("a.b exists"))
    out = io.BytesIO()
    run(plain, [lines[2]], out)
    assert out.getvalue() == b'{"a": {"b": 2}}\n'  # the byte-order mark is not copied


def _counts(result):
    s = result.stats
    return (s.read, s.matched, s.bad_count, dict(s.tags), dict(s.matched_sources), [b.to_dict() for b in s.bad])


@pytest.mark.parametrize("jobs", [1, 2])
def test_without_a_sink_only_counts_are_made(jobs, tmp_path):
    posts = [{"interaction": {"content": "a" if i % 3 == 0 else "b", "i": i}} for i in range(500)]
    data = b"".join(lines_of(posts)) + b"oops\n"
    path = tmp_path / "p.jsonl"
    path.write_bytes(data)
    matcher = compile_matcher(csdl.parse(TEXT))
    written = io.BytesIO()
    with_sink = run(matcher, io.BytesIO(data), written, jobs=jobs, filter_text=TEXT, path=str(path), batch_lines=50)
    without = run(matcher, io.BytesIO(data), None, jobs=jobs, filter_text=TEXT, path=str(path), batch_lines=50)
    assert written.getvalue() and _counts(with_sink) == _counts(without)
    from csdl.evaluate.runner import BatchRunner

    out, stats = BatchRunner(matcher).run(1, lines_of(posts), keep=False)
    assert out == [] and stats.matched == with_sink.stats.matched


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="spawned workers compile the filter text themselves")
def test_forked_workers_inherit_the_compiled_filter():
    """The workers never parse the text: they run the parent's compiled matcher (here the text
    given is not even CSDL, so a worker compiling it would fail)."""
    posts = [{"interaction": {"content": "a", "i": i}} for i in range(300)]
    matcher = compile_matcher(csdl.parse(TEXT))
    out = io.BytesIO()
    result = run(matcher, lines_of(posts), out, jobs=2, filter_text="not ( csdl", batch_lines=20)
    assert result.stats.matched == 300 and len(out.getvalue().splitlines()) == 300


def test_the_summary_claims_no_unmeasured_speed_up():
    from csdl.evaluate import report
    from csdl.evaluate.forecast import forecast

    posts = [{"interaction": {"content": "a"}}] * 50
    matcher = compile_matcher(csdl.parse(TEXT))
    result = run(matcher, lines_of(posts), None, jobs=2, filter_text=TEXT, batch_lines=10)
    data = report.summary(filter_path="f.csdl", posts_path="p.jsonl", matcher=matcher, result=result,
                          forecast=forecast(result.stats), warnings=[])
    assert data["speed"]["jobs"] == 2 and set(data["speed"]) == {"seconds", "posts_per_second", "jobs", "json"}
    assert "one process" not in report.render_text(data)


def test_timestamps_agree_with_email_utils_and_with_themselves():
    """The cached fast path gives what parsing gives, the first time and every later time."""
    import datetime
    import random
    from email.utils import format_datetime

    rng = random.Random(5)
    for _ in range(3000):
        zone = datetime.timezone(datetime.timedelta(minutes=rng.choice([0, 0, 0, 60, -300, 330, -570])))
        when = datetime.datetime(rng.randint(2009, 2030), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                                 rng.randint(0, 59), rng.randint(0, 59), tzinfo=zone)
        text = format_datetime(when).replace("-0000", "+0000")
        assert to_epoch(text) == when.timestamp() == to_epoch(text), text
    for odd in ["Mon, 04 Mar 2024 00:00:0x +0000", "Mon, 04 Mar 2024 00:00:07 X0000", "Mon, 04 Mar 2024 00:00:07 +0000 ", ""]:
        assert to_epoch(odd) == to_epoch(odd)
