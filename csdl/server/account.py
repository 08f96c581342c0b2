"""``usage`` and ``balance``.

``usage`` reports its period (DataSift's ``start``/``end`` texts) and, per stream the caller
consumed from the live bus (streaming connections), the ``seconds`` it was connected and the
``licenses`` (interactions delivered per source type); with nothing consumed ``streams`` is
empty, as DataSift answered for an account with nothing running; ``balance`` answers ``{}``
as DataSift's recorded answer for a subscription account did.
"""

from __future__ import annotations

import time
from email.utils import formatdate

from csdl.server import incoming
from csdl.server.errors import ApiError

PERIODS = {"hour": 3600, "day": 86_400, "current": 3600}


def _date(seconds: float) -> str:
    # "Tue, 16 Jan 2018 21:45:00 +0000", DataSift's format
    return formatdate(seconds, usegmt=False).replace("-0000", "+0000")


def usage(call):
    period = incoming.text(call.params, "period", default="hour")
    if period not in PERIODS:
        raise ApiError(400, "The period parameter must be hour, day or current")
    end = int(time.time()) // 60 * 60
    start = end - PERIODS[period]
    live = call.state.live
    streams = live.usage.streams(call.user) if live is not None else {}
    return 200, {"start": _date(start), "end": _date(end), "streams": streams}


def balance(call):
    return 200, {}
