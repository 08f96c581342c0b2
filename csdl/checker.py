"""``csdl.check``: every diagnostic for a filter — syntax, validation and lint — after selection
and ``noqa`` suppression, sorted by position."""

from __future__ import annotations

from typing import Iterable

from .diagnostics import CSDLError, Diagnostic
from .parser import parse


def check(
    text: str,
    *,
    platform: str = "stream",
    select: Iterable[str] | str | None = None,
    ignore: Iterable[str] | str | None = None,
    extend_select: Iterable[str] | str | None = None,
    noqa: bool = True,
) -> list[Diagnostic]:
    """All diagnostics for ``text``, sorted by position. Never raises for bad CSDL.

    ``platform`` is ``"stream"`` (an interaction filter, the default) or ``"pylon"`` (a PYLON query
    filter). ``select``/``ignore``/``extend_select`` take codes or prefixes (``"W1"``, ``"E101"``,
    ``"ALL"``); an unknown selector raises ``ValueError``. ``noqa=False`` ignores ``// noqa`` comments.
    """
    from .codes import registry
    from .selection import Selection
    from .validate import validate

    selection = Selection(select, ignore, extend_select)
    known = registry()
    selection.check_known(known)
    try:
        tree = parse(text)
    except CSDLError as exc:
        return sorted(exc.diagnostics, key=Diagnostic.sort_key)

    from .lint import lint

    found = [d for d in validate(tree, platform) if selection.enabled(d.code)]
    found.extend(lint(tree, platform, enabled=selection.enabled))
    if noqa and tree.comments:
        from .suppression import apply

        found = apply(found, tree.comments, text, known=known.__contains__, enabled=selection.enabled)
    return sorted(found, key=Diagnostic.sort_key)
