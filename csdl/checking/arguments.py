"""Checks of a condition's argument that need no target: geo shapes and ranges, ``contains_near``,
list items, RE2 regular expressions, switches, and the PYLON list limits.

RE2 is imported only when a filter contains a regular expression.
"""

from __future__ import annotations

from csdl.language import ast
from csdl.diagnostics import Diagnostic
from csdl.language.literal_spans import list_item_spans, near_parts, value_span
from csdl.spans import span_at
from csdl.checking.platform import PYLON, PYLON_MAX_LIST, diag

MIN_VERTICES, MAX_VERTICES = 3, 32
#: The operators that take the `keep`/`drop` switches.
SWITCHABLE_OPERATORS = frozenset({"contains", "contains_any", "contains_near"})
_LIST_LIMITED = {"contains_any", "contains_all", "wildcard", "in"}


def check_argument(cond: ast.Condition, source: str, platform: str) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    op = cond.operator
    arg = cond.argument
    if cond.switches:
        _switches(cond, platform, out)
    if op in ("geo_box", "geo_radius", "geo_polygon") and isinstance(arg, ast.Text):
        _geo(op, arg, source, out)
    elif op == "contains_near" and isinstance(arg, ast.NearList):
        _near(arg, source, platform, out)
    elif isinstance(arg, ast.TextList):
        _text_list(op, arg, source, platform, out)
    elif isinstance(arg, ast.NumberList):
        _number_list(arg, platform, out)
    elif op in ("regex_partial", "regex_exact") and isinstance(arg, ast.Text):
        _regex(arg, out)
    return out


# Switches ----------------------------------------------------------------------------------


def _switches(cond: ast.Condition, platform: str, out: list) -> None:
    for switch in cond.switches:
        if switch.name == "case":
            values = [v.lower() for v in switch.values]
            if len(values) != 1 or values[0] not in ("true", "false"):
                shown = ", ".join(switch.values) or "nothing"
                out.append(diag("E212", f"`case` takes `true` or `false`, found {shown}", switch.span))
            elif values[0] == "true" and platform == PYLON:
                out.append(diag("E403", "case-sensitive matching is not available in PYLON query filters", switch.span))
        elif switch.name in ("keep", "drop"):
            if cond.operator not in SWITCHABLE_OPERATORS:
                out.append(diag("E211", f"`{switch.name}` applies only to `contains`, `contains_any` and `contains_near`",
                                switch.span))
            elif not switch.values:
                out.append(diag("E212", f"`{switch.name}` needs a punctuation set, e.g. `{switch.name}(classic)`", switch.span))
        else:
            out.append(diag("E211", f"unknown switch `{switch.name}`; CSDL has `case`, `keep` and `drop`", switch.span))


# Geo -----------------------------------------------------------------------------------------


def _parts(value: str) -> list[tuple[str, int]]:
    out, offset = [], 0
    for part in value.split(":"):
        out.append((part, offset))
        offset += len(part) + 1
    return out


def _geo(op: str, arg: ast.Text, source: str, out: list) -> None:
    from csdl.language.geo import GeoFormatError, parse_box, parse_polygon, parse_radius

    value = arg.value
    try:
        if op == "geo_box":
            points = list(parse_box(value))
        elif op == "geo_radius":
            centre, radius = parse_radius(value)
            points = [centre]
        else:
            points = parse_polygon(value)
    except GeoFormatError as exc:
        end = value.find(":", exc.offset)
        length = (end if end >= 0 else len(value)) - exc.offset
        out.append(diag("E201", f"invalid `{op}` argument: {exc.message}", value_span(source, arg, exc.offset, max(1, length))))
        return
    parts = _parts(value)
    in_range = True
    for (lat, lon), (text, offset) in zip(points, parts, strict=False):  # a radius may follow the points
        span = value_span(source, arg, offset, len(text))
        if not -90 <= lat <= 90:
            hint = "latitude comes first: `lat,lon`" if -90 <= lon <= 90 else None
            out.append(diag("E202", f"latitude {_num(lat)} is outside [-90, 90]", span, hint=hint))
            in_range = False
        if not -180 <= lon <= 180:
            out.append(diag("E202", f"longitude {_num(lon)} is outside [-180, 180]", span))
            in_range = False
    if op == "geo_box":
        (lat1, _), (lat2, _) = points
        if in_range and lat1 < lat2:
            out.append(diag("E201", "the first `geo_box` corner must be the north-west one and the second the south-east one",
                            arg.span, hint="swap the latitudes: the first corner has the larger latitude"))
    elif op == "geo_radius":
        if radius <= 0:
            text, offset = parts[1]
            out.append(diag("E204", f"the radius must be greater than 0 km, found {_num(radius)}",
                            value_span(source, arg, offset, len(text))))
    elif op == "geo_polygon":
        if not MIN_VERTICES <= len(points) <= MAX_VERTICES:
            out.append(diag("E203", f"`geo_polygon` needs {MIN_VERTICES} to {MAX_VERTICES} vertices, found {len(points)}",
                            arg.span))


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


# contains_near -------------------------------------------------------------------------------


def _near(arg: ast.NearList, source: str, platform: str, out: list) -> None:
    words_end, distance_start = near_parts(arg.raw)
    spans = list_item_spans(source, arg, body_end=words_end)
    _empty_items(arg.words, spans, arg, out)
    real = [(w, s) for w, s in zip(arg.words, spans, strict=True) if w]
    if len(real) < 2:
        out.append(diag("E205", f"`contains_near` needs at least two words, found {len(real)}", arg.span,
                        hint='write `"word1,word2:N"`; for one word use `contains`'))
    for word, span in real:
        if any(c.isspace() for c in word):
            out.append(diag("E205", f"`contains_near` words cannot contain spaces: \"{word}\"", span,
                            hint="split the phrase into words or use `contains` for an exact phrase"))
    if arg.distance_text is None:
        out.append(diag("E205", "`contains_near` needs a distance after a colon: `\"word1,word2:N\"`", arg.span))
    else:
        dspan = span_at(source, arg.span.start + distance_start, max(1, len(arg.raw) - 1 - distance_start))
        if arg.distance is None:
            out.append(diag("E205", f"the `contains_near` distance must be a whole number, found `{arg.distance_text}`", dspan))
        elif arg.distance <= 0:
            out.append(diag("E205", f"the `contains_near` distance must be positive, found {arg.distance}", dspan))
    if platform == PYLON and len(arg.words) > PYLON_MAX_LIST:
        out.append(diag("E404", f"PYLON query filters allow at most {PYLON_MAX_LIST} words in `contains_near`, found {len(arg.words):,}",
                        arg.span))


# Lists ----------------------------------------------------------------------------------------


def _empty_items(items, spans, arg, out: list) -> None:
    if all(not item for item in items):
        out.append(diag("E207", "the list is empty", arg.span))
        return
    for item, span in zip(items, spans, strict=True):
        if not item:
            out.append(diag("E207", "empty list item", span, hint="remove the extra comma; write a literal comma as `\\,`"))


def _text_list(op: str, arg: ast.TextList, source: str, platform: str, out: list) -> None:
    needs_spans = "" in arg.items or (platform == PYLON and op == "wildcard")
    spans = list_item_spans(source, arg) if needs_spans else []
    if "" in arg.items:
        _empty_items(arg.items, spans, arg, out)
    if platform != PYLON:
        return
    if op in _LIST_LIMITED and len(arg.items) > PYLON_MAX_LIST:
        out.append(diag("E404", f"PYLON query filters allow at most {PYLON_MAX_LIST} items in `{op}`, found {len(arg.items):,}",
                        arg.span))
    if op == "wildcard":
        for item, span in zip(arg.items, spans, strict=True):
            if not item:
                continue
            if item[0] in "*?":
                out.append(diag("E405", f"a PYLON `wildcard` item cannot start with `{item[0]}`: \"{item}\"", span))
            elif not all(c.isalnum() or c in "*?" for c in item):
                out.append(diag("E405", f"a PYLON `wildcard` item may contain only letters, digits, `*` and `?`: \"{item}\"", span))


def _number_list(arg: ast.NumberList, platform: str, out: list) -> None:
    if not arg.items:
        out.append(diag("E207", "the list is empty", arg.span))
    for number in arg.items:
        if isinstance(number.value, float):
            out.append(diag("E206", f"`in` lists take integers, not decimal numbers: `{number.text}`", number.span))
    if platform == PYLON and len(arg.items) > PYLON_MAX_LIST:
        out.append(diag("E404", f"PYLON query filters allow at most {PYLON_MAX_LIST} items in `in`, found {len(arg.items):,}",
                        arg.span))


# Regular expressions ---------------------------------------------------------------------------


def re2_error(pattern: str) -> str | None:
    """RE2's reason for rejecting ``pattern``, or None if RE2 compiles it."""
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would otherwise write every rejected pattern to stderr
    try:
        re2.compile(pattern, options=options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else str(exc)
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        return str(reason)
    except Exception as exc:  # e.g. a pattern RE2's binding cannot take at all
        return str(exc) or type(exc).__name__
    return None


def _regex(arg: ast.Text, out: list) -> None:
    reason = re2_error(arg.value)
    if reason is None:
        return
    hint = None
    if "invalid perl operator: (?<" in reason or "invalid perl operator: (?=" in reason or "(?!" in reason:
        hint = "RE2 has no lookahead or lookbehind; match the surrounding text or combine conditions with AND NOT"
    elif "invalid escape sequence: \\1" in reason or any(f"invalid escape sequence: \\{d}" in reason for d in "23456789"):
        hint = "RE2 has no backreferences"
    elif "bad repetition operator: *+" in reason or "++" in reason or "?+" in reason:
        hint = "RE2 has no possessive quantifiers; drop the `+`"
    out.append(diag("E208", f"invalid regular expression: {reason}", arg.span, hint=hint))
