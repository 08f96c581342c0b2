"""Syntax errors are data: a code, a location and a message in plain words."""

import re

import pytest

import csdl


def error(text):
    with pytest.raises(csdl.CSDLError) as info:
        csdl.parse(text)
    (d,) = info.value.diagnostics
    return d


@pytest.mark.parametrize(
    "text, code, line, column, message",
    [
        # DataSift: "At line 1 position 29 we were expecting a text value" (0-based position 29 = column 30).
        ("interaction.content contains python", "E004", 1, 30, "expected a quoted text value after `contains`, found `python`"),
        ("interaction.content contains", "E004", 1, 29, "expected a quoted text value after `contains`, found the end of the filter"),
        ("interaction.nonsense is not valid", "E004", 1, 22,
         "expected an operator after `interaction.nonsense` (such as `contains`, `==`, `in` or `exists`), found `is`"),
        ('a.b contains "abc', "E002", 1, 14, 'unclosed string: this `"` has no closing quote'),
        ("a.b exists /* x", "E003", 1, 12, "unclosed comment: this `/*` has no closing `*/`"),
        ('tag "x" {\n  a.b exists\n', "E005", 3, 1, "missing `}` to close the tag started at line 1"),
        ('tag "x" {\n  a.b exists\n\ntag "y" { a.b exists }', "E004", 4, 1,
         "expected `AND`, `OR` or `}` (to close the tag started at line 1), found `tag`"),
        ("(a.b exists", "E005", 1, 12, "missing `)` to close the `(` at line 1, column 1"),
        ("return {\n a.b exists", "E005", 2, 12, "missing `}` to close the `return` block started at line 1"),
        ("a.b exists)", "E004", 1, 11, "unmatched `)`: there is no `(` for it to close"),
        ("", "E007", 1, 1, "the filter is empty: it needs at least one condition"),
        ("// only a comment\n", "E007", 1, 1, "the filter is empty: it needs at least one condition"),
        ('a.b contains "x" b.c contains "y"', "E004", 1, 18, "expected `AND` or `OR`, found `b.c`"),
        ('a.b < "x"', "E004", 1, 7, "expected a number after `<`, found a quoted string"),
        ("a.b == ", "E004", 1, 8, "expected a quoted text value or a number after `==`, found the end of the filter"),
        ('a.b in x', "E004", 1, 8, "expected a quoted list (`\"a, b\"`) or a number list (`[1, 2]`) after `in`, found `x`"),
        ('a.b any python', "E004", 1, 9, "expected a quoted, comma-separated list after `any`, found `python`"),
        ('a.b near x', "E004", 1, 10, 'expected a quoted word list with a distance (`"word1,word2:5"`) after `near`, found `x`'),
        ("a.b exists and", "E004", 1, 15, "expected a condition, `NOT`, `(` or `stream`, found the end of the filter"),
        ('tag.restaurant.peets coffee "coffee" { a.b exists }', "E004", 1, 22,
         "expected a quoted tag name or a score after `tag.restaurant.peets`, found `coffee`"),
        ('tag "x" {a.b exists} a.b exists', "E004", 1, 22,
         "expected `tag`, `tags`, `return` or the end of the filter after a tag rule, found `a.b`"),
        ('return {a.b exists} tag "x" {a.b exists}', "E004", 1, 21,
         "expected the end of the filter after the `return` block, found `tag`"),
        ("stream abc", "E004", 1, 8, "expected a quoted stream hash after `stream`, found `abc`"),
        ("a.b exists \x00", "E001", 1, 12, "unexpected character \\x00 (U+0000)"),
        ("@", "E004", 1, 1, "expected a condition, `NOT`, `(`, `stream`, `tag`, `tags` or `return`, found `@`"),
    ],
)
def test_messages_and_locations(text, code, line, column, message):
    d = error(text)
    assert (d.code, d.span.line, d.span.column, d.message) == (code, line, column, message)
    assert d.severity == "error" and d.name


def test_hints_say_what_to_do():
    assert error("interaction.content contains python").hint == 'put the value in double quotes: `"python"`'
    assert "no implicit AND" in error('a.b contains "x" b.c contains "y"').hint
    assert "inside `return" in error('tag "x" {a.b exists} a.b exists').hint


def test_error_is_a_value_error_with_a_readable_text():
    with pytest.raises(ValueError, match=r"1:30: E004 expected a quoted text value"):
        csdl.parse("interaction.content contains python")


def test_no_lark_exception_escapes():
    import lark

    for text in ["(((", "tag", "tag.", "a.b [", "a.b contains [case(", '"', "\\", "}{", "a.b in [1,,2]"]:
        try:
            csdl.parse(text)
        except csdl.CSDLError as exc:
            # our error, with at least one located syntax diagnostic
            assert exc.diagnostics, text
            for d in exc.diagnostics:
                assert re.fullmatch(r"E0\d\d", d.code) and d.severity == "error", (text, d)
                assert 0 <= d.span.start <= d.span.end <= len(text) and d.span.line == 1, (text, d)
                assert d.span.column == d.span.start + 1, (text, d)
        except lark.exceptions.LarkError as exc:  # pragma: no cover - the failure being tested
            pytest.fail(f"lark error escaped for {text!r}: {exc!r}")
        else:
            pytest.fail(f"{text!r} parsed")


def test_an_unclosed_string_is_e002_at_its_quote():
    with pytest.raises(csdl.CSDLError) as info:
        csdl.parse('"')
    assert [(d.code, d.span.start) for d in info.value.diagnostics] == [("E002", 0)]


def test_parse_rejects_non_text():
    with pytest.raises(TypeError):
        csdl.parse(b"a.b exists")
