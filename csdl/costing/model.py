"""The DPU price of each part of a filter (the rules, and which of them are ours, are in docs/cost.md).

``price_scope`` turns one priced scope — the main expression, or the body of one tag or scoring
statement — into priced items. It knows nothing of files, libraries or reports; every number comes
from the pricing table (``csdl/data/pricing.toml``) through ``Prices``.
"""

from __future__ import annotations

import re
from decimal import Decimal, localcontext

from csdl.language import ast
from csdl.language.geo import GeoFormatError, parse_polygon
from csdl.language.tokens import count_tokens
from csdl.units import PRECISION, fixed, total

_one_word = re.compile(r"\w+").fullmatch

REGEX_OPERATORS = frozenset({"regex_partial", "regex_exact"})
#: Priced on the sliding scale by token weight (`contains_all` and `wildcard` like `contains_any`:
#: [decision: all-and-wildcard-like-any]).
WEIGHTED_LISTS = frozenset({"contains_any", "contains_all", "wildcard"})
#: Priced on the sliding scale by item count (`url_in` like `in`: [decision: url-in-like-in]).
COUNTED_LISTS = frozenset({"in", "url_in"})


class Prices:
    """The numbers of the ``[dpu]`` table, read once per pricing table."""

    def __init__(self, pricing):
        t = pricing.table("dpu")
        self.step = t["step"]
        self.fixed = dict(t["fixed"])
        self.contains_conditions = int(t["contains_conditions_per_step"])
        self.contains_words = int(t["contains_words_per_step"])
        self.regex_chars = t["regex_chars_per_dpu"]
        self.regex_minimum = t["regex_minimum"]
        self.polygon_vertices = t["polygon_vertices_per_dpu"]
        self.polygon_minimum = t["polygon_minimum"]
        self.scale_items = int(t["scale_items_per_step"])
        self.scale_base = t["scale_base"]
        self.tag_fraction = t["tag_fraction"]
        self.tag_threshold = t["tag_threshold"]
        with localcontext() as ctx:
            ctx.prec = PRECISION
            self.scale_exponent = t["scale_growth"].log10()
        # The 40-digit power costs about as much as parsing a small filter; list sizes repeat.
        self._scale_memo: dict[int, Decimal] = {}

    def scale(self, n: int) -> Decimal:
        """The sliding scale: ``min(step × (floor(n/10) + 1), (n/100) ^ log10(2))``."""
        value = self._scale_memo.get(n)
        if value is None:
            if len(self._scale_memo) >= 4096:
                self._scale_memo.clear()
            value = self._scale_memo[n] = self._scale(n)
        return value

    def _scale(self, n: int) -> Decimal:
        with localcontext() as ctx:
            ctx.prec = PRECISION
            banded = self.step * (n // self.scale_items + 1)
            if n <= 0:
                return Decimal(0)
            power = (Decimal(n) / self.scale_base) ** self.scale_exponent
            return fixed(min(banded, power))

    def contains_group(self, conditions: int) -> Decimal:
        """A group of ``contains`` conditions on one target: ``step`` per started group (§3)."""
        return self.step * (conditions // self.contains_conditions + 1)

    def contains_phrase(self, words: int) -> Decimal:
        """What a ``contains`` phrase of ``words`` words adds to its group: ``step`` per full
        ``contains_words`` words."""
        return self.step * (words // self.contains_words)

    def tag_is_charged(self, full: Decimal) -> bool:
        """Whether a tag body of ``full`` DPU is charged at all (at least the threshold)."""
        return full >= self.tag_threshold

    def tag_charge(self, full: Decimal) -> Decimal:
        """10 % of the body's normal cost when that is at least 1 DPU, otherwise nothing. Each tag or
        scoring statement is priced on its own body [decision: tag-scope]; PYLON's recorded 0.4 for a
        tagged filter (tags charged in full) is not followed [decision: pylon-tags-not-modelled]."""
        return fixed(self.tag_fraction * full) if self.tag_is_charged(full) else Decimal(0)


class Item:
    """One priced item: a condition, or a group of ``contains`` conditions on one target."""

    __slots__ = ("operator", "target", "dpu", "conditions", "detail")

    def __init__(self, operator: str, target: str, dpu: Decimal, conditions: list, detail: dict):
        self.operator = operator
        self.target = target
        self.dpu = dpu
        self.conditions = conditions  # the ast.Condition nodes priced together
        self.detail = detail  # JSON-ready facts the price was computed from

    @property
    def spans(self) -> list[ast.Span]:
        return [c.span for c in self.conditions]

    def __repr__(self) -> str:
        lines = ", ".join(str(c.span.line) for c in self.conditions)
        return f"Item({self.operator} on {self.target}: {self.dpu.normalize():f} DPU, line {lines})"


def scope_conditions(expr: ast.Expr | None) -> tuple[list[ast.Condition], list[ast.StreamRef]]:
    """The conditions and stream references of an expression, in source order."""
    conditions: list[ast.Condition] = []
    refs: list[ast.StreamRef] = []
    if expr is None:
        return conditions, refs
    for node in expr.walk():
        if isinstance(node, ast.Condition):
            conditions.append(node)
        elif isinstance(node, ast.StreamRef):
            refs.append(node)
    return conditions, refs


def price_scope(conditions: list[ast.Condition], prices: Prices) -> list[Item]:
    """Items for the conditions of one priced scope, ``contains`` grouped by target (§3): a group of
    m conditions costs ``step × (m // 4 + 1) + Σ step × (words // 8)`` [decision: contains-combined]."""
    items: list[Item] = []
    groups: dict[str, Item] = {}
    for cond in conditions:
        if cond.operator == "contains":
            words = count_tokens(_text(cond))
            group = groups.get(cond.target)
            if group is None:
                group = groups[cond.target] = Item("contains", cond.target, Decimal(0), [], {"phrase_words": []})
                items.append(group)
            group.conditions.append(cond)
            group.detail["phrase_words"].append(words)
        else:
            items.append(price_condition(cond, prices))
    for group in groups.values():
        words = group.detail["phrase_words"]
        m = len(words)
        group.dpu = fixed(prices.contains_group(m) + total(prices.contains_phrase(w) for w in words))
        group.detail = {"conditions": m, "phrase_words": words}
    return items


def price_condition(cond: ast.Condition, prices: Prices) -> Item:
    """One condition of any operator except ``contains`` (which is priced per target group). `cs`,
    switches, AND, OR, NOT and parentheses add nothing [decision: modifiers-free]."""
    op = cond.operator
    if op in prices.fixed:
        return Item(op, cond.target, fixed(prices.fixed[op]), [cond], {})
    if op in REGEX_OPERATORS:
        chars = len(_text(cond))  # code points after CSDL unescaping [decision: regex-characters]
        dpu = fixed(max(prices.regex_minimum, _divide(chars, prices.regex_chars)))
        return Item(op, cond.target, dpu, [cond], {"characters": chars})
    if op == "geo_polygon":
        vertices = polygon_vertices(_text(cond))
        dpu = fixed(max(prices.polygon_minimum, _divide(vertices, prices.polygon_vertices)))
        return Item(op, cond.target, dpu, [cond], {"vertices": vertices})
    if op in COUNTED_LISTS:
        n = list_length(cond.argument)
        return Item(op, cond.target, prices.scale(max(n, 1)), [cond], {"items": n, "weight": n})
    if op in WEIGHTED_LISTS:
        items, tokens, weight = list_weight(cond.argument, wildcard=op == "wildcard")
        # an all-empty list is priced as one item [decision: empty-list-one-item]; `*` and `?` belong to
        # the wildcard word they touch [decision: wildcard-tokens]
        return Item(op, cond.target, prices.scale(max(weight, 1)), [cond], {"items": items, "tokens": tokens, "weight": weight})
    raise ValueError(f"no price for operator {op!r}")  # the grammar admits no other operator


def _divide(count: int, per_dpu: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return Decimal(count) / per_dpu


def _text(cond: ast.Condition) -> str:
    argument = cond.argument
    if isinstance(argument, ast.Text):
        return argument.value
    if isinstance(argument, ast.TextList):
        return ",".join(argument.items)
    if isinstance(argument, ast.NearList):
        return ",".join(argument.words)
    if isinstance(argument, ast.Number):
        return argument.text
    return ""


def polygon_vertices(value: str) -> int:
    """Vertices of a ``geo_polygon`` argument; a closing vertex equal to the first is not counted
    [decision: polygon-closing-vertex]."""
    try:
        points = parse_polygon(value)
    except GeoFormatError:
        return len(value.split(":"))  # the validator reports the shape; price what was written
    if len(points) > 1 and points[-1] == points[0]:
        return len(points) - 1
    return len(points)


def list_length(argument) -> int:
    if isinstance(argument, ast.NumberList):
        return len(argument.items)
    if isinstance(argument, ast.TextList):
        return len(argument.items)
    return 1 if argument is not None else 0


def list_weight(argument, *, wildcard: bool = False) -> tuple[int, int, int]:
    """(items, tokens, weight): each item weighs its token count, plus 1 if it has several (§4)
    [decision: phrase-weight]."""
    if not isinstance(argument, ast.TextList):
        return 0, 0, 0
    tokens = weight = 0
    for item in argument.items:
        if _one_word(item):  # one plain word is one token: the common case, kept off the tokenizer
            tokens += 1
            weight += 1
            continue
        n = count_tokens(item, wildcard=wildcard)
        tokens += n
        weight += n + 1 if n > 1 else n
    return len(argument.items), tokens, weight
