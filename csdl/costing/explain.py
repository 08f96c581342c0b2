"""The cost model's own words for its figures: why a breakdown entry costs what it does and what a
tag charges. The numbers come from the ``Item``'s detail and the formulas of ``Prices``
(``csdl.costing.model``), the same ones that priced it, so an explanation cannot drift from the
figure it explains. The language server's hover renders these texts.
"""

from __future__ import annotations

from csdl.costing.model import COUNTED_LISTS, REGEX_OPERATORS, Item, Prices
from csdl.units import dpu_text


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def explain_item(item: Item, prices: Prices) -> str:
    """Why one breakdown entry costs what it does, e.g. ``0.2 DPU: 1 `contains` condition on
    `twitter.text` priced together: 0.1 (0.1 per started group of 4), + 0.1 for a phrase of 8
    words (0.1 per 8 words)``."""
    op, detail, dpu = item.operator, item.detail, dpu_text(item.dpu)
    if op == "contains":
        return f"{dpu} DPU: " + ", ".join(_contains_parts(item, prices))
    if op in prices.fixed:
        return f"{dpu} DPU: the fixed price of `{op}`"
    if op in REGEX_OPERATORS:
        return (f"{dpu} DPU: {_plural(detail.get('characters', 0), 'character')} / {dpu_text(prices.regex_chars)} "
                f"(at least {dpu_text(prices.regex_minimum)})")
    if op == "geo_polygon":
        return (f"{dpu} DPU: {_plural(detail.get('vertices', 0), 'vertex', 'vertices')} / "
                f"{dpu_text(prices.polygon_vertices)} (at least {dpu_text(prices.polygon_minimum)})")
    if op in COUNTED_LISTS:
        return f"{dpu} DPU: {_plural(detail.get('items', 0), 'item')} on the sliding scale ({scale_rule(prices)})"
    if "weight" in detail:
        return (f"{dpu} DPU: {_plural(detail.get('items', 0), 'item')}, {_plural(detail.get('tokens', 0), 'token')}, "
                f"weight {detail['weight']} (an item of several tokens weighs one more) on the sliding scale "
                f"({scale_rule(prices)})")
    return f"{dpu} DPU"


def _contains_parts(item: Item, prices: Prices) -> list[str]:
    step = dpu_text(prices.step)
    m = item.detail.get("conditions", len(item.conditions))
    words = item.detail.get("phrase_words", [])
    parts = [f"{_plural(m, '`contains` condition')} on `{item.target}` priced together: "
             f"{dpu_text(prices.contains_group(m))} ({step} per started group of {prices.contains_conditions})"]
    adding = [w for w in words if prices.contains_phrase(w)]
    for w in adding:
        parts.append(f"+ {dpu_text(prices.contains_phrase(w))} for a phrase of {w} words "
                     f"({step} per {prices.contains_words} words)")
    if not adding and words:
        longest = max(words)
        parts.append(f"phrase{'s' if len(words) > 1 else ''} of at most {_plural(longest, 'word')} "
                     f"add nothing (under {prices.contains_words})")
    return parts


def scale_rule(prices: Prices) -> str:
    """The sliding scale in words, with the table's numbers."""
    exponent = f"{float(prices.scale_exponent):.3f}"
    return (f"{dpu_text(prices.step)} per {prices.scale_items} started, at most "
            f"(n / {dpu_text(prices.scale_base)}) ^ {exponent}")


def explain_tag(full, charged, prices: Prices) -> str:
    """A tag or scoring rule's charge and the rule that links it to the body's full cost."""
    fraction = f"{(prices.tag_fraction * 100).normalize():f} %"
    threshold = dpu_text(prices.tag_threshold)
    if prices.tag_is_charged(full):
        why = f"{fraction} of the body's {dpu_text(full)} DPU, because that is at least {threshold} DPU"
    else:
        why = f"free: the body's {dpu_text(full)} DPU is under {threshold} DPU (above it, {fraction} is charged)"
    return f"{dpu_text(charged)} DPU charged — {why}"
