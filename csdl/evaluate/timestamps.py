"""``interaction.created_at`` ("Mon, 04 Mar 2024 01:07:00 +0000") to Unix seconds, fast.

The forecast reads every post's timestamp, so the common shape is parsed by slicing (with the
start of each minute cached) and only other shapes go through ``email.utils``.
"""

from __future__ import annotations

import datetime
from email.utils import parsedate_to_datetime

_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
_EPOCH = datetime.date(1970, 1, 1).toordinal()
_minutes: dict[str, int] = {}


def _slow(text: str) -> float | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when.timestamp()


_tails: dict[str, int] = {}  # ":07 +0000" -> 7: the seconds and the zone, in one lookup


def to_epoch(text) -> float | None:
    """Seconds since 1970 UTC, or None when ``text`` is not an RFC 2822-like date."""
    if text.__class__ is not str:
        return None
    # Every post reads this: the common shape is two dictionary lookups once its minute and its
    # seconds-and-zone tail have been seen (both caches are small and bounded).
    start = _minutes.get(text[:22])
    if start is not None and len(text) == 31:
        tail = _tails.get(text[22:])
        if tail is not None:
            return start + tail
    if len(text) == 31 and text[3] == "," and text[25] == " ":
        minute = text[:22]  # "Mon, 04 Mar 2024 01:07": shared by every post of that minute
        start = _minutes.get(minute)
        try:
            if start is None:
                date = text[5:16]
                days = datetime.date(int(date[7:11]), _MONTHS[date[3:6]], int(date[0:2])).toordinal() - _EPOCH
                start = days * 86400 + int(text[17:19]) * 3600 + int(text[20:22]) * 60
                if len(_minutes) < 200_000:
                    _minutes[minute] = start
            zone = text[26:]
            if zone == "+0000":
                offset = 0
            else:
                offset = (int(zone[1:3]) * 3600 + int(zone[3:5]) * 60) * (-1 if zone[0] == "-" else 1)
                if zone[0] not in "+-":
                    raise ValueError(zone)
            tail = int(text[23:25]) - offset
            if text[22] == ":" and text[23:25].isdigit() and len(_tails) < 100_000:
                _tails[text[22:]] = tail
            return start + tail
        except (KeyError, ValueError):
            pass
    return _slow(text)
