"""``csdl.check``: every diagnostic for a filter, syntax first.

The validation and lint passes (target catalogue, operator rules, limits, lint rules) plug in
here; until then a filter that parses has no diagnostics.
"""

from __future__ import annotations

from .diagnostics import CSDLError, Diagnostic
from .parser import parse


def check(text: str) -> list[Diagnostic]:
    """All diagnostics for ``text``, sorted by position. Never raises for bad CSDL."""
    try:
        parse(text)
    except CSDLError as exc:
        return sorted(exc.diagnostics, key=Diagnostic.sort_key)
    return []
