"""Applying the payload checker's fixes (``csdl check --fix`` on ``.json`` payloads): quote a numeric
page id, write ``"true"`` as ``true``, lower-case an id, seconds for a timestamp in milliseconds.

Each pass checks the text, applies every applicable fix that does not overlap another, and checks
again, until nothing changes. A body that is not valid JSON (or whose kind is unknown) is not
touched, and a pass whose result would not parse is dropped. Safe fixes keep the body's meaning;
unsafe ones (the milliseconds guess) apply only when asked.
"""

from __future__ import annotations

from csdl.checking.fixes import FixResult
from csdl.diagnostics import SAFE
from csdl.payloads.checker import check_payload
from csdl.payloads.rules import BLOCKING

MAX_PASSES = 10


def fix_payload(text: str, kind: str | None = None, *, unsafe: bool = False, **options) -> FixResult:
    """The body with its fixes applied, the fixed and the remaining diagnostics (``options`` as
    for ``check_payload``)."""
    original = text
    fixed = []
    found = check_payload(text, kind, **options)
    for _ in range(MAX_PASSES):
        if any(d.code in BLOCKING for d in found):
            break
        chosen = _non_overlapping([d for d in found if d.fix is not None and (unsafe or d.fix.applicability == SAFE)])
        if not chosen:
            break
        candidate = text
        for d in sorted(chosen, key=lambda d: d.fix.span.start, reverse=True):
            candidate = candidate[:d.fix.span.start] + d.fix.replacement + candidate[d.fix.span.end:]
        after = check_payload(candidate, kind, **options)
        if any(d.code in BLOCKING for d in after):
            break  # never keep a result that no longer parses
        fixed.extend(chosen)
        text, found = candidate, after
    hidden = 0 if unsafe else sum(1 for d in found if d.fix is not None and d.fix.applicability != SAFE)
    return FixResult(original, text, fixed, found, hidden)


def _non_overlapping(diagnostics):
    chosen = []
    end = -1
    for d in sorted(diagnostics, key=lambda d: (d.fix.span.start, d.fix.span.end)):
        if d.fix.span.start >= end:
            chosen.append(d)
            end = max(d.fix.span.end, d.fix.span.start + 1)
    return chosen
