"""Every syntax error of a filter at once (LALR error recovery), without cascades, capped, and
with validation and lint still run on what parsed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import csdl
from csdl.checking.checker import check
from csdl.language.recovery import MAX_ERRORS
from strategies import conditions


def errors_of(text: str) -> list:
    with pytest.raises(csdl.CSDLError) as info:
        csdl.parse(text)
    return info.value.diagnostics


def lines_and_codes(text: str) -> list[tuple[int, str]]:
    return [(d.span.line, d.code) for d in errors_of(text)]


@pytest.mark.parametrize("text, expected", [
    # one missing value per line: one error per line, none for the `AND` that follows
    ('a.b contains\nAND c.d contains\nAND e.f exists', [(2, "E004"), (3, "E004")]),
    # a missing AND between two lines is one error, and the rest of the filter is still read
    ('a.b exists\nc.d exists\nAND e.f contains', [(2, "E004"), (3, "E004")]),
    # errors inside tag rules are resynchronised at `}`
    ('tag "x" { a.b contains }\ntag "y" { c.d exists }\ntag "z" { }\nreturn { a.b exists }',
     [(1, "E004"), (3, "E004")]),
    # an unclosed string is one error: what it swallows reports nothing more
    ('a.b contains "x AND c.d exists\nAND e.f exists', [(1, "E002")]),
    # a stray `)` is dropped, the parse goes on
    ('a.b exists)\nAND c.d ==', [(1, "E004"), (2, "E004")]),
    # three mistakes on one line
    ('a.b contains foo "x" OR c.d == OR e.f > "x"', [(1, "E004"), (1, "E004"), (1, "E004")]),
    # a missing `)` at the end
    ('(a.b exists AND c.d exists', [(1, "E005")]),
])
def test_every_independent_error_is_reported(text, expected):
    assert lines_and_codes(text) == expected


def test_the_first_error_is_the_one_a_plain_parse_reports():
    from csdl.language.lalr import UnexpectedInput

    from csdl.language.parser import _parser
    from csdl.language.syntax_errors import translate

    for text in ['a.b contains\nAND c.d contains', 'tag "x" { }\ntag "y" { }', 'a.b exists c.d exists ]']:
        with pytest.raises(UnexpectedInput) as info:
            _parser().parse(text)
        first, plain = errors_of(text)[0], translate(info.value, text)
        assert (first.code, first.span) == (plain.code, plain.span)


def test_errors_are_capped():
    text = "\n".join(f'tag "t{i}" {{ a.b contains }}' for i in range(MAX_ERRORS * 3))
    found = errors_of(text)
    assert len(found) == MAX_ERRORS
    assert [d.span.line for d in found] == list(range(1, MAX_ERRORS + 1))


def test_validation_and_lint_run_on_what_parsed():
    text = ('tag "a" { no_such.target exists }\n'
            'tag "b" { interaction.content contains }\n'
            'return { twitter.text contains "x" OR twitter.text contains "x" }\n')
    found = [(d.span.line, d.code) for d in check(text)]
    assert (1, "E101") in found  # validation of a rule that parsed
    assert (2, "E004") in found  # the syntax error
    assert (3, "W201") in found  # lint of the return block
    # nothing is said about the placeholder that repaired line 2
    assert [code for line, code in found if line == 2] == ["E004"]


BROKEN = [
    "{t} contains", "{t} ==", "{t} exists exists", '{t} contains "x" "y"', "({t} exists", "{t} exists)",
    '{t} contains "x" AND', "AND {t} exists", "{t}", "{t} in [1, 2", '{t} contains_any "a" OR OR {t} exists',
    "{t} > ", "NOT", '{t} contains [case(true "x"',
]


@st.composite
def tag_lines(draw):
    lines, broken = [], set()
    for number in range(1, draw(st.integers(1, 8)) + 1):
        if draw(st.booleans()):
            body = draw(st.sampled_from(BROKEN)).format(t=draw(st.sampled_from(["interaction.content", "a.b"])))
            broken.add(number)
        else:
            body = draw(conditions())
        lines.append(f'tag "t{number}" {{ {body} }}')
    if draw(st.booleans()):
        lines.append(f"return {{ {draw(conditions())} }}")
    return "\n".join(lines), broken


@settings(deadline=None)
@given(tag_lines())
def test_no_error_on_a_line_that_parses_alone(case):
    text, broken = case
    for number, line in enumerate(text.split("\n"), 1):
        if number not in broken:
            csdl.parse(line)  # each line not marked broken parses alone
    if not broken:
        csdl.parse(text)
        return
    reported = {d.span.line for d in errors_of(text)}
    assert reported == broken  # every broken line, and only those
