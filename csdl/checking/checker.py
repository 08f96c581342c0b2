"""``csdl.check``: every diagnostic for a filter — syntax, validation and lint — after selection
and ``noqa`` suppression, sorted by position."""

from __future__ import annotations

from typing import Iterable

from csdl.language.ast import Filter
from csdl.diagnostics import CSDLError, Diagnostic
from csdl.language.parser import parse
from csdl.checking.selection import Selection


def check(
    text: str,
    *,
    platform: str = "stream",
    select: Iterable[str] | str | None = None,
    ignore: Iterable[str] | str | None = None,
    extend_select: Iterable[str] | str | None = None,
    noqa: bool = True,
    pricing=None,
) -> list[Diagnostic]:
    """All diagnostics for ``text``, sorted by position. Never raises for bad CSDL.

    ``platform`` is ``"stream"`` (an interaction filter, the default) or ``"pylon"`` (a PYLON query
    filter). ``select``/``ignore``/``extend_select`` take codes or prefixes (``"W1"``, ``"E101"``,
    ``"ALL"``); an unknown selector raises ``ValueError``. ``noqa=False`` ignores ``// noqa`` comments.
    ``pricing`` (a ``csdl.billing.pricing.Pricing``; default the packaged table) prices the savings
    the cost rules (W1xx) quote, as ``csdl cost`` would with the same table.
    """
    try:
        tree = parse(text)
    except CSDLError as exc:
        Selection(select, ignore, extend_select).check_known(_registry())
        found = list(exc.diagnostics)
        if exc.partial is not None:  # validation and lint still run on what parsed
            found.extend(_outside(check_tree(exc.partial, platform=platform, select=select, ignore=ignore,
                                             extend_select=extend_select, noqa=noqa, pricing=pricing), exc.repaired))
        return sorted(found, key=Diagnostic.sort_key)
    return check_tree(tree, platform=platform, select=select, ignore=ignore, extend_select=extend_select, noqa=noqa,
                      pricing=pricing)


def _outside(found: list[Diagnostic], repaired) -> list[Diagnostic]:
    """The diagnostics that touch none of the places the parser repaired with placeholders (they
    would be about the placeholders), and no unused-`noqa` claims (a syntax error hides codes)."""
    def clear(d: Diagnostic) -> bool:
        return d.code != "W901" and not any(d.span.start <= end and d.span.end >= start for start, end in repaired)

    return [d for d in found if clear(d)]


def _registry():
    from csdl.codes import registry

    return registry()


def check_tree(
    tree: Filter,
    *,
    platform: str = "stream",
    select: Iterable[str] | str | None = None,
    ignore: Iterable[str] | str | None = None,
    extend_select: Iterable[str] | str | None = None,
    noqa: bool = True,
    pricing=None,
) -> list[Diagnostic]:
    """Validation and lint diagnostics of an already parsed filter (``check`` without the parse),
    so that callers that need the tree too (cost, compile) parse once."""
    from csdl.checking.lint import lint
    from csdl.checking.validate import validate

    selection = Selection(select, ignore, extend_select)
    known = _registry()
    selection.check_known(known)
    found = [d for d in validate(tree, platform) if selection.enabled(d.code)]
    found.extend(lint(tree, platform, enabled=selection.enabled, pricing=pricing))
    if noqa and tree.comments:
        from csdl.checking.suppression import apply

        found = apply(found, tree.comments, tree.source, known=known.__contains__, enabled=selection.enabled)
    return sorted(found, key=Diagnostic.sort_key)


def validated_tree(text: str, checks: dict | None = None):
    """Check ``text`` as ``csdl check`` does and return its syntax tree; raise ``csdl.CSDLError``
    with every error-severity diagnostic otherwise. ``checks`` are keyword arguments of
    ``csdl.checking.checker.check`` (``platform``, ``select``, ``ignore`` …), e.g. from the configuration."""
    if not isinstance(text, str):
        raise TypeError(f"expected the filter as a str, not {type(text).__name__}")
    tree = parse(text)
    errors = [d for d in check_tree(tree, **(checks or {})) if d.is_error]
    if errors:
        raise CSDLError(errors)
    return tree
