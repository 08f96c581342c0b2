"""PYLON's ``analyze``: ``freqDist`` and ``timeSeries`` over a recording's interactions.

A request's ``parameters`` is ``{"analysis_type", "parameters": {…}, "child": {…}}``:

- ``freqDist`` (``target``, ``threshold``: how many of the most frequent values, default 10, at most
  200): results ``[{"key", "interactions", "unique_authors"}]``, most interactions first;
- ``timeSeries`` (``interval``: ``minute``, ``hour``, ``day``, ``week`` or ``month``, default
  ``hour``; ``span``: intervals per bucket, default 1): results ``[{"key": <unix start of the
  bucket>, "interactions", "unique_authors"}]`` in time order, from ``interaction.created_at``;
- ``child``: a nested analysis run over the interactions of each result (``"child": {
  "analysis_type", "parameters", "results", "redacted"}`` in each result); at most two levels below.

Privacy, as PYLON: an analysis over fewer than ``REDACTION`` (100) unique authors answers no results
and ``"redacted": true``, and a result (a value, a time bucket) of fewer unique authors is left out.
An author is ``interaction.author.id`` (``fb.author.id``, ``interaction.author.username`` when it
has none). Weeks start on Monday, 00:00 UTC; a span of several intervals counts from the Unix epoch
(ours).
"""

from __future__ import annotations

import calendar
import time
from collections import defaultdict

from csdl.server.errors import ApiError

REDACTION = 100
MAX_THRESHOLD = 200
MAX_DEPTH = 3
INTERVALS = {"minute": 60, "hour": 3600, "day": 86_400, "week": 604_800, "month": None}
_AUTHOR_PATHS = ("interaction.author.id", "fb.author.id", "interaction.author.username")
_WEEK_ORIGIN = 4 * 86_400  # 1970-01-05, a Monday


class Spec:
    """A checked analysis request (and its child)."""

    def __init__(self, raw, depth: int = 1):
        if not isinstance(raw, dict):
            raise ApiError(400, "parameters must be a JSON object with analysis_type and parameters")
        self.raw = raw
        self.type = raw.get("analysis_type")
        params = raw.get("parameters") or {}
        if not isinstance(params, dict):
            raise ApiError(400, "parameters.parameters must be a JSON object")
        self.parameters = params
        if self.type == "freqDist":
            self._freq_dist(params)
        elif self.type == "timeSeries":
            self._time_series(params)
        else:
            raise ApiError(400, "analysis_type must be freqDist or timeSeries")
        child = raw.get("child")
        if child is not None and depth >= MAX_DEPTH:
            raise ApiError(400, f"Analyses may be nested {MAX_DEPTH} deep at most")
        self.child = Spec(child, depth + 1) if child is not None else None

    def _freq_dist(self, params) -> None:
        from csdl.evaluate.values import make_getter

        target = params.get("target")
        if not isinstance(target, str) or not target or len(target) > 200:
            raise ApiError(400, "A freqDist analysis needs a target")
        self.getter = make_getter(target)
        threshold = params.get("threshold", 10)
        if isinstance(threshold, bool) or not isinstance(threshold, int) or not 1 <= threshold <= MAX_THRESHOLD:
            raise ApiError(400, f"threshold must be a whole number from 1 to {MAX_THRESHOLD}")
        self.threshold = threshold

    def _time_series(self, params) -> None:
        interval = params.get("interval", "hour")
        if interval not in INTERVALS:
            raise ApiError(400, f"interval must be one of {', '.join(INTERVALS)}")
        span = params.get("span", 1)
        if isinstance(span, bool) or not isinstance(span, int) or not 1 <= span <= 10_000:
            raise ApiError(400, "span must be a whole number from 1 to 10000")
        self.interval, self.span = interval, span


def author_of(post: dict):
    from csdl.evaluate.values import make_getter

    for path in _AUTHOR_PATHS:
        getter = _getters.get(path)
        if getter is None:
            getter = _getters[path] = make_getter(path)
        value = getter(post)
        if value is not None and not isinstance(value, (list, dict)):
            return value
    return None


_getters: dict = {}


def created_at(post: dict) -> float | None:
    from csdl.evaluate.timestamps import to_epoch

    interaction = post.get("interaction")
    return to_epoch(interaction.get("created_at")) if isinstance(interaction, dict) else None


def bucket_start(seconds: float, interval: str, span: int) -> int:
    if interval == "month":
        t = time.gmtime(seconds)
        months = (t.tm_year * 12 + t.tm_mon - 1) // span * span
        return calendar.timegm((months // 12, months % 12 + 1, 1, 0, 0, 0))
    size = INTERVALS[interval] * span
    origin = _WEEK_ORIGIN if interval == "week" else 0
    return int((seconds - origin) // size * size + origin)


def _keys(spec: Spec, post: dict) -> list:
    if spec.type == "timeSeries":
        when = created_at(post)
        return [] if when is None else [bucket_start(when, spec.interval, spec.span)]
    value = spec.getter(post)
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return list(dict.fromkeys(v for v in values if isinstance(v, (str, int, float)) and not isinstance(v, bool)))


def run(spec: Spec, posts: list[dict]) -> dict:
    """``{"analysis_type", "parameters", "results", "redacted"}`` of ``spec`` over ``posts``."""
    authors = {author_of(p) for p in posts} - {None}
    answer = {"analysis_type": spec.type, "parameters": spec.parameters, "results": [], "redacted": False}
    if len(authors) < REDACTION:
        answer["redacted"] = True
        return answer
    groups: dict = defaultdict(list)
    for post in posts:
        for key in _keys(spec, post):
            groups[key].append(post)
    rows = []
    for key, members in groups.items():
        unique = len({author_of(p) for p in members} - {None})
        if unique >= REDACTION:
            rows.append((key, members, unique))
    if spec.type == "freqDist":
        rows.sort(key=lambda row: (-len(row[1]), str(row[0])))
        rows = rows[:spec.threshold]
    else:
        rows.sort(key=lambda row: row[0])
    for key, members, unique in rows:
        result = {"key": key, "interactions": len(members), "unique_authors": unique}
        if spec.child is not None:
            result["child"] = run(spec.child, members)
        answer["results"].append(result)
    return answer


def analyze(spec: Spec, posts: list[dict]) -> dict:
    """The whole answer of ``pylon/analyze``: totals and the analysis (totals of a redacted
    analysis are 0, as PYLON answered)."""
    analysis = run(spec, posts)
    if analysis["redacted"]:
        return {"interactions": 0, "unique_authors": 0, "analysis": analysis}
    authors = {author_of(p) for p in posts} - {None}
    return {"interactions": len(posts), "unique_authors": len(authors), "analysis": analysis}
