"""A month on a subscription, hour by hour: the DPU-hour allowance (which Historics queries draw
on too), excess DPU-hours at the on-demand price, licence fees, and the variable cost limit — its
80 % notice, the stop at 100 %, and what happens when the limit is changed during the month.

The month is simulated as a sequence of events. Between events everything grows linearly, so each
threshold's hour is found exactly (no stepping). DataSift's pages give the rules; the parts they
leave open are ours and say so in their comments ([decision: …]).
"""

from __future__ import annotations

from decimal import Decimal, localcontext

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
    values = dpu_list(dpus)
    allowance = amount(allowance, "the allowance")
    first_limit = amount(limit, "the variable cost limit")
    objects_per_hour = amount(objects_per_hour, "objects per hour")
    fee = amount(fee, "the subscription fee") if fee is not None else None
    month = amount(hours, "the month's hours") if hours is not None else pricing.get("subscription", "hours_per_month")
    if month <= 0:
        raise BillingError("the month must be longer than 0 hours")
    scheduled, triggered = _limit_changes(limit_changes, month)
    scheduled = sorted(scheduled + _historics_draws(historics, month), key=lambda e: (e[0], e[1]))
    rate = known_rate(pricing, source, rates, objects_per_hour)
    fraction = pricing.get("subscription", "notice_fraction")

    with localcontext() as ctx:
        ctx.prec = PRECISION
        combined, billed = billed_dpu(values, pricing)  # the minimum applies here too [decision: subscription-minimum]
        price = pricing.get("on_demand", "dpu_hour_price")
        licence_per_hour = objects_per_hour * (rate or Decimal(0))
        state = _Month(allowance, billed, price, licence_per_hour)
        events: list[dict] = []
        current = {"limit": first_limit, "notified": False, "on": True}

        def record(kind: str, **extra) -> None:
            events.append({"event": kind, "hour": state.t, "spent": state.variable(), "limit": current["limit"], **extra})

        def set_limit(new: Decimal, why: str) -> None:
            current["limit"] = new
            current["notified"] = False  # each limit has its own 80 % notice [decision: notice-after-raise]
            record("limit", reason=why)
            settle()

        def fire(trigger: str) -> bool:
            for i, (kind, new) in enumerate(triggered):
                if kind == trigger:
                    del triggered[i]
                    set_limit(new, f"at the {trigger}")
                    return True
            return False

        def settle(notice: bool = False, stop: bool = False) -> None:
            """Record the thresholds reached now; ``notice``/``stop`` say a crossing was just run to."""
            if not current["notified"] and (notice or state.variable() >= fraction * current["limit"]):
                current["notified"] = True
                record("notice")
                if fire("notice"):
                    return  # the new limit has been settled
            spent = state.variable()
            if current["on"] and (stop or spent >= current["limit"]):
                current["on"] = False
                record("stop")
                fire("stop")
            elif not current["on"] and spent < current["limit"]:  # (a lowered limit stops them: [decision: limit-lowered-stops])
                # a raised limit restarts stopped streams [decision: restart-after-raise]
                current["on"] = True
                record("restart")

        settle()
        index = 0
        while True:
            until = scheduled[index][0] if index < len(scheduled) else month
            if current["on"]:
                steps = []
                if not current["notified"]:
                    steps.append((state.hours_to(fraction * current["limit"]), 0, "notice"))
                steps.append((state.hours_to(current["limit"]), 1, "stop"))
                steps = [s for s in steps if s[0] is not None and state.t + s[0] <= until]
                if steps:
                    step, _, kind = min(steps)
                    state.run(step)
                    settle(notice=kind == "notice", stop=kind == "stop")
                    continue
                state.run(until - state.t)
            else:
                state.t = until
            if index >= len(scheduled):
                break
            _, _, kind, value = scheduled[index]
            index += 1
            if kind == "limit":
                set_limit(value, "scheduled")
            else:
                state.draw(value)
                record("historics", dpu=value)
                settle()

        used = state.used()
        excess = max(Decimal(0), used - allowance)
        excess_cost = excess * price
        licence = licence_per_hour * state.running
        variable = excess_cost + licence
        total = variable + (fee or Decimal(0))
        notice_amount = first_limit * fraction

    def first(kind):
        return next((e["hour"] for e in events if e["event"] == kind), None)

    notice_at, stop_at = first("notice"), first("stop")
    changed = bool(limit_changes) or bool(historics) or any(e["event"] == "restart" for e in events)
    lines = [
        ("Combined DPU", dpu_text(combined)),
        ("Billed DPU per hour", dpu_text(billed)),
        ("Month", f"{hours_text(month)} hours"),
        ("DPU-hour allowance", dpu_text(allowance)),
    ]
    if state.drawn:
        lines.append(("Drawn by Historics queries", dpu_text(state.drawn)))
    lines += [
        ("Allowance used up at", when_text(state.used_up_at, month)),
        ("Hours the streams ran", hours_text(state.running)),
        ("DPU-hours used", dpu_text(used)),
        ("Excess DPU-hours", dpu_text(excess)),
        (f"Excess at {dollars(price)}/DPU-hour", f"${money_text(excess_cost)}"),
        (f"Licence: {count_text(objects_per_hour)} {source} objects/hour at {rate_text(rate)}", f"${money_text(licence)}"),
    ]
    if fee is not None:
        lines.append(("Subscription fee", f"${money_text(fee)}"))
    lines.append(("Variable cost", f"${money_text(variable)}"))
    if changed:  # the month as it happened: every notice, stop, restart, limit change and Historics draw
        lines += [("Variable cost limit at the start", f"${money_text(first_limit)}"),
                  ("Variable cost limit at the end", f"${money_text(current['limit'])}")]
        lines += [(_event_label(e, fraction), when_text(e["hour"], month)) for e in events]
    else:
        lines += [
            ("Variable cost limit", f"${money_text(first_limit)}"),
            (f"{int(fraction * 100)} % notice (${money_text(notice_amount)})", when_text(notice_at, month)),
            ("Streams stop (100 %)", when_text(stop_at, month)),
        ]
    if fee is not None:
        lines.append(("Month total", f"${money_text(total)}"))
    notes = []
    last_stop = next((e["hour"] for e in reversed(events) if e["event"] == "stop"), None)
    if not current["on"] and last_stop is not None:
        notes.append(f"streams stop at hour {hours_text(last_stop)}: the month's figures stop there too")
    data = {
        "dpu": dpu_json(combined),
        "billed_dpu_per_hour": dpu_json(billed),
        "month_hours": hours_json(month),
        "allowance_dpu_hours": dpu_json(allowance),
        "historics_dpu": dpu_json(state.drawn),
        "allowance_used_up": when(state.used_up_at, month),
        "running_hours": hours_json(state.running),
        "dpu_hours_used": dpu_json(used),
        "excess_dpu_hours": dpu_json(excess),
        "excess_cost": money(excess_cost),
        "objects_per_hour": count_json(objects_per_hour),
        "source": source,
        "licence_rate": rate_json(rate),
        "licence": money(licence),
        "variable_cost": money(variable),
        "variable_cost_limit": money(first_limit),
        "limit_at_end": money(current["limit"]),
        "notice_amount": money(notice_amount),
        "notice": when(notice_at, month),
        "stop": when(stop_at, month),
        "events": [_event_json(e) for e in events],
        "fee": None if fee is None else money(fee),
        "total": money(total),
        "currency": pricing.get("currency"),
    }
    return Bill("subscription", lines, data, notes)


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
