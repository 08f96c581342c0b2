"""W2xx: conditions that cannot behave as written."""

from __future__ import annotations

from typing import Iterator

from csdl.language import ast
from csdl.diagnostics import UNSAFE, Diagnostic, Fix
from csdl.checking.lint import Context, Rule, conditions_in_filter, register
from csdl.spans import span_at

#: ``interaction.sample`` is a random number in [0, 100] given to every interaction (our model:
#: DataSift documents it as a percentage used for sampling).
SAMPLE = "interaction.sample"
SAMPLE_RANGE = (0, 100)
#: Targets every interaction carries (spec §9b), so `NOT x == v` and `x != v` agree on them.
ALWAYS_PRESENT = frozenset({"interaction.id", "interaction.type", "interaction.created_at", SAMPLE})


def _argument_key(arg) -> tuple:
    if arg is None:
        return ()
    if isinstance(arg, ast.Text):
        return ("t", arg.value)
    if isinstance(arg, ast.TextList):
        return ("l", arg.items)
    if isinstance(arg, ast.NearList):
        return ("n", arg.words, arg.distance)
    if isinstance(arg, ast.Number):
        return ("#", arg.value)
    if isinstance(arg, ast.NumberList):
        return ("[", arg.values)
    return (type(arg).__name__,)


def condition_key(node) -> tuple | None:
    """A hashable identity of a condition or stream reference (None for anything else)."""
    if isinstance(node, ast.Condition):
        switches = tuple((s.name, s.values) for s in node.switches)
        return ("c", node.target, node.operator, node.case_sensitive, switches, _argument_key(node.argument))
    if isinstance(node, ast.StreamRef):
        return ("s", node.hash.lower())
    return None


def outer_extent(source: str, start: int, end: int, comments=()) -> tuple[int, int]:
    """``start, end`` widened over the parentheses that enclose exactly that operand (white space
    and the ``comments`` of the tree between them included)."""
    ends = {c.span.end: c.span.start for c in comments}
    starts = {c.span.start: c.span.end for c in comments}
    while True:
        i, j = start, end
        while i > 0 and (source[i - 1].isspace() or i in ends):
            i = ends.get(i, i - 1) if i in ends else i - 1
        while j < len(source) and (source[j].isspace() or j in starts):
            j = starts.get(j, j + 1) if j in starts else j + 1
        if i > 0 and j < len(source) and source[i - 1] == "(" and source[j] == ")":
            start, end = i - 1, j + 1
        else:
            return start, end


def _removal(source: str, operands, index: int, comments=()) -> Fix | None:
    """The edit that deletes operand ``index`` with one joiner: the joiner before it, or else the
    one after it (when the operand opens a parenthesised group). None if neither parses."""
    from csdl.diagnostics import CSDLError
    from csdl.language.parser import parse

    start, end = outer_extent(source, operands[index].span.start, operands[index].span.end, comments)
    candidates = [(outer_extent(source, operands[index - 1].span.start, operands[index - 1].span.end, comments)[1], end)]
    if index + 1 < len(operands):
        candidates.append((start, outer_extent(source, operands[index + 1].span.start, operands[index + 1].span.end,
                                               comments)[0]))
    for lo, hi in candidates:
        if lo >= hi:
            continue
        try:
            parse(source[:lo] + source[hi:])
        except CSDLError:
            continue
        return Fix(span_at(source, lo, hi - lo), "", "Remove the repeated condition")
    return None


def _unwrapped(source: str, group, kept, comments=()) -> Fix | None:
    """For a parenthesised pair of a condition and its repeat (`(a AND a)`): the edit that leaves
    the condition alone, without the parentheses `csdl format` would drop. None in any other case
    (more operands, no parentheses, a comment the edit would delete, a result that does not parse)."""
    from csdl.diagnostics import CSDLError
    from csdl.language.parser import parse

    if len(group.operands) != 2 or not isinstance(kept, ast.Condition):
        return None
    start, end = outer_extent(source, group.span.start, group.span.end, comments)
    if (start, end) == (group.span.start, group.span.end):
        return None
    if any(start <= c.span.start < end and not kept.span.start <= c.span.start < kept.span.end for c in comments):
        return None
    text = source[kept.span.start:kept.span.end]
    try:
        parse(source[:start] + text + source[end:])
    except CSDLError:
        return None
    return Fix(span_at(source, start, end - start), text, "Remove the repeated condition")


@register
class DuplicateCondition(Rule):
    """The same condition twice in one AND or OR.

    What it does: finds a condition (or `stream` reference) repeated among the operands of one
    AND/OR chain.

    Why: `a OR a` is `a`; the copy adds nothing but cost and usually hides an edit that went wrong
    (a value that should have changed). The fix removes the repeat.

    Bad:
        interaction.content contains "coffee" AND interaction.content contains "coffee"
    Good:
        interaction.content contains "coffee" AND interaction.content contains "tea"
    """

    code = "W201"
    name = "duplicate-condition"

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for node in ctx.tree.walk():
            if not isinstance(node, (ast.And, ast.Or)):
                continue
            seen: dict[tuple, ast.Node] = {}
            joiner = "AND" if isinstance(node, ast.And) else "OR"
            for index, operand in enumerate(node.operands):
                key = condition_key(operand)
                if key is None:
                    continue
                first = seen.get(key)
                if first is None:
                    seen[key] = operand
                    continue
                fix = (_unwrapped(ctx.source, node, first, ctx.tree.comments)
                       or _removal(ctx.source, node.operands, index, ctx.tree.comments))
                yield self.diag(f"this condition repeats the one on line {first.span.line} in the same {joiner}",
                                operand.span, fix=fix)


@register
class DuplicateListItem(Rule):
    """The same item twice in one list.

    What it does: finds repeated items in `contains_any`, `contains_all`, `wildcard`, `in`,
    `url_in` and `in [...]` lists. Text operators compare items case-insensitively unless `cs` is
    given; `in` compares them exactly.

    Why: the repeat never changes what matches, but DataSift prices list operators by their items,
    so it can raise the cost; in long lists it usually means a merge went wrong.

    Bad:
        interaction.content contains_any "coffee, tea, Coffee"
    Good:
        interaction.content contains_any "coffee, tea"
    """

    code = "W202"
    name = "duplicate-list-item"

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        from csdl.language.literal_spans import list_item_spans

        for cond in conditions_in_filter(ctx):
            arg = cond.argument
            if isinstance(arg, ast.TextList):
                exact = cond.case_sensitive or cond.operator == "in"
                keys = [item if exact else item.casefold() for item in arg.items]
                shown = arg.items
            elif isinstance(arg, ast.NumberList):
                keys = list(arg.values)
                shown = [n.text for n in arg.items]
            else:
                continue
            if len(set(keys)) == len(keys):
                continue
            spans = list_item_spans(ctx.source, arg) if isinstance(arg, ast.TextList) else [n.span for n in arg.items]
            first: dict = {}
            for index, key in enumerate(keys):
                if key == "" or key is None:
                    continue
                if key in first:
                    fix = Fix(span_at(ctx.source, spans[index - 1].end, spans[index].end - spans[index - 1].end), "",
                              "Remove the repeated item")
                    yield self.diag(f"`{shown[index]}` is already in the list (item {first[key] + 1})", spans[index], fix=fix)
                else:
                    first[key] = index


def _sample_verdict(op: str, value: float) -> str | None:
    low, high = SAMPLE_RANGE
    never = {"<": value <= low, "<=": value < low, ">": value >= high, ">=": value > high,
             "==": value < low or value > high}.get(op, False)
    if never:
        return "never"
    always = {"<": value > high, "<=": value >= high, ">": value < low, ">=": value <= low}.get(op, False)
    return "always" if always else None


@register
class NeverMatches(Rule):
    """A condition that can never be true.

    What it does: finds `interaction.sample` comparisons outside its range 0 to 100
    (`interaction.sample < 0`, `interaction.sample > 100`) and `contains_near` distances smaller
    than the number of words (the distance counts the words themselves, so three words can never
    be within two).

    Why: the filter (or that branch of it) silently matches nothing. The sample range is our model
    of `interaction.sample` (a percentage); the `contains_near` reading follows DataSift's
    description of the distance.

    Bad:
        interaction.content contains "coffee" AND interaction.sample > 100
        interaction.content contains_near "coffee,tea,milk:2"
    Good:
        interaction.content contains "coffee" AND interaction.sample < 10
        interaction.content contains_near "coffee,tea,milk:5"
    """

    code = "W203"
    name = "never-matches"

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for cond in conditions_in_filter(ctx):
            arg = cond.argument
            if cond.target == SAMPLE and isinstance(arg, ast.Number):
                if _sample_verdict(cond.operator, arg.value) == "never":
                    yield self.diag(f"`{ctx.text(cond.span)}` never matches: `interaction.sample` is between 0 and 100",
                                    cond.span)
            elif isinstance(arg, ast.NearList) and arg.distance is not None and arg.distance > 0:
                words = [w for w in arg.words if w]
                if len(words) >= 2 and arg.distance < len(words):
                    yield self.diag(f"{len(words)} words can never be within {arg.distance} words of each other "
                                    "(the distance counts the words themselves)", arg.span,
                                    hint=f"use a distance of at least {len(words)}")


@register
class AlwaysMatches(Rule):
    """A condition that is always true.

    What it does: finds `interaction.sample` comparisons that every interaction passes
    (`interaction.sample >= 0`, `interaction.sample <= 100`, `interaction.sample < 150`).

    Why: the condition costs DPU and does nothing; usually a sampling percentage was mistyped.
    The range 0 to 100 is our model of `interaction.sample`.

    Bad:
        interaction.content contains "coffee" AND interaction.sample <= 100
    Good:
        interaction.content contains "coffee" AND interaction.sample <= 10
    """

    code = "W204"
    name = "always-matches"

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for cond in conditions_in_filter(ctx):
            if cond.target == SAMPLE and isinstance(cond.argument, ast.Number):
                if _sample_verdict(cond.operator, cond.argument.value) == "always":
                    yield self.diag(f"`{ctx.text(cond.span)}` always matches: `interaction.sample` is between 0 and 100",
                                    cond.span)


@register
class NegatedEquality(Rule):
    """`NOT x == v` also matches interactions that have no `x`; `x != v` does not.

    What it does: finds `NOT target == value` on targets that an interaction may lack.

    Why: DataSift documents that `!=` is false when the target is absent, while `NOT x == v` is
    true then ("also matches empty bios"). The two read alike but select different posts. Write
    `x != v` when `x` must be present, or keep `NOT` and add `// noqa: W205` to say the absent case
    is wanted. Which targets are always present (`interaction.id`, `interaction.type`,
    `interaction.created_at`, `interaction.sample`) is our model.

    Bad:
        NOT twitter.source == "web"
    Good:
        twitter.source != "web"
    """

    code = "W205"
    name = "negated-equality"

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for node in ctx.tree.walk():
            if not isinstance(node, ast.Not) or not isinstance(node.operand, ast.Condition):
                continue
            cond = node.operand
            if cond.operator != "==" or cond.target in ALWAYS_PRESENT:
                continue
            before = ctx.source[cond.span.start:cond.operator_span.start]
            after = ctx.source[cond.operator_span.end:cond.span.end]
            replacement = f"{before}!={after}"
            # `NOT (x == v)`: the parentheses between NOT and the condition go too (the NOT node's
            # span ends with the condition, before its closing parenthesis)
            end = max(node.span.end, outer_extent(ctx.source, cond.span.start, cond.span.end, ctx.tree.comments)[1])
            fix = Fix(span_at(ctx.source, node.span.start, end - node.span.start), replacement, f"Replace with `{replacement}` (no longer matches when `{cond.target}` is absent)",
                      UNSAFE)
            yield self.diag(f"`NOT {cond.target} == …` also matches interactions without `{cond.target}`; "
                            f"`{cond.target} != …` requires it", node.span, fix=fix)


@register
class RedundantCaseSwitch(Rule):
    """A `[case(...)]` switch that changes nothing.

    What it does: finds `[case(...)]` on a condition that also has `cs` (DataSift: "if `cs` is
    present it wins regardless of the switch") and `[case(false)]`, which is the default.

    Why: a `cs ... [case(false)]` reads as case-insensitive but is case sensitive.

    Bad:
        interaction.content cs contains [case(false)] "Apple"
    Good:
        interaction.content cs contains "Apple"
    """

    code = "W206"
    name = "redundant-case-switch"

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for cond in conditions_in_filter(ctx):
            switch = cond.switch("case")
            if switch is None or len(switch.values) != 1:
                continue
            value = switch.values[0].lower()
            if cond.case_sensitive:
                effect = "" if value == "true" else "; the condition is case sensitive"
                yield self.diag(f"`case({value})` is ignored because `cs` is given{effect}", switch.span)
            elif value == "false":
                yield self.diag("`case(false)` is the default; remove the switch", switch.span)
