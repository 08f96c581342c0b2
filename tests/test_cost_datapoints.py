"""Every row of spec/dpu-model.md §8 (the data points the model must reproduce) and the recorded
DataSift answers of §9, computed through the public API."""

from decimal import Decimal

import pytest

import csdl
from csdl import billing
from csdl.costing.estimate import prices_for
from csdl.units import dpu_json, dpu_text


def dpu(text: str) -> str:
    return dpu_text(csdl.cost(text).dpu)


def words(n: int, prefix: str = "w") -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def contains_chain(target: str, values: list[str], joiner: str) -> str:
    return f" {joiner} ".join(f'{target} contains "{v}"' for v in values)


# -- contains (§3) -----------------------------------------------------------------------------


def test_one_word_contains():
    assert dpu('twitter.text contains "iPad"') == "0.1"


def test_eight_word_phrase():
    assert dpu('twitter.text contains "iPad is my favorite tablet device right now"') == "0.2"


def test_three_contains_on_one_target():
    assert dpu('twitter.text contains "xxx" and twitter.text contains "yyy" and twitter.text contains "zzz"') == "0.1"


def test_four_contains_on_one_target():
    assert dpu(contains_chain("twitter.text", ["a", "b", "c", "d"], "and")) == "0.2"


def test_hundred_ored_contains():
    assert dpu(contains_chain("twitter.text", words(100), "OR")) == "2.6"


def test_two_targets_priced_separately():
    report = csdl.cost('interaction.content contains "a" and interaction.title contains "b"')
    assert dpu_text(report.dpu) == "0.2"
    assert report.detail() == {
        "contains": {
            "count": 2,
            "dpu": 0.2,
            "targets": {"interaction.content": {"count": 1, "dpu": 0.1}, "interaction.title": {"count": 1, "dpu": 0.1}},
        }
    }


# -- the sliding scale (§4) --------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, expected",
    [(9, "0.1"), (10, "0.2"), (19, "0.2"), (29, "0.3"), (30, "0.4"), (39, "0.4"),
     (99, "0.997"), (100, "1"), (1_000, "2"), (10_000, "4"), (100_000, "8")],
)
def test_contains_any_single_keywords(n, expected):
    assert dpu(f'interaction.content contains_any "{",".join(words(n))}"') == expected


def test_ten_million_in_items_scale_only():
    assert dpu_text(prices_for(None).scale(10_000_000)) == "32"


def test_in_uses_the_same_scale():
    assert dpu(f'twitter.text in "{",".join(words(30))}"') == "0.4"


def test_ten_three_word_phrases():
    phrases = ", ".join(f"alpha{i} beta{i} gamma{i}" for i in range(10))
    assert dpu(f'interaction.content contains_any "{phrases}"') == "0.5"


def test_ten_words_and_ten_hashtags():
    items = words(10) + [f"#w{i}" for i in range(10)]
    assert dpu(f'interaction.content contains_any "{", ".join(items)}"') == "0.5"


def test_timestamp_item():
    report = csdl.cost('interaction.content any "2015-03-05 16:07:01 +0000"')
    assert dpu_text(report.dpu) == "0.2"
    assert report.items[0].detail == {"items": 1, "tokens": 12, "weight": 13}


# -- regular expressions and polygons (§2) -------------------------------------------------------


@pytest.mark.parametrize("chars, expected", [(10, "0.1"), (100, "1"), (150, "1.5")])
def test_regex_length(chars, expected):
    pattern = ("ab|" * chars)[:chars - 1] + "z"
    assert len(pattern) == chars
    assert dpu(f'interaction.content regex_partial "{pattern}"') == expected


@pytest.mark.parametrize("vertices, expected", [(3, "0.1"), (6, "0.2")])
def test_polygon_vertices(vertices, expected):
    points = ":".join(f"{10 + i % 2},{20 + i}" for i in range(vertices))
    assert dpu(f'interaction.geo geo_polygon "{points}"') == expected


# -- tags (§5) --------------------------------------------------------------------------------


@pytest.mark.parametrize("body_chars, full, charged", [(100, "1", "0.1"), (90, "0.9", "0"), (250, "2.5", "0.25")])
def test_tag_charged_ten_percent_from_one_dpu(body_chars, full, charged):
    pattern = "x" * body_chars
    report = csdl.cost(f'tag "t" {{ interaction.content regex_partial "{pattern}" }} return {{ twitter.text exists }}')
    (tag,) = report.tags
    assert (dpu_text(tag.full), dpu_text(tag.charged)) == (full, charged)
    assert report.dpu == Decimal("0.1") + tag.charged


# -- billing (§7) ------------------------------------------------------------------------------


def test_stream_one_dpu_six_hours_4000_tweets():
    assert billing.stream([Decimal(1)], 6, objects=4000).data["total"] == "1.60"


def test_ten_small_streams_for_an_hour():
    bill = billing.stream([Decimal("0.1")] * 10, 1)
    assert (bill.data["billed_dpu_per_hour"], bill.data["total"]) == (1, "0.20")


def test_half_dpu_stream_for_an_hour():
    assert billing.stream([Decimal("0.5")], 1).data["total"] == "0.20"


def test_one_and_a_half_dpu_stream_for_an_hour():
    assert billing.stream([Decimal("1.5")], 1).data["total"] == "0.30"


def test_historics_month_at_ten_percent():
    start, end = billing.parse_when("2024-04-01", "start"), billing.parse_when("2024-05-01", "end")
    hours = billing.duration_hours(start, end)
    assert billing.historics(Decimal("0.1"), hours, sample=10).data["dpu_usage"] == 288


def test_historics_two_dpu_day_full_sample():
    assert billing.historics(Decimal(2), 24, sample=100).data["dpu_usage"] == 60


def test_historics_licence_rounded_half_up():
    data = billing.historics(Decimal(1), 1, objects=1_212_194).data
    assert (data["licence"], data["licence_exact"]) == ("121.22", "121.2194")


def test_historics_recorded_prepare_answer():
    assert billing.historics(Decimal("0.1"), 1, sample=10).data["dpu_usage"] == 0.4


def test_historics_preview():
    assert billing.preview().data["dpu"] == 20


def test_variable_cost_limit_notice():
    bill = billing.subscription([Decimal(1)], allowance=1000, limit=2500)
    assert bill.data["notice_amount"] == "2000.00"


# -- §9: recorded API answers --------------------------------------------------------------------


def test_recorded_simplest_rule():
    report = csdl.cost('interaction.content contains "test"')
    assert {"dpu": dpu_json(report.dpu), "detail": report.detail()} == {
        "dpu": 0.1,
        "detail": {"contains": {"count": 1, "dpu": 0.1, "targets": {"interaction.content": {"count": 1, "dpu": 0.1}}}},
    }


def test_recorded_tag_score_return_filter():
    text = ('tag "t" { interaction.content contains "test" }\n'
            'tag.s 1 { interaction.content contains "test" }\n'
            'return { interaction.content contains "test" }')
    assert dpu(text) == "0.1"
