"""Hypothesis contracts of the language core."""

from hypothesis import given, strategies as st

import csdl
from strategies import filters, soup


def _parse_or_our_error(text):
    try:
        return csdl.parse(text)
    except csdl.CSDLError as exc:
        assert exc.diagnostics and all(d.span.line >= 1 and d.span.column >= 1 for d in exc.diagnostics)
        assert isinstance(exc, ValueError)
        return None


@given(st.text())
def test_any_text_parses_or_raises_our_error(text):
    _parse_or_our_error(text)


@given(soup)
def test_token_soup_parses_or_raises_our_error(text):
    tree = _parse_or_our_error(text)
    if tree is not None:  # whatever parses also formats and round-trips
        assert csdl.parse(csdl.format(text)) == tree


@given(filters())
def test_generated_filters_parse(text):
    assert csdl.parse(text) is not None


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
