"""``account/usage`` (API v1.2 on): what the account used, per period, as DataSift recorded it.

``period`` is ``hourly``, ``daily`` (the default) or ``monthly``; anything else is DataSift's 400
``period is invalid; valid values are: hourly,daily,monthly``. ``start`` and ``end`` (unix seconds)
bound the report (default: the last 30 days). The answer is ``{"usage": [{"quantity", "cost",
"category", "unit", "source", "timestamp"}]}``, one item per period, category, unit and source,
``timestamp`` the period's start: the Historics queries the user ran (``historics``: their DPU, and
the interactions they delivered per source) and what the live bus delivered to the user's streams
(``realtime``: the filter's DPU for their connected time, and interactions per source type, in
the current period). ``cost`` is 0, as in every recording (the platform billed elsewhere). With
nothing used the answer is ``{"usage": []}``: DataSift answered ``[]`` once, in 2015, but every
other recording has the object, which clients read ``usage`` from.
"""

from __future__ import annotations

import calendar
import time
from collections import defaultdict

from csdl.server import incoming
from csdl.server.errors import ApiError

PERIODS = ("hourly", "daily", "monthly")
LAST_TIME = 253_402_300_799


def period_start(seconds: int, period: str) -> int:
    if period == "hourly":
        return seconds // 3600 * 3600
    if period == "daily":
        return seconds // 86_400 * 86_400
    t = time.gmtime(seconds)
    return calendar.timegm((t.tm_year, t.tm_mon, 1, 0, 0, 0))


def usage(call):
    period = incoming.text(call.params, "period", default="daily")
    if period not in PERIODS:
        raise ApiError(400, f"period is invalid; valid values are: {','.join(PERIODS)}")
    now = int(time.time())
    end = incoming.integer(call.params, "end", default=now + 1, minimum=0, maximum=LAST_TIME)  # up to this second
    start = incoming.integer(call.params, "start", default=end - 30 * 86_400, minimum=0, maximum=LAST_TIME)
    totals: dict[tuple, float] = defaultdict(float)
    for record in call.state.store.all_documents("historics", call.user):
        ran = record.get("started_at")
        if ran is None or not start <= ran < max(end, start + 1):
            continue
        at = period_start(ran, period)
        totals[(at, "historics", "dpu", "")] += float(record.get("dpus") or 0)
        for source, count in (record.get("delivered_by_source") or {}).items():
            totals[(at, "historics", "interaction", source)] += count
    _realtime(call, totals, period_start(now, period), start, end, now)
    items = [{"quantity": round(q, 5) if isinstance(q, float) and not q.is_integer() else int(q), "cost": 0,
              "category": category, "unit": unit, "source": source, "timestamp": at}
             for (at, category, unit, source), q in sorted(totals.items())]
    return 200, {"usage": items}


def _realtime(call, totals: dict, at: int, start: int, end: int, now: int) -> None:
    """What the live bus delivered to the user's streams (their connected ``seconds`` × the
    filter's DPU, and the interactions per source type), counted in the current period."""
    live = call.state.live
    if live is None or not start <= now < max(end, start + 1):
        return
    from csdl.server.filters import stream_report

    for hash, used in live.usage.streams(call.user).items():
        report = stream_report(call.state, hash)
        if report is not None and used.get("seconds"):
            totals[(at, "realtime", "dpu", "")] += float(report.dpu) * used["seconds"] / 3600
        for source, count in (used.get("licenses") or {}).items():
            totals[(at, "realtime", "interaction", source)] += count
