"""Inline suppression: ``// noqa`` and ``// noqa: CODE,CODE`` (also inside ``/* */``).

A directive applies to the diagnostics that start or end on the line where the comment starts.
A directive that suppresses nothing, or names a code that does not exist, is reported as W901
(like ruff's RUF100), so stale suppressions do not pile up. Syntax errors cannot be suppressed:
without a parse there are no comments to read.
"""

from __future__ import annotations

import re
from typing import Callable

from csdl.language.ast import Comment
from csdl.spans import Span
from csdl.diagnostics import WARNING, Diagnostic, Fix
from csdl.spans import span_at

#: The severity of the suppression family's codes (the registry reads it from here).
SUPPRESSION_SEVERITY = WARNING

SUPPRESSION_CODES = {
    "W901": (
        "unused-noqa",
        "A `noqa` comment that suppresses nothing, or names an unknown code.",
        """What it does: reports `// noqa` directives with no diagnostic to suppress on their line,
and codes in `// noqa: CODE` that did not occur there or do not exist.

Why: suppressions outlive the problems they hid; a stale one will hide the next real problem
on that line.

Bad:
    interaction.content contains "coffee" // noqa: W101
Good:
    interaction.content contains "coffee"
""",
    ),
}

_DIRECTIVE = re.compile(r"\bnoqa\b(?P<colon>\s*:\s*(?P<codes>[A-Za-z]+\d+(?:\s*,\s*[A-Za-z]+\d+)*)?)?", re.IGNORECASE)


class Directive:
    __slots__ = ("line", "codes", "span", "comment", "used")

    def __init__(self, line: int, codes: tuple[str, ...] | None, span: Span, comment: Comment):
        self.line = line
        self.codes = codes  # None: suppress everything on the line
        self.span = span
        self.comment = comment
        self.used: set[str] = set()


def directives(comments, source: str) -> list[Directive]:
    out = []
    for comment in comments:
        match = _DIRECTIVE.search(comment.text)
        if match is None:
            continue
        span = span_at(source, comment.span.start + match.start(), match.end() - match.start())
        codes = match.group("codes")
        if match.group("colon") and not codes:
            codes_tuple: tuple[str, ...] | None = ()
        else:
            codes_tuple = tuple(c.strip().upper() for c in codes.split(",")) if codes else None
        out.append(Directive(comment.span.line, codes_tuple, span, comment))
    return out


def apply(diagnostics: list[Diagnostic], comments, source: str, *, known: Callable[[str], bool],
          enabled: Callable[[str], bool]) -> list[Diagnostic]:
    """The diagnostics that no directive suppresses, plus W901 for unused directives (if enabled)."""
    found = directives(comments, source)
    if not found:
        return diagnostics
    by_line: dict[int, list[Directive]] = {}
    for d in found:
        by_line.setdefault(d.line, []).append(d)
    kept = []
    for diagnostic in diagnostics:
        if diagnostic.code.startswith("E0"):
            kept.append(diagnostic)
            continue
        suppressed = False
        for line in {diagnostic.span.line, diagnostic.span.end_line}:
            for directive in by_line.get(line, ()):
                if directive.codes is None or diagnostic.code in directive.codes:
                    directive.used.add(diagnostic.code)
                    suppressed = True
        if not suppressed:
            kept.append(diagnostic)
    if enabled("W901"):
        kept.extend(_unused(found, known, enabled, source))
    return kept


def _w901(message: str, directive: Directive, fix: Fix | None = None) -> Diagnostic:
    name, _summary, _doc = SUPPRESSION_CODES["W901"]
    return Diagnostic("W901", message, directive.span, severity=SUPPRESSION_SEVERITY, name=name, fix=fix)


def _unused(found: list[Directive], known, enabled, source: str):
    for directive in found:
        if directive.codes is None:
            if not directive.used:
                yield _w901("unused `noqa` directive: nothing to suppress on this line", directive,
                            _removal(directive, source))
            continue
        if not directive.codes:
            yield _w901("`noqa:` names no code; write `// noqa: W101` or a bare `// noqa`", directive)
            continue
        unknown = [c for c in directive.codes if not known(c)]
        unused = [c for c in directive.codes if known(c) and c not in directive.used and enabled(c)]
        if unknown:
            yield _w901(f"unknown code{'s' if len(unknown) > 1 else ''} in `noqa`: {', '.join(unknown)}", directive)
        if unused:
            fix = _removal(directive, source) if len(unused) == len(directive.codes) else None
            yield _w901(f"unused `noqa` code{'s' if len(unused) > 1 else ''}: {', '.join(unused)}", directive, fix)


def _removal(directive: Directive, source: str) -> Fix | None:
    """Removing the whole comment when it is nothing but the directive."""
    text = directive.comment.text
    body = text[2:-2] if text.startswith("/*") else text[2:]
    if body.strip().lower().startswith("noqa") and _DIRECTIVE.match(body.strip()) and \
            _DIRECTIVE.match(body.strip()).end() == len(body.strip()):
        start = directive.comment.span.start
        while start > 0 and source[start - 1] in " \t":
            start -= 1
        return Fix(span_at(source, start, directive.comment.span.end - start), "", "Remove the unused `noqa` comment")
    return None
