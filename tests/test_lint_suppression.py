"""Selection (--select/--ignore by code or prefix) and inline `// noqa` suppression."""

from __future__ import annotations

import pytest

import csdl
from csdl.checking.selection import Selection, SelectionError

DUP = 'interaction.content contains_any "a, a"'  # W202
BOTH = 'interactin.content contains_any "a, a"'  # E101 + W202


def codes(text: str, **kwargs) -> list[str]:
    return [d.code for d in csdl.check(text, **kwargs)]


@pytest.mark.parametrize("kwargs,expected", [
    ({}, ["E101", "W202"]),
    ({"select": ["E"]}, ["E101"]),
    ({"select": "W2"}, ["W202"]),
    ({"ignore": ["W"]}, ["E101"]),
    ({"ignore": "E101,W202"}, []),
    ({"select": ["W"], "ignore": ["W2"]}, []),
    ({"select": ["W202"], "ignore": ["W"]}, ["W202"]),  # the more specific selector wins
    ({"select": ["E1"], "extend_select": ["W202"]}, ["E101", "W202"]),
    ({"select": ["ALL"], "ignore": ["E1"]}, ["W202"]),
    ({"select": ["w2"]}, ["W202"]),  # case-insensitive
])
def test_selection(kwargs, expected):
    assert codes(BOTH, **kwargs) == expected


def test_syntax_errors_cannot_be_deselected():
    assert codes("interaction.content contains", select=["W"], ignore=["E"]) == ["E004"]


def test_unknown_selector_is_rejected():
    with pytest.raises(SelectionError, match="unknown rule selector `X12`"):
        csdl.check(DUP, select=["X12"])
    with pytest.raises(ValueError):
        csdl.check(DUP, ignore=["W999"])


def test_tie_goes_to_ignore():
    s = Selection(select=["W2"], ignore=["W2"])
    assert not s.enabled("W202")


def test_blanket_noqa():
    assert codes(DUP + " // noqa") == []


def test_noqa_with_codes():
    assert codes(BOTH + " // noqa: W202") == ["E101"]
    assert codes(BOTH + " // noqa: E101, W202") == []
    assert codes(BOTH + " /* NOQA:W202 */") == ["E101"]


def test_noqa_applies_to_its_own_line_only():
    text = 'interaction.content contains "x" // noqa: W202\nOR ' + DUP
    assert codes(text) == ["W901", "W202"]


def test_noqa_on_the_last_line_of_a_multi_line_diagnostic():
    text = 'twitter.text contains "a" OR\ntwitter.text contains "b" // noqa: W101'
    assert codes(text) == []


def test_unused_noqa_is_reported():
    text = 'interaction.content contains "x" // noqa'
    (d,) = csdl.check(text)
    assert (d.code, d.name, d.severity) == ("W901", "unused-noqa", "warning")
    assert d.message == "unused `noqa` directive: nothing to suppress on this line"
    assert text[d.span.start:d.span.end] == "noqa"
    assert text[:d.fix.span.start] + d.fix.replacement + text[d.fix.span.end:] == 'interaction.content contains "x"'


def test_unused_and_unknown_codes_in_noqa():
    text = DUP + " // noqa: W202, W101, X999"
    messages = [d.message for d in csdl.check(text)]
    assert messages == ["unknown code in `noqa`: X999", "unused `noqa` code: W101"]


def test_noqa_without_codes_after_colon():
    assert [d.message for d in csdl.check(DUP + " // noqa:")] == [
        "`a` is already in the list (item 1)",
        "`noqa:` names no code; write `// noqa: W101` or a bare `// noqa`",
    ]


def test_unused_noqa_can_be_ignored_and_noqa_can_be_disabled():
    assert codes('interaction.content contains "x" // noqa', ignore=["W901"]) == []
    assert codes(DUP + " // noqa", noqa=False) == ["W202"]


def test_noqa_for_a_deselected_code_is_not_unused():
    assert codes(DUP + " // noqa: W202", ignore=["W202"]) == []


def test_noqa_in_a_comment_with_other_words():
    assert codes(DUP + " // duplicates are on purpose, noqa: W202") == []
