"""Historics preview statistics, computed by running a filter over the ``--sample`` posts.

DataSift's ``parameters`` are ``target,analysis[,argument]`` items separated by ``;``
(``language.tag,freqDist,5;interaction.id,targetVol,hour``). The analyses and the shape of their
results are ours (DataSift's were not recorded): ``freqDist`` (the N most frequent values),
``targetVol`` (matching posts with the target per hour/day/week), ``numStats`` (DataSift's name;
``numericStatistics`` is accepted too) and
``wordCount`` (the N most frequent words). The sample stands in for the preview's period: posts are
not filtered by date. Work is bounded: at most ``max_sample_posts`` posts per preview.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from csdl.server.errors import ApiError

ANALYSES = ("freqDist", "targetVol", "numStats", "wordCount")
#: Earlier names of csdl's, still accepted: DataSift's name is ``numStats``.
ALIASES = {"numericStatistics": "numStats"}
MAX_ANALYSES = 20
MAX_TOP = 100
_TARGET = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*")
_UNITS = {"hour": 3600, "day": 86_400, "week": 604_800}
_WORD = re.compile(r"\w{2,}")


def _items(text: str) -> list[str]:
    """``target,analysis[,argument]`` items: separated by ``;`` (the Ruby client, DataSift's
    examples) or all in one comma list (the Python client joins them with ``,``), where an item
    starts at each target (targets have dots; arguments never do)."""
    out = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        fields = [f.strip() for f in part.split(",")]
        item: list[str] = []
        for field in fields:
            if "." in field and len(item) >= 2:
                out.append(",".join(item))
                item = []
            item.append(field)
        out.append(",".join(item))
    return out


def parse_parameters(text: str) -> list[tuple[str, str, str | None]]:
    items = _items(text)
    if not items:
        raise ApiError(400, "The parameters parameter is required: target,analysis[,argument];…")
    if len(items) > MAX_ANALYSES:
        raise ApiError(400, f"At most {MAX_ANALYSES} analyses per preview")
    out = []
    for item in items:
        fields = [f.strip() for f in item.split(",")]
        if len(fields) not in (2, 3):
            raise ApiError(400, f"Preview parameter {item[:80]!r}: expected target,analysis[,argument]")
        target, analysis = fields[0].lower(), ALIASES.get(fields[1], fields[1])
        argument = fields[2] if len(fields) == 3 else None
        if not _TARGET.fullmatch(target) or len(target) > 200:
            raise ApiError(400, f"Preview parameter {item[:80]!r}: {fields[0][:80]!r} is not a target")
        if analysis not in ANALYSES:
            raise ApiError(400, f"Preview parameter {item[:80]!r}: unknown analysis {analysis[:40]!r} "
                                f"(known: {', '.join(ANALYSES)})")
        if analysis in ("freqDist", "wordCount"):
            if argument is not None and (not argument.isdigit() or not 1 <= int(argument) <= MAX_TOP):
                raise ApiError(400, f"Preview parameter {item[:80]!r}: the argument is a count from 1 to {MAX_TOP}")
        elif analysis == "targetVol":
            if argument is not None and argument not in _UNITS:
                raise ApiError(400, f"Preview parameter {item[:80]!r}: the unit is one of {', '.join(_UNITS)}")
        elif argument is not None:
            raise ApiError(400, f"Preview parameter {item[:80]!r}: numStats takes no argument")
        out.append((target, analysis, argument))
    return out


class _Analysis:
    def __init__(self, target: str, analysis: str, argument: str | None):
        from csdl.evaluate.values import flat, make_getter

        self.target, self.analysis, self.argument = target, analysis, argument
        self.get = make_getter(target)
        self.flat = flat
        self.counts: Counter = Counter()
        self.with_target = 0
        self.numbers: list[float] = []

    def add(self, post: dict, when: float | None) -> None:
        value = self.get(post)
        if value is None:
            return
        self.with_target += 1
        values = self.flat(value) if isinstance(value, list) else [value]
        if self.analysis == "freqDist":
            self.counts.update(_key(v) for v in values)
        elif self.analysis == "wordCount":
            for v in values:
                if isinstance(v, str):
                    self.counts.update(w.lower() for w in _WORD.findall(v))
        elif self.analysis == "targetVol":
            if when is not None:
                size = _UNITS[self.argument or "hour"]
                self.counts[int(when // size * size)] += 1
        else:
            self.numbers.extend(float(v) for v in values
                                if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v))

    def result(self) -> dict:
        out = {"target": self.target, "analysis": self.analysis, "parameter": self.argument,
               "interactions": self.with_target}
        if self.analysis in ("freqDist", "wordCount"):
            top = int(self.argument or 10)
            out["result"] = [{"key": k, "interactions": n} for k, n in self.counts.most_common(top)]
        elif self.analysis == "targetVol":
            out["result"] = [{"key": k, "interactions": n} for k, n in sorted(self.counts.items())]
        else:
            n = len(self.numbers)
            out["result"] = {
                "count": n,
                "min": min(self.numbers) if n else None,
                "max": max(self.numbers) if n else None,
                "mean": sum(self.numbers) / n if n else None,
                "sum": sum(self.numbers),
            }
        return out


def _key(value) -> str | int | float | bool:
    return value if isinstance(value, (str, int, float, bool)) else str(value)


class _Analysed:
    """``csdl.run``'s output: each matching post (a JSON line) fed to the analyses."""

    def __init__(self, parts):
        from csdl.evaluate.posts import codec
        from csdl.evaluate.timestamps import to_epoch

        self.parts, self.loads, self.to_epoch = parts, codec()[0], to_epoch

    def write(self, data: bytes) -> None:
        for line in data.splitlines():
            post = self.loads(line)
            interaction = post.get("interaction")
            when = self.to_epoch(interaction.get("created_at")) if type(interaction) is dict else None
            for part in self.parts:
                part.add(post, when)


def run_preview(tree, analyses, state) -> dict:
    """``{"sample_posts", "matched", "data": [...]}`` for the filter ``tree`` over the sample (at
    most ``max_sample_posts`` lines of it), run by ``csdl.run`` as ``csdl run`` runs it."""
    import itertools

    import csdl
    from csdl.engines.running import RunError

    parts = [_Analysis(*a) for a in analyses]
    path = state.settings.sample
    if path is None:
        return {"sample_posts": 0, "matched": 0, "data": [p.result() for p in parts]}
    from csdl.evaluate.posts import PostsError, open_posts

    try:
        posts = open_posts(path)
    except PostsError as exc:
        raise ApiError(500, f"The sample cannot be read: {exc}") from None
    try:
        run = csdl.run(tree, itertools.islice(posts, state.settings.max_sample_posts), engine="python",
                       output=_Analysed(parts), library=state.library, posts_name=path)
    except RunError as exc:
        raise ApiError(500, f"The sample cannot be read: {exc}") from None
    finally:
        posts.close()
    return {"sample_posts": run.read, "matched": run.matched, "data": [p.result() for p in parts]}
