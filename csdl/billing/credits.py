"""On demand with a credit balance: credits are bought in $10 increments, the streams' DPU and
licence fees run the balance down continuously, and the streams stop when it reaches zero
(DataSift's billing pages). This forecasts when that happens, and what to buy to run longer."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal, localcontext
from types import SimpleNamespace

from csdl.billing.bill import (
    Bill, BillingError, amount, billed_dpu, count_json, count_text, credit_price_note, dollars, dpu_list,
    hours_json, hours_text, known_rate, pricing_or_default, rate_json, rate_text, when, when_text,
)
from csdl.units import PRECISION, dpu_json, dpu_text, money, money_text


def _credits_text(value: Decimal) -> str:
    return money_text(value)


def credit_balance(dpus, *, balance=0, buy=0, objects_per_hour=0, hours=None, low=None, source="twitter",
                   rates=None, pricing=None) -> Bill:
    """When a credit balance runs out for streams running together.

    ``balance`` is the credits in the account now; ``buy`` the dollars of credits bought now (a
    multiple of the purchase increment, $10). Each hour the streams spend ``billed DPU /
    dpu_per_credit`` credits of processing plus their licence fees. ``hours``: also say what to buy to
    run that long. ``low``: also say when the balance falls to that many credits (DataSift warns
    when a balance "runs low" without saying at what level; the level is yours to give)."""
    pricing = pricing_or_default(pricing)
    values = dpu_list(dpus)
    balance = amount(balance, "the credit balance")
    buy = amount(buy, "the credits bought")
    objects_per_hour = amount(objects_per_hour, "objects per hour")
    wanted = amount(hours, "hours") if hours is not None else None
    low = amount(low, "the low-balance level") if low is not None else None
    increment = pricing.get("credits", "purchase_increment")
    credit_price = pricing.get("credits", "price")
    with localcontext() as ctx:
        ctx.prec = PRECISION
        if buy % increment:
            raise BillingError(f"credits are bought in increments of {dollars(increment)}; {dollars(buy)} is not one")
        rate = known_rate(pricing, source, rates, objects_per_hour)
        combined, billed = billed_dpu(values, pricing)
        bought = buy / credit_price
        start = balance + bought
        dpu_credits = billed / pricing.get("credits", "dpu_per_credit")
        licence_credits = objects_per_hour * (rate or Decimal(0)) / credit_price
        per_hour = dpu_credits + licence_credits
        empty_at = start / per_hour if per_hour > 0 else None
        low_at = None
        if low is not None and per_hour > 0:
            low_at = max(Decimal(0), (start - low) / per_hour)
        need = top_up = None
        if wanted is not None:
            need = per_hour * wanted
            shortfall = max(Decimal(0), need - start) * credit_price
            top_up = (shortfall / increment).to_integral_value(rounding=ROUND_CEILING) * increment

    f = SimpleNamespace(combined=combined, billed=billed, balance=balance, buy=buy, increment=increment, bought=bought,
                        start=start, dpu_credits=dpu_credits, objects_per_hour=objects_per_hour, source=source,
                        rate=rate, licence_credits=licence_credits, per_hour=per_hour, low=low, low_at=low_at,
                        empty_at=empty_at, wanted=wanted, need=need, top_up=top_up)
    lines = _credit_lines(f)
    notes = []
    if combined < billed:
        notes.append(f"{dpu_text(combined)} DPU is below the minimum charge: billed as {dpu_text(billed)} DPU per hour")
    notes += credit_price_note(pricing)
    data = {
        "streams": len(values),
        "dpu": dpu_json(combined),
        "billed_dpu_per_hour": dpu_json(billed),
        "balance": money(balance),
        "bought": money(buy),
        "credits": money(start),
        "objects_per_hour": count_json(objects_per_hour),
        "source": source,
        "licence_rate": rate_json(rate),
        "credits_per_hour": str(_exact(per_hour)),
        "processing_credits_per_hour": str(_exact(dpu_credits)),
        "licence_credits_per_hour": str(_exact(licence_credits)),
        "runs_for_hours": None if empty_at is None else hours_json(empty_at),
        "empty": when(empty_at),
        "low": None if low is None else {"credits": money(low), "at": when(low_at)},
        "hours_wanted": None if wanted is None else hours_json(wanted),
        "credits_needed": None if need is None else money(need),
        "to_buy": None if top_up is None else money(top_up),
        "purchase_increment": money(increment),
        "currency": pricing.get("currency"),
    }
    return Bill("credits", lines, data, notes)


def _credit_lines(f: SimpleNamespace) -> list[tuple[str, str]]:
    lines = [
        ("Combined DPU", dpu_text(f.combined)),
        ("Billed DPU per hour", dpu_text(f.billed)),
        ("Credit balance", _credits_text(f.balance)),
    ]
    if f.buy:
        lines.append((f"Bought now ({count_text(f.buy / f.increment)} × {dollars(f.increment)})", _credits_text(f.bought)))
    lines += [
        ("Credits to run on", _credits_text(f.start)),
        (f"Credits per hour: processing ({dpu_text(f.billed)} DPU)", _credits_text(f.dpu_credits)),
        (f"Credits per hour: licence ({count_text(f.objects_per_hour)} {f.source} objects at {rate_text(f.rate)})",
         _credits_text(f.licence_credits)),
        ("Credits per hour", _credits_text(f.per_hour)),
    ]
    if f.low is not None:
        lines.append((f"Balance falls to {_credits_text(f.low)} credits", when_text(f.low_at, never="never")))
    lines.append(("Balance reaches zero: streams stop", when_text(f.empty_at, never="never")))
    if f.wanted is not None:
        lines += [
            (f"Credits needed for {hours_text(f.wanted)} hours", _credits_text(f.need)),
            (f"To buy (in {dollars(f.increment)} increments)", f"${money_text(f.top_up)}"),
        ]
    return lines


def _exact(value: Decimal) -> Decimal:
    """Credits per hour to 6 places (a fee of $0.0001 an object needs them), trailing zeros dropped."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        shown = value.quantize(Decimal("0.000001")).normalize()
    return shown.quantize(Decimal(1)) if shown == shown.to_integral_value() else shown
