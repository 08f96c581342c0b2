"""Cost in the editor: code lenses on the document's first line (the filter's DPU per hour and an
on-demand month's price) and on each tag, scoring rule and ``return`` block; inlay hints at the
end of each line whose conditions cost something. All figures come from the cost report of
``csdl.costing`` and the billing module, with the configured pricing."""

from __future__ import annotations

from csdl.lsp import explain
from csdl.units import dpu_text, total

COMMAND = "csdl.showCost"


def lenses(analysis) -> list[tuple[int, str]]:
    """(offset, title) of each lens."""
    report, reason = analysis.cost()
    if report is None:
        return [(0, f"csdl: {reason}")]
    pricing = analysis.settings.pricing
    unknown = "" if report.complete else " + unknown (unresolved references)"
    out = [(0, f"csdl: {dpu_text(report.dpu)} DPU/hour{unknown} · {explain.money(report.dpu, pricing)}")]
    tree = analysis.tree
    for tag in report.tags:
        if tag.origin is not None:
            continue
        kind = "score" if tag.kind == "score" else "tag"
        out.append((tag.span.start, f"{kind}: {dpu_text(tag.charged)} DPU charged (body {dpu_text(tag.full)} DPU)"))
    imported = [t for t in report.tags if t.origin is not None]
    for statement in tree.imports:
        mine = [t for t in imported if t.origin == statement.hash]
        if mine:
            charged = total(t.charged for t in mine)
            out.append((statement.span.start, f"tags: {len(mine)} imported rule{'s' if len(mine) != 1 else ''}, "
                                              f"{dpu_text(charged)} DPU charged"))
    if tree.returns is not None:
        streams = total(s.dpu for s in report.streams if s.dpu is not None)
        extra = f" + {dpu_text(streams)} DPU of referenced streams" if streams else ""
        out.append((tree.returns.span.start, f"return: {dpu_text(report.main_dpu)} DPU{extra}"))
    return out


def line_costs(analysis) -> list[tuple[int, str]]:
    """(offset of the line's end, label) for every line where a priced entry starts."""
    report, _ = analysis.cost()
    if report is None:
        return []
    text = analysis.text
    by_line: dict[int, list] = {}
    entries = [(item, False) for item in report.items]
    entries += [(item, True) for tag in report.tags if tag.origin is None for item in tag.items]
    for item, in_tag in entries:
        first = min(item.conditions, key=lambda c: c.span.start)
        by_line.setdefault(first.span.line, []).append((first.span.start, item, in_tag))
    for stream in report.streams:
        if stream.dpu is not None and stream.spans:
            span = stream.spans[0]
            by_line.setdefault(span.line, []).append((span.start, stream, False))
    out = []
    for line, entries_on_line in sorted(by_line.items()):
        start = entries_on_line[0][0]
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if end > 0 and text[end - 1] == "\r":
            end -= 1
        dpu = total(e.dpu for _, e, _ in entries_on_line)
        notes = []
        grouped = [e for _, e, _ in entries_on_line if getattr(e, "conditions", None) and len(e.conditions) > 1]
        if grouped:
            notes.append(f"{sum(len(e.conditions) for e in grouped)} `contains` priced together")
        if any(in_tag for _, _, in_tag in entries_on_line):
            notes.append("in a tag body: full price")
        suffix = f" ({'; '.join(notes)})" if notes else ""
        out.append((end, f"{dpu_text(dpu)} DPU{suffix}"))
    return out
