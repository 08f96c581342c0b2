"""Applying the payload checker's fixes (``csdl check --fix`` on ``.json`` payloads): quote a numeric
page id, write ``"true"`` as ``true``, lower-case an id, seconds for a timestamp in milliseconds.

The loop is the filters' (``csdl.checking.fix_loop.fix_until_stable``): each pass applies every
applicable fix that does not overlap another and checks again, until nothing changes. A body that
is not valid JSON (or whose kind is unknown) is not touched, and a fix whose result would not
parse is not kept. Safe fixes keep the body's meaning; unsafe ones (the milliseconds guess) apply
only when asked.
"""

from __future__ import annotations

from csdl.checking.fix_loop import FixResult, fix_until_stable
from csdl.diagnostics import SAFE
from csdl.payloads.checker import check_payload
from csdl.payloads.rules import BLOCKING


class PayloadFixes:
    """The fixing loop's view of a payload: a body that is not valid JSON (or of unknown kind)
    cannot be fixed, and a fix is safe when its rule says so."""

    def __init__(self, kind: str | None, options: dict):
        self.kind = kind
        self.options = options
        self._last: tuple[str, list] | None = None

    def _check(self, text: str) -> list:
        if self._last is None or self._last[0] != text:
            self._last = (text, check_payload(text, self.kind, **self.options))
        return self._last[1]

    def diagnose(self, text: str):
        found = self._check(text)
        return not any(d.code in BLOCKING for d in found), found

    def parses(self, text: str) -> bool:
        return self.diagnose(text)[0]

    def safe(self, diagnostic, text: str) -> bool:
        return diagnostic.fix.applicability == SAFE


def fix_payload(text: str, kind: str | None = None, *, unsafe: bool = False, **options) -> FixResult:
    """The body with its fixes applied, the fixed and the remaining diagnostics (``options`` as
    for ``check_payload``)."""
    return fix_until_stable(text, PayloadFixes(kind, options), unsafe=unsafe)
