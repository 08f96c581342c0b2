"""Words for numbers the cost model computed: how an operator is priced (the editor's operator
table, ``data/hover.toml``, with the pricing table's numbers) and a month's price. Why an entry or
a tag costs what it does is the cost model's own text (``csdl.costing.explain``); nothing is
priced or re-derived here.
"""

from __future__ import annotations

import os
from decimal import Decimal

from csdl.units import dpu_text

_DATA = os.path.join(os.path.dirname(__file__), "data", "hover.toml")
_table: dict | None = None


def data() -> dict:
    global _table
    if _table is None:
        from csdl.packaged import toml

        with open(_DATA, "rb") as f:
            _table = toml().load(f)
    return _table


def prices(pricing):
    from csdl.costing.estimate import prices_for

    return prices_for(pricing)


def operator_price(operator: str, pricing) -> str:
    """How ``operator`` is priced, with the numbers of ``pricing``."""
    entry = data()["operators"].get(operator)
    if entry is None:
        return ""
    p = prices(pricing)
    growth = pricing.get("dpu", "scale_growth") if pricing is not None else _default_growth()
    values = {
        "fixed": dpu_text(p.fixed[operator]) if operator in p.fixed else "?",
        "step": dpu_text(p.step),
        "contains_conditions": p.contains_conditions,
        "contains_words": p.contains_words,
        "regex_chars": dpu_text(p.regex_chars),
        "regex_minimum": dpu_text(p.regex_minimum),
        "polygon_vertices": dpu_text(p.polygon_vertices),
        "polygon_minimum": dpu_text(p.polygon_minimum),
        "scale_items": p.scale_items,
        "scale_base": dpu_text(p.scale_base),
        "scale_growth": dpu_text(growth),
    }
    return entry["price"].format(**values)


def _default_growth():
    from csdl.billing.pricing import default_pricing

    return default_pricing().get("dpu", "scale_growth")


def item(entry, pricing) -> str:
    """Why one breakdown entry costs what it does: the cost model's own explanation."""
    from csdl.costing.explain import explain_item

    return explain_item(entry, prices(pricing))


def tag(tag_cost, pricing) -> str:
    """A tag or scoring rule's full and charged cost, and the rule that links them (the cost model's words)."""
    from csdl.costing.explain import explain_tag

    return explain_tag(tag_cost.full, tag_cost.charged, prices(pricing))


def money(report_dpu: Decimal, pricing) -> str:
    """An on-demand month of ``report_dpu`` DPU per hour, from the billing module."""
    from csdl import billing

    hours = pricing.get("subscription", "hours_per_month")
    bill = billing.stream([report_dpu], hours, pricing=pricing)
    currency = bill.data.get("currency", "USD")
    symbol = "$" if currency == "USD" else f"{currency} "
    floor = dpu_text(pricing.get("on_demand", "minimum_dpu_per_hour"))
    minimum = f" (billed at the {floor} DPU minimum)" if bill.notes else ""
    return f"≈ {symbol}{bill.data['processing']} per {hours}-hour month on demand{minimum}"
