"""On demand: streams running together for some hours, with the 1 DPU/hour minimum and licence fees."""

from __future__ import annotations

from decimal import Decimal, localcontext

from csdl.billing.bill import (
    Bill, amount, billed_dpu, count_json, credit_price_note, credits_label, credits_of, dollars,
    dpu_list, hours_json, hours_text, known_rate, objects_text, pricing_or_default, rate_json, rate_text,
)
from csdl.units import PRECISION, dpu_json, dpu_text, money, money_text


def stream(dpus, hours, *, objects=0, source="twitter", rates=None, pricing=None) -> Bill:
    """``max(1, Σ DPU) × hours × price + objects × rate`` for streams running together.

    ``dpus`` is one stream's DPU or any iterable of them (a generator is read once); every amount
    is an int, a Decimal or a decimal string, never negative (``BillingError`` otherwise)."""
    pricing = pricing_or_default(pricing)
    values = dpu_list(dpus)
    hours = amount(hours, "hours")
    objects = amount(objects, "objects")
    rate = known_rate(pricing, source, rates, objects)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        combined, billed = billed_dpu(values, pricing)
        price = pricing.get("on_demand", "dpu_hour_price")
        dpu_hours = billed * hours
        processing = dpu_hours * price
        licence = objects * rate if rate is not None else Decimal(0)
        total = processing + licence
        credits = credits_of(dpu_hours, licence, pricing)
    notes = []
    if combined < billed:
        notes.append(
            f"{dpu_text(combined)} DPU is below the minimum charge: billed as {dpu_text(billed)} DPU per hour "
            "for everything running at once"
        )
    notes += credit_price_note(pricing)
    lines = [
        ("Streams running at once", str(len(values))),
        ("Combined DPU", dpu_text(combined)),
        ("Billed DPU per hour", dpu_text(billed)),
        ("Hours", hours_text(hours)),
        ("DPU-hours", dpu_text(dpu_hours)),
        (f"Processing at {dollars(price)}/DPU-hour", f"${money_text(processing)}"),
        (f"Licence: {objects_text(objects)} {source} objects at {rate_text(rate)}", f"${money_text(licence)}"),
        ("Total", f"${money_text(total)}"),
        (credits_label(pricing), money(credits)),
    ]
    data = {
        "streams": len(values),
        "dpu": dpu_json(combined),
        "billed_dpu_per_hour": dpu_json(billed),
        "hours": hours_json(hours),
        "dpu_hours": dpu_json(dpu_hours),
        "objects": count_json(objects),
        "source": source,
        "licence_rate": rate_json(rate),
        "processing": money(processing),
        "licence": money(licence),
        "total": money(total),
        "credits": money(credits),
        "currency": pricing.get("currency"),
    }
    return Bill("stream", lines, data, notes)
