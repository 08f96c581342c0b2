"""Renderers of the ``csdl cost`` payload (and of its diff): table, JSON and markdown. They only
lay out what the payload says; nothing is priced here."""

from __future__ import annotations

from csdl.costing.diff import CHANGED, SYMBOLS, UNCHANGED


def _num(value) -> str:
    return "?" if value is None else f"{value}"


#: What a diff shows for a file that is there but has errors (its DPU is unknown; totals count 0).
NOT_COSTED = "not costed (errors)"
#: What a diff shows for the side where a file is not there at all.
ABSENT = "—"


def _sides(entry: dict) -> tuple[str, str]:
    """The before and after DPU of a diff entry as shown: a number, ``ABSENT`` on the side where
    the file (or operator) does not exist, ``NOT_COSTED`` where it exists with errors."""
    old = ABSENT if entry["status"] == "added" else NOT_COSTED if entry["old"] is None else f"{entry['old']}"
    new = ABSENT if entry["status"] == "removed" else NOT_COSTED if entry["new"] is None else f"{entry['new']}"
    return old, new


def _costed(entry: dict) -> bool:
    return NOT_COSTED not in _sides(entry)


def _lines(spans: list[dict]) -> str:
    numbers = sorted({s["line"] for s in spans})
    if not numbers:
        return ""
    if len(numbers) > 3:
        return f"{numbers[0]}, {numbers[1]}, … {numbers[-1]}"
    return ", ".join(str(n) for n in numbers)


def _style(text: str, color: bool, **kwargs) -> str:
    if not color:
        return text
    import click

    return click.style(text, **kwargs)


def _table(rows: list[tuple[str, ...]], right: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        out.append("  " + "  ".join(cells).rstrip())
    return out


def _error_lines(record: dict) -> list[str]:
    out = []
    for d in record["errors"]:
        out.append(f"  {record['path']}:{d['line']}:{d['column']}: {d['code']} {d['message']}")
    return out


def _tag_rule(tag: dict) -> str:
    """How a tag statement was charged: ``10 % of 1.2``, or ``body 0.1 DPU: free below 1 DPU``."""
    from csdl.billing.pricing import default_pricing
    from csdl.units import dpu_text

    dpu = default_pricing().get("dpu")
    if tag["charged"] == 0:
        return f"body {tag['full']} DPU: free below {dpu_text(dpu['tag_threshold'])} DPU"
    return f"{dpu_text(dpu['tag_fraction'] * 100)} % of {tag['full']}"


def file_rows(record: dict) -> list[tuple[str, str, str, str, str]]:
    """(operator, target, lines, count, dpu) for every priced clause of one file."""
    rows = []
    for item in record["items"]:
        rows.append((item["operator"], item["target"], _lines(item["spans"]), str(item["count"]), _num(item["dpu"])))
    for tag in record["tags"]:
        where = f"{tag['line']}" if "imported_from" not in tag else f"via tags {tag['imported_from'][:12]}"
        rows.append((tag["kind"], f"{tag['label']} ({_tag_rule(tag)})", where, "1", _num(tag["charged"])))
    for stream in record["streams"]:
        state = "" if stream["resolved"] else " (unresolved: cost unknown)"
        rows.append(("stream", f"\"{stream['hash']}\"{state}", _lines(stream["references"]),
                     str(len(stream["references"])), _num(stream["dpu"])))
    return rows


def render_table(payload: dict, *, color: bool = False) -> str:
    out: list[str] = []
    for record in payload["files"]:
        out.append(_style(record["path"], color, bold=True))
        if record["errors"]:
            out.append(_style("  not costed: the filter has errors", color, fg="red"))
            out.extend(_error_lines(record))
            out.append("")
            continue
        rows = [("Operator", "Target", "Lines", "Count", "DPU")] + file_rows(record)
        total = f"{record['dpu']}" + ("" if record["complete"] else " + unknown")
        rows.append(("Total", "", "", "", total))
        lines = _table(rows, {3, 4})
        lines[0] = _style(lines[0], color, dim=True)
        out.extend(lines)
        for w in record["warnings"]:
            out.append(f"  {_style('warning', color, fg='yellow')}: {w['line']}:{w['column']}: {w['code']} {w['message']}")
        out.append("")
    out.append(summary_line(payload))
    return "\n".join(out) + "\n"


def summary_line(payload: dict) -> str:
    s = payload["summary"]
    parts = [f"{s['files']:,} file{'s' if s['files'] != 1 else ''}"]
    if s["with_errors"]:
        parts.append(f"{s['with_errors']:,} with errors, not costed")
    if s["incomplete"]:
        parts.append(f"{s['incomplete']:,} incomplete (unresolved references)")
    return f"OVERALL TOTAL: {s['dpu']} DPU per hour ({', '.join(parts)})"


def render_json(payload: dict, *, color: bool = False) -> str:
    import json  # here: the text report (the default) never needs it

    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(payload: dict, *, color: bool = False) -> str:
    out = ["## DPU cost estimate", "", "| File | DPU per hour |", "|---|---:|"]
    for record in payload["files"]:
        value = "errors, not costed" if record["errors"] else f"{record['dpu']}" + ("" if record["complete"] else " + unknown")
        out.append(f"| `{_md_escape(record['path'])}` | {value} |")
    unknown = "" if payload["summary"]["complete"] else " + unknown"
    out.append(f"| **Total** | **{payload['summary']['dpu']}{unknown}** |")
    out += ["", "<details><summary>Breakdown</summary>", ""]
    for record in payload["files"]:
        if record["errors"]:
            continue
        out += [f"**`{_md_escape(record['path'])}`**", "", "| Operator | Target | Lines | Count | DPU |", "|---|---|---|---:|---:|"]
        for row in file_rows(record):
            out.append("| " + " | ".join(_md_escape(cell) for cell in row) + " |")
        out.append("")
    out += ["</details>", ""]
    return "\n".join(out)


# Diffs ----------------------------------------------------------------------------------------


def _change(entry: dict) -> str:
    sign = "+" if entry["change"] > 0 else ""
    pct = "" if entry["percent"] is None else f" ({'+' if entry['percent'] > 0 else ''}{entry['percent']}%)"
    return f"{sign}{entry['change']}{pct}"


def _diff_line(entry: dict, name: str) -> str:
    symbol = SYMBOLS[entry["status"]]
    old, new = _sides(entry)
    if _costed(entry) and entry["status"] not in ("added", "removed"):
        return f"{symbol} {name}  {old} → {new} DPU  {_change(entry)}"
    old, new = (side if side == NOT_COSTED else f"{side} DPU" for side in (old, new))
    if entry["status"] == "added":
        return f"{symbol} {name}  {new}"
    if entry["status"] == "removed":
        return f"{symbol} {name}  {old}"
    return f"{symbol} {name}  {old} → {new}"


def diff_lines(diff: dict) -> list[str]:
    out = []
    for entry in diff["files"]:
        if entry["status"] == UNCHANGED:
            continue
        out.append(_diff_line(entry, entry["path"]))
        for op in entry["operators"]:
            out.append("    " + _diff_line(op, op["operator"]))
    return out


def total_line(diff: dict) -> str:
    t = diff["total"]
    return f"DPU per hour change: {_change(t) if t['status'] == CHANGED else '0'} ({t['old']} → {t['new']})"


def render_diff_table(payload: dict, diff: dict, *, color: bool = False) -> str:
    out = ["Legend: + added, ~ changed, - removed", ""]
    lines = diff_lines(diff)
    for line in lines:
        fg = {"+": "red", "-": "green", "~": "yellow"}.get(line.strip()[:1])
        out.append(_style(line, color, fg=fg) if fg else line)
    if not lines:
        out.append("No cost changes.")
    out += ["", total_line(diff), f"{diff['changed_files']:,} of {len(diff['files']):,} files changed"]
    return "\n".join(out) + "\n"


def render_diff_markdown(payload: dict, diff: dict, *, color: bool = False) -> str:
    t = diff["total"]
    if t["status"] != CHANGED:
        headline = f"DPU estimate unchanged at {t['new']} DPU per hour"
    elif t["change"] > 0:
        headline = f"DPU estimate increased by {t['change']} DPU per hour 📈"
    else:
        headline = f"DPU estimate decreased by {-t['change']} DPU per hour 📉"
    out = [f"## {headline}", "", "| File | Before | After | Change |", "|---|---:|---:|---:|"]
    for entry in diff["files"]:
        if entry["status"] == UNCHANGED:
            continue
        old, new = _sides(entry)
        change = _change(entry) if _costed(entry) else ABSENT
        out.append(f"| `{_md_escape(entry['path'])}` | {old} | {new} | {change} |")
    out.append(f"| **Total** | **{t['old']}** | **{t['new']}** | **{_change(t)}** |")
    broken = sum(1 for entry in diff["files"] if entry["status"] != "removed" and entry["new"] is None)
    if broken:
        out += ["", f"{broken:,} file{'s' if broken != 1 else ''} with errors {'are' if broken != 1 else 'is'} "
                "not costed and count{} as 0 DPU in the total.".format("" if broken != 1 else "s")]
    lines = diff_lines(diff)
    if lines:
        out += ["", "<details><summary>Changes by operator</summary>", "", "```diff", *lines, "```", "", "</details>"]
    out.append("")
    return "\n".join(out)


RENDERERS = {"table": render_table, "json": render_json, "markdown": render_markdown}
DIFF_RENDERERS = {"table": render_diff_table, "markdown": render_diff_markdown}
