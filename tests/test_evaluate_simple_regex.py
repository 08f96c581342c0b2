"""Patterns answered by Python's ``re`` (csdl.evaluate.simple_regex) give RE2's answer, on ASCII
text and on any text without a lone surrogate; everything else is left to RE2."""

from __future__ import annotations

import re2
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from csdl.evaluate.re2util import searcher
from csdl.evaluate.simple_regex import python_search

ascii_texts = st.text(alphabet="abAB1 _-.\n\r\t$^[](){}|?*+\\/#&~", max_size=14)
# Beyond ASCII: two- to four-byte UTF-8, Unicode's own line breaks, a combining mark, lone
# surrogates (a JSON "\\ud800" escape decodes to one).
unicode_texts = st.text(alphabet="abA1 _-.\n$[#éÉß東京🙂\u0085\u2028\u0301\ud800\udc00\udfff", max_size=14)

# Any short pattern over the characters that matter to either engine's syntax.
raw_patterns = st.text(alphabet="ab1.^$[]-(){}?*+|\\:, #&~dswb", max_size=9)

ATOMS = ["a", "b", "1", " ", "-", ".", r"\.", r"\$", r"\\", r"\[", "[ab]", "[^a]", "[a-z]", "[0-9_]", "[.$]", "#"]
REPEATS = ["", "", "{2}", "{1}", "{3}"]
pieces = st.tuples(st.sampled_from(ATOMS), st.sampled_from(REPEATS)).map("".join)
sequences = st.lists(pieces, min_size=0, max_size=4).map("".join)
structured = st.one_of(
    sequences,
    st.tuples(sequences, sequences, sequences).map(lambda p: f"{p[0]}(?:{p[1]}){p[2]}"),
    st.tuples(sequences, sequences).map(lambda p: f"^({p[0]}){p[1]}"),
)


def _re2(pattern: str):
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error:
        return None


def _agree(pattern: str, text: str) -> None:
    compiled = _re2(pattern)
    assume(compiled is not None)
    search, whole = python_search(pattern), python_search(pattern, whole=True)
    if search is None:
        assert whole is None
        return
    # RE2 as the conditions call it (csdl.evaluate.re2util: a lone surrogate passed as its three bytes).
    assert (search(text) is not None) is searcher(compiled)(text), (pattern, text)
    assert (whole(text) is not None) is searcher(compiled, whole=True)(text), (pattern, text)


@settings(max_examples=1500, deadline=None)
@given(raw_patterns, ascii_texts)
def test_any_accepted_pattern_agrees_with_re2(pattern, text):
    _agree(pattern, text)


@settings(max_examples=1500, deadline=None)
@given(structured, ascii_texts)
def test_safe_patterns_are_accepted_and_agree_with_re2(pattern, text):
    assert python_search(pattern) is not None, pattern
    _agree(pattern, text)


@settings(max_examples=1500, deadline=None)
@given(structured, unicode_texts)
def test_safe_patterns_agree_with_re2_beyond_ascii(pattern, text):
    # Both engines read code points, so a fixed-length ASCII pattern gives the same answer.
    _agree(pattern, text)


def test_what_is_left_to_re2():
    for pattern in ["a$", r"\d", r"\w+", r"\s", r"\bx", "a*", "a+", "a{2,}", "(ab)?", "(a|b){2}", "(?i)a", "[[:alpha:]]",
                    "x{,2}", "é", "[a-]", "[a&&b]", "a]",
                    # a choice lets a backtracking engine blow up: a?{n}a{n} is exponential in n
                    "a?" * 30 + "a" * 30, "colou?r", "grey|gray", "(?:a|a)(?:a|a)", "a{0,100}a{0,100}b", "a{2}?"]:
        assert python_search(pattern) is None, pattern
    assert python_search("[a-z]{4}") is not None and python_search("^(?:ab)[0-9]{3}x") is not None
