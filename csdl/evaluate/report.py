"""The run summary (``RunSummary``, what ``csdl.run`` returns) as JSON-ready data and as text
for people."""

from __future__ import annotations

SLOWEST_SHOWN = 5
BAD_SHOWN = 20


def slowest(matcher, stats, limit: int = SLOWEST_SHOWN) -> list[dict]:
    rows = []
    for info in matcher.conditions:
        calls = stats.cond_calls[info.index]
        if not calls:
            continue
        seconds = stats.cond_seconds[info.index]
        rows.append({"condition": info.text, "line": info.line, "scope": info.scope, "sampled_calls": calls,
                     "mean_us": round(seconds / calls * 1e6, 2)})
    rows.sort(key=lambda r: -r["mean_us"])
    return rows[:limit]


def _code_name(code: str) -> str | None:
    from csdl.codes import registry

    info = registry().get(code)
    return info.name if info is not None else None


def _bad_dict(bad) -> dict:
    return {**bad.to_dict(), "name": _code_name(bad.code)}


def summary(*, filter_path: str, posts_path: str, matcher, result, forecast, warnings) -> dict:
    stats = result.stats
    rate = stats.matched / stats.read if stats.read else 0.0
    return {
        "filter": filter_path,
        "posts": posts_path,
        "read": stats.read,
        "matched": stats.matched,
        "match_rate": round(rate, 6),
        "blank_lines": stats.blank,
        "bad_posts": {
            "count": stats.bad_count,
            "not_evaluated": stats.unevaluated,
            "wrong_types": stats.bad_count - stats.unevaluated,
            "details": [_bad_dict(b) for b in stats.bad],
            "details_truncated": len(stats.bad) < stats.bad_count,
        },
        "tags": dict(sorted(stats.tags.items(), key=lambda kv: (-kv[1], kv[0]))),
        "slowest_conditions": slowest(matcher, stats),
        "speed": {
            "seconds": round(result.seconds, 4),
            "posts_per_second": round((stats.read + stats.unevaluated) / result.seconds) if result.seconds > 0 else None,
            "jobs": result.jobs,
            "json": result.codec,
            # No speed-up against one process is given: it is known only by also running one
            # process, which a run does not do (the workers' busy time over the wall time is
            # not it: busy workers on a loaded machine say nothing of the time saved).
        },
        "forecast": forecast.to_dict(),
        "warnings": [w.to_dict() for w in warnings],
    }


def _n(value) -> str:
    if value is None:
        return "?"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}" if value >= 10 else f"{value:,.3g}"
    return f"{int(value):,}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def bad_lines(data: dict, posts_path: str, limit: int = BAD_SHOWN) -> list[str]:
    bad = data["bad_posts"]
    lines = []
    for item in bad["details"][:limit]:
        verdict = "not evaluated" if item["code"].startswith("R1") else "evaluated"
        lines.append(f"{posts_path}:{item['line']}: {item['code']} {item['message']} ({verdict})")
    hidden = bad["count"] - min(limit, len(bad["details"]))
    if hidden > 0:
        lines.append(f"... and {hidden:,} more bad post{'' if hidden == 1 else 's'} (all are listed by --format json)")
    return lines


def render_text(data: dict) -> str:
    out = []
    read, matched = data["read"], data["matched"]
    bad = data["bad_posts"]
    out.append(f"csdl run {data['filter']} over {data['posts']}")
    extra = []
    if data["blank_lines"]:
        extra.append(f"{_plural(data['blank_lines'], 'blank line')} skipped")
    if bad["count"]:
        # lines that are not posts are not among those read; wrong-typed posts are (and were evaluated)
        if bad["not_evaluated"]:
            extra.append(f"{_plural(bad['not_evaluated'], 'bad line')} not evaluated: invalid JSON or not an object")
        if bad["wrong_types"]:
            extra.append(f"{_plural(bad['wrong_types'], 'post')} with wrong-typed values")
    out.append(f"  posts read     {read:,}" + (f"  ({'; '.join(extra)})" if extra else ""))
    out.append(f"  matched        {matched:,}  ({data['match_rate'] * 100:.2f} %)")
    speed = data["speed"]
    jobs = speed["jobs"]
    engine = data.get("engine")
    if engine is not None:  # DuckDB or Spark: its version and what it read
        how = f"{engine['version']}, {_FORMATS.get(engine['format'], engine['format'])}"
    else:
        how = f"{jobs} process{'es' if jobs > 1 else ''}, {speed['json']}"
    out.append(f"  speed          {_n(speed['posts_per_second'])} posts/s in {speed['seconds']:.2f} s ({how})")
    if data["tags"]:
        out.append("  tags (matched posts carrying each)")
        for name, count in data["tags"].items():
            out.append(f"    {count:>8,}  {name}")
    if data["slowest_conditions"]:
        out.append("  slowest conditions (mean per evaluation, timed on a sample of posts)")
        for row in data["slowest_conditions"]:
            out.append(f"    {row['mean_us']:>8.2f} µs  line {row['line']:<4} {row['condition']}  [{row['scope']}]")
    fc = data["forecast"]
    if not fc["available"]:
        out.append(f"  forecast       not available: {fc['reason']}")
    else:
        basis = (f"sample spans {fc['sample_span_hours']:,.2f} h" if fc["basis"] == "sample" else "given --source-rate")
        out.append(f"  forecast       source {_n(fc['source_posts_per_hour'])} posts/hour ({basis})")
        out.append(f"    deliveries   {_n(fc['deliveries_per_hour'])} /hour, {_n(fc['deliveries_per_month'])} /month ({fc['hours_per_month']} h)")
        if fc["dpu"] is not None:
            out.append(f"    DPU          {fc['dpu']} (billed {fc['billed_dpu_per_hour']} DPU/hour)")

        def money(key):
            value = fc[key]
            return "?" if value is None else f"${value}"

        out.append(f"    processing   {money('processing_per_hour')} /hour, {money('processing_per_month')} /month")
        out.append(f"    licence      {money('licence_per_hour')} /hour, {money('licence_per_month')} /month")
        total = f"{money('total_per_hour')} /hour, {money('total_per_month')} /month"
        out.append(f"    total        {total}" + ("" if fc["complete"] else "  (incomplete: see notes)"))
    for note in fc.get("notes", []):
        out.append(f"  note: {note}")
    for warning in data["warnings"]:
        out.append(f"  warning: {warning['code']} {warning['message']}")
    return "\n".join(out) + "\n"


_FORMATS = {"jsonl": "JSON Lines", "parquet": "Parquet"}


class RunSummary:
    """What a run found (``csdl.run``): counts, tags, bad lines with their codes, the forecast,
    timing and, for DuckDB and Spark, the engine. ``to_dict()`` is ``csdl run --format json``;
    ``render_text()`` the text summary; ``bad_lines()`` the lines listing bad posts."""

    def __init__(self, *, filter_name: str, posts_name: str, matcher, result, forecast, warnings, engine=None,
                 notes=(), hash=None):
        self.filter_name = filter_name
        self.posts_name = posts_name
        self.matcher = matcher
        self.result = result
        self.forecast = forecast
        self.warnings = list(warnings)  # Diagnostics of the filter (R010-R012)
        self.engine = engine  # None for the Python engine; else name, version, files, format, conditions
        self.notes = list(notes)  # what the run chose on its own (an engine switched, UDFs used)
        self.hash = hash

    @property
    def stats(self):
        return self.result.stats

    @property
    def read(self) -> int:
        return self.stats.read

    @property
    def matched(self) -> int:
        return self.stats.matched

    @property
    def bad(self) -> list:
        """The bad posts kept with their messages (``BadPost``: line, code, message)."""
        return list(self.stats.bad)

    @property
    def bad_count(self) -> int:
        return self.stats.bad_count

    @property
    def tags(self) -> dict:
        return dict(self.stats.tags)

    @property
    def seconds(self) -> float:
        return self.result.seconds

    def to_dict(self) -> dict:
        data = summary(filter_path=self.filter_name, posts_path=self.posts_name, matcher=self.matcher,
                       result=self.result, forecast=self.forecast, warnings=self.warnings)
        if self.engine is not None:
            data["engine"] = dict(self.engine)
            fmt = self.engine["format"]
            # what decoded the JSON: the engine's own reader, or nothing (Parquet has columns)
            data["speed"]["json"] = f"{self.engine['name']} (its JSON reader)" if fmt == "jsonl" else "none (Parquet columns)"
        if self.notes:
            data["notes"] = list(self.notes)
        return data

    def render_text(self) -> str:
        return render_text(self.to_dict())

    def bad_lines(self, limit: int = BAD_SHOWN) -> list[str]:
        return bad_lines(self.to_dict(), self.posts_name, limit)

    def __repr__(self) -> str:
        return f"RunSummary(read={self.read}, matched={self.matched}, bad={self.bad_count})"
