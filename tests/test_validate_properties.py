"""Properties of `csdl.check`: it never raises, diagnostics are located inside the text, `noqa`
on every line silences everything but syntax errors, and large inputs stay fast."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

import csdl

try:
    from strategies import filters
except ImportError:  # pragma: no cover - the strategies module belongs to the parser tests
    filters = None

SOUP = st.lists(st.sampled_from([
    "interaction.content", "interaction.sample", "interaction.geo", "links.code", "fb.content", "x.y", "tag.a.1",
    "contains", "cs", "any", "contains_near", "regex_partial", "geo_polygon", "geo_box", "in", "==", "<", "exists",
    '"a,,b"', '"1,2:3,4"', '"w1,w2:0"', '"(?=x)"', '"95,10:0"', "[1, 2.5]", "[]", "5", "-1", "101",
    "[case(maybe)]", "[keep()]", "AND", "OR", "NOT", "(", ")", "{", "}", '"f0596f03644177b8bf5b59708a08bfe8"',
    "stream", "tags", "tag", "return", "// noqa", "// noqa: W1", "/* x */", "\n",
]), max_size=25).map(" ".join)


def _check_located(text: str, **kwargs) -> list:
    found = csdl.check(text, **kwargs)
    for d in found:
        assert 0 <= d.span.start <= d.span.end <= len(text), d
        assert d.code and d.message and d.severity in ("error", "warning", "info")
        if d.fix is not None:
            assert 0 <= d.fix.span.start <= d.fix.span.end <= len(text)
    return found


@given(SOUP, st.sampled_from(["stream", "pylon"]))
def test_check_never_raises_on_token_soup(text, platform):
    _check_located(text, platform=platform)


if filters is not None:
    @given(filters(), st.sampled_from(["stream", "pylon"]))
    def test_check_never_raises_on_generated_filters(text, platform):
        _check_located(text, platform=platform)

    @given(filters())
    def test_noqa_on_every_line_leaves_only_errors_it_cannot_silence(text):
        if "/*" in text:  # a `//` appended inside a block comment would not be a comment
            return
        silenced = "\n".join(line + " // noqa" for line in text.split("\n"))
        for d in csdl.check(silenced, ignore=["W901"]):
            assert d.code.startswith("E0"), d


def test_a_huge_list_with_many_duplicates_is_fast():
    items = ", ".join(f"w{i % 20000}" for i in range(60000))
    text = f'interaction.content contains_any "{items},,"'
    start = time.perf_counter()
    found = csdl.check(text)
    elapsed = time.perf_counter() - start
    assert sum(d.code == "W202" for d in found) == 40000
    assert elapsed < 10, elapsed


def test_a_thousand_cs_conditions_are_fast():
    text = "\nOR ".join(f'twitter.text cs contains "w{i}"' for i in range(1000))
    start = time.perf_counter()
    found = csdl.check(text)
    assert time.perf_counter() - start < 10
    assert [d.code for d in found] == ["W101"]


@given(st.text(alphabet="ab\n", max_size=40), st.data())
def test_span_at_agrees_with_span_at_of_ast(text, data):
    from csdl.ast import Span
    from csdl.spans import span_at

    offset = data.draw(st.integers(0, len(text)))
    length = data.draw(st.integers(0, len(text) + 2))
    fast, slow = span_at(text, offset, length), Span.at(text, offset, length)
    assert (fast.line, fast.column, fast.end_line, fast.end_column, fast.start, fast.end) == \
        (slow.line, slow.column, slow.end_line, slow.end_column, slow.start, slow.end)
