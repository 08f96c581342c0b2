"""Hover texts (Markdown): targets from the catalogue, operators and their pricing, a condition's
DPU and why, a tag's full and charged cost, and what a ``stream "<hash>"`` resolves to."""

from __future__ import annotations

import os

from csdl.language import ast
from csdl.lsp import explain
from csdl.units import dpu_text


def _inside(span, offset: int) -> bool:
    return span.start <= offset <= span.end


def locate(tree: ast.Filter, offset: int):
    """(what, node, enclosing tag rule or None) at ``offset``; what is ``target``, ``operator``,
    ``condition``, ``stream``, ``tag``, ``tags`` or ``return``."""
    rule_at = None
    for statement in tree.statements:
        if _inside(statement.span, offset):
            if isinstance(statement, ast.TagsImport):
                return "tags", statement, None
            rule_at = statement
            if _inside(statement.head_span, offset) or _inside(statement.label_span, offset):
                return "tag", statement, None
    scope = rule_at.body if rule_at is not None else tree.main
    if scope is not None:
        for node in scope.walk():
            if isinstance(node, ast.Condition) and _inside(node.span, offset):
                if _inside(node.target_span, offset):
                    return "target", node, rule_at
                if _inside(node.operator_span, offset):
                    return "operator", node, rule_at
                return "condition", node, rule_at
            if isinstance(node, ast.StreamRef) and _inside(node.span, offset):
                return "stream", node, rule_at
    if tree.returns is not None and tree.returns.span.start <= offset <= tree.returns.span.start + len("return"):
        return "return", tree.returns, None
    return None


def hover(analysis, offset: int) -> tuple[str, object] | None:
    """(Markdown, the span it is about) for the position, or None."""
    tree = analysis.outline
    if tree is None:
        return None
    found = locate(tree, offset)
    if found is None:
        return None
    answer = _answer(analysis, offset, *found)
    if answer is None or analysis.repaired_at(answer[1]):
        return None  # about a placeholder the parser put where text is missing
    return answer


def _answer(analysis, offset: int, what: str, node, rule):
    pricing = analysis.settings.pricing
    if what == "target":
        return _target(node) + _condition_cost(node, rule, analysis), node.target_span
    if what == "operator":
        return _operator(node.operator, pricing, node.spelling) + _condition_cost(node, rule, analysis), node.operator_span
    if what == "condition":
        text = f"**`{node.target} {node.spelling}`**" + (_condition_cost(node, rule, analysis) or "\n\nNo cost.")
        return text, node.span
    if what == "tag":
        return _tag(node, analysis), node.head_span.cover(node.label_span)
    if what == "return":
        return _return(analysis), node.span
    if what in ("stream", "tags"):
        return _stream(node, what, analysis), node.hash_span if _inside(node.hash_span, offset) else node.span
    return None


# Targets and operators --------------------------------------------------------------------------


def _target(cond: ast.Condition) -> str:
    from csdl.checking.catalogue import lookup, readable_note, suggest

    target = lookup(cond.target)
    if target is None:
        guess = suggest(cond.target)
        hint = f" Did you mean `{guess}`?" if guess else ""
        return f"**`{cond.target}`** — not in the target catalogue.{hint}"
    table = explain.data()
    lines = [f"**`{cond.target}`** — `{target.type_label}`, {table['kinds'].get(target.kind, target.kind)}"]
    if cond.target != target.name:
        lines.append(f"Any path below `{target.name}` (a tag tree of this filter's namespaces).")
    lines.append("Operators: " + ", ".join(f"`{op}`" for op in ordered_operators(target.operators)))
    lines.append("`cs` (case sensitive): " + ("allowed" if target.cs else "not available"))
    lines.append("Platforms: " + table["platforms"].get(target.platform, target.platform))
    if target.note.startswith("retired source"):
        lines.append("⚠ **Retired source**: DataSift no longer offers it.")
    lines.extend(readable_note(target.note))  # the catalogue's note in sentences, not its raw flags
    return "\n\n".join(lines)


def ordered_operators(operators) -> list[str]:
    order = list(explain.data()["operators"])
    return sorted(operators, key=lambda op: order.index(op) if op in order else len(order))


def _operator(operator: str, pricing, spelling: str | None = None) -> str:
    entry = explain.data()["operators"].get(operator)
    if entry is None:
        return f"**`{operator}`**"
    title = f"**`{operator}`**" + (f" (written `{spelling}`)" if spelling and spelling.lower() != operator else "")
    return "\n\n".join([title + f" — {entry['does']}", f"Argument: {entry['argument']}",
                        f"Price: {explain.operator_price(operator, pricing)}"])


def operator_documentation(operator: str, pricing) -> str:
    return _operator(operator, pricing)


# Costs ------------------------------------------------------------------------------------------


def priced_items(report) -> dict[int, tuple[object, object]]:
    """id(condition) -> (breakdown entry, the TagCost whose body it is in, or None)."""
    out: dict[int, tuple[object, object]] = {}
    for item in report.items:
        for cond in item.conditions:
            out[id(cond)] = (item, None)
    for tag in report.tags:
        if tag.origin is None:
            for item in tag.items:
                for cond in item.conditions:
                    out[id(cond)] = (item, tag)
    return out


def _condition_cost(cond: ast.Condition, rule, analysis) -> str:
    report, reason = analysis.cost()
    if report is None:
        return f"\n\n---\nCost: {reason}"
    found = priced_items(report).get(id(cond))
    if found is None:
        return ""
    item, tag = found
    text = f"\n\n---\nCost: {explain.item(item, analysis.settings.pricing)}"
    lines = sorted({c.span.line for c in item.conditions})
    if len(lines) > 1:
        text += f" (lines {', '.join(str(n) for n in lines)})"
    if tag is not None:
        text += f"\n\nInside `{tag.label}`: {explain.tag(tag, analysis.settings.pricing)}."
    return text


def _tag(rule: ast.TagRule, analysis) -> str:
    report, reason = analysis.cost()
    label = rule.label
    kind = "Scoring rule" if rule.is_score else "Tag"
    if report is None:
        return f"**{kind} `{label}`**\n\nCost: {reason}"
    for tag in report.tags:
        if tag.origin is None and tag.span == rule.span:
            pricing = analysis.settings.pricing
            return (f"**{kind} `{label}`**\n\nFull cost of the body: {dpu_text(tag.full)} DPU\n\n"
                    f"Charged: {explain.tag(tag, pricing)}")
    return f"**{kind} `{label}`**"


def _return(analysis) -> str:
    report, reason = analysis.cost()
    if report is None:
        return f"**return**\n\nCost: {reason}"
    return (f"**return** — the filter's main expression: {dpu_text(report.main_dpu)} DPU\n\n"
            f"Whole filter: {dpu_text(report.dpu)} DPU per hour, "
            f"{explain.money(report.dpu, analysis.settings.pricing)}")


def _stream(node, keyword: str, analysis) -> str:
    library = analysis.settings.library
    head = f"**{'stream' if keyword == 'stream' else 'tags'} `\"{node.hash}\"`**"
    if library is None:
        return (f"{head}\n\nNo stream library is configured, so this hash cannot be resolved offline. "
                "Set `library = \"streams/\"` under `[tool.csdl]` (a directory of `.csdl` files).")
    entry = library.resolve(node.hash)
    if entry is None:
        return f"{head}\n\nNot in the stream library `{library.directory}`."
    lines = [head, f"Resolves to `{os.path.relpath(entry.path, library.directory)}` in the library `{library.directory}`"]
    if entry.errors:
        first = entry.errors[0]
        lines.append(f"That file is not valid CSDL: {first.one_line()}")
    else:
        report, _ = analysis.cost()
        if report is not None and keyword == "stream":
            for stream in report.streams:
                if stream.hash.strip().lower() == node.hash.strip().lower() and stream.dpu is not None:
                    lines.append(f"Cost: {dpu_text(stream.dpu)} DPU, charged once however often it is referenced")
        preview = "\n".join(entry.text.splitlines()[:12])
        lines.append(f"```csdl\n{preview}\n```")
    return "\n\n".join(lines)
