"""What the live bus delivered, per user and stream: DataSift's ``usage`` (``seconds`` a stream was
consumed and ``licenses``, the interactions delivered per source type), kept in memory.

The counts are those of delivered objects, so ``csdl bill`` figures can be set against what a
consumer actually received. They live as long as the server (ours: DataSift kept them per
billing period).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from email.utils import formatdate

PERIODS = {"hour": 3600, "day": 86_400, "current": 3600}


class Usage:
    def __init__(self):
        self._lock = threading.Lock()
        self._seconds: Counter = Counter()  # (user, hash) -> seconds of closed connections
        self._open: dict = {}  # (user, hash) -> [connections, since]
        self._licenses: dict = {}  # (user, hash) -> Counter(type -> interactions)

    def connected(self, user: str, hash: str) -> None:
        with self._lock:
            entry = self._open.setdefault((user, hash), [0, time.time()])
            entry[0] += 1

    def disconnected(self, user: str, hash: str) -> None:
        with self._lock:
            entry = self._open.get((user, hash))
            if entry is None:
                return
            entry[0] -= 1
            if entry[0] <= 0:
                self._seconds[(user, hash)] += time.time() - entry[1]
                del self._open[(user, hash)]

    def delivered(self, user: str, items) -> None:
        """``items``: (hash, interaction) pairs delivered to ``user``."""
        with self._lock:
            for hash, item in items:
                interaction = item.get("interaction") if item.__class__ is dict else None
                kind = interaction.get("type") if interaction.__class__ is dict else None
                self._licenses.setdefault((user, hash), Counter())[kind if isinstance(kind, str) else "unknown"] += 1

    def streams(self, user: str) -> dict:
        now = time.time()
        with self._lock:
            keys = {k for k in (*self._seconds, *self._open, *self._licenses) if k[0] == user}
            out = {}
            for key in sorted(keys):
                seconds = self._seconds.get(key, 0.0)
                if key in self._open:
                    seconds += now - self._open[key][1]
                out[key[1]] = {"licenses": dict(self._licenses.get(key, {})), "seconds": int(seconds)}
        return out

    def report(self, user: str, period: str = "hour") -> dict:
        end = int(time.time()) // 60 * 60
        start = end - PERIODS.get(period, 3600)
        return {"start": _date(start), "end": _date(end), "streams": self.streams(user)}


def _date(seconds: float) -> str:
    # "Tue, 16 Jan 2018 21:45:00 +0000", DataSift's format
    return formatdate(seconds, usegmt=False).replace("-0000", "+0000")
