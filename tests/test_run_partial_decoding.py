"""Decoding only the fields a filter reads (csdl.evaluate.projection) changes nothing a run
reports: the same posts out (byte for byte), the same tags, counts, bad lines and times as
decoding every post in full."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import csdl
from csdl.evaluate import compile_matcher
from csdl.evaluate.projection import unchecked_decoder_for
from csdl.evaluate.runner import BatchRunner

pytest.importorskip("msgspec")

FILTER = """
tag "coffee" { interaction.content contains_any "a, b" }
tag.score +5 { twitter.user.followers_count > 3 }
tag "near" { interaction.geo geo_radius "10,10:500" }
return {
    interaction.content contains "a"
    OR twitter.user.screen_name == "x"
    OR interaction.geo exists
    OR interaction.geo.latitude > 0
    OR links.url substr "u"
    OR interaction.type in "x, y"
    OR twitter.user exists
    OR twitter.retweeted.user.screen_name cs contains "Q"
    OR twitter.user.followers_count == 7
}
"""

KEYS = ["interaction", "content", "type", "created_at", "twitter", "user", "screen_name", "followers_count", "links",
        "url", "geo", "latitude", "longitude", "retweeted", "other", "tags"]
_INT64 = 2**63 - 1

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-_INT64, _INT64), st.integers(-90, 90), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["a", "b a", "x", "Q", "u", "Mon, 04 Mar 2024 00:00:00 +0000", "2024-03-04T00:00:00Z", "é", "東京 a"]),
    st.text(max_size=8),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)),
                      max_leaves=12)
posts = st.dictionaries(st.sampled_from(KEYS), values, max_size=5)


def _line(post, ascii_only: bool) -> bytes:
    return json.dumps(post, ensure_ascii=ascii_only, separators=(",", ":")).encode("utf-8") + b"\n"


def _run(lines, partial: bool):
    matcher = compile_matcher(csdl.parse(FILTER))
    runner = BatchRunner(matcher, profile=False, adapt=False, partial=partial)
    assert (runner.partial is not None) is partial
    out, stats = runner.run(1, lines)
    return out, {
        "read": stats.read, "matched": stats.matched, "blank": stats.blank, "bad": [b.to_dict() for b in stats.bad],
        "bad_count": stats.bad_count, "unevaluated": stats.unevaluated, "tags": dict(stats.tags),
        "sources": dict(stats.matched_sources), "times": (stats.first_time, stats.last_time, stats.timed),
        "untimed": stats.untimed_first_line,
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(posts, st.booleans()), max_size=12))
@example([({"interaction": {"geo": {"latitude": 10, "longitude": 10.5}}}, True)])  # a target read whole below another
def test_same_run_whether_decoded_in_part_or_in_full(items):
    lines = [_line(post, ascii_only) for post, ascii_only in items]
    assert _run(lines, True) == _run(lines, False)


ODD_LINES = [
    b'{"interaction":{"content":"a"},"other":"\xff"}\n',  # invalid UTF-8 in a field the filter skips
    b'{"interaction":{"content":"a","x":"\xed\xa0\x80"}}\n',  # an encoded surrogate (the standard library takes it)
    b'{"interaction":{"content":"\\ud800 a"}}\n',  # a lone surrogate escape
    b'{"other":1e400,"interaction":{"content":"a"}}\n',
    b'{"interaction":{"content":"a"},"twitter":{"user":{"followers_count":1e400}}}\n',
    b'{"interaction":{"content":"a"},"n":NaN}\n',
    b'\xef\xbb\xbf{"interaction":{"content":"a"}}\n',
    b'[{"interaction":{"content":"a"}}]\n',
    b'"a"\n',
    b"\n",
    b"   \n",
    b'{"interaction":{"content":"a"}} trailing\n',
    b'{"interaction":{"content":"a"},}\n',
    b'{"interaction":{"content":"a"},"deep":' + b"[" * 3000 + b"]" * 3000 + b"}\n",
    b'{"interaction":1,"interaction":{"content":"a"}}\n',
    b'{"interaction":{"content":"b","content":"a"}}\n',
    b'{"\\u0069nteraction":{"content":"a"}}\n',
    b'{"interaction":{"content":"a","created_at":"Mon, 04 Mar 2024 00:00:00 +0000"},"tags":[1]}',
    b'{"interaction":"a string","twitter":{"user":{"followers_count":9}}}\n',
    b'{"interaction":{"content":"a"},"twitter":[{"user":{"screen_name":"x"}},{"user":null}]}\r\n',
]


@pytest.mark.parametrize("position", [0, 1])
def test_odd_lines_are_reported_as_before(position):
    """Each odd line, first in the file (a byte-order mark is only skipped on line 1) or not."""
    for odd in ODD_LINES:
        lines = [b'{"interaction":{"content":"z"}}\n'] * position + [odd]
        assert _run(lines, True) == _run(lines, False), odd


def test_only_the_fields_read_are_decoded():
    # the decoder the runner builds (it checks UTF-8 itself, before decoding)
    decode = unchecked_decoder_for(["interaction.content", "interaction.geo", "interaction.geo.latitude"])
    line = b'{"interaction":{"content":"x","geo":{"latitude":1,"longitude":2},"author":{"id":1}},"twitter":{"text":"t"}}'
    # interaction.geo is read whole (a prefix of another target is a target too)
    assert decode(line) == {"interaction": {"content": "x", "geo": {"latitude": 1, "longitude": 2}}}
    assert decode(b'{"interaction":[{"content":"x","more":1}]}') == {"interaction": [{"content": "x", "more": 1}]}
    with pytest.raises(ValueError):  # msgspec's decode errors are ValueErrors
        decode(b"[1]")


def test_integers_beyond_64_bits_keep_their_value():
    """As the standard library decodes them (orjson would round them to floats)."""
    decode = unchecked_decoder_for(["twitter.user.id"])
    assert decode(b'{"twitter":{"user":{"id":123456789012345678901234567890}}}') == {
        "twitter": {"user": {"id": 123456789012345678901234567890}}}
    matcher = compile_matcher(csdl.parse("twitter.user.id == 123456789012345678901234567890"))
    out, stats = BatchRunner(matcher, profile=False).run(1, [b'{"twitter":{"user":{"id":123456789012345678901234567890}}}\n'])
    assert stats.matched == 1
