"""Which codes are reported: ``select``, ``extend-select`` and ``ignore`` by code or prefix.

As in ruff, the most specific selector wins (`--select W --ignore W1` drops W1xx; `--ignore W
--select W101` keeps W101) and on a tie `ignore` wins. ``ALL`` selects everything. Syntax errors
(E0xx) are always reported: a filter that does not parse is never clean.
"""

from __future__ import annotations

from typing import Iterable

ALL = "ALL"


class SelectionError(ValueError):
    pass


def parse_selectors(values: Iterable[str] | str | None) -> list[str] | None:
    """``["W1,E101", "W2"]`` or ``"W1, E101"`` → ``["W1", "E101", "W2"]``; None stays None."""
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    out = []
    for value in values:
        out.extend(part.strip().upper() for part in value.split(",") if part.strip())
    return out


class Selection:
    def __init__(self, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
                 extend_select: Iterable[str] | None = None):
        self.select = parse_selectors(select) if select is not None else [ALL]
        self.select += parse_selectors(extend_select) or []
        self.ignore = parse_selectors(ignore) or []
        self._cache: dict[str, bool] = {}

    def check_known(self, codes: Iterable[str]) -> None:
        """Raise ``SelectionError`` for a selector that matches no code. ``codes`` is read only
        when there is a selector to check (the registry is built on first read)."""
        selectors = [s for s in self.select + self.ignore if s != ALL]
        if not selectors:
            return
        codes = list(codes)
        for selector in selectors:
            if not any(code.startswith(selector) for code in codes):
                raise SelectionError(f"unknown rule selector `{selector}` (see `csdl rules`)")

    @staticmethod
    def _best(selectors: list[str], code: str) -> int:
        best = -1
        for selector in selectors:
            if selector == ALL:
                best = max(best, 0)
            elif code.startswith(selector):
                best = max(best, len(selector))
        return best

    def enabled(self, code: str) -> bool:
        cached = self._cache.get(code)
        if cached is None:
            if code.startswith("E0"):
                cached = True
            else:
                selected = self._best(self.select, code)
                cached = selected >= 0 and selected > self._best(self.ignore, code)
            self._cache[code] = cached
        return cached
