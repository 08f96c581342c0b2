"""Edits computed from csdl's own fixes and printer: one fix, every fix (``fix all``), a
``// noqa: CODE`` comment, the canonical layout. Offsets in, offsets out; the server turns them
into ``TextEdit``s.

``fix all`` uses ``csdl.fix`` when the installed csdl has it (``csdl check --fix``); otherwise
it applies the ``Fix`` objects ``csdl check`` computes, round after round until none is left,
skipping a fix that overlaps one already taken in the same round.
"""

from __future__ import annotations

from csdl.diagnostics import CSDLError

MAX_ROUNDS = 10


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


def apply_fixes(text: str, diagnostics) -> tuple[str, int]:
    """``text`` with every non-overlapping fix of ``diagnostics`` applied, and how many."""
    chosen = []
    last_end = -1
    for d in sorted((d for d in diagnostics if d.fix is not None), key=lambda d: (d.fix.span.start, d.fix.span.end)):
        span = d.fix.span
        if span.start < last_end:
            continue
        chosen.append(d)
        last_end = max(span.end, span.start + 1 if span.start == span.end else span.end)
    for d in reversed(chosen):
        text = fix_edit(d).apply(text)
    return text, len(chosen)


def fix_all(text: str, checks: dict) -> str:
    """What ``csdl check --fix`` makes of ``text`` (the same options)."""
    import csdl

    fix = getattr(csdl, "fix", None)
    if fix is not None:
        result = fix(text, **checks)
        return result if isinstance(result, str) else getattr(result, "text", result[0])
    from csdl.checking.checker import check

    for _ in range(MAX_ROUNDS):
        new, applied = apply_fixes(text, check(text, **checks))
        if not applied or new == text:
            break
        text = new
    return text


def format_edit(text: str) -> tuple[Edit | None, str | None]:
    """(the edit to the canonical layout, None) or (None, why not): a syntax error is refused."""
    from csdl.language.printer import format as format_text

    try:
        formatted = format_text(text)
    except CSDLError as exc:
        first = exc.diagnostics[0]
        return None, (f"cannot format: {first.span.line}:{first.span.column}: {first.code} {first.message}"
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
    end = text.find("\n", offset)
    if end < 0:
        end = len(text)
    if end > 0 and text[end - 1] == "\r":
        end -= 1
    return end


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
