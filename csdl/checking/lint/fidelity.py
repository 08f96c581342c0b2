"""W207-W208: filters DataSift accepted but that may not do today what they say: targets of sources
DataSift retired, and targets whose type DataSift's own sources disagree on."""

from __future__ import annotations

from typing import Iterator

from csdl.language import ast
from csdl.diagnostics import Diagnostic
from csdl.checking.lint import Context, Rule, conditions_in_filter, register


@register
class RetiredSource(Rule):
    """A target of a source DataSift retired: accepted, but it matches nothing today.

    The catalogue keeps the targets of sources DataSift stopped carrying (2ch, amazon, digg,
    flickr, …) because DataSift's compiler of the time accepted them and its documentation still
    shows them. A filter that relies on them compiles, but no interaction carries the target any
    more: the condition is never true (and `NOT` of it always is).

    Bad:
        digg.item.topic contains "apple"
    Good:
        interaction.content contains "apple"
    """

    code = "W207"
    name = "retired-source"

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        from csdl.checking.catalogue import lookup, retired

        for cond in conditions_in_filter(ctx):
            target = lookup(cond.target)
            note = retired(target) if target is not None else None
            if note is not None:
                source = cond.target.split(".", 1)[0]
                seen = f" ({note})" if note else ""
                yield self.diag(
                    f"`{cond.target}` belongs to `{source}`, a source DataSift retired{seen}: DataSift's "
                    "compiler accepted it, but it matches nothing today",
                    cond.target_span,
                    hint="remove the condition, or filter a source DataSift still carries",
                )


@register
class DisputedTargetType(Rule):
    """A target compared with a kind of value DataSift's own sources disagree on: accepted, with a warning.

    Where DataSift's documentation and its tools type a target differently, `csdl` does not
    pick a side by rejecting the filter: `board.author.registered == 1` is written in DataSift's
    documentation, while DataSift's query builder types the target as text. Such a comparison is
    accepted (no E104) and this warning says which sources disagree, since DataSift's engine may
    compare the value as text.

    Bad:
        board.author.registered == 1
    Good:
        board.author.registered == "1"
    """

    code = "W208"
    name = "disputed-target-type"

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        from csdl.checking.catalogue import disputed_type, lookup

        for cond in conditions_in_filter(ctx):
            arg = cond.argument
            if not isinstance(arg, (ast.Number, ast.NumberList)):
                continue
            target = lookup(cond.target)
            found = disputed_type(cond.target) if target is not None and not target.is_numeric else None
            if found and found[0] == "number":
                quoted = f'"{arg.text}"' if isinstance(arg, ast.Number) else "a quoted list"
                yield self.diag(
                    f"DataSift's sources disagree on `{cond.target}`: {found[1]}; accepted as a number here",
                    arg.span,
                    hint=f"write {quoted} to match what the query builder expects",
                )
