"""What running filters costs in money (spec/dpu-model.md §7): on-demand streams, monthly
subscription forecasts, Historics queries and previews, credits.

Every constant comes from the pricing table (``csdl.billing.pricing``). Quantities are exact ``Decimal``
values; ``to_dict`` gives money as 2-decimal strings and DPU rounded per §1. Each function returns
a ``Bill``: an ordered list of labelled lines for the table renderer plus the JSON payload.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal, localcontext

from csdl.units import PRECISION, D, dpu_json, dpu_text, money, money_text


class BillingError(ValueError):
    """Input a bill cannot be computed from (an unknown licence rate, an end before the start …)."""


class Bill:
    """``kind`` names the calculation; ``lines`` are (label, shown value) pairs; ``data`` is JSON-ready."""

    def __init__(self, kind: str, lines: list[tuple[str, str]], data: dict, notes: list[str] | None = None):
        self.kind = kind
        self.lines = lines
        self.data = data
        self.notes = notes or []

    def to_dict(self) -> dict:
        return {"kind": self.kind, **self.data, "notes": self.notes}


def _hours_json(value: Decimal) -> int | float:
    """Hours shown to 2 places (a JSON number; exact at that precision)."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        rounded = value.quantize(Decimal("0.01"))
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)


def _hours_text(value: Decimal) -> str:
    shown = _hours_json(value)
    return f"{shown:,}" if isinstance(shown, int) else f"{shown:,.2f}"


def _pricing(pricing):
    if pricing is None:
        from csdl.billing.pricing import default_pricing

        return default_pricing()
    return pricing


def licence_rate(pricing, source: str, rates: dict[str, Decimal] | None = None) -> Decimal:
    """The per-object fee for ``source``: ``rates`` (user input) first, then the pricing table."""
    key = source.strip().lower()
    if rates:
        for name, rate in rates.items():
            if name.strip().lower() == key:
                return D(rate)
    for name, rate in pricing.table("licence").items():
        if name.lower() == key:
            return rate
    known = ", ".join(sorted(pricing.table("licence"))) or "none"
    raise BillingError(
        f"no licence rate for source `{source}` (known: {known}); give one with --rate {key}=PRICE_PER_OBJECT"
    )


def billed_dpu(dpus, pricing) -> tuple[Decimal, Decimal]:
    """(combined DPU of everything running at once, DPU billed per hour with the minimum)."""
    combined = sum((D(d) for d in dpus), Decimal(0))
    return combined, max(pricing.get("on_demand", "minimum_dpu_per_hour"), combined)


def credits_for(amount: Decimal, pricing) -> Decimal:
    return amount / pricing.get("credits", "price")


def _non_negative(value: Decimal, what: str) -> Decimal:
    if value < 0:
        raise BillingError(f"{what} must not be negative ({value})")
    return value


# ---------------------------------------------------------------------------------------------


def stream(dpus, hours, *, objects=0, source="twitter", rates=None, pricing=None) -> Bill:
    """On demand: ``max(1, Σ DPU) × hours × price + objects × rate`` for streams running together."""
    pricing = _pricing(pricing)
    hours = _non_negative(D(hours), "hours")
    objects = _non_negative(D(objects), "objects")
    with localcontext() as ctx:
        ctx.prec = PRECISION
        combined, billed = billed_dpu(dpus, pricing)
        price = pricing.get("on_demand", "dpu_hour_price")
        dpu_hours = billed * hours
        processing = dpu_hours * price
        rate = licence_rate(pricing, source, rates) if objects else Decimal(0)
        licence = objects * rate
        total = processing + licence
        credits = credits_for(total, pricing)
    notes = []
    if combined < billed:
        notes.append(
            f"{dpu_text(combined)} DPU is below the minimum charge: billed as {dpu_text(billed)} DPU per hour "
            "for everything running at once"
        )
    lines = [
        ("Streams running at once", str(len(list(dpus)))),
        ("Combined DPU", dpu_text(combined)),
        ("Billed DPU per hour", dpu_text(billed)),
        ("Hours", _hours_text(hours)),
        ("DPU-hours", dpu_text(dpu_hours)),
        (f"Processing at ${money(price)}/DPU-hour", f"${money_text(processing)}"),
        (f"Licence: {_count(objects)} {source} objects at ${rate}", f"${money_text(licence)}"),
        ("Total", f"${money_text(total)}"),
        ("Credits ($1 = 5 DPU)", f"{money(credits)}"),
    ]
    data = {
        "streams": len(list(dpus)),
        "dpu": dpu_json(combined),
        "billed_dpu_per_hour": dpu_json(billed),
        "hours": _hours_json(hours),
        "dpu_hours": dpu_json(dpu_hours),
        "objects": _count_json(objects),
        "source": source,
        "licence_rate": str(rate),
        "processing": money(processing),
        "licence": money(licence),
        "total": money(total),
        "credits": money(credits),
        "currency": pricing.get("currency"),
    }
    return Bill("stream", lines, data, notes)


def _count_json(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else str(value)


def _count(value: Decimal) -> str:
    return f"{int(value):,}" if value == value.to_integral_value() else str(value)


def _crossing(target: Decimal, licence_per_hour: Decimal, allowance_hours: Decimal | None, excess_per_hour: Decimal):
    """The hour at which the variable cost (licence, plus excess DPU once the allowance is used up)
    first reaches ``target``; None if it never does. ``allowance_hours`` None: never used up."""
    if allowance_hours is None:
        if target <= 0:
            return Decimal(0)
        return target / licence_per_hour if licence_per_hour > 0 else None
    before = licence_per_hour * allowance_hours
    if target <= before:
        return target / licence_per_hour if licence_per_hour > 0 else Decimal(0)
    slope = licence_per_hour + excess_per_hour
    if slope <= 0:
        return None
    return allowance_hours + (target - before) / slope


def subscription(dpus, *, allowance, limit, objects_per_hour=0, source="twitter", fee=None, hours=None,
                 rates=None, pricing=None) -> Bill:
    """A month on a subscription: ``allowance`` DPU-hours are prepaid (for ``fee``); excess DPU-hours
    cost the on-demand price; licence fees and excess together must stay under the variable cost
    ``limit``: a notice at 80 %, streams stop at 100 %. Hours count from the start of the month."""
    pricing = _pricing(pricing)
    allowance = _non_negative(D(allowance), "allowance")
    limit = _non_negative(D(limit), "variable cost limit")
    objects_per_hour = _non_negative(D(objects_per_hour), "objects per hour")
    month = D(hours) if hours is not None else pricing.get("subscription", "hours_per_month")
    with localcontext() as ctx:
        ctx.prec = PRECISION
        combined, billed = billed_dpu(dpus, pricing)  # the minimum applies here too: [decision]
        price = pricing.get("on_demand", "dpu_hour_price")
        rate = licence_rate(pricing, source, rates) if objects_per_hour else Decimal(0)
        licence_per_hour = objects_per_hour * rate
        excess_per_hour = billed * price
        # with a zero minimum and no streams, nothing is used and the allowance lasts for ever
        allowance_hours = allowance / billed if billed > 0 else None
        notice_fraction = pricing.get("subscription", "notice_fraction")
        notice_amount = limit * notice_fraction
        notice_at = _crossing(notice_amount, licence_per_hour, allowance_hours, excess_per_hour)
        stop_at = _crossing(limit, licence_per_hour, allowance_hours, excess_per_hour)
        runs = month if stop_at is None or stop_at >= month else stop_at
        used = billed * runs
        excess = max(Decimal(0), used - allowance)
        excess_cost = excess * price
        licence = licence_per_hour * runs
        variable = excess_cost + licence
        total = variable + (D(fee) if fee is not None else Decimal(0))

    def when(at):
        if at is None or at > month:
            return None
        return {"hour": _hours_json(at), "day": int(at // 24) + 1}

    def when_text(at):
        point = when(at)
        return "not reached this month" if point is None else f"hour {_hours_text(at)} (day {point['day']})"

    lines = [
        ("Combined DPU", dpu_text(combined)),
        ("Billed DPU per hour", dpu_text(billed)),
        ("Month", f"{_hours_text(month)} hours"),
        ("DPU-hour allowance", dpu_text(allowance)),
        ("Allowance used up at", when_text(allowance_hours)),
        ("DPU-hours used", dpu_text(used)),
        ("Excess DPU-hours", dpu_text(excess)),
        (f"Excess at ${money(price)}/DPU-hour", f"${money_text(excess_cost)}"),
        (f"Licence: {_count(objects_per_hour)} {source} objects/hour at ${rate}", f"${money_text(licence)}"),
        ("Variable cost", f"${money_text(variable)}"),
        ("Variable cost limit", f"${money_text(limit)}"),
        (f"{int(notice_fraction * 100)} % notice (${money_text(notice_amount)})", when_text(notice_at)),
        ("Streams stop (100 %)", when_text(stop_at)),
    ]
    if fee is not None:
        lines.insert(-4, ("Subscription fee", f"${money_text(D(fee))}"))
        lines.append(("Month total", f"${money_text(total)}"))
    notes = []
    if stop_at is not None and stop_at <= month:
        notes.append(f"streams stop at hour {_hours_text(stop_at)}: the month's figures stop there too")
    data = {
        "dpu": dpu_json(combined),
        "billed_dpu_per_hour": dpu_json(billed),
        "month_hours": _hours_json(month),
        "allowance_dpu_hours": dpu_json(allowance),
        "allowance_used_up": when(allowance_hours),
        "dpu_hours_used": dpu_json(used),
        "excess_dpu_hours": dpu_json(excess),
        "excess_cost": money(excess_cost),
        "objects_per_hour": _count_json(objects_per_hour),
        "source": source,
        "licence_rate": str(rate),
        "licence": money(licence),
        "variable_cost": money(variable),
        "variable_cost_limit": money(limit),
        "notice_amount": money(notice_amount),
        "notice": when(notice_at),
        "stop": when(stop_at),
        "fee": None if fee is None else money(D(fee)),
        "total": money(total),
        "currency": pricing.get("currency"),
    }
    return Bill("subscription", lines, data, notes)


def parse_when(text: str, what: str) -> datetime:
    """An ISO date or date-time; naive values are UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BillingError(f"{what}: `{text}` is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def duration_hours(start: datetime, end: datetime) -> Decimal:
    if end <= start:
        raise BillingError(f"the end ({end.isoformat()}) must be after the start ({start.isoformat()})")
    delta: timedelta = end - start
    micro = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return Decimal(micro) / Decimal(3_600_000_000)


def historics(dpu, hours, *, sample=100, objects=0, source="twitter", rates=None, pricing=None,
              start: datetime | None = None, end: datetime | None = None) -> Bill:
    """A Historics query: ``max(1, DPU) × hours × sample factor`` DPU (deducted from the allowance;
    in dollars at the DPU-hour price: [decision]) plus ``objects × rate`` licence."""
    pricing = _pricing(pricing)
    hours = _non_negative(D(hours), "duration")
    objects = _non_negative(D(objects), "objects")
    factor = pricing.sample_factor(int(sample))
    if factor is None:
        known = ", ".join(f"{k} %" for k in pricing.table("historics")["sample_factors"])
        raise BillingError(f"no Historics sample factor for a {sample} % sample (known: {known})")
    with localcontext() as ctx:
        ctx.prec = PRECISION
        combined, billed = billed_dpu([dpu], pricing)
        usage = billed * hours * factor
        price = pricing.get("on_demand", "dpu_hour_price")
        usage_cost = usage * price
        rate = licence_rate(pricing, source, rates) if objects else Decimal(0)
        licence = objects * rate
        total = usage_cost + licence
        speedup = pricing.get("historics", "speedup")
        run_hours = hours / speedup
    lines = []
    if start is not None and end is not None:
        lines += [("Start", start.isoformat()), ("End", end.isoformat())]
    lines += [
        ("Filter DPU", dpu_text(combined)),
        ("Billed DPU (1 DPU/hour minimum)", dpu_text(billed)),
        ("Duration", f"{_hours_text(hours)} hours"),
        ("Sample", f"{sample} % (DPU factor {factor.normalize()})"),
        ("DPU usage", dpu_text(usage)),
        (f"DPU usage at ${money(price)}/DPU", f"${money_text(usage_cost)}"),
        (f"Licence: {_count(objects)} {source} objects at ${rate}", f"${money_text(licence)}"),
        ("Total", f"${money_text(total)}"),
        (f"Run time (about {_hours_text(speedup)}× faster than live)", f"{_hours_text(run_hours)} hours"),
    ]
    data = {
        "dpu": dpu_json(combined),
        "billed_dpu": dpu_json(billed),
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "hours": _hours_json(hours),
        "sample": int(sample),
        "sample_factor": str(factor.normalize()),
        "dpu_usage": dpu_json(usage),
        "dpu_usage_cost": money(usage_cost),
        "objects": _count_json(objects),
        "source": source,
        "licence_rate": str(rate),
        "licence": money(licence),
        "licence_exact": format(licence.normalize(), "f"),
        "total": money(total),
        "run_time_hours": _hours_json(run_hours),
        "currency": pricing.get("currency"),
    }
    notes = ["Historics DPU are deducted from a subscription's monthly allowance; the dollar figure "
             "prices them at the on-demand DPU-hour rate (our decision)"]
    return Bill("historics", lines, data, notes)


def preview(*, pricing=None) -> Bill:
    """A Historics preview: a fixed DPU charge per request, no licence fee."""
    pricing = _pricing(pricing)
    dpu = pricing.get("preview", "dpu")
    price = pricing.get("on_demand", "dpu_hour_price")
    with localcontext() as ctx:
        ctx.prec = PRECISION
        cost = dpu * price
        credits = credits_for(cost, pricing)
    lines = [
        ("DPU per preview request", dpu_text(dpu)),
        (f"At ${money(price)}/DPU", f"${money_text(cost)}"),
        ("Credits ($1 = 5 DPU)", money(credits)),
        ("Licence", "none"),
    ]
    data = {"dpu": dpu_json(dpu), "cost": money(cost), "credits": money(credits), "licence": money(Decimal(0)),
            "currency": pricing.get("currency")}
    return Bill("preview", lines, data)
