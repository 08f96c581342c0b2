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


def price(conditions: list[ast.Condition], pricing=None) -> Decimal:
    """The DPU of ``conditions`` priced together as one scope, with ``pricing`` (a
    ``csdl.billing.pricing.Pricing``; None: the packaged table)."""
    from csdl.costing.estimate import prices_for
    from csdl.costing.model import price_scope

    return sum((item.dpu for item in price_scope(conditions, prices_for(pricing))), Decimal(0))


def charged(conditions: list[ast.Condition], in_tag_body: bool, pricing=None) -> Decimal:
    """What the cost model charges for a scope of ``conditions``: in full in the main expression,
    a tag or scoring statement's charge in a tag body (nothing below its threshold)."""
    full = price(conditions, pricing)
    if not in_tag_body:
        return full
    from csdl.costing.estimate import prices_for

    return prices_for(pricing).tag_charge(full)
