"""The cost model explains its own figures (``csdl.costing.explain``): the language server's hover
renders these texts instead of re-deriving the formulas. Expected texts are worked out by hand
from docs/cost.md (step 0.1 DPU; `contains` priced per started group of 4 on one target, plus 0.1
per 8 words of a phrase; a tag charges 10 % of a body of at least 1 DPU)."""

from __future__ import annotations

import re
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

import csdl
from csdl.costing.estimate import prices_for
from csdl.costing.explain import explain_item, explain_tag

PRICES = prices_for(None)


def _items(text: str):
    report = csdl.cost(text)
    return list(report.items) + [i for tag in report.tags for i in tag.items], report


def test_a_contains_group_and_a_long_phrase():
    phrase = "one two three four five six seven eight nine"
    text = " OR ".join(f'twitter.text contains "{w}"' for w in ["a", "b", "c", "d", phrase])
    (item,), _ = _items(text)
    assert explain_item(item, PRICES) == (
        "0.3 DPU: 5 `contains` conditions on `twitter.text` priced together: 0.2 (0.1 per started group of 4), "
        "+ 0.1 for a phrase of 9 words (0.1 per 8 words)")


def test_fixed_price_and_regex():
    items, _ = _items('interaction.content exists AND interaction.content regex_partial "abc"')
    assert [explain_item(i, PRICES) for i in items] == [
        "0.1 DPU: the fixed price of `exists`",
        "0.1 DPU: 3 characters / 100 (at least 0.1)",  # 100 characters per DPU, at least 0.1 DPU
    ]


def test_a_tag_is_charged_ten_percent_of_a_body_of_at_least_one_dpu():
    assert explain_tag(Decimal("1"), Decimal("0.1"), PRICES) == (
        "0.1 DPU charged — 10 % of the body's 1 DPU, because that is at least 1 DPU")
    assert explain_tag(Decimal("0.5"), Decimal("0"), PRICES).startswith("0 DPU charged — free")


_PHRASES = st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=10)


@given(_PHRASES)
def test_the_parts_of_a_contains_explanation_add_up_to_its_figure(lengths):
    text = " OR ".join(f'twitter.text contains "{" ".join(["w"] * n)}"' for n in lengths)
    (item,), _ = _items(text)
    explained = explain_item(item, PRICES)
    head, _, body = explained.partition(" DPU: ")
    figures = [Decimal(m) for m in re.findall(r"(?:together: |\+ )(\d+(?:\.\d+)?)", body)]
    assert sum(figures) == item.dpu == Decimal(head)
