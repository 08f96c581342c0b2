"""W1xx: filters that cost more DPU than an equivalent spelling."""

from __future__ import annotations

import re
from typing import Iterator

from csdl.language import ast
from csdl.diagnostics import UNSAFE, CSDLError, Diagnostic, Fix
from csdl.spans import span_at
from csdl.checking.lint import Context, Rule, conditions_in, conditions_in_filter, register


def valid_on_platform(condition: str, platform: str) -> bool:
    """Whether the suggested ``condition`` parses and validates on ``platform``: a rewrite we
    propose must itself pass the check it is proposed in."""
    from csdl.checking.validate import validate
    from csdl.language.parser import parse

    try:
        tree = parse(condition)
    except CSDLError:
        return False
    return not any(d.is_error for d in validate(tree, platform))


def _quote_list(items) -> str:
    """A CSDL list literal of ``items``: backslashes, quotes and commas inside items escaped."""
    escaped = (i.replace("\\", "\\\\").replace('"', '\\"').replace(",", "\\,") for i in items)
    return '"' + ", ".join(escaped) + '"'


@register
class ContainsToContainsAny(Rule):
    """Several `contains` on one target joined by OR: use one `contains_any`.

    What it does: finds two or more `contains` conditions on the same target that are operands of
    the same OR (same `cs`, no switches, not negated).

    Why: DataSift prices ORed `contains` at 0.1 DPU per four values, `contains_any` on a sliding
    scale that stays at 0.1 DPU up to nine keywords and reaches 1 DPU at one hundred
    (docs/cost.md §3, §4). Four `contains` cost 0.2 DPU, one `contains_any` with the same
    four words 0.1; one hundred cost 2.6 against 1. The message says how many DPU the rewrite saves
    under the project's cost model (our model of DataSift's pricing), and one condition is also
    easier to read and to keep under the 1,000-condition limit.

    Bad:
        twitter.text contains "coffee" OR twitter.text contains "tea"
            OR twitter.text contains "latte" OR twitter.text contains "mocha"
    Good:
        twitter.text contains_any "coffee, tea, latte, mocha"
    """

    code = "W101"
    name = "contains-to-contains-any"

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for scope in ctx.scopes():
            in_tag_body = scope is not ctx.tree.main
            in_scope = list(conditions_in(scope))
            all_contains: dict[str, list[ast.Condition]] = {}
            for cond in in_scope:
                if cond.operator == "contains" and isinstance(cond.argument, ast.Text):
                    all_contains.setdefault(cond.target, []).append(cond)
            for node in scope.walk():
                if not isinstance(node, ast.Or):
                    continue
                groups: dict[tuple, list[ast.Condition]] = {}
                for operand in node.operands:
                    if (isinstance(operand, ast.Condition) and operand.operator == "contains"
                            and not operand.switches and isinstance(operand.argument, ast.Text)):
                        groups.setdefault((operand.target, operand.case_sensitive), []).append(operand)
                for (target, cs), group in groups.items():
                    if len(group) < 2:
                        continue
                    from csdl.checking.lint.dpu import charged, fmt, synthetic

                    ids = {id(c) for c in group}
                    # The main expression is priced per target, so the target's conditions give the
                    # saving; a tag body is charged as a whole (its charge is a share of its total).
                    priced = in_scope if in_tag_body else all_contains.get(target, [])
                    rest = [c for c in priced if id(c) not in ids]
                    phrases = [c.argument.value for c in group]
                    merged = synthetic(target, "contains_any", cs, phrases, group[0].span)
                    before = charged(priced, in_tag_body, ctx.pricing)
                    after = charged(rest + [merged], in_tag_body, ctx.pricing)
                    saving = before - after
                    if saving < 0:
                        continue
                    cs_text = "cs " if cs else ""
                    if saving > 0:
                        cost = f"saves {fmt(saving)} DPU: {fmt(before)} → {fmt(after)}"
                    else:
                        fewer = len(group) - 1
                        cost = f"same {fmt(before)} DPU, {fewer} fewer condition{'s' if fewer > 1 else ''}"
                    message = (f"{len(group)} `{cs_text}contains` conditions on `{target}` joined by OR "
                               f"can be one `{cs_text}contains_any` ({cost})")
                    fix = None
                    if len(group) == len(node.operands):
                        replacement = f"{target} {cs_text}contains_any {_quote_list(phrases)}"
                        if valid_on_platform(replacement, ctx.platform):
                            from csdl.checking.lint.correctness import outer_extent

                            # the operands' own parentheses are part of what is replaced
                            first, last = node.operands[0].span, node.operands[-1].span
                            start = outer_extent(ctx.source, first.start, first.end, ctx.tree.comments)[0]
                            end = outer_extent(ctx.source, last.start, last.end, ctx.tree.comments)[1]
                            # ORs nested in parentheses are one junction: `((a) or (b)) or (c)`
                            # starts inside a group that ends before it does
                            start, end = _balanced(ctx.source, start, end, ctx.tree.comments)
                            # and so are the group's: one condition needs none, and `csdl format`
                            # would drop them (the fixed text is canonical where the fix touched
                            # it), unless a comment inside them would go with them
                            wide = outer_extent(ctx.source, start, end, ctx.tree.comments)
                            if not any(wide[0] <= c.span.start < start or end <= c.span.start < wide[1]
                                       for c in ctx.tree.comments):
                                start, end = wide
                            fix = Fix(span_at(ctx.source, start, end - start), replacement,
                                      f"Replace with `{target} {cs_text}contains_any \"…\"`")
                    span = group[0].span.cover(group[-1].span)
                    yield self.diag(message, span, fix=fix)


def _balanced(source: str, start: int, end: int, comments=()) -> tuple[int, int]:
    """``start, end`` widened over the parentheses just outside it that close or open one inside
    it (strings and comments skipped), so that the replaced text is a whole parenthesised part."""
    skips = {c.span.start: c.span.end for c in comments}
    depth = lowest = 0
    i = start
    while i < end:
        char = source[i]
        if i in skips:
            i = skips[i]
            continue
        if char == '"':
            i += 1
            while i < end and source[i] != '"':
                i += 2 if source[i] == "\\" else 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            lowest = min(lowest, depth)
        i += 1
    for _ in range(-lowest):  # a `)` inside closes a `(` before the span
        i = start
        while i > 0 and source[i - 1].isspace():
            i -= 1
        if i == 0 or source[i - 1] != "(":
            break
        start = i - 1
    for _ in range(depth - lowest):  # a `(` inside is closed after the span
        j = end
        while j < len(source) and source[j].isspace():
            j += 1
        if j == len(source) or source[j] != ")":
            break
        end = j + 1
    return start, end


# A regex that is only literal words: optional (?i), optional \b, optional group, word alternatives.
_WORDS = re.compile(r"[A-Za-z0-9_]+(?: [A-Za-z0-9_]+)*")


def _word_list(pattern: str) -> tuple[list[str], bool, bool] | None:
    """(words, case_insensitive, bounded) if ``pattern`` is only a list of literal words."""
    p = pattern
    insensitive = p.startswith("(?i)")
    if insensitive:
        p = p[4:]
    bounded = p.startswith("\\b") and p.endswith("\\b") and len(p) > 4
    if bounded:
        p = p[2:-2]
    for opener in ("(?:", "("):
        if p.startswith(opener) and p.endswith(")") and p.count("(") == 1 and p.count(")") == 1:
            p = p[len(opener):-1]
            break
    alternatives = p.split("|")
    words = []
    inner_bounds = []
    for alt in alternatives:
        b = alt.startswith("\\b") and alt.endswith("\\b") and len(alt) > 4
        if b:
            alt = alt[2:-2]
        inner_bounds.append(b)
        if not _WORDS.fullmatch(alt):
            return None
        words.append(alt)
    if all(inner_bounds):
        bounded = True
    elif any(inner_bounds):
        return None
    return words, insensitive, bounded


@register
class RegexIsWordList(Rule):
    """A regular expression that only lists words: use `contains_any` or `wildcard`.

    What it does: finds `regex_partial` patterns that are nothing but alternatives of literal words,
    such as `\\b(apple|banana)\\b` or `apple|banana`.

    Why: a regular expression costs one DPU per 100 characters (at least 0.1), is evaluated by RE2
    on every interaction, and is harder to read. A word list with boundaries is what `contains_any`
    does (matching by DataSift's tokens); without boundaries the words may sit inside longer words,
    which `wildcard "*apple*"` expresses. Regular expressions are case sensitive unless they start
    with `(?i)`, so the suggestion keeps `cs` when the pattern did. The equivalence of `\\bword\\b`
    and token matching is our model; the two differ on punctuation inside words.

    Bad:
        interaction.content regex_partial "(?i)\\\\b(apple|banana|cherry)\\\\b"
    Good:
        interaction.content contains_any "apple, banana, cherry"
    """

    code = "W102"
    name = "regex-is-word-list"

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        # A tag body is charged as a whole (a share of its total): the figure quoted is what the
        # rewrite changes in that charge, as `csdl cost` would show it (W101 does the same).
        tag_bodies: dict[int, list] = {}
        for scope in ctx.scopes():
            if scope is not ctx.tree.main:
                body = list(conditions_in(scope))
                tag_bodies.update((id(c), body) for c in body)
        for cond in conditions_in_filter(ctx):
            if cond.operator != "regex_partial" or not isinstance(cond.argument, ast.Text):
                continue
            found = _word_list(cond.argument.value)
            if found is None:
                continue
            words, insensitive, bounded = found
            from csdl.checking.lint.dpu import charged, fmt, synthetic

            cs_text = "" if insensitive else "cs "
            if bounded:
                suggestion = f"{cond.target} {cs_text}contains_any {_quote_list(words)}"
                items = words
            elif all(" " not in w for w in words):
                items = [f"*{w}*" for w in words]
                suggestion = f"{cond.target} {cs_text}wildcard {_quote_list(items)}"
            else:
                continue
            operator = "contains_any" if bounded else "wildcard"
            rewritten = synthetic(cond.target, operator, not insensitive, items, cond.span)
            body = tag_bodies.get(id(cond))
            if body is None:
                before, after = charged([cond], False, ctx.pricing), charged([rewritten], False, ctx.pricing)
            else:
                before = charged(body, True, ctx.pricing)
                after = charged([rewritten if c is cond else c for c in body], True, ctx.pricing)
            if after > before or not valid_on_platform(suggestion, ctx.platform):
                continue  # never suggest what the platform being checked rejects (cs, `*` on PYLON)
            cost = f"{fmt(after)} DPU instead of {fmt(before)}" if after < before else f"same {fmt(after)} DPU, simpler to read"
            # Unsafe: RE2's `\b` and DataSift's tokens disagree on punctuation inside words.
            fix = Fix(cond.span, suggestion, f"Replace with `{operator}`", UNSAFE) if bounded else None
            yield self.diag(f"this regular expression only lists words; use `{suggestion}` ({cost})", cond.span, fix=fix)
