"""The DPU arithmetic the cost lint rules need (DPU model §3, §4, §6).

The project's cost model lives in ``csdl.cost``; when it is importable, rules should price filters
with it. These few formulas are the fallback for rules that only need to compare two spellings of
one condition group: ``contains`` grouping and the ``contains_any`` sliding scale, computed with
``Decimal`` as the model requires.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, getcontext

TENTH = Decimal("0.1")


def contains_group(word_counts: list[int]) -> Decimal:
    """Cost of ``m`` ``contains`` conditions on one target with phrases of ``w1..wm`` words (§3)."""
    if not word_counts:
        return Decimal(0)
    m = len(word_counts)
    return TENTH * (m // 4 + 1) + sum((TENTH * (w // 8) for w in word_counts), Decimal(0))


def sliding_scale(n: int) -> Decimal:
    """``min(0.1 × (floor(n/10) + 1), (n/100) ^ log10(2))`` (§4)."""
    if n <= 0:
        return Decimal(0)
    ctx = getcontext().copy()
    ctx.prec = 34
    steps = TENTH * (n // 10 + 1)
    power = ctx.power(ctx.divide(Decimal(n), Decimal(100)), ctx.log10(Decimal(2)))
    return min(steps, power)


def list_weight(items) -> int:
    """The §4 weight of a ``contains_any`` list: each item's tokens, plus 1 for a phrase."""
    from ..tokens import count_tokens

    total = 0
    for item in items:
        tokens = count_tokens(item)
        total += tokens + (1 if tokens > 1 else 0)
    return total


def regex_cost(pattern: str) -> Decimal:
    """Characters / 100, minimum 0.1 (§2)."""
    return max(TENTH, Decimal(len(pattern)) / 100)


def fmt(value: Decimal) -> str:
    """Rounded half-up to 4 places, trailing zeros dropped (§1)."""
    text = format(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
