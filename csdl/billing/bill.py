"""What every bill shares: the ``Bill`` result, ``BillingError``, checked input amounts, the
1 DPU/hour minimum, licence rates, credits, and how hours, days and counts are shown."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from csdl.units import PRECISION, dpu_text, money


class BillingError(ValueError):
    """Input a bill cannot be computed from (a negative DPU, an unknown licence rate, an end before
    the start …). The API raises it; the CLI prints its message (and ``cli_hint``) and exits 2."""

    def __init__(self, message: str, cli_hint: str | None = None):
        super().__init__(message)
        self.cli_hint = cli_hint


class Bill:
    """``kind`` names the calculation; ``lines`` are (label, shown value) pairs; ``data`` is JSON-ready."""

    def __init__(self, kind: str, lines: list[tuple[str, str]], data: dict, notes: list[str] | None = None):
        self.kind = kind
        self.lines = lines
        self.data = data
        self.notes = notes or []

    def to_dict(self) -> dict:
        return {"kind": self.kind, **self.data, "notes": self.notes}

    def __repr__(self) -> str:
        return f"Bill({self.kind!r}, {self.data!r})"


def pricing_or_default(pricing):
    if pricing is None:
        from csdl.billing.pricing import default_pricing

        return default_pricing()
    return pricing


def amount(value, what: str) -> Decimal:
    """A non-negative, finite Decimal from an int, a Decimal or a decimal string; anything else is
    a ``BillingError`` naming ``what`` (a float is refused: it is inexact)."""
    if isinstance(value, bool):
        raise BillingError(f"{what} must be a number, not {value!r}")
    if isinstance(value, float):
        raise BillingError(f"{what} must be a decimal string or an int, not the float {value!r} (floats are inexact)")
    try:
        number = value if isinstance(value, Decimal) else Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, TypeError, ValueError):
        raise BillingError(f"{what} must be a number, not {value!r}") from None
    if not number.is_finite():
        raise BillingError(f"{what} must be a finite number, not {value!r}")
    if number < 0:
        raise BillingError(f"{what} must not be negative ({number})")
    return number


def dpu_list(dpus) -> list[Decimal]:
    """The DPU of each stream running at once; a single number, a list or any iterable (a generator
    is read once)."""
    if isinstance(dpus, (int, str, Decimal, float)) and not isinstance(dpus, bool):
        dpus = [dpus]
    try:
        values = list(dpus)
    except TypeError:
        raise BillingError(f"DPU must be a number or a list of numbers, not {dpus!r}") from None
    return [amount(d, f"stream {i + 1}'s DPU" if len(values) > 1 else "DPU") for i, d in enumerate(values)]


def billed_dpu(dpus, pricing) -> tuple[Decimal, Decimal]:
    """(combined DPU of everything running at once, DPU billed per hour with the minimum)."""
    pricing = pricing_or_default(pricing)
    combined = sum(dpu_list(dpus), Decimal(0))
    return combined, max(pricing.get("on_demand", "minimum_dpu_per_hour"), combined)


def licence_rate(pricing, source: str, rates: dict | None = None) -> Decimal:
    """The per-object fee for ``source``: ``rates`` (user input) first, then the pricing table."""
    pricing = pricing_or_default(pricing)
    key = source.strip().lower()
    if rates:
        for name, rate in rates.items():
            if name.strip().lower() == key:
                return amount(rate, f"the licence rate for `{name}`")
    for name, rate in pricing.table("licence").items():
        if name.lower() == key:
            return rate
    known = ", ".join(sorted(pricing.table("licence"))) or "none"
    raise BillingError(f"no licence rate for source `{source}` (known: {known})",
                       cli_hint=f"give one with --rate {key}=PRICE_PER_OBJECT")


def known_rate(pricing, source: str, rates, objects: Decimal) -> Decimal | None:
    """The licence rate, or None when it is unknown and nothing is delivered (no fee to compute)."""
    try:
        return licence_rate(pricing, source, rates)
    except BillingError:
        if objects:
            raise
        return None


def rate_text(rate: Decimal | None) -> str:
    return "no known rate" if rate is None else f"${format(rate.normalize(), 'f')}/object"


def rate_json(rate: Decimal | None) -> str | None:
    return None if rate is None else format(rate.normalize(), "f")


def dollars(value: Decimal) -> str:
    """``$1``, ``$1.50``, ``$10``: a price in a label."""
    shown = money(value)
    return "$" + (shown[:-3] if shown.endswith(".00") else shown)


def credits_of(dpu_hours: Decimal, licence: Decimal, pricing) -> Decimal:
    """Credits spent: DPU-hours at ``dpu_per_credit`` DPU a credit, licence fees at the credit's
    dollar price (a credit costs $1 and equals 5 DPU) [decision: credits-split]."""
    pricing = pricing_or_default(pricing)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return dpu_hours / pricing.get("credits", "dpu_per_credit") + licence / pricing.get("credits", "price")


def credits_for(amount_in_dollars: Decimal, pricing) -> Decimal:
    """Dollars as credits at the credit's price."""
    pricing = pricing_or_default(pricing)
    return amount_in_dollars / pricing.get("credits", "price")


def credits_label(pricing) -> str:
    """``Credits ($1 = 5 DPU)``, from the pricing table."""
    return f"Credits ({dollars(pricing.get('credits', 'price'))} = {dpu_text(pricing.get('credits', 'dpu_per_credit'))} DPU)"


def credit_price_note(pricing) -> list[str]:
    """A note when the DPU-hour price and the credit's DPU price disagree (an override changed one)."""
    price = pricing.get("on_demand", "dpu_hour_price")
    with localcontext() as ctx:
        ctx.prec = PRECISION
        per_dpu = pricing.get("credits", "price") / pricing.get("credits", "dpu_per_credit")
    if per_dpu == price:
        return []
    return [f"the DPU-hour price ({dollars(price)}) differs from a credit's price per DPU "
            f"({dollars(per_dpu)}): dollars use the first, credits the second"]


# --- showing hours, days and counts -------------------------------------------------------------


def hours_json(value: Decimal) -> int | float:
    """Hours shown to 2 places (a JSON number; exact at that precision)."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        rounded = value.quantize(Decimal("0.01"))
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)


def hours_text(value: Decimal) -> str:
    shown = hours_json(value)
    return f"{shown:,}" if isinstance(shown, int) else f"{shown:,.2f}"


def day_of(hour: Decimal) -> int:
    """The day of the month an hour falls on: hours (0, 24] are day 1, (24, 48] day 2 …; hour 0 is
    day 1 too. So hour 720, the end of a 30-day month, is day 30, not day 31 [decision: day-of-hour]."""
    if hour <= 0:
        return 1
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return int((hour / 24).to_integral_value(rounding=ROUND_CEILING))


def when(hour: Decimal | None, limit: Decimal | None = None) -> dict | None:
    """``{"hour": …, "day": …}``, or None when the point is never reached (or lies beyond ``limit``)."""
    if hour is None or (limit is not None and hour > limit):
        return None
    return {"hour": hours_json(hour), "day": day_of(hour)}


def when_text(hour: Decimal | None, limit: Decimal | None = None, never: str = "not reached this month") -> str:
    point = when(hour, limit)
    return never if point is None else f"hour {hours_text(hour)} (day {point['day']})"


def count_json(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else str(value)


def count_text(value: Decimal) -> str:
    return f"{int(value):,}" if value == value.to_integral_value() else f"{value:,}"


def objects_text(value: Decimal) -> str:
    """A number of objects as delivered: whole, with separators; a fractional forecast (a rate
    times hours) is rounded and said to be about that many. The charge still uses the exact value."""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"about {int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP)):,}"


# --- dates --------------------------------------------------------------------------------------


def parse_when(text: str, what: str) -> datetime:
    """An ISO date or date-time; naive values are UTC."""
    try:
        value = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        raise BillingError(f"{what}: `{text}` is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def duration_hours(start: datetime, end: datetime) -> Decimal:
    """Hours from ``start`` to ``end``; the end is exclusive (``--end 2024-04-01`` ends the query at
    midnight, so all of 31 March is included) [decision: end-exclusive]."""
    if end <= start:
        raise BillingError(f"the end ({end.isoformat()}) must be after the start ({start.isoformat()})")
    delta: timedelta = end - start
    micro = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return Decimal(micro) / Decimal(3_600_000_000)
