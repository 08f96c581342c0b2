"""The run summary as JSON-ready data and as text for people."""

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
            "details": [b.to_dict() for b in stats.bad],
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
        "warnings": [w.message for w in warnings],
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
    out.append(
        f"  speed          {_n(speed['posts_per_second'])} posts/s in {speed['seconds']:.2f} s "
        f"({jobs} process{'es' if jobs > 1 else ''}, {speed['json']})"
    )
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
        out.append(f"  warning: {warning}")
    return "\n".join(out) + "\n"
