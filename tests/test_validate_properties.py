"""Properties of `csdl.check`: it never raises, diagnostics are located inside the text, `noqa`
on every line silences everything but syntax errors, and large inputs stay fast."""

from __future__ import annotations


from hypothesis import assume, given
from hypothesis import strategies as st

import csdl
from strategies import filters  # tests/strategies.py: a missing module is an error, never a vanished test

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


@given(filters(), st.sampled_from(["stream", "pylon"]))
def test_check_never_raises_on_generated_filters(text, platform):
    _check_located(text, platform=platform)


@given(filters())
def test_noqa_on_every_line_leaves_only_errors_it_cannot_silence(text):
    assume("/*" not in text)  # a `//` appended inside a block comment would not be a comment
    silenced = "\n".join(line + " // noqa" for line in text.split("\n"))
    for d in csdl.check(silenced, ignore=["W901"]):
        assert d.code.startswith("E0"), d


def test_the_generated_filters_property_tests_are_collected():
    # They used to exist only when `strategies` imported, and vanished without a skip otherwise.
    assert callable(test_check_never_raises_on_generated_filters)
    assert callable(test_noqa_on_every_line_leaves_only_errors_it_cannot_silence)


# How fast these run is measured in benchmarks/ (the 1 MB list case), not asserted here.
def test_a_huge_list_with_many_duplicates():
    items = ", ".join(f"w{i % 20000}" for i in range(60000))
    found = csdl.check(f'interaction.content contains_any "{items},,"')
    assert sum(d.code == "W202" for d in found) == 40000


def test_a_thousand_cs_conditions():
    text = "\nOR ".join(f'twitter.text cs contains "w{i}"' for i in range(1000))
    assert [d.code for d in csdl.check(text)] == ["W101"]


@given(st.text(alphabet="ab\n", max_size=40), st.data())
def test_span_at_agrees_with_counting_lines(text, data):
    from csdl.spans import span_at

    offset = data.draw(st.integers(0, len(text)))
    length = data.draw(st.integers(0, len(text) + 2))
    end = min(offset + length, len(text))

    def position(i):  # 1-based line and column of offset i, by counting
        before = text[:i]
        return before.count("\n") + 1, i - (before.rfind("\n") + 1) + 1

    span = span_at(text, offset, length)
    assert (span.line, span.column) == position(offset)
    assert (span.end_line, span.end_column) == position(end)
    assert (span.start, span.end) == (offset, end)
