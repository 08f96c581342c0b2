"""Turn Lark's parse errors into plain-words diagnostics.

The parser state at the error (the value stack of the LALR parser) tells what came just before
the bad token, so messages can say "expected a quoted text value after `contains`" rather than
listing terminal names, and an unclosed `{` or `(` can be traced to where it was opened.
"""

from __future__ import annotations

from csdl.diagnostics import Diagnostic
from csdl.reading import UNREADABLE, UNREADABLE_NAME
from csdl.spans import LINE_BREAK, Span

SYNTAX_CODES = {
    "E001": ("unexpected-character", "A character that cannot start any CSDL token."),
    "E002": ("unclosed-string", "A double-quoted string with no closing quote."),
    "E003": ("unclosed-comment", "A `/*` comment with no closing `*/`."),
    "E004": ("syntax-error", "A token where CSDL's grammar does not allow it."),
    "E005": ("unclosed-bracket", "A `{` or `(` that is never closed."),
    "E006": ("nested-too-deeply", "Parentheses, AND/OR and NOT nested beyond the cap."),
    "E007": ("empty-filter", "A filter with no condition at all."),
    "E008": ("filter-too-large", "A filter over DataSift's 1 MB size limit."),
    UNREADABLE: (UNREADABLE_NAME, "A file that cannot be read or is not UTF-8 (reported by the CLI)."),
}

#: What ``csdl rule CODE`` shows for the syntax errors a filter can make: (bad, good), each run by
#: the tests (tests/test_rule_examples.py).
SYNTAX_EXAMPLES = {
    "E002": ('interaction.content contains "coffee', 'interaction.content contains "coffee"'),
    "E003": ("interaction.content exists /* a note", "interaction.content exists /* a note */"),
    "E004": ("interaction.content contains", 'interaction.content contains "coffee"'),
    "E005": ("(interaction.content exists", "(interaction.content exists)"),
    "E007": ("// nothing but a comment", "interaction.content exists // a comment"),
}

_TERMINALS = {
    "STRING": "a quoted string",
    "NUMBER": "a number",
    "TARGET": "a target such as `interaction.content`",
    "TEXT_OP": "a text operator",
    "STRING_OP": "an operator",
    "EQ_OP": "`==` or `!=`",
    "ORDER_OP": "`<`, `<=`, `>` or `>=`",
    "IN": "`in`",
    "EXISTS": "`exists`",
    "CS": "`cs`",
    "NOT": "`NOT`",
    "_AND": "`AND`",
    "_OR": "`OR`",
    "TAG_HEAD": "`tag`",
    "TAGS": "`tags`",
    "RETURN": "`return`",
    "STREAM": "`stream`",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "LSQB": "`[`",
    "RSQB": "`]`",
    "_COMMA": "`,`",
    "SWITCH_NAME": "a switch name such as `case`",
    "SWITCH_VALUE": "a switch value",
    "$END": "the end of the filter",
}

_LIST_OPERATORS = {"contains_any", "any", "contains_all", "all", "wildcard", "wild", "url_in"}


def diagnostic(code: str, message: str, span: Span, hint: str | None = None) -> Diagnostic:
    """A syntax error: its name from ``SYNTAX_CODES`` (the registry's source), never written at the call."""
    return Diagnostic(code, message, span, name=SYNTAX_CODES[code][0], hint=hint)


def _join(words: list[str]) -> str:
    words = sorted(set(words))
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _found(token) -> str:
    if token.type == "$END":
        return "the end of the filter"
    value = str(token)
    if token.type == "STRING":
        return "a quoted string"
    if len(value) > 30:
        value = value[:27] + "..."
    return f"`{value}`"


def translate(exc: Exception, text: str) -> Diagnostic:
    """A diagnostic for any exception raised while Lark parsed ``text``."""
    from csdl.language.lalr import UnexpectedCharacters, UnexpectedToken

    if isinstance(exc, UnexpectedCharacters):
        return _bad_character(exc.pos_in_stream, text)
    if isinstance(exc, UnexpectedToken):
        return _bad_token(exc, text)
    # Anything else from Lark (or a bug in a callback) is still reported as data, at the start.
    return diagnostic("E004", f"the filter could not be parsed ({type(exc).__name__}: {exc})", Span.at(text, 0, 0))


def _bad_character(pos: int, text: str) -> Diagnostic:
    if text.startswith('"', pos):
        line_break = LINE_BREAK.search(text, pos)
        length = (line_break.start() if line_break else len(text)) - pos
        return diagnostic(
            "E002",
            "unclosed string: this `\"` has no closing quote",
            Span.at(text, pos, max(1, length)),
            hint='close the string with `"`; write a literal quote inside a string as `\\"`',
        )
    if text.startswith("/*", pos):
        return _unclosed_comment(pos, text)
    char = text[pos] if pos < len(text) else ""
    shown = f"`{char}`" if char.isprintable() and char != " " else f"{repr(char)[1:-1]} (U+{ord(char):04X})" if char else "end"
    # The lexer's allowed set is per lexer state, wider than what the grammar allows here, so it is
    # not repeated: the character itself is the news.
    message = f"unexpected character {shown}"
    return diagnostic("E001", message, Span.at(text, pos, 1))


def _unclosed_comment(pos: int, text: str) -> Diagnostic:
    return diagnostic("E003", "unclosed comment: this `/*` has no closing `*/`", Span.at(text, pos, 2), hint="end the comment with `*/`")


def _stack(exc) -> list:
    try:
        return list(exc.interactive_parser.parser_state.value_stack)
    except AttributeError:
        return []


def _opener(stack: list):
    """The innermost unclosed `{` or `(` on the parser stack, and what it opened."""
    for i in range(len(stack) - 1, -1, -1):
        item = stack[i]
        kind = getattr(item, "type", None)
        if kind == "LPAR":
            return item, f"the `(` at line {item.line}, column {item.column}", ")"
        if kind == "LBRACE":
            head = stack[i - 2] if i >= 2 else None
            if getattr(head, "type", None) == "TAG_HEAD":
                what = f"the tag started at line {head.line}"
            else:
                keyword = stack[i - 1] if i >= 1 else None
                what = f"the `return` block started at line {getattr(keyword, 'line', item.line)}"
            return item, what, "}"
    return None


_OPERATORS = (
    "contains", "contains_any", "contains_all", "contains_near", "substr", "any", "all", "wildcard", "wild", "near",
    "regex_partial", "regex_exact", "url_in", "geo_box", "geo_radius", "geo_polygon", "in", "exists", "cs",
)


def _operator_hint(word: str) -> str | None:
    """``did you mean `contains`?`` for an operator typo (`contans`)."""
    import difflib

    guess = difflib.get_close_matches(word.lower(), _OPERATORS, n=1, cutoff=0.7)
    return f"did you mean `{guess[0]}`?" if guess else None


def _bad_token(exc, text: str) -> Diagnostic:
    token = exc.token
    expected = {"$END" if t == "<END-OF-FILE>" else t for t in exc.expected or ()}
    stack = _stack(exc)
    at_end = token.type == "$END"
    pos = len(text) if at_end else token.start_pos
    span = Span.at(text, pos, 0 if at_end else max(1, len(str(token))))
    found = _found(token)

    if at_end and not stack:
        return diagnostic("E007", "the filter is empty: it needs at least one condition", Span.at(text, 0, 0),
                     hint='write a condition such as `interaction.content contains "coffee"`')
    if not at_end and str(token).startswith("/*") and "*/" not in text[token.start_pos:]:
        return _unclosed_comment(token.start_pos, text)

    if not at_end and token.type != "STRING":
        for offset, char in enumerate(str(token)):
            if not char.isprintable():
                return _bad_character(token.start_pos + offset, text)

    previous = stack[-1] if stack else None
    prev_type = getattr(previous, "type", None)
    prev_text = str(previous) if prev_type else ""
    closers = expected & {"RBRACE", "RPAR"}

    if at_end and closers:
        opener = _opener(stack)
        if opener is not None:
            _token, what, closer = opener
            return diagnostic("E005", f"missing `{closer}` to close {what}", span)

    message, hint = (_after_previous(prev_type, prev_text, expected, token, found, at_end)
                     or _by_expected(expected, token, found, stack, closers, at_end))
    return diagnostic("E004", message, span, hint=hint)


def _quoted_value_expected(op_text: str, token, found: str) -> tuple[str, str | None]:
    op = op_text.lower()
    if op in ("contains_near", "near"):
        what = 'a quoted word list with a distance (`"word1,word2:5"`)'
    elif op in _LIST_OPERATORS:
        what = "a quoted, comma-separated list"
    elif op.startswith("geo_"):
        what = "a quoted geo value"
    elif op.startswith("regex_"):
        what = "a quoted regular expression"
    else:
        what = "a quoted text value"
    hint = f'put the value in double quotes: `"{token}"`' if token.type in ("SWITCH_NAME", "TARGET", "SWITCH_VALUE") else None
    return f"expected {what} after `{op_text}`, found {found}", hint


def _after_previous(prev_type, prev_text: str, expected: set, token, found: str, at_end: bool):
    """(message, hint) when the token before the error says what had to follow it; else None."""
    if prev_type in ("TEXT_OP", "STRING_OP") and "STRING" in expected:
        return _quoted_value_expected(prev_text, token, found)
    if prev_type == "EQ_OP":
        return f"expected a quoted text value or a number after `{prev_text}`, found {found}", None
    if prev_type == "ORDER_OP":
        hint = "ordering comparisons take unquoted numbers: `interaction.sample < 50`" if token.type == "STRING" else None
        return f"expected a number after `{prev_text}`, found {found}", hint
    if prev_type == "IN":
        return (f"expected a quoted list (`\"a, b\"`) or a number list (`[1, 2]`) after `{prev_text}`, found {found}",
                None)
    if prev_type == "TARGET" and "EXISTS" in expected:
        return (f"expected an operator after `{prev_text}` (such as `contains`, `==`, `in` or `exists`), found {found}",
                _operator_hint(str(token)) if not at_end else None)
    if prev_type == "CS":
        return f"expected an operator after `cs` (such as `contains` or `==`), found {found}", None
    if prev_type == "TAG_HEAD":
        hint = ("tag namespaces cannot contain spaces; the tag name must be quoted"
                if token.type in ("SWITCH_NAME", "TARGET", "SWITCH_VALUE") else None)
        return f"expected a quoted tag name or a score after `{prev_text}`, found {found}", hint
    if prev_type in ("TAGS", "STREAM"):
        return f"expected a quoted stream hash after `{prev_text}`, found {found}", None
    if prev_type == "RETURN":
        return f"expected `{{` after `{prev_text}`, found {found}", None
    return None


def _by_expected(expected: set, token, found: str, stack, closers: set, at_end: bool) -> tuple[str, str | None]:
    """(message, hint) from what the parser expected at the error."""
    if "TARGET" in expected and expected & {"LPAR", "NOT"}:
        starts = ["a condition", "`NOT`", "`(`", "`stream`"]
        if "TAG_HEAD" in expected:
            starts += ["`tag`", "`tags`", "`return`"]
        hint = ("a condition is `target operator value`, e.g. `interaction.content contains \"coffee\"`"
                if not at_end and token.type in ("SWITCH_NAME", "SWITCH_VALUE") else None)
        return f"expected {', '.join(starts[:-1])} or {starts[-1]}, found {found}", hint
    if expected == {"$END"}:
        if token.type == "RPAR":
            return "unmatched `)`: there is no `(` for it to close", None
        if any(getattr(item, "type", None) == "RETURN" or type(item).__name__ == "Return" for item in stack):
            return (f"expected the end of the filter after the `return` block, found {found}",
                    "tag rules must come before `return`")
        return f"expected the end of the filter, found {found}", None
    if expected and expected <= {"RETURN", "TAG_HEAD", "TAGS", "$END"}:
        hint = ("when a filter has tag rules, its conditions go inside `return { ... }`"
                if token.type in ("TARGET", "NOT", "LPAR", "STREAM") else None)
        return f"expected `tag`, `tags`, `return` or the end of the filter after a tag rule, found {found}", hint
    if expected & {"_AND", "_OR"}:
        parts = ["`AND`", "`OR`"]
        opener = _opener(stack) if closers else None
        if opener is not None:
            parts.append(f"`{opener[2]}` (to close {opener[1]})")
        elif "$END" in expected:
            parts.append("the end of the filter")
        hint = ("CSDL has no implicit AND: join conditions with `AND` or `OR`"
                if token.type in ("TARGET", "NOT", "STREAM", "LPAR") else None)
        return f"expected {', '.join(parts[:-1])} or {parts[-1]}, found {found}", hint
    names = [_TERMINALS.get(t, f"`{t}`") for t in expected]
    return (f"expected {_join(names)}, found {found}" if names else f"unexpected {found}"), None
