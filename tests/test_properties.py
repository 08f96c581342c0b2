"""Hypothesis contracts of the language core."""

import re

from hypothesis import example, given, strategies as st

import csdl
from strategies import filters, soup


LINE_END = re.compile(r"\r\n|\r|\n")


def _parse_or_our_error(text):
    """A tree, or our error: a ValueError whose diagnostics are syntax errors (E0xx) located inside
    the text, their line and column agreeing with the offset."""
    try:
        return csdl.parse(text)
    except csdl.CSDLError as exc:
        assert isinstance(exc, ValueError) and exc.diagnostics
        for d in exc.diagnostics:
            assert len(d.code) == 4 and d.code.startswith("E0") and d.code[2:].isdigit(), d
            assert d.severity == "error" and d.message, d
            assert 0 <= d.span.start <= d.span.end <= len(text), d
            before = text[:d.span.start]
            # a line ends at CR LF, CR or LF (a CR-only file has lines too); an offset inside a
            # CR LF pair is still on the line that pair ends
            breaks = len(LINE_END.findall(before)) - (before.endswith("\r") and text[d.span.start:d.span.start + 1] == "\n")
            assert d.span.line == breaks + 1 and d.span.column >= 1, d
        return None


@given(st.text())
@example("\r0")  # an error on the second line of a CR-only text
@example("a\r\n\r\n)")
def test_any_text_parses_or_raises_our_error(text):
    _parse_or_our_error(text)


@given(soup)
def test_token_soup_parses_or_raises_our_error(text):
    tree = _parse_or_our_error(text)
    if tree is not None:  # whatever parses also formats and round-trips
        assert csdl.parse(csdl.format(text)) == tree


@given(filters())
def test_generated_filters_parse(text):
    """Every generated filter parses, and each condition's span holds that condition's own text:
    its target first, case as written (a tree that parsed the wrong thing fails here)."""
    tree = csdl.parse(text)
    assert isinstance(tree, csdl.Filter)
    conditions = list(tree.conditions())
    assert conditions
    for node in conditions:
        written = text[node.span.start:node.span.end]
        if node.kind == "condition":
            assert written.startswith(node.target), (written, node.target)
    assert len(tree.tag_rules) == sum(line.lstrip().lower().startswith("tag ") or line.lstrip().lower().startswith("tag.")
                                      for line in text.splitlines())


@given(filters())
def test_format_round_trips_and_is_stable(text):
    formatted = csdl.format(text)
    assert csdl.parse(formatted) == csdl.parse(text)
    assert csdl.format(formatted) == formatted


@given(filters())
def test_format_keeps_every_comment_in_order(text):
    before = [c.text for c in csdl.parse(text).comments]
    after = [c.text for c in csdl.parse(csdl.format(text)).comments]
    assert after == before
