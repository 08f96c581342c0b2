"""One closure per condition: ``cond(post, memo) -> bool``.

Everything that depends only on the filter (lower-cased keywords, keyword sets, compiled RE2
patterns, parsed geo shapes, normalised URLs) is computed here, once; the closures do only the
per-post work. A multi-valued target holds if the test holds for any of its values; an absent
target fails every test except in ``NOT`` (handled by the caller).
"""

from __future__ import annotations

import operator

from csdl.language import ast
from csdl.diagnostics import CSDLError

from csdl.evaluate import geomath, inlined, text
from csdl.evaluate.urls import url_in
from csdl.evaluate.values import as_text, flat, is_number, parse_number


# The per-post memo is a plain dict, the cheapest object to create once per post. It maps the
# id of a post's text to its lower-cased form (so ten conditions on one target lower-case it
# once), (text, kind) to token lists, and ISSUES to the wrong-typed values met.
ISSUES = None


def wrong_type(memo: dict, target: str, value, expected: str) -> None:
    issues = memo.get(ISSUES)
    if issues is None:
        issues = memo[ISSUES] = []
    issues.append((target, f"{target} is {_describe(value)}, expected {expected}"))


def _describe(value) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        shown = value if len(value) <= 30 else value[:27] + "..."
        return f"the string {shown!r}"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    return f"the number {value!r}"


# What cannot run (csdl/data/run_cost_codes.toml gives each its name and severity).
MALFORMED_ARGUMENT, REGEX_NOT_SUPPORTED, MALFORMED_GEO, OPERATOR_NOT_EVALUABLE = "R001", "R002", "R003", "R004"


def _error(condition: ast.Condition, code: str, message: str) -> CSDLError:
    from csdl.codes import diagnostic

    return CSDLError([diagnostic(code, message, condition.span)])


def case_sensitive(condition: ast.Condition) -> bool:
    """``cs`` wins; otherwise ``[case(true)]`` makes the operator case sensitive (spec §4)."""
    if condition.case_sensitive:
        return True
    switch = condition.switch("case")
    return bool(switch and switch.values and switch.values[0].strip().lower() == "true")


# --- text operators -------------------------------------------------------------------------


def _text_condition(target: str, test, lower: bool, shared: bool = True):
    def slow(value, memo):
        values = flat(value) if value.__class__ is list else (value,)
        for item in values:
            item_text = as_text(item)
            if item_text is None:
                wrong_type(memo, target, item, "text")
                continue
            if lower:
                if item_text is item:  # the post's own string: alive as long as the memo
                    low = memo.get(id(item))
                    if low is None:
                        low = memo[id(item)] = item_text.lower()
                    item_text = low
                else:
                    item_text = item_text.lower()
            if test(item_text, memo):
                return True
        return False

    read = ("lower_shared" if shared else "lower") if lower else "as_is"  # shared: other conditions read it
    if isinstance(test, text.Substring):
        return inlined.condition(target, inlined.text_body(read, "substring"), needle=test.needle, slow=slow)
    return inlined.condition(target, inlined.text_body(read), test=test, slow=slow)


def _text_test(condition: ast.Condition, lower: bool, shared: bool = True):
    op, arg = condition.operator, condition.argument
    if op == "contains":
        return text.contains(arg.value, lower=lower)
    if op == "substr":
        return text.substr(arg.value, lower=lower)
    if op == "contains_any":
        return text.contains_any(_items(arg), lower=lower, shared=shared)
    if op == "contains_all":
        return text.contains_all(_items(arg), lower=lower)
    if op == "wildcard":
        return text.wildcard(_items(arg), lower=lower)
    if op == "contains_near":
        if not isinstance(arg, ast.NearList) or arg.distance is None:
            raise _error(condition, MALFORMED_ARGUMENT, 'contains_near needs "word,word,...:N"')
        return text.contains_near(arg.words, arg.distance, lower=lower)
    raise AssertionError(op)


def _items(arg) -> tuple[str, ...]:
    if isinstance(arg, ast.TextList):
        return arg.items
    if isinstance(arg, ast.Text):
        return (arg.value,)
    return tuple(str(v) for v in getattr(arg, "values", ()))


def _regex_test(condition: ast.Condition):
    """RE2 as documented; case sensitive unless the pattern says ``(?i)`` (no source pairs
    ``cs`` with the regex operators, so the pattern is taken as written)."""
    import re2

    from csdl.evaluate.re2util import compile_re2, searcher
    from csdl.evaluate.simple_regex import python_search

    try:
        pattern = compile_re2(condition.argument.value)
    except re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise _error(condition, REGEX_NOT_SUPPORTED, f"RE2 cannot compile this regular expression: {detail}") from None
    whole = condition.operator == "regex_exact"
    search = searcher(pattern, whole=whole)
    simple = python_search(condition.argument.value, whole=whole)
    if simple is None:
        return search
    # A pattern both engines read alike, on any text (csdl.evaluate.simple_regex).
    return lambda text, memo=None: simple(text) is not None


def _url_test(condition: ast.Condition):
    return url_in(_items(condition.argument))


# --- scalar operators -------------------------------------------------------------------------


def _any_value(test):
    """``on_value(value, memo)`` for a present value: ``test`` on it, or on each of a
    multi-valued target's values (any one true is enough)."""

    def on_value(value, memo):
        if value.__class__ is list:
            for item in flat(value):
                if test(item, memo):
                    return True
            return False
        return test(value, memo)

    return on_value


def _scalar_condition(target: str, test):
    """``test(value, memo)`` on each present value; any one true is enough."""
    return inlined.condition(target, inlined.ANY_VALUE, test=test)


def _with_string_test(target: str, test, on_string: tuple | None):
    """Like ``_scalar_condition``, with the common case (one string value) answered without the
    extra calls: ``on_string`` is (a key of ``inlined.STRING_TESTS``, the names it reads)."""
    if on_string is None:
        return _scalar_condition(target, test)
    kind, names = on_string
    return inlined.condition(target, inlined.on_string_body(kind), general=_any_value(test), **names)


def _with_number_test(target: str, test, operator: str, bound):
    """The common case of an ordering comparison, a plain JSON number, without extra calls."""
    return inlined.condition(target, inlined.order_body(operator), bound=bound, general=_any_value(test))


def _text_equality(condition: ast.Condition):
    if not isinstance(condition.argument, ast.Text):
        return None
    if case_sensitive(condition):
        return "equals", {"wanted": condition.argument.value}
    return "equals_lower", {"wanted": condition.argument.value.lower()}


def _equals_test(condition: ast.Condition, target: str):
    """Equality between a post value and the argument, whatever their JSON types.

    Text compares case-insensitively unless ``cs``; a number compares numerically with a number
    or a numeric string (``twitter.user.id == "155505157"`` and ``== 155505157`` both work, as
    DataSift's examples use both); booleans are 1 and 0.
    """
    arg = condition.argument
    lower = not case_sensitive(condition)
    if isinstance(arg, ast.Number):
        number = arg.value

        def equals(value, memo):
            if is_number(value):
                return value == number
            if value.__class__ is str:
                parsed = parse_number(value)
                return parsed is not None and parsed == number
            wrong_type(memo, target, value, "a number")
            return False

        return equals
    wanted = arg.value
    wanted_cmp = wanted.lower() if lower else wanted
    wanted_number = parse_number(wanted)

    def equals_text(value, memo):
        if value.__class__ is str:
            return (value.lower() if lower else value) == wanted_cmp
        if is_number(value):
            return wanted_number is not None and value == wanted_number
        wrong_type(memo, target, value, "text or a number")
        return False

    return equals_text


def _in_test(condition: ast.Condition, target: str):
    """Whole-value membership. Strings compare case-insensitively (like ``==`` without ``cs``;
    ``in`` has no ``cs`` form); numbers match numeric strings and the other way round."""
    arg = condition.argument
    if isinstance(arg, ast.NumberList):
        numbers = frozenset(arg.values)

        def in_numbers(value, memo):
            if is_number(value):
                return value in numbers
            if value.__class__ is str:
                parsed = parse_number(value)
                return parsed is not None and parsed in numbers
            wrong_type(memo, target, value, "a number")
            return False

        return in_numbers
    items = _items(arg)
    strings = frozenset(item.lower() for item in items)
    numbers = frozenset(n for n in (parse_number(item) for item in items) if n is not None)

    def in_strings(value, memo):
        if value.__class__ is str:
            return value.lower() in strings
        if is_number(value):
            return value in numbers
        wrong_type(memo, target, value, "text or a number")
        return False

    return in_strings


_ORDER = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _order_test(condition: ast.Condition, target: str):
    """Numeric comparison; a numeric string is read as its number, other text never matches
    and is reported as a wrong-typed value."""
    compare = _ORDER[condition.operator]
    bound = condition.argument.value

    def order(value, memo):
        cls = value.__class__
        if cls is int or cls is float or cls is bool:
            return compare(value, bound)
        if cls is str:
            parsed = parse_number(value)
            if parsed is not None:
                return compare(parsed, bound)
        wrong_type(memo, target, value, "a number")
        return False

    return order


def _point(value, memo, target: str):
    """(lat, lon) of a geo value ``{"latitude": …, "longitude": …}``, else None (reported)."""
    if value.__class__ is dict:
        lat, lon = value.get("latitude"), value.get("longitude")
        if lat.__class__ in (int, float) and lon.__class__ in (int, float) and -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
    wrong_type(memo, target, value, 'a point {"latitude": …, "longitude": …} within ±90/±180')
    return None


def _geo_test(condition: ast.Condition, target: str):
    from csdl.language.geo import GeoFormatError, parse_box, parse_polygon, parse_radius

    op, raw = condition.operator, condition.argument.value
    try:
        if op == "geo_box":
            nw, se = parse_box(raw)
            inside = lambda lat, lon: geomath.in_box(lat, lon, nw, se)  # noqa: E731
        elif op == "geo_radius":
            (clat, clon), radius = parse_radius(raw)
            inside = lambda lat, lon: geomath.distance_km(clat, clon, lat, lon) <= radius  # noqa: E731
        else:
            vertices = parse_polygon(raw)
            if len(vertices) > 1 and vertices[0] == vertices[-1]:
                vertices = vertices[:-1]
            if len(vertices) < 3:
                raise GeoFormatError("geo_polygon needs at least 3 vertices")
            inside = lambda lat, lon: geomath.in_polygon(lat, lon, vertices)  # noqa: E731
    except GeoFormatError as exc:
        raise _error(condition, MALFORMED_GEO, f"{op}: {exc.message}") from None

    def geo(value, memo):
        point = _point(value, memo, target)
        return point is not None and inside(*point)

    return geo


def _exists(target: str):
    return inlined.condition(target, inlined.EXISTS)


TEXT_OPERATORS = frozenset({"contains", "substr", "contains_any", "contains_all", "wildcard", "contains_near"})
STRING_OPERATORS = frozenset({"regex_partial", "regex_exact", "url_in"})
GEO_OPERATORS = frozenset({"geo_box", "geo_radius", "geo_polygon"})


def build(condition: ast.Condition, shared: bool = True):
    """The closure for ``condition``; raises CSDLError for an argument that cannot run.
    ``shared``: other text conditions may read the same target in the same case mode."""
    target, op = condition.target, condition.operator
    if op == "exists":
        return _exists(target)
    if op in TEXT_OPERATORS:
        lower = not case_sensitive(condition)
        return _text_condition(target, _text_test(condition, lower, shared), lower, shared)
    if op in STRING_OPERATORS:
        test = _regex_test(condition) if op != "url_in" else _url_test(condition)
        # Regexes see the value as written; url_in normalises (and lower-cases) by itself.
        return _text_condition(target, test, lower=False)
    if op == "==":
        return _with_string_test(target, _equals_test(condition, target), _text_equality(condition))
    if op == "!=":
        equals = _equals_test(condition, target)

        def differs(value, memo):
            # An object or array element is neither equal nor different: it is wrong-typed.
            if value.__class__ is dict:
                wrong_type(memo, target, value, "text or a number")
                return False
            return not equals(value, memo)

        # Any present value that differs; an absent target gives False (spec §4.3).
        return _scalar_condition(target, differs)
    if op == "in":
        fast = None
        if not isinstance(condition.argument, ast.NumberList):
            fast = "in", {"strings": frozenset(item.lower() for item in _items(condition.argument))}
        return _with_string_test(target, _in_test(condition, target), fast)
    if op in _ORDER:
        if not isinstance(condition.argument, ast.Number):
            raise _error(condition, MALFORMED_ARGUMENT, f"{op} needs a number")
        return _with_number_test(target, _order_test(condition, target), op, condition.argument.value)
    if op in GEO_OPERATORS:
        return _scalar_condition(target, _geo_test(condition, target))
    raise _error(condition, OPERATOR_NOT_EVALUABLE, f"the operator {condition.spelling} cannot be evaluated")
