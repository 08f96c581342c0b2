"""W3xx: spellings that read ambiguously or carry redundant parts."""

from __future__ import annotations

from typing import Iterator

from csdl.language import ast
from csdl.diagnostics import Diagnostic, Fix
from csdl.checking.lint import Context, Rule, conditions_in_filter, register



@register
class ClosedPolygon(Rule):
    """A `geo_polygon` whose last vertex repeats the first.

    What it does: finds polygons written closed (`A:B:C:A`).

    Why: DataSift closes polygons itself; none of its examples repeat the first vertex. The repeat
    counts toward the 32-vertex limit (our reading: the limit counts what is written) and makes
    the polygon look one vertex larger than it is. The fix removes the last vertex.

    Bad:
        interaction.geo geo_polygon "51.4,-0.9:51.5,-0.8:51.3,-0.7:51.4,-0.9"
    Good:
        interaction.geo geo_polygon "51.4,-0.9:51.5,-0.8:51.3,-0.7"
    """

    code = "W301"
    name = "closed-polygon"

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        from csdl.language.geo import GeoFormatError, parse_polygon
        from csdl.language.literal_spans import value_span

        for cond in conditions_in_filter(ctx):
            if cond.operator != "geo_polygon" or not isinstance(cond.argument, ast.Text):
                continue
            value = cond.argument.value
            try:
                points = parse_polygon(value)
            except GeoFormatError:
                continue
            if len(points) < 4 or points[0] != points[-1]:
                continue
            colon = value.rfind(":")
            span = value_span(ctx.source, cond.argument, colon, len(value) - colon)
            fix = Fix(span, "", "Remove the repeated vertex") if span != cond.argument.span else None
            yield self.diag("the last vertex repeats the first; DataSift closes polygons itself", span, fix=fix)


@register
class MixedAndOr(Rule):
    """AND and OR mixed without parentheses.

    What it does: finds an AND chain that is an operand of an OR without parentheses around it.

    Why: AND binds tighter than OR, so `a AND b OR c` means `(a AND b) OR c`; DataSift recommends
    parentheses, and readers often assume the other grouping. The fix adds the parentheses the
    parser already applies, so it never changes the meaning.

    Bad:
        interaction.content contains "apple" AND language.tag == "en" OR interaction.content contains "pear"
    Good:
        (interaction.content contains "apple" AND language.tag == "en") OR interaction.content contains "pear"
    """

    code = "W302"
    name = "mixed-and-or"

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        source = ctx.source
        ends = {c.span.end: c.span.start for c in ctx.tree.comments}
        starts = {c.span.start: c.span.end for c in ctx.tree.comments}
        for node in ctx.tree.walk():
            if not isinstance(node, ast.Or):
                continue
            for operand in node.operands:
                if isinstance(operand, ast.And) and not _parenthesized(source, operand.span, ends, starts):
                    text = source[operand.span.start:operand.span.end]
                    yield self.diag("AND inside OR without parentheses: AND binds first", operand.span,
                                    fix=Fix(operand.span, f"({text})", "Add parentheses"))


def _parenthesized(source: str, span: ast.Span, comments: dict[int, int], starts: dict[int, int]) -> bool:
    """True when the nearest non-blank, non-comment characters around ``span`` are `(` and `)`."""
    i = span.start
    while i > 0:
        if source[i - 1].isspace():
            i -= 1
        elif i in comments:  # the end offset of a comment: jump to its start
            i = comments[i]
        else:
            break
    if i == 0 or source[i - 1] != "(":
        return False
    j, n = span.end, len(source)
    while j < n:
        if source[j].isspace():
            j += 1
        elif j in starts:
            j = starts[j]
        else:
            break
    return j < n and source[j] == ")"
