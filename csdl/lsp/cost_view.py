"""Cost in the editor: code lenses on the document's first line (the filter's DPU per hour and an
on-demand month's price) and on each tag, scoring rule and ``return`` block; inlay hints at the
end of each line whose conditions cost something. All figures come from the cost report of
``csdl.costing`` and the billing module, with the configured pricing."""

from __future__ import annotations

from csdl.lsp import explain
from csdl.spans import LINE_BREAK
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
    for _line, entries_on_line in sorted(by_line.items()):
        line_break = LINE_BREAK.search(text, entries_on_line[0][0])
        end = line_break.start() if line_break else len(text)
        out.append((end, _line_label(entries_on_line)))
    return out


def _line_label(entries) -> str:
    """``0.1 DPU`` for the filter's own conditions; ``body 0.1 DPU`` for a tag body's, in the words
    of the tag's lens ("0 DPU charged (body 0.1 DPU)"): what a tag is charged is decided for its
    whole body, so a line of it shows its share of the body, never a price of its own."""
    labels = []
    for in_tag in (False, True):
        mine = [e for _, e, tagged in entries if tagged is in_tag]
        if mine:
            labels.append(f"{'body ' if in_tag else ''}{dpu_text(total(e.dpu for e in mine))} DPU")
    grouped = [e for _, e, _ in entries if getattr(e, "conditions", None) and len(e.conditions) > 1]
    suffix = f" ({sum(len(e.conditions) for e in grouped)} `contains` priced together)" if grouped else ""
    return " · ".join(labels) + suffix
