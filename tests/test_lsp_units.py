"""The language server's pure parts, in-process: positions in each encoding, edits, noqa
placement and completion contexts (the protocol itself is tested end to end in test_lsp.py)."""

from __future__ import annotations

import pytest

pytest.importorskip("lsprotocol")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from csdl.lsp.edits import minimal_edit, noqa_edit  # noqa: E402
from csdl.lsp.positions import UTF8, UTF16, UTF32, LineIndex  # noqa: E402

TEXT = st.text(alphabet=st.sampled_from(list("ab \t\r\n\f\v\u2028é😀\"")), max_size=40)


def test_positions_by_hand():
    text = 'a😀b\r\nc\rd\ne\ff'
    index = LineIndex(text, UTF16)
    assert index.line_count == 4  # \r\n, \r and \n end lines; \f does not (CSDL white space)
    assert index.position(text.index("b")) == (0, 3)  # the emoji is two UTF-16 units
    assert LineIndex(text, UTF8).position(text.index("b")) == (0, 5)
    assert LineIndex(text, UTF32).position(text.index("b")) == (0, 2)
    assert index.position(text.index("c")) == (1, 0)
    assert index.position(text.index("d")) == (2, 0)
    assert index.position(text.index("f")) == (3, 2)
    assert index.offset(0, 99) == text.index("\r")  # past the end of a line: its end
    assert index.offset(9, 0) == len(text)
    assert index.offset(0, 2) == text.index("b")  # inside the emoji's two units: after it


@settings(max_examples=300, deadline=None)
@given(TEXT, st.sampled_from([UTF8, UTF16, UTF32]), st.data())
def test_offset_and_position_round_trip(text, encoding, data):
    index = LineIndex(text, encoding)
    offset = data.draw(st.integers(0, len(text)))
    if 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n":
        offset -= 1  # between the two characters of a CRLF there is no position
    line, character = index.position(offset)
    assert index.offset(line, character) == offset


@given(st.text(max_size=30), st.text(max_size=30))
def test_minimal_edit_turns_old_into_new(old, new):
    edit = minimal_edit(old, new)
    assert (edit.apply(old) if edit else old) == new


def _noqa(text: str, code: str) -> str:
    from csdl.checking.checker import check
    from csdl.language.parser import parse

    tree = parse(text)
    diagnostic = next(d for d in check(text) if d.code == code)
    edit = noqa_edit(text, tree, diagnostic)
    return edit.apply(text) if edit else None


def test_noqa_goes_at_the_end_of_the_line_or_into_the_directive_there():
    ors = 'twitter.text contains "a" OR twitter.text contains "b"'
    assert _noqa(ors, "W101") == ors + " // noqa: W101"
    crlf = "(" + ors + ")\r\nAND twitter.lang exists"
    assert _noqa(crlf, "W101") == "(" + ors + ") // noqa: W101\r\nAND twitter.lang exists"  # before the CR
    with_comment = ors + " // noqa: W302"
    # W302 is not raised here, so the directive is unused (W901) — adding W101 to it works
    assert _noqa(with_comment, "W101") == ors + " // noqa: W302, W101"


def test_noqa_is_not_offered_for_syntax_errors():
    from csdl.checking.checker import check

    (diagnostic,) = [d for d in check("twitter.text contains") if d.code.startswith("E0")]
    assert noqa_edit("twitter.text contains", None, diagnostic) is None


def test_noqa_skips_a_line_that_ends_inside_a_string():
    # the condition starts on a line that ends inside a multi-line string: the directive goes on
    # the line where the diagnostic ends
    text = 'twitter.text contains "a" OR twitter.text contains "b\nc"'
    result = _noqa(text, "W101")
    assert result == text + " // noqa: W101"


def _labels(text: str, offset: int | None = None, platform: str = "stream"):
    from csdl.lsp.completion import complete

    result = complete(text, len(text) if offset is None else offset, platform, None, None, lambda s, e: None)
    return [item.label for item in result.items]


def test_completion_contexts():
    assert "twitter.text" in _labels("twitter.")
    assert set(_labels("twitter.text ")) >= {"contains", "cs", "regex_partial"}
    pylon = set(_labels("twitter.text ", platform="pylon"))
    assert "regex_partial" not in pylon and "cs" not in pylon and "contains" in pylon
    assert _labels('twitter.text contains "x" // a comment ') == []
    assert _labels('twitter.text contains "unfinished ') == []
    assert _labels("tag.sales ") == []
    assert {"NOT", "stream", "twitter."} <= set(_labels('twitter.text contains "x" AND '))
    assert "tag" in _labels('tag "x" { twitter.text exists }\n')
    assert "tag" not in _labels('twitter.text exists AND (')
    assert _labels("twitter.text exists ") == ["AND", "OR"]
    assert set(_labels("twitter.text contains_any ")) >= {"[keep(classic)]", "[case(true)]"}
    assert "[keep(classic)]" not in _labels("twitter.text substr ")
