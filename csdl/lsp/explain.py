"""Words for numbers the cost model computed: why a breakdown entry costs what it does, how an
operator is priced, what a tag charges. Every figure comes from the ``Item``'s own detail and the
pricing table in use (``csdl.costing``); nothing is priced here.
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
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]
        with open(_DATA, "rb") as f:
            _table = tomllib.load(f)
    return _table


def prices(pricing):
    from csdl.costing.estimate import prices_for

    return prices_for(pricing)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


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
    """Why one breakdown entry costs what it does, e.g. ``0.2 DPU: 1 `contains` on twitter.text
    (0.1 per started group of 4), + 0.1 for 8 words in the phrase (0.1 per 8 words)``."""
    p = prices(pricing)
    op, detail, dpu = entry.operator, entry.detail, dpu_text(entry.dpu)
    step = dpu_text(p.step)
    if op == "contains":
        m = detail.get("conditions", len(entry.conditions))
        words = detail.get("phrase_words", [])
        base = p.step * (m // p.contains_conditions + 1)
        parts = [f"{_plural(m, '`contains` condition')} on `{entry.target}` priced together: "
                 f"{dpu_text(base)} ({step} per started group of {p.contains_conditions})"]
        long = [w for w in words if w >= p.contains_words]
        for w in long:
            parts.append(f"+ {dpu_text(p.step * (w // p.contains_words))} for a phrase of {w} words "
                         f"({step} per {p.contains_words} words)")
        if not long and words:
            longest = max(words)
            parts.append(f"phrase{'s' if len(words) > 1 else ''} of at most {longest} word{'s' if longest != 1 else ''} "
                         f"add nothing (under {p.contains_words})")
        return f"{dpu} DPU: " + ", ".join(parts)
    if op in p.fixed:
        return f"{dpu} DPU: the fixed price of `{op}`"
    if op in ("regex_partial", "regex_exact"):
        chars = detail.get("characters", 0)
        return (f"{dpu} DPU: {_plural(chars, 'character')} / {dpu_text(p.regex_chars)} "
                f"(at least {dpu_text(p.regex_minimum)})")
    if op == "geo_polygon":
        vertices = detail.get("vertices", 0)
        return (f"{dpu} DPU: {_plural(vertices, 'vertex').replace('vertexs', 'vertices')} / "
                f"{dpu_text(p.polygon_vertices)} (at least {dpu_text(p.polygon_minimum)})")
    if op in ("in", "url_in"):
        n = detail.get("items", 0)
        return f"{dpu} DPU: {_plural(n, 'item')} on the sliding scale ({_scale(p)})"
    if "weight" in detail:
        items, tokens, weight = detail.get("items", 0), detail.get("tokens", 0), detail["weight"]
        return (f"{dpu} DPU: {_plural(items, 'item')}, {_plural(tokens, 'token')}, weight {weight} "
                f"(an item of several tokens weighs one more) on the sliding scale ({_scale(p)})")
    return f"{dpu} DPU"


def _scale(p) -> str:
    exponent = f"{float(p.scale_exponent):.3f}"
    return f"{dpu_text(p.step)} per {p.scale_items} started, at most (n / {dpu_text(p.scale_base)}) ^ {exponent}"


def tag(tag_cost, pricing) -> str:
    """A tag or scoring rule's full and charged cost, and the rule that links them."""
    p = prices(pricing)
    full, charged = tag_cost.full, tag_cost.charged
    fraction = f"{(p.tag_fraction * 100).normalize():f} %"
    threshold = dpu_text(p.tag_threshold)
    if charged > 0:
        why = f"{fraction} of the body's {dpu_text(full)} DPU, because that is at least {threshold} DPU"
    else:
        why = f"free: the body's {dpu_text(full)} DPU is under {threshold} DPU (above it, {fraction} is charged)"
    return f"{dpu_text(charged)} DPU charged — {why}"


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
