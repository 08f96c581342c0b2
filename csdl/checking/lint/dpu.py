"""Pricing for the cost lint rules: what a group of conditions costs as written and rewritten,
through the project's cost model, so a saving a rule reports is what ``csdl cost`` would show."""

from __future__ import annotations

from decimal import Decimal

from csdl.language import ast
from csdl.units import dpu_text as fmt  # noqa: F401 - the rules format DPU as the cost report does


def synthetic(target: str, operator: str, case_sensitive: bool, items: list[str], span: ast.Span) -> ast.Condition:
    """A condition that is not in the source, to price a suggested rewrite."""
    argument = ast.TextList(tuple(items), "", span)
    return ast.Condition(target, operator, case_sensitive, (), argument, span,
                         spelling=operator, target_span=span, operator_span=span)


def price(conditions: list[ast.Condition]) -> Decimal:
    """The DPU of ``conditions`` priced together as one scope."""
    from csdl.costing.estimate import prices_for
    from csdl.costing.model import price_scope

    return sum((item.dpu for item in price_scope(conditions, prices_for(None))), Decimal(0))
