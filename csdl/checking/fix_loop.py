"""Applying the fixes the checker computes: ``csdl check --fix`` and ``csdl.fix``, for filters and
(through the same loop, ``fix_until_stable``) for payloads.

Each pass checks the text, applies every applicable fix that does not overlap another, and checks
again, until nothing changes (at most ``MAX_PASSES`` passes). A pass whose result would not parse
is never kept: its fixes are then tried one at a time and a fix that breaks the filter is dropped.
A filter with a syntax error is not touched. Safe fixes keep the filter's meaning; unsafe ones
(``applicability = "unsafe"``) may change what it matches and apply only when asked. A fix that
would delete a comment counts as unsafe.
"""

from __future__ import annotations

from csdl.diagnostics import SAFE, UNSAFE, CSDLError, Diagnostic

MAX_PASSES = 10


class FixResult:
    """What fixing did: the new ``text``, the ``fixed`` diagnostics (in the order applied), the
    diagnostics ``remaining`` in the new text, and how many remaining fixes are ``hidden`` because
    they are unsafe and unsafe fixes were not enabled."""

    __slots__ = ("text", "fixed", "remaining", "hidden", "original")

    def __init__(self, original: str, text: str, fixed: list[Diagnostic], remaining: list[Diagnostic], hidden: int):
        self.original = original
        self.text = text
        self.fixed = fixed
        self.remaining = remaining
        self.hidden = hidden

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def __repr__(self) -> str:
        return f"FixResult(fixed={len(self.fixed)}, remaining={len(self.remaining)}, changed={self.changed})"


def applicability(diagnostic: Diagnostic, comments=()) -> str:
    """``safe`` or ``unsafe`` for ``diagnostic.fix``: its own rating, and unsafe when
    the edit would delete a comment."""
    fix = diagnostic.fix
    if fix.applicability == UNSAFE:
        return UNSAFE
    if diagnostic.code == "W901":  # removing the unused `noqa` comment is the point of that fix
        return SAFE
    for comment in comments:
        if fix.span.start <= comment.span.start and comment.span.end <= fix.span.end and comment.text not in fix.replacement:
            return UNSAFE
    return SAFE


class FilterFixes:
    """What the fixing loop needs to know about filters: their diagnostics (none when the text
    does not parse: a filter with a syntax error is not touched), whether a text parses, and
    whether a fix is safe (its own rating, and no comment deleted)."""

    def __init__(self, options: dict):
        self.options = options
        self.comments = ()

    def diagnose(self, text: str) -> tuple[bool, list[Diagnostic]]:
        from csdl.checking.checker import check_tree
        from csdl.language.parser import parse

        try:
            tree = parse(text)
        except CSDLError as exc:
            return False, exc.diagnostics
        self.comments = tree.comments
        return True, check_tree(tree, **self.options)

    def parses(self, text: str) -> bool:
        from csdl.language.parser import parse

        try:
            parse(text)
        except CSDLError:
            return False
        return True

    def safe(self, diagnostic: Diagnostic, text: str) -> bool:
        return applicability(diagnostic, self.comments) == SAFE


def apply_fixes(text: str, diagnostics: list[Diagnostic]) -> tuple[str, list[Diagnostic]]:
    """``text`` with the fixes of ``diagnostics`` that do not overlap an earlier one applied (two
    insertions at one place count as overlapping: the second waits for the next pass)."""
    chosen: list[Diagnostic] = []
    last_end = -1
    for d in sorted(diagnostics, key=lambda d: (d.fix.span.start, d.fix.span.end)):
        span = d.fix.span
        if span.start < last_end or (span.start == last_end and chosen and chosen[-1].fix.span.start == span.start):
            continue  # overlaps (or inserts at the same place as) a fix already chosen: next pass
        chosen.append(d)
        last_end = span.end
    out = text
    for d in reversed(chosen):
        out = out[: d.fix.span.start] + d.fix.replacement + out[d.fix.span.end:]
    return out, chosen


def fix_until_stable(text: str, subject, *, unsafe: bool = False) -> FixResult:
    """The one fixing loop, for filters (``FilterFixes``) and payloads (``csdl.payloads.payload_fixes``).

    ``subject`` has ``diagnose(text) -> (fixable, diagnostics)``, ``parses(text) -> bool`` and
    ``safe(diagnostic, text) -> bool``. Each pass applies every usable fix that does not overlap
    another; a pass whose result would not parse is retried one fix at a time, and a fix that
    breaks the text is never tried again."""
    original = text
    fixable, diagnostics = subject.diagnose(text)
    if not fixable:
        return FixResult(original, text, [], diagnostics, 0)
    fixed: list[Diagnostic] = []
    refused: set[tuple] = set()
    for _ in range(MAX_PASSES):
        candidates = [d for d in diagnostics if d.fix is not None and _key(d) not in refused
                      and (unsafe or subject.safe(d, text))]
        if not candidates:
            break
        new, used = apply_fixes(text, candidates)
        if not subject.parses(new):
            new, used = text, []
            for d in sorted(candidates, key=Diagnostic.sort_key):
                attempt, one = apply_fixes(text, [d])
                if subject.parses(attempt):
                    new, used = attempt, one
                    break
                refused.add(_key(d))
        if not used or new == text:
            break
        fixed.extend(used)
        text = new
        fixable, diagnostics = subject.diagnose(text)
        if not fixable:  # cannot happen: every kept pass parses
            break
    hidden = 0 if unsafe else sum(1 for d in diagnostics if d.fix is not None and not subject.safe(d, text))
    return FixResult(original, text, fixed, diagnostics, hidden)


def _key(d: Diagnostic) -> tuple:
    return (d.code, d.fix.span, d.fix.replacement)


def fix_text(text: str, *, unsafe: bool = False, **options) -> FixResult:
    """Apply the fixes of ``csdl.check(text, **options)`` to ``text`` until nothing changes.

    ``unsafe=True`` applies unsafe fixes too. ``options`` are those of ``check`` (``platform``,
    ``select``, ``ignore``, ``extend_select``, ``noqa``); only selected diagnostics are fixed."""
    if not isinstance(text, str):
        raise TypeError(f"fix() takes a str, not {type(text).__name__}")
    return fix_until_stable(text, FilterFixes(options), unsafe=unsafe)


def fix(text: str, *, unsafe: bool = False, **options) -> str:
    """``text`` with every safe fix applied (``unsafe=True``: every fix), re-checked until stable.
    A filter with a syntax error comes back unchanged."""
    return fix_text(text, unsafe=unsafe, **options).text
