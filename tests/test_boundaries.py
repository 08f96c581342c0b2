"""Boundaries the model and the validator state, pinned on both sides: 100/101 list items, 100/101
regex characters, 30/31/32 (and 33) polygon vertices, a tag body of 0.997 DPU against one of 1 DPU,
and negative DPU through the API. Every expected value is the spec's arithmetic, written out."""

from __future__ import annotations

from decimal import Decimal

import pytest

import csdl
from csdl import billing
from csdl.units import dpu_text


def codes(text, platform="stream"):
    return [d.code for d in csdl.check(text, platform=platform)]


def words(n):
    return ", ".join(f"w{i}" for i in range(n))


# --- lists: PYLON query filters allow at most 100 items (E404) ----------------------------------

@pytest.mark.parametrize("operator, target", [("contains_any", "fb.content"), ("in", "fb.author.country")])
def test_100_items_pass_and_101_fail_in_pylon(operator, target):
    assert codes(f'{target} {operator} "{words(100)}"', "pylon") == []
    assert codes(f'{target} {operator} "{words(101)}"', "pylon") == ["E404"]


def test_101_items_are_fine_on_stream_and_priced_on_the_sliding_scale():
    # scale(n) = min(0.1 × (floor(n/10) + 1), (n/100)^log10 2): 100 → min(1.1, 1) = 1;
    # 101 → (1.01)^0.30103 = 1.0030 (4 places)
    assert codes(f'interaction.content contains_any "{words(101)}"') == []
    assert dpu_text(csdl.cost(f'interaction.content contains_any "{words(100)}"').dpu) == "1"
    assert dpu_text(csdl.cost(f'interaction.content contains_any "{words(101)}"').dpu) == "1.003"


# --- regular expressions: characters / 100, at least 0.1 ------------------------------------------

@pytest.mark.parametrize("length, dpu", [(99, "0.99"), (100, "1"), (101, "1.01")])
def test_regex_characters(length, dpu):
    pattern = "[a-z]" * 19 + "q" * (length - 95)  # classes, so not a word list (no W102)
    assert len(pattern) == length
    text = f'interaction.content regex_partial "{pattern}"'
    assert codes(text) == []
    assert dpu_text(csdl.cost(text).dpu) == dpu


# --- polygons: vertices / 30, 3 to 32 vertices ---------------------------------------------------

def polygon(n):
    return 'interaction.geo geo_polygon "' + ":".join(f"{10 + (i % 3) * 0.001},{20 + i * 0.001}" for i in range(n)) + '"'


@pytest.mark.parametrize("vertices, dpu", [(30, "1"), (31, "1.0333"), (32, "1.0667")])
def test_polygon_vertices(vertices, dpu):
    assert codes(polygon(vertices)) == []
    assert dpu_text(csdl.cost(polygon(vertices)).dpu) == dpu  # 30/30, 31/30, 32/30


def test_33_vertices_are_too_many():
    assert codes(polygon(33)) == ["E203"]


# --- tags: 10 % of the body when it costs at least 1 DPU, else free -------------------------------

def tagged(n):
    return f'tag "t" {{ interaction.content contains_any "{words(n)}" }}\nreturn {{ twitter.text exists }}'


def test_a_tag_body_of_0_997_dpu_is_free():
    # 99 keywords: (0.99)^0.30103 = 0.99697 → the body is under 1 DPU, the tag costs nothing
    report = csdl.cost(tagged(99))
    assert dpu_text(report.tags[0].full) == "0.997" and report.tags[0].charged == 0
    assert dpu_text(report.dpu) == "0.1"  # the return block alone


def test_a_tag_body_of_1_dpu_costs_a_tenth():
    report = csdl.cost(tagged(100))
    assert dpu_text(report.tags[0].full) == "1" and dpu_text(report.tags[0].charged) == "0.1"
    assert dpu_text(report.dpu) == "0.2"


# --- negative DPU through the API -----------------------------------------------------------------

@pytest.mark.parametrize("value", ["-3", "-0.0001", Decimal("-1"), -1])
def test_negative_dpu_is_our_error(value):
    with pytest.raises(billing.BillingError, match="must not be negative"):
        billing.stream([value], 1)
    with pytest.raises(billing.BillingError, match="must not be negative"):
        billing.historics(value, 1)
    with pytest.raises(billing.BillingError, match="must not be negative"):
        billing.credit_balance([value], buy=10)


def test_zero_dpu_is_billed_at_the_minimum():
    assert billing.stream(["0"], 1).data["total"] == "0.20"  # 1 DPU/hour minimum × $0.20
