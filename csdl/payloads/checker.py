"""``check_payload``: every diagnostic of a Managed Sources or Data365 body, located at its JSON
token, after selection. Never raises for a bad body; raises ``ValueError`` only for bad options
(an unknown kind, a malformed ``today``, an unreadable ``previous`` state)."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Iterable

from csdl.diagnostics import ERROR, Diagnostic
from csdl.payloads import data365, kinds, managed_sources, updates
from csdl.payloads.context import Context, Options, show
from csdl.payloads.json_parser import JSONSyntaxError, Node, parse_json
from csdl.payloads.rules import BLOCKING, rule, rules
from csdl.spans import Span, span_at

MAX_BYTES = 1 << 20  # 1 MiB: a hundred resources take a few kilobytes
DEFAULT_MAX_PERIOD_DAYS = 31


class PayloadOptionError(ValueError):
    """An option of ``check_payload`` that cannot be used (not a problem of the body)."""


def check_payload(
    text: str | bytes | dict | list,
    kind: str | None = None,
    *,
    data365_source: str | None = None,
    today: _dt.date | str | None = None,
    previous: str | bytes | dict | Node | None = None,
    select: Iterable[str] | str | None = None,
    ignore: Iterable[str] | str | None = None,
    extend_select: Iterable[str] | str | None = None,
    source_types: Iterable[str] = (),
    max_period_days: int = DEFAULT_MAX_PERIOD_DAYS,
    max_bytes: int = MAX_BYTES,
    data365_source_origin: str = "the data365_source option",
) -> list[Diagnostic]:
    """All diagnostics of a payload body, sorted by position.

    ``kind`` is ``"source-create"``, ``"source-update"`` or ``"data365-tasks"``; None detects it from
    the body's keys (an undetectable or ambiguous body gives one P003 or P004 error). ``text`` may be
    bytes (UTF-8) or an already decoded ``dict``/``list`` (checked as its ``json.dumps(indent=2)``).
    ``today`` (a date or ``"YYYY-MM-DD"``) fixes "now" at midnight UTC for the date rules; ``previous``
    is the source's previous state for an update body (the create response or the last update).
    ``select``/``ignore``/``extend_select`` take codes or prefixes as in ``csdl.check``.
    """
    if kind is not None and kind not in kinds.KINDS:
        raise PayloadOptionError(f"unknown payload kind {kind!r}; expected one of {', '.join(kinds.KINDS)}")
    selection = _selection(select, ignore, extend_select)
    options = Options(data365_source=data365_source, data365_source_origin=data365_source_origin, now=_now(today),
                      previous=load_previous(previous) if previous is not None else None, source_types=source_types,
                      max_period_days=max_period_days, max_bytes=max_bytes)
    if isinstance(text, (dict, list)):
        text = json.dumps(text, indent=2, ensure_ascii=False)
    too_big = _size_problem(text, max_bytes)
    if too_big is not None:
        return [too_big]
    if isinstance(text, (bytes, bytearray)):
        decoded = _decode(bytes(text))
        if isinstance(decoded, Diagnostic):
            return [decoded]
        text = decoded
    try:
        root, duplicates = parse_json(text)
    except JSONSyntaxError as exc:
        return [_diag("P001", exc.message, span_at(text, exc.offset, exc.length), hint=exc.hint)]
    found: list[Diagnostic] = []
    if selection.enabled("P005"):
        for dup in duplicates:
            line = span_at(text, dup.first.start, 0).line
            found.append(_diag("P005", f"key {show(dup.second.value)} appears twice in this object (first on line "
                               f"{line}); only the last value counts", span_at(text, dup.second.start,
                                                                               dup.second.end - dup.second.start),
                               hint="remove one of the two"))
    if kind is None:
        detection = kinds.detect(root)
        if detection.kind is None:
            code = "P003" if detection.problem == "unknown" else "P004"
            what = "not recognisably a payload" if code == "P003" else "ambiguous"
            found.append(_diag(code, f"the kind of this body is {what}: {detection.reason}",
                               span_at(text, root.start, 1), hint=kinds.DECLARE))
            return sorted(found, key=Diagnostic.sort_key)
        kind = detection.kind
    if root.type != "object":
        hint = 'wrap the tasks as {"tasks": [...]}' if kind == kinds.DATA365_TASKS and root.type == "array" else None
        found.append(_diag("P006", f"a {kind} body must be a JSON object, found {root.type_word}",
                           span_at(text, root.start, 1), hint=hint))
        return sorted(found, key=Diagnostic.sort_key)
    ctx = Context(text, root, kind, options, selection.enabled)
    if kind == kinds.DATA365_TASKS:
        data365.check(ctx)
    else:
        managed_sources.check(ctx)
        if kind == kinds.SOURCE_UPDATE:
            updates.check(ctx)
    found.extend(ctx.found)
    return sorted(found, key=Diagnostic.sort_key)


def _diag(code: str, message: str, span: Span, hint: str | None = None) -> Diagnostic:
    info = rule(code)
    return Diagnostic(code, message, span, severity=info.severity, hint=hint, name=info.name)


def _size_problem(text, max_bytes: int) -> Diagnostic | None:
    """P002 before any parsing or decoding: a huge file costs only its length."""
    size = len(text)
    if size > max_bytes or (isinstance(text, str) and size * 4 > max_bytes
                            and len(text.encode("utf-8", "surrogatepass")) > max_bytes):
        if isinstance(text, str) and not text.isascii():  # isascii is O(1) on str: no copy of 10 MB
            size = len(text.encode("utf-8", "surrogatepass"))
        return _diag("P002", f"the payload has {size:,} bytes; the limit is {max_bytes:,}",
                     Span(1, 1, 1, 1, 0, 0), hint="a collection request needs a few kilobytes; is this the right file?")
    return None


def _decode(data: bytes) -> str | Diagnostic:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8", "replace")
        span = span_at(good + "\ufffd", len(good), 1)
        return _diag("P001", f"not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}", span,
                     hint="JSON payloads are UTF-8 text")


def _now(today) -> _dt.datetime:
    if today is None:
        return _dt.datetime.now(_dt.timezone.utc)
    if isinstance(today, _dt.datetime):
        return today if today.tzinfo else today.replace(tzinfo=_dt.timezone.utc)
    if isinstance(today, str):
        try:
            today = _dt.date.fromisoformat(today)
        except ValueError:
            raise PayloadOptionError(f"today must be a date as YYYY-MM-DD, found {today!r}") from None
    if not isinstance(today, _dt.date):
        raise PayloadOptionError(f"today must be a date, found {type(today).__name__}")
    return _dt.datetime(today.year, today.month, today.day, tzinfo=_dt.timezone.utc)


def load_previous(previous) -> Node:
    """The previous state of a source as a parsed body; ``PayloadOptionError`` when it is not a JSON object."""
    if isinstance(previous, Node):
        return previous
    if isinstance(previous, (dict, list)):
        previous = json.dumps(previous)
    if isinstance(previous, (bytes, bytearray)):
        try:
            previous = bytes(previous).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PayloadOptionError(f"the previous state is not valid UTF-8 (offset {exc.start})") from None
    if not isinstance(previous, str):
        raise PayloadOptionError(f"previous must be JSON text or a dict, found {type(previous).__name__}")
    if len(previous) > MAX_BYTES:
        raise PayloadOptionError(f"the previous state is larger than {MAX_BYTES:,} bytes")
    try:
        root, _ = parse_json(previous)
    except JSONSyntaxError as exc:
        span = span_at(previous, exc.offset, exc.length)
        raise PayloadOptionError(f"the previous state is not valid JSON: {span.line}:{span.column}: {exc.message}") from None
    if root.type != "object":
        raise PayloadOptionError(f"the previous state must be a JSON object, found {root.type_word}")
    return root


class _PayloadSelection:
    """``csdl.checking.selection.Selection`` for payload codes; the blocking codes are always on."""

    def __init__(self, selection):
        self._selection = selection

    def enabled(self, code: str) -> bool:
        return code in BLOCKING or self._selection.enabled(code)


def _selection(select, ignore, extend_select) -> _PayloadSelection:
    from csdl.checking.selection import Selection, SelectionError

    selection = Selection(select, ignore, extend_select)
    for selector in selection.select + selection.ignore:
        # Filter codes (E…, W…) are validated by the caller that knows them; a P selector must match.
        if selector.startswith("P") and not any(code.startswith(selector) for code in rules()):
            raise SelectionError(f"unknown rule selector `{selector}` (see `csdl rules --select P`)")
    return _PayloadSelection(selection)


_DUPLICATE_409 = ("A source with the same auth token already exists, or the same resource has been added more "
                  "than once to this source")
_EXISTING_TOKEN_400 = ('Bad Request (400): {"exception":"BadRequest400Exception","message":"an identity with the same '
                       'token already exists","success":false}')
_NO_RESOURCES = "resources must have at least 1 entry"


def refusal(kind: str | None, diagnostics: Iterable[Diagnostic]) -> tuple[int, dict] | None:
    """The HTTP status and JSON error body the platform answers for a body with these diagnostics,
    or None when it would accept it (warnings only). The texts are DataSift's where it documents them."""
    errors = [d for d in diagnostics if d.severity == ERROR]
    if not errors:
        return None
    codes = {d.code for d in errors}
    if kind == kinds.SOURCE_CREATE and codes & {"P109", "P110"}:
        return 409, {"error": _DUPLICATE_409}
    if kind == kinds.SOURCE_UPDATE and codes & {"P109", "P206"}:
        return 400, {"error": _EXISTING_TOKEN_400}
    if "P103" in codes:
        return 400, {"original_error": _NO_RESOURCES, "error": f"Bad request: {_NO_RESOURCES}"}
    first = errors[0]
    where = f"{first.span.line}:{first.span.column}"
    return 400, {"original_error": first.message, "error": f"Bad request: {first.message}",
                 "code": first.code, "location": where}
