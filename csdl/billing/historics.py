"""Historics: a query over past data, and its previews.

A query's DPU usage is ``max(1, DPU) × duration in hours × sample factor``; it is deducted from a
subscription's monthly DPU allowance, and licence fees are charged for the objects retrieved. A
query stopped midway is charged up to the stop (DataSift's FAQ). A preview costs a fixed 20 DPU
per completed request, no licence fee, and a stream has one preview at a time: a new request
replaces the previous one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, localcontext
from types import SimpleNamespace

from csdl.billing.bill import (
    Bill, BillingError, amount, billed_dpu, count_json, credits_label, dollars, hours_json, hours_text,
    known_rate, objects_text, pricing_or_default, rate_json, rate_text,
)
from csdl.units import PRECISION, dpu_json, dpu_text, money, money_text

_MICRO = timedelta(microseconds=1)


def _progress(progress, stopped_at, start, end) -> Decimal | None:
    """How far a stopped query got, as a fraction of its time range (None: it ran to the end)."""
    if progress is not None and stopped_at is not None:
        raise BillingError("give how far the query got as a progress percentage or as a stop time, not both")
    if stopped_at is not None:
        if start is None or end is None:
            raise BillingError("a stop time needs the query's start and end")
        if not isinstance(stopped_at, datetime):
            raise BillingError(f"the stop time must be a date-time, not {stopped_at!r}")
        if not start <= stopped_at <= end:
            raise BillingError(f"the stop time ({stopped_at.isoformat()}) must lie between the start and the end")
        with localcontext() as ctx:
            ctx.prec = PRECISION
            return Decimal((stopped_at - start) // _MICRO) / Decimal((end - start) // _MICRO)
    if progress is None:
        return None
    percent = amount(progress, "the progress")
    if percent > 100:
        raise BillingError(f"the progress is a percentage from 0 to 100, not {percent}")
    return percent / 100


def historics(dpu, hours, *, sample=100, objects=0, source="twitter", rates=None, pricing=None,
              start: datetime | None = None, end: datetime | None = None, progress=None,
              stopped_at: datetime | None = None, allowance=None) -> Bill:
    """A Historics query over ``hours`` of past data.

    ``progress`` (a percentage) or ``stopped_at`` (a time between ``start`` and ``end``): the query
    was stopped there and is charged for the part it covered; ``objects`` are then the objects it
    retrieved until the stop. ``allowance``: the subscription's DPU allowance left before the query;
    the bill says what the query draws from it and what is left (usage beyond it is excess, at the
    on-demand DPU-hour price)."""
    pricing = pricing_or_default(pricing)
    f = _figures(pricing, amount(dpu, "DPU"), amount(hours, "the duration"), sample,
                 amount(objects, "objects"), source, rates, _progress(progress, stopped_at, start, end),
                 amount(allowance, "the allowance") if allowance is not None else None)
    f.start, f.end, f.stopped_at = start, end, stopped_at
    notes = ["Historics DPU are deducted from a subscription's monthly allowance; the dollar figure "
             "prices them at the on-demand DPU-hour rate (our decision)"]  # [decision: historics-dollars]
    if f.done is not None:
        notes.append("a stopped query is charged for the part of its time range it covered, and licence fees for "
                     "the objects it retrieved until the stop")
    return Bill("historics", _lines(f), _data(f, pricing), notes)


def _figures(pricing, dpu: Decimal, hours: Decimal, sample, objects: Decimal, source: str, rates, done,
             allowance) -> SimpleNamespace:
    """The query's figures, computed once; the text lines and the JSON render them."""
    f = SimpleNamespace()
    f.hours, f.objects, f.source, f.done, f.allowance = hours, objects, source, done, allowance
    try:
        f.percent = int(str(sample).strip().rstrip("%"))
    except ValueError:
        raise BillingError(f"the sample is a percentage, not {sample!r}") from None
    f.factor = pricing.sample_factor(f.percent)
    if f.factor is None:
        known = ", ".join(f"{k} %" for k in pricing.table("historics")["sample_factors"])
        raise BillingError(f"no Historics sample factor for a {sample} % sample (known: {known})")
    f.rate = known_rate(pricing, source, rates, objects)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        f.combined, f.billed = billed_dpu([dpu], pricing)
        # a stopped query pays for the share of its time range it covered [decision: stopped-query-share]
        f.charged_hours = hours if done is None else hours * done
        f.usage = f.billed * f.charged_hours * f.factor
        f.price = pricing.get("on_demand", "dpu_hour_price")
        f.usage_cost = f.usage * f.price
        f.licence = objects * f.rate if f.rate is not None else Decimal(0)
        f.total = f.usage_cost + f.licence
        f.speedup = pricing.get("historics", "speedup")
        f.run_hours = f.charged_hours / f.speedup
        if allowance is not None:
            f.drawn = min(f.usage, allowance)
            f.left = allowance - f.drawn
            f.beyond = f.usage - f.drawn
            f.beyond_cost = f.beyond * f.price
    return f


def _lines(f: SimpleNamespace) -> list[tuple[str, str]]:
    lines = []
    if f.start is not None and f.end is not None:
        lines += [("Start", f.start.isoformat()), ("End (exclusive)", f.end.isoformat())]
    lines += [
        ("Filter DPU", dpu_text(f.combined)),
        ("Billed DPU (1 DPU/hour minimum)", dpu_text(f.billed)),
        ("Duration", f"{hours_text(f.hours)} hours"),
    ]
    if f.done is not None:
        where = f" at {f.stopped_at.isoformat()}" if f.stopped_at is not None else ""
        lines.append((f"Stopped{where}: {_percent_text(f.done)} % done", f"{hours_text(f.charged_hours)} hours charged"))
    lines += [
        ("Sample", f"{f.percent} % (DPU factor {f.factor.normalize()})"),
        ("DPU usage", dpu_text(f.usage)),
        (f"DPU usage at {dollars(f.price)}/DPU", f"${money_text(f.usage_cost)}"),
        (f"Licence: {objects_text(f.objects)} {f.source} objects at {rate_text(f.rate)}", f"${money_text(f.licence)}"),
        ("Total", f"${money_text(f.total)}"),
    ]
    if f.allowance is not None:
        lines += [
            ("Monthly DPU allowance before the query", dpu_text(f.allowance)),
            ("Drawn from the allowance", dpu_text(f.drawn)),
            ("Allowance left", dpu_text(f.left)),
        ]
        if f.beyond:
            lines.append((f"Beyond the allowance: {dpu_text(f.beyond)} DPU at {dollars(f.price)}",
                          f"${money_text(f.beyond_cost)}"))
    lines.append((f"Run time (about {hours_text(f.speedup)}× faster than live)", f"{hours_text(f.run_hours)} hours"))
    return lines


def _data(f: SimpleNamespace, pricing) -> dict:
    return {
        "dpu": dpu_json(f.combined),
        "billed_dpu": dpu_json(f.billed),
        "start": f.start.isoformat() if f.start else None,
        "end": f.end.isoformat() if f.end else None,
        "hours": hours_json(f.hours),
        "stopped": None if f.done is None else {
            "progress": float(_percent_text(f.done)), "at": f.stopped_at.isoformat() if f.stopped_at else None,
            "hours_charged": hours_json(f.charged_hours),
        },
        "sample": f.percent,
        "sample_factor": str(f.factor.normalize()),
        "dpu_usage": dpu_json(f.usage),
        "dpu_usage_cost": money(f.usage_cost),
        "objects": count_json(f.objects),
        "source": f.source,
        "licence_rate": rate_json(f.rate),
        "licence": money(f.licence),
        "licence_exact": format(f.licence.normalize(), "f"),
        "total": money(f.total),
        "allowance": None if f.allowance is None else {
            "before": dpu_json(f.allowance), "drawn": dpu_json(f.drawn), "left": dpu_json(f.left),
            "beyond": dpu_json(f.beyond), "beyond_cost": money(f.beyond_cost),
        },
        "run_time_hours": hours_json(f.run_hours),
        "currency": pricing.get("currency"),
    }


def _percent_text(fraction: Decimal) -> str:
    with localcontext() as ctx:
        ctx.prec = PRECISION
        shown = (fraction * 100).quantize(Decimal("0.01")).normalize()
    return format(shown.quantize(Decimal(1)) if shown == shown.to_integral_value() else shown, "f")


def preview(streams=None, *, pricing=None) -> Bill:
    """Historics previews: a fixed DPU charge per completed request, no licence fee.

    ``streams`` names the stream of each request, in order (None: one request). A stream has one
    preview at a time: a later request for the same stream replaces the earlier one's results; both
    completed requests are charged [decision: preview-replaced-charged]. A request that was interrupted is not charged: leave it out."""
    pricing = pricing_or_default(pricing)
    requests = [None] if streams is None else [str(s) for s in streams]
    if not requests:
        raise BillingError("a preview bill needs at least one request")
    kept: dict[str, int] = {}
    replaced = []
    for i, name in enumerate(requests):
        key = name if name is not None else f"#{i}"
        if key in kept:
            replaced.append({"stream": name, "request": kept[key] + 1, "by": i + 1})
        kept[key] = i
    per_request = pricing.get("preview", "dpu")
    price = pricing.get("on_demand", "dpu_hour_price")
    with localcontext() as ctx:
        ctx.prec = PRECISION
        dpu = per_request * len(requests)
        cost = dpu * price
        credits = dpu / pricing.get("credits", "dpu_per_credit")
    lines = [("DPU per preview request", dpu_text(per_request))]
    if streams is not None:
        lines += [
            ("Requests", str(len(requests))),
            ("Streams previewed (one preview each)", str(len(kept))),
        ]
        lines += [(f"Request {r['by']} replaces request {r['request']}", r["stream"]) for r in replaced]
        lines.append(("DPU", dpu_text(dpu)))
    lines += [
        (f"At {dollars(price)}/DPU", f"${money_text(cost)}"),
        (credits_label(pricing), money(credits)),
        ("Licence", "none"),
    ]
    data = {
        "dpu": dpu_json(dpu), "dpu_per_request": dpu_json(per_request), "requests": len(requests),
        "streams": len(kept), "replaced": replaced, "cost": money(cost), "credits": money(credits),
        "licence": money(Decimal(0)), "currency": pricing.get("currency"),
    }
    notes = []
    if replaced:
        notes.append("a stream has one preview at a time: a new request replaces the previous one's results, "
                     "and every completed request is charged (our reading of DataSift's pages)")
    return Bill("preview", lines, data, notes)
