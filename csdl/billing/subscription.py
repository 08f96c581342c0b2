"""A month on a subscription, hour by hour: the DPU-hour allowance (which Historics queries draw
on too), excess DPU-hours at the on-demand price, licence fees, and the variable cost limit — its
80 % notice, the stop at 100 %, and what happens when the limit is changed during the month.

The month is simulated as a sequence of events. Between events everything grows linearly, so each
threshold's hour is found exactly (no stepping). DataSift's pages give the rules; the parts they
leave open are ours and say so in their comments ([decision: …]).
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from types import SimpleNamespace

from csdl.billing.bill import (
    Bill, BillingError, amount, billed_dpu, count_json, count_text, dollars, dpu_list, hours_json, hours_text,
    known_rate, pricing_or_default, rate_json, rate_text, when, when_text,
)
from csdl.units import PRECISION, dpu_json, dpu_text, money, money_text

#: A limit change may be tied to a moment instead of an hour: "when the notice arrives", "when the
#: streams stop" — the two moments at which DataSift's pages picture a customer raising the limit.
TRIGGERS = ("notice", "stop")


def _limit_changes(changes, month: Decimal) -> tuple[list, list]:
    """(changes at an hour, sorted; changes at a trigger, in order) from (when, new limit) pairs."""
    at_hours, at_triggers = [], []
    for i, change in enumerate(changes or ()):
        try:
            moment, new = change
        except (TypeError, ValueError):
            raise BillingError(f"a limit change is (hour or 'notice' or 'stop', new limit), not {change!r}") from None
        new = amount(new, "a new variable cost limit")
        if isinstance(moment, str) and moment.strip().lower() in TRIGGERS:
            at_triggers.append((moment.strip().lower(), new))
            continue
        hour = amount(moment, "the hour of a limit change")
        if hour > month:
            raise BillingError(f"a limit change at hour {hours_text(hour)} is after the month's end (hour {hours_text(month)})")
        at_hours.append((hour, i, "limit", new))
    return sorted(at_hours), at_triggers


def _historics_draws(historics, month: Decimal) -> list:
    """(hour, order, "historics", DPU) for each Historics query drawn from the allowance. An entry is a
    DPU amount (drawn at hour 0) or a (DPU, hour) pair."""
    out = []
    for i, entry in enumerate(historics or ()):
        if isinstance(entry, (tuple, list)):
            if len(entry) != 2:
                raise BillingError(f"a Historics draw is DPU or (DPU, hour), not {entry!r}")
            dpu, hour = amount(entry[0], "a Historics query's DPU"), amount(entry[1], "the hour of a Historics query")
        else:
            dpu, hour = amount(entry, "a Historics query's DPU"), Decimal(0)
        if hour > month:
            raise BillingError(f"a Historics query at hour {hours_text(hour)} is after the month's end")
        # drawn all at once, at the hour given (the start of the month by default) [decision: historics-draw]
        out.append((hour, 1000 + i, "historics", dpu))
    return out


class _Month:
    """The running state: ``t`` hours since the start of the month, ``running`` hours the streams
    ran, ``drawn`` Historics DPU taken from the allowance."""

    def __init__(self, allowance, billed, price, licence_per_hour):
        self.allowance = allowance
        self.billed = billed
        self.price = price
        self.licence_per_hour = licence_per_hour
        self.t = Decimal(0)
        self.running = Decimal(0)
        self.drawn = Decimal(0)
        self.used_up_at = None if allowance > 0 else Decimal(0)

    def used(self, running=None) -> Decimal:
        return self.billed * (self.running if running is None else running) + self.drawn

    def variable(self, running=None) -> Decimal:
        """Licence fees plus the excess DPU-hours at the on-demand price."""
        r = self.running if running is None else running
        return self.licence_per_hour * r + self.price * max(Decimal(0), self.used(r) - self.allowance)

    def hours_to(self, target: Decimal) -> Decimal | None:
        """Running hours from now until the variable cost reaches ``target``; None if never."""
        now = self.variable()
        if now >= target:
            return Decimal(0)
        room = self.allowance - self.used()
        if room > 0:
            if self.billed <= 0:  # nothing runs down the allowance: only licence fees grow
                return (target - now) / self.licence_per_hour if self.licence_per_hour > 0 else None
            inside = room / self.billed
            if self.licence_per_hour > 0 and now + self.licence_per_hour * inside >= target:
                return (target - now) / self.licence_per_hour
            now += self.licence_per_hour * inside
        else:
            inside = Decimal(0)
        slope = self.licence_per_hour + self.price * self.billed
        return inside + (target - now) / slope if slope > 0 else None

    def run(self, hours: Decimal) -> None:
        if self.used_up_at is None and self.billed > 0:
            room = self.allowance - self.used()
            if room <= self.billed * hours:
                self.used_up_at = self.t + room / self.billed
        self.running += hours
        self.t += hours

    def draw(self, dpu: Decimal) -> None:
        self.drawn += dpu
        if self.used_up_at is None and self.used() >= self.allowance:
            self.used_up_at = self.t


class _Limits:
    """The variable cost limit over the month: every notice, stop, restart, limit change and
    Historics draw, recorded as events against the running ``_Month``."""

    def __init__(self, state: _Month, first_limit: Decimal, fraction: Decimal, triggered: list):
        self.state = state
        self.fraction = fraction
        self.triggered = triggered
        self.limit = first_limit
        self.notified = False
        self.on = True
        self.events: list[dict] = []

    def record(self, kind: str, **extra) -> None:
        self.events.append({"event": kind, "hour": self.state.t, "spent": self.state.variable(), "limit": self.limit,
                            **extra})

    def set_limit(self, new: Decimal, why: str) -> None:
        self.limit = new
        self.notified = False  # each limit has its own 80 % notice [decision: notice-after-raise]
        self.record("limit", reason=why)
        self.settle()

    def fire(self, trigger: str) -> bool:
        for i, (kind, new) in enumerate(self.triggered):
            if kind == trigger:
                del self.triggered[i]
                self.set_limit(new, f"at the {trigger}")
                return True
        return False

    def settle(self, notice: bool = False, stop: bool = False) -> None:
        """Record the thresholds reached now; ``notice``/``stop`` say a crossing was just run to."""
        if not self.notified and (notice or self.state.variable() >= self.fraction * self.limit):
            self.notified = True
            self.record("notice")
            if self.fire("notice"):
                return  # the new limit has been settled
        spent = self.state.variable()
        if self.on and (stop or spent >= self.limit):
            self.on = False
            self.record("stop")
            self.fire("stop")
        elif not self.on and spent < self.limit:  # (a lowered limit stops them: [decision: limit-lowered-stops])
            # a raised limit restarts stopped streams [decision: restart-after-raise]
            self.on = True
            self.record("restart")

    def run_until(self, until: Decimal) -> None:
        """Run the streams (while on) to hour ``until``, stopping at each threshold crossed on the way."""
        state = self.state
        while True:
            if not self.on:
                state.t = until
                return
            steps = []
            if not self.notified:
                steps.append((state.hours_to(self.fraction * self.limit), 0, "notice"))
            steps.append((state.hours_to(self.limit), 1, "stop"))
            steps = [step for step in steps if step[0] is not None and state.t + step[0] <= until]
            if not steps:
                state.run(until - state.t)
                return
            step, _, kind = min(steps)
            state.run(step)
            self.settle(notice=kind == "notice", stop=kind == "stop")

    def simulate(self, scheduled: list, month: Decimal) -> None:
        """The whole month: scheduled limit changes and Historics draws in hour order."""
        self.settle()
        for hour, _, kind, value in scheduled:
            self.run_until(hour)
            if kind == "limit":
                self.set_limit(value, "scheduled")
            else:
                self.state.draw(value)
                self.record("historics", dpu=value)
                self.settle()
        self.run_until(month)

    def first(self, kind: str):
        return next((e["hour"] for e in self.events if e["event"] == kind), None)


def subscription(dpus, *, allowance, limit, objects_per_hour=0, source="twitter", fee=None, hours=None,
                 rates=None, pricing=None, limit_changes=(), historics=()) -> Bill:
    """A month on a subscription: ``allowance`` DPU-hours are prepaid (for ``fee``); excess DPU-hours
    cost the on-demand price; licence fees and excess together must stay under the variable cost
    ``limit``: a notice at 80 %, streams stop at 100 %. Hours count from the start of the month.

    ``limit_changes``: (when, new limit) pairs; ``when`` is an hour, ``"notice"`` (as soon as the
    current limit's 80 % notice arrives) or ``"stop"`` (as soon as the streams stop).
    ``historics``: Historics queries' DPU usage drawn from the allowance, each a DPU amount (at hour
    0) or a (DPU, hour) pair."""
    pricing = pricing_or_default(pricing)
    f = SimpleNamespace(values=dpu_list(dpus), source=source)
    f.allowance = amount(allowance, "the allowance")
    f.first_limit = amount(limit, "the variable cost limit")
    f.objects_per_hour = amount(objects_per_hour, "objects per hour")
    f.fee = amount(fee, "the subscription fee") if fee is not None else None
    f.month = amount(hours, "the month's hours") if hours is not None else pricing.get("subscription", "hours_per_month")
    if f.month <= 0:
        raise BillingError("the month must be longer than 0 hours")
    scheduled, triggered = _limit_changes(limit_changes, f.month)
    scheduled = sorted(scheduled + _historics_draws(historics, f.month), key=lambda e: (e[0], e[1]))
    f.rate = known_rate(pricing, source, rates, f.objects_per_hour)
    f.fraction = pricing.get("subscription", "notice_fraction")

    with localcontext() as ctx:
        ctx.prec = PRECISION
        f.combined, f.billed = billed_dpu(f.values, pricing)  # the minimum applies here too [decision: subscription-minimum]
        f.price = pricing.get("on_demand", "dpu_hour_price")
        f.licence_per_hour = f.objects_per_hour * (f.rate or Decimal(0))
        f.state = _Month(f.allowance, f.billed, f.price, f.licence_per_hour)
        f.limits = _Limits(f.state, f.first_limit, f.fraction, triggered)
        f.limits.simulate(scheduled, f.month)
        f.used = f.state.used()
        f.excess = max(Decimal(0), f.used - f.allowance)
        f.excess_cost = f.excess * f.price
        f.licence = f.licence_per_hour * f.state.running
        f.variable = f.excess_cost + f.licence
        f.total = f.variable + (f.fee or Decimal(0))
        f.notice_amount = f.first_limit * f.fraction
    f.notice_at, f.stop_at = f.limits.first("notice"), f.limits.first("stop")
    f.changed = bool(limit_changes) or bool(historics) or f.limits.first("restart") is not None
    notes = []
    last_stop = next((e["hour"] for e in reversed(f.limits.events) if e["event"] == "stop"), None)
    if not f.limits.on and last_stop is not None:
        notes.append(f"streams stop at hour {hours_text(last_stop)}: the month's figures stop there too")
    return Bill("subscription", _subscription_lines(f), _subscription_data(f, pricing), notes)


def _subscription_lines(f: SimpleNamespace) -> list[tuple[str, str]]:
    lines = [
        ("Combined DPU", dpu_text(f.combined)),
        ("Billed DPU per hour", dpu_text(f.billed)),
        ("Month", f"{hours_text(f.month)} hours"),
        ("DPU-hour allowance", dpu_text(f.allowance)),
    ]
    if f.state.drawn:
        lines.append(("Drawn by Historics queries", dpu_text(f.state.drawn)))
    lines += [
        ("Allowance used up at", when_text(f.state.used_up_at, f.month)),
        ("Hours the streams ran", hours_text(f.state.running)),
        ("DPU-hours used", dpu_text(f.used)),
        ("Excess DPU-hours", dpu_text(f.excess)),
        (f"Excess at {dollars(f.price)}/DPU-hour", f"${money_text(f.excess_cost)}"),
        (f"Licence: {count_text(f.objects_per_hour)} {f.source} objects/hour at {rate_text(f.rate)}",
         f"${money_text(f.licence)}"),
    ]
    if f.fee is not None:
        lines.append(("Subscription fee", f"${money_text(f.fee)}"))
    lines.append(("Variable cost", f"${money_text(f.variable)}"))
    if f.changed:  # the month as it happened: every notice, stop, restart, limit change and Historics draw
        lines += [("Variable cost limit at the start", f"${money_text(f.first_limit)}"),
                  ("Variable cost limit at the end", f"${money_text(f.limits.limit)}")]
        lines += [(_event_label(e, f.fraction), when_text(e["hour"], f.month)) for e in f.limits.events]
    else:
        lines += [
            ("Variable cost limit", f"${money_text(f.first_limit)}"),
            (f"{int(f.fraction * 100)} % notice (${money_text(f.notice_amount)})", when_text(f.notice_at, f.month)),
            ("Streams stop (100 %)", when_text(f.stop_at, f.month)),
        ]
    if f.fee is not None:
        lines.append(("Month total", f"${money_text(f.total)}"))
    return lines


def _subscription_data(f: SimpleNamespace, pricing) -> dict:
    return {
        "dpu": dpu_json(f.combined),
        "billed_dpu_per_hour": dpu_json(f.billed),
        "month_hours": hours_json(f.month),
        "allowance_dpu_hours": dpu_json(f.allowance),
        "historics_dpu": dpu_json(f.state.drawn),
        "allowance_used_up": when(f.state.used_up_at, f.month),
        "running_hours": hours_json(f.state.running),
        "dpu_hours_used": dpu_json(f.used),
        "excess_dpu_hours": dpu_json(f.excess),
        "excess_cost": money(f.excess_cost),
        "objects_per_hour": count_json(f.objects_per_hour),
        "source": f.source,
        "licence_rate": rate_json(f.rate),
        "licence": money(f.licence),
        "variable_cost": money(f.variable),
        "variable_cost_limit": money(f.first_limit),
        "limit_at_end": money(f.limits.limit),
        "notice_amount": money(f.notice_amount),
        "notice": when(f.notice_at, f.month),
        "stop": when(f.stop_at, f.month),
        "events": [_event_json(e) for e in f.limits.events],
        "fee": None if f.fee is None else money(f.fee),
        "total": money(f.total),
        "currency": pricing.get("currency"),
    }


def _event_label(event: dict, fraction: Decimal) -> str:
    limit = f"${money_text(event['limit'])}"
    spent = f"${money_text(event['spent'])} spent"
    kind = event["event"]
    if kind == "limit":
        return f"Limit set to {limit} ({event['reason']}, {spent})"
    if kind == "notice":
        return f"{int(fraction * 100)} % notice of the {limit} limit ({spent})"
    if kind == "stop":
        return f"Streams stop at the {limit} limit"
    if kind == "restart":
        return f"Streams restart under the {limit} limit"
    return f"Historics query draws {dpu_text(event['dpu'])} DPU"


def _event_json(event: dict) -> dict:
    out = {"event": event["event"], **when(event["hour"]), "spent": money(event["spent"]), "limit": money(event["limit"])}
    if "dpu" in event:
        out["dpu"] = dpu_json(event["dpu"])
    if "reason" in event:
        out["reason"] = event["reason"]
    return out
