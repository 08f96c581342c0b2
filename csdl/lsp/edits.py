"""Edits computed from csdl's own fixes and printer: one fix, every fix (``fix all``), a
``// noqa: CODE`` comment, the canonical layout. Offsets in, offsets out; the server turns them
into ``TextEdit``s.

``fix all`` is ``csdl check --fix`` (``csdl.checking.fix_loop``): safe fixes, re-checked until
stable; unsafe ones only when asked.
"""

from __future__ import annotations

from csdl.diagnostics import CSDLError
from csdl.spans import LINE_BREAK


class Edit:
    __slots__ = ("start", "end", "text")

    def __init__(self, start: int, end: int, text: str):
        self.start = start
        self.end = end
        self.text = text

    def apply(self, source: str) -> str:
        return source[: self.start] + self.text + source[self.end:]

    def __repr__(self) -> str:
        return f"Edit({self.start}, {self.end}, {self.text!r})"


def fix_edit(diagnostic) -> Edit:
    fix = diagnostic.fix
    return Edit(fix.span.start, fix.span.end, fix.replacement)


def minimal_edit(old: str, new: str) -> Edit | None:
    """One edit turning ``old`` into ``new``: the changed middle, common head and tail kept (the
    cursor and folds outside it stay put)."""
    if old == new:
        return None
    limit = min(len(old), len(new))
    head = 0
    while head < limit and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
        tail += 1
    # never split a CRLF pair or a surrogate pair between kept and replaced text
    while head > 0 and (old[head - 1] == "\r" or "\ud800" <= old[head - 1] <= "\udbff"):
        head -= 1
    return Edit(head, len(old) - tail, new[head: len(new) - tail])


def fix_all(text: str, checks: dict, unsafe: bool = False):
    """What ``csdl check --fix`` makes of ``text`` with the same options (``unsafe``: as with
    ``--unsafe-fixes``): a ``FixResult`` (``.text``, ``.fixed``, ``.hidden`` unsafe fixes left)."""
    from csdl.checking.fix_loop import fix_text

    return fix_text(text, unsafe=unsafe, **checks)


def is_unsafe(diagnostic, tree) -> bool:
    from csdl.checking.fix_loop import applicability
    from csdl.diagnostics import UNSAFE

    return applicability(diagnostic, tree.comments if tree is not None else ()) == UNSAFE


def format_edit(text: str) -> tuple[Edit | None, str | None]:
    """(the edit to the canonical layout, None) or (None, why not): a syntax error is refused."""
    from csdl.language.printer import format as format_text

    try:
        formatted = format_text(text)
    except CSDLError as exc:
        first = exc.diagnostics[0]
        return None, (f"cannot format: {first.one_line()}"
                      " (fix the syntax error first)")
    return minimal_edit(text, formatted), None


def noqa_edit(text: str, tree, diagnostic) -> Edit | None:
    """Insert ``// noqa: CODE`` where it suppresses ``diagnostic`` (``csdl.checking.suppression``
    reads a directive on the line a diagnostic starts or ends on), or add the code to a directive
    already there. None for syntax errors, which cannot be suppressed."""
    from csdl.checking.suppression import directives

    code = diagnostic.code
    if code.startswith("E0") or tree is None:
        return None
    found = directives(tree.comments, text)
    for line, at in ((diagnostic.span.line, diagnostic.span.start), (diagnostic.span.end_line, diagnostic.span.end)):
        for directive in found:
            if directive.line == line and directive.codes is not None:
                sep = ", " if directive.codes else " "
                return Edit(directive.span.end, directive.span.end, f"{sep}{code}")
        end = _line_end(text, at)
        if _inside_literal(tree, end) or _inside_comment_from_earlier_line(tree, end, line):
            continue
        return Edit(end, end, f" // noqa: {code}")
    return None


def _line_end(text: str, offset: int) -> int:
    """Where the line holding ``offset`` ends, before its line break (``\\r\\n``, ``\\r`` or ``\\n``)."""
    match = LINE_BREAK.search(text, offset)
    return match.start() if match else len(text)


def _literal_spans(tree):
    from csdl.language import ast

    for node in tree.walk():
        if isinstance(node, ast.Condition) and node.argument is not None:
            yield node.argument.span
        elif isinstance(node, (ast.StreamRef, ast.TagsImport)):
            yield node.hash_span
        elif isinstance(node, ast.TagRule):
            yield node.label_span


def _inside_literal(tree, offset: int) -> bool:
    return any(span.start < offset < span.end for span in _literal_spans(tree))


def _inside_comment_from_earlier_line(tree, offset: int, line: int) -> bool:
    return any(c.span.start < offset < c.span.end and c.span.line != line for c in tree.comments)
