"""From a sample to a bill: expected deliveries per hour and month, the licence fee, and the
DPU charge of the filter, priced with the billing module (docs/billing.md).

The source's volume is either given (``--source-rate`` posts per hour) or read off the sample's
time span: with n timestamped posts between the first and the last ``created_at``, the rate
is (n − 1) / span, since n posts mark n − 1 intervals.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

from csdl.units import PRECISION, dpu_json, money


class Forecast:
    def __init__(self):
        self.available = False
        self.reason = ""
        self.basis = ""  # "sample" or "source-rate"
        self.span_hours: Decimal | None = None
        self.source_per_hour: Decimal | None = None
        self.match_rate: Decimal | None = None
        self.deliveries_per_hour: Decimal | None = None
        self.deliveries_per_month: Decimal | None = None
        self.hours_per_month = Decimal(720)
        self.by_source: dict[str, Decimal] = {}  # deliveries per hour by interaction.type
        self.licence_per_hour: Decimal | None = None
        self.licence_complete = True
        self.dpu: Decimal | None = None
        self.dpu_complete = True
        self.billed_dpu: Decimal | None = None
        self.processing_per_hour: Decimal | None = None
        self.notes: list[str] = []

    def _times(self, per_hour: Decimal | None, hours: Decimal) -> Decimal | None:
        return None if per_hour is None else per_hour * hours

    @property
    def total_per_hour(self) -> Decimal | None:
        if self.licence_per_hour is None or self.processing_per_hour is None:
            return None
        return self.licence_per_hour + self.processing_per_hour

    @property
    def complete(self) -> bool:
        return self.available and self.licence_complete and self.dpu_complete

    def to_dict(self) -> dict:
        if not self.available:
            return {"available": False, "reason": self.reason, "notes": self.notes}
        month = self.hours_per_month

        def amount(value):
            return None if value is None else money(value)

        def count(value):
            return None if value is None else float(round(value, 3))

        return {
            "available": True,
            "complete": self.complete,
            "basis": self.basis,
            "sample_span_hours": count(self.span_hours),
            "source_posts_per_hour": count(self.source_per_hour),
            "match_rate": float(round(self.match_rate, 6)),
            "deliveries_per_hour": count(self.deliveries_per_hour),
            "deliveries_per_month": count(self.deliveries_per_month),
            "hours_per_month": int(month),
            "deliveries_per_hour_by_source": {k: count(v) for k, v in sorted(self.by_source.items())},
            "dpu": None if self.dpu is None else dpu_json(self.dpu),
            "billed_dpu_per_hour": None if self.billed_dpu is None else dpu_json(self.billed_dpu),
            "processing_per_hour": amount(self.processing_per_hour),
            "processing_per_month": amount(self._times(self.processing_per_hour, month)),
            "licence_per_hour": amount(self.licence_per_hour),
            "licence_per_month": amount(self._times(self.licence_per_hour, month)),
            "total_per_hour": amount(self.total_per_hour),
            "total_per_month": amount(self._times(self.total_per_hour, month)),
            "notes": self.notes,
        }


def forecast(stats, *, source_rate=None, dpu: Decimal | None = None, dpu_complete: bool = True,
             pricing=None, rates: dict[str, Decimal] | None = None) -> Forecast:
    from csdl import billing

    if pricing is None:
        from csdl.billing.pricing import default_pricing

        pricing = default_pricing()
    out = Forecast()
    if stats.read == 0:
        out.reason = "no posts were read"
        return out
    with localcontext() as ctx:
        ctx.prec = PRECISION
        out.hours_per_month = Decimal(pricing.get("subscription", "hours_per_month"))
        out.match_rate = Decimal(stats.matched) / Decimal(stats.read)
        if source_rate is not None:
            out.basis = "source-rate"
            out.source_per_hour = Decimal(source_rate)
        else:
            out.basis = "sample"
            if stats.timed < 2 or stats.last_time is None or stats.last_time <= stats.first_time:
                out.reason = (
                    "the sample has no time span (fewer than two distinct interaction.created_at values); "
                    "give the source's volume with --source-rate POSTS_PER_HOUR"
                )
                return out
            out.span_hours = Decimal(repr(stats.last_time - stats.first_time)) / 3600
            out.source_per_hour = Decimal(stats.timed - 1) / out.span_hours
            if stats.timed < stats.read:
                out.notes.append(
                    f"{stats.read - stats.timed} posts have no readable interaction.created_at "
                    f"(first at line {stats.untimed_first_line}); the rate counts the {stats.timed} that do"
                )
        out.available = True
        out.deliveries_per_hour = out.source_per_hour * out.match_rate
        out.deliveries_per_month = out.deliveries_per_hour * out.hours_per_month
        licence = Decimal(0)
        if stats.matched:
            for source, n in stats.matched_sources.items():
                per_hour = out.deliveries_per_hour * Decimal(n) / Decimal(stats.matched)
                out.by_source[source] = per_hour
                try:
                    licence += per_hour * billing.licence_rate(pricing, source, rates)
                except billing.BillingError as exc:
                    out.licence_complete = False
                    out.notes.append(f"licence fee incomplete: {exc}")
        out.licence_per_hour = licence
        if dpu is None:
            out.dpu_complete = False
            out.notes.append("the filter's DPU cost is unknown, so the processing charge is left out")
        else:
            out.dpu = dpu
            out.dpu_complete = dpu_complete
            if not dpu_complete:
                out.notes.append("the DPU cost is incomplete (a referenced stream could not be priced)")
            _, out.billed_dpu = billing.billed_dpu([dpu], pricing)
            out.processing_per_hour = out.billed_dpu * pricing.get("on_demand", "dpu_hour_price")
            if out.billed_dpu > dpu:
                out.notes.append(
                    f"{dpu_json(dpu)} DPU is below the 1 DPU/hour minimum: billed as {dpu_json(out.billed_dpu)} DPU "
                    "per hour for everything running at once"
                )
        if stats.read < 1000:
            out.notes.append(f"a sample of {stats.read} posts: the match rate is a rough estimate")
    return out
