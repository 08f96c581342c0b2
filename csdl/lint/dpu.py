"""Pricing for the cost lint rules: what a group of conditions costs as written and rewritten.

The project's cost model is ``csdl.cost``; when it is importable, ``price`` uses it (with the
packaged pricing table), so the savings the rules report are the numbers ``csdl cost`` would show.
If it is not, the few formulas the rules need (DPU model §2-§4, §6: ``contains`` grouping, the
``contains_any`` sliding scale, regex characters) are computed here with ``Decimal``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

from .. import ast

TENTH = Decimal("0.1")


def synthetic(target: str, operator: str, case_sensitive: bool, items: list[str], span: ast.Span) -> ast.Condition:
    """A condition that is not in the source, to price a suggested rewrite."""
    argument = ast.TextList(tuple(items), "", span)
    return ast.Condition(target, operator, case_sensitive, (), argument, span,
                         spelling=operator, target_span=span, operator_span=span)


def price(conditions: list[ast.Condition]) -> Decimal:
    """The DPU of ``conditions`` priced together as one scope."""
    try:
        from ..cost.estimate import prices_for
        from ..cost.model import price_scope
    except ImportError:
        return _fallback(conditions)
    return sum((item.dpu for item in price_scope(conditions, prices_for(None))), Decimal(0))


def _fallback(conditions: list[ast.Condition]) -> Decimal:
    from ..tokens import count_tokens

    total = Decimal(0)
    groups: dict[str, list[int]] = {}
    for cond in conditions:
        arg = cond.argument
        if cond.operator == "contains" and isinstance(arg, ast.Text):
            groups.setdefault(cond.target, []).append(count_tokens(arg.value))
        elif cond.operator in ("contains_any", "contains_all", "wildcard") and isinstance(arg, ast.TextList):
            wildcard = cond.operator == "wildcard"
            weight = 0
            for item in arg.items:
                tokens = count_tokens(item, wildcard=wildcard)
                weight += tokens + (1 if tokens > 1 else 0)
            total += sliding_scale(max(weight, 1))
        elif cond.operator in ("regex_partial", "regex_exact") and isinstance(arg, ast.Text):
            total += max(TENTH, Decimal(len(arg.value)) / 100)
        else:
            total += TENTH
    for words in groups.values():
        total += TENTH * (len(words) // 4 + 1) + sum((TENTH * (w // 8) for w in words), Decimal(0))
    return total


def sliding_scale(n: int) -> Decimal:
    """``min(0.1 × (floor(n/10) + 1), (n/100) ^ log10(2))`` (§4)."""
    if n <= 0:
        return Decimal(0)
    with localcontext() as ctx:
        ctx.prec = 34
        return min(TENTH * (n // 10 + 1), (Decimal(n) / 100) ** Decimal(2).log10())


def fmt(value: Decimal) -> str:
    """Rounded half-up to 4 places, trailing zeros dropped (§1)."""
    text = format(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
