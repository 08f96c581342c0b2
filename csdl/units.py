"""Exact numbers and how they are shown (DPU model §1).

DPU are kept as unrounded ``Decimal`` values and rounded half-up to 4 places only when shown, with
trailing zeros dropped (``0.1``, ``0.9688``, ``2``). Money is rounded half-up once, at the end, to
a 2-decimal string. Nothing here ever goes through a binary float.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

#: Significant digits for every DPU and money computation: the sliding scale's power needs ≥ 28.
#: Exact decimal arithmetic throughout, amounts carried at 20 places [decision: exact-arithmetic].
PRECISION = 40

_DPU_PLACES = Decimal("0.0001")
#: Every priced amount is carried with this many decimal places (fixed point), so that sums are
#: exact and independent of their order; only display rounds further (to 4 places).
CARRIED_PLACES = Decimal("1e-20")
_CENTS = Decimal("0.01")


def D(value) -> Decimal:
    """A Decimal from an int, a Decimal or a decimal string (a float is refused: it is inexact)."""
    if isinstance(value, float):
        raise TypeError("use a decimal string or an int, not a float")
    return value if isinstance(value, Decimal) else Decimal(value)


def fixed(value: Decimal) -> Decimal:
    """``value`` carried at 20 decimal places (half-up): the form every priced amount takes."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return D(value).quantize(CARRIED_PLACES, rounding=ROUND_HALF_UP)


def total(values) -> Decimal:
    """The exact sum of carried amounts (the working precision holds every digit)."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return sum(values, Decimal(0))


def round_dpu(value: Decimal) -> Decimal:
    """Half-up to 4 places, trailing zeros dropped (an integral value has no exponent)
    [decision: dpu-rounding]."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        rounded = D(value).quantize(_DPU_PLACES, rounding=ROUND_HALF_UP)
        if rounded == rounded.to_integral_value():
            return rounded.quantize(Decimal(1))
        return rounded.normalize()


def dpu_text(value: Decimal) -> str:
    """``0.1``, ``0.9688``, ``2`` — never scientific notation."""
    return format(round_dpu(value), "f")


def dpu_json(value: Decimal) -> int | float:
    """The rounded DPU as a JSON number (an int when integral). At 4 places the float's shortest
    repr is exactly the decimal text, so nothing is lost on the way to JSON."""
    rounded = round_dpu(value)
    if rounded == rounded.to_integral_value():
        return int(rounded)
    return float(format(rounded, "f"))


def money(value: Decimal) -> str:
    """Dollars as a string with 2 decimals, rounded half-up once, at the end: ``"1.60"``, ``"121.22"``
    [decision: money-rounding]."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return format(D(value).quantize(_CENTS, rounding=ROUND_HALF_UP), "f")


def money_text(value: Decimal) -> str:
    """Dollars for tables: ``"2,500.00"``."""
    whole, _, cents = money(value).partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-')):,}.{cents}"


def parse_decimal(text: str, what: str) -> Decimal:
    """A user-given decimal number (``"0.5"``, ``"1e3"``); ``ValueError`` names ``what`` otherwise."""
    from decimal import InvalidOperation

    try:
        value = Decimal(str(text).strip().replace("_", ""))
    except InvalidOperation:
        raise ValueError(f"{what}: `{text}` is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{what}: `{text}` is not a finite number")
    return value
