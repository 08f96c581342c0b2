"""The cost report: breakdown shape, spans, tag listings, the [decision]s of the model, rounding,
validation before costing and pricing overrides."""

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import csdl
from csdl.billing.pricing import PricingError, load_pricing
from csdl.units import dpu_text, money


def dpu(text: str) -> str:
    return dpu_text(csdl.cost(text).dpu)


def test_items_carry_the_span_of_their_clause():
    text = 'twitter.text contains "a"\nAND interaction.content regex_partial "ab|cd"\nAND twitter.text contains "b"'
    report = csdl.cost(text)
    by_op = {i.operator: i for i in report.items}
    assert [s.line for s in by_op["contains"].spans] == [1, 3]
    assert by_op["regex_partial"].spans[0].line == 2
    assert report.to_dict()["items"][1]["spans"][0] == {"line": 2, "column": 5, "end_line": 2, "end_column": 46}


def test_detail_entries_add_up_to_the_total():
    text = ('tag.big "x" { interaction.content regex_partial "' + "q" * 300 + '" }\n'
            'tag.s 5 { twitter.text exists }\n'
            'return { twitter.text contains "a" OR interaction.content any "a, b" OR twitter.lang exists }')
    report = csdl.cost(text)
    total = sum((e["dpu"] for e in report.operators().values()), Decimal(0))
    assert total == report.dpu
    assert dpu_text(report.dpu) == "0.6"  # 0.1 + 0.1 + 0.1 main, 3 × 0.1 charged for the 3-DPU tag
    data = json.loads(json.dumps(report.to_dict()))
    assert [(t["label"], t["kind"], t["full"], t["charged"]) for t in data["tags"]] == [
        ('tag.big "x"', "tag", 3, 0.3), ("tag.s 5", "score", 0.1, 0)]
    assert data["detail"]["tag"]["count"] == 2


def test_not_and_cs_and_switches_change_nothing():
    assert dpu('NOT twitter.text contains "a" AND twitter.text cs contains "b"') == "0.1"
    assert dpu('twitter.text contains_any [case(true)] "a, b"') == dpu('twitter.text contains_any "a, b"')


def test_logic_is_free():
    assert dpu("twitter.text exists") == dpu("NOT (twitter.text exists)") == "0.1"


@pytest.mark.parametrize("op", ["contains_all", "wildcard", "contains_any"])
def test_list_operators_share_the_scale(op):
    assert dpu(f'interaction.content {op} "{", ".join(f"k{i}" for i in range(30))}"') == "0.4"


def test_wildcard_star_belongs_to_its_word():
    report = csdl.cost('interaction.content wildcard "print*, colo?r"')
    assert report.items[0].detail == {"items": 2, "tokens": 2, "weight": 2}


def test_url_in_priced_like_in():
    urls = ", ".join(f"http://example.com/{i}" for i in range(10))
    assert dpu(f'links.url url_in "{urls}"') == "0.2"


def test_polygon_closing_vertex_not_counted():
    assert dpu('interaction.geo geo_polygon "1,1:1,2:2,2:1,1"') == "0.1"
    assert dpu('interaction.geo geo_polygon "1,1:1,2:2,2:2,1"') == "0.1333"


def test_regex_counted_after_unescaping():
    # `\\.` in CSDL is `\.` for RE2: 2 characters, not 3
    assert csdl.cost('interaction.content regex_partial "' + "a" * 98 + '\\\\."').items[0].detail == {"characters": 100}


@pytest.mark.parametrize("phrase, expected", [("one two three four five six seven", "0.1"),
                                               ("a b c d e f g h i j k l m n o", "0.2"),
                                               ("state-of-the-art", "0.1"), ("a-b-c-d", "0.1"), ("a-b-c-d-e", "0.2")])
def test_contains_counts_tokens(phrase, expected):
    assert dpu(f'twitter.text contains "{phrase}"') == expected


def test_tag_bodies_group_on_their_own():
    # eight contains on one target split 4 + 4 across main and tag cost 0.2 + 0.2 full, the tag free
    four = " OR ".join(f'twitter.text contains "w{i}"' for i in range(4))
    report = csdl.cost(f"tag \"t\" {{ {four} }} return {{ {four} }}")
    assert dpu_text(report.tags[0].full) == "0.2" and dpu_text(report.dpu) == "0.2"


def test_fixed_prices():
    assert dpu('interaction.content contains_near "a,b:3"') == "0.2"
    for text in ['interaction.content substr "x"', "twitter.user.followers_count >= 3",
                 'interaction.geo geo_box "10,10:5,20"', 'interaction.geo geo_radius "1,2:10"']:
        assert dpu(text) == "0.1"


@pytest.mark.parametrize("value, shown", [("0.96875", "0.9688"), ("0.96874", "0.9687"), ("2.00004", "2"),
                                          ("0.10", "0.1"), ("12345.6", "12345.6")])
def test_dpu_rounding(value, shown):
    assert dpu_text(Decimal(value)) == shown


@pytest.mark.parametrize("value, shown", [("121.2194", "121.22"), ("0.005", "0.01"), ("1.6", "1.60")])
def test_money_rounding(value, shown):
    assert money(Decimal(value)) == shown


def test_validation_runs_first():
    with pytest.raises(csdl.CSDLError) as caught:
        csdl.cost('interactin.content contains "x"')
    assert caught.value.diagnostics[0].code == "E101"
    with pytest.raises(csdl.CSDLError):
        csdl.cost('twitter.text contains')


def test_validation_options_pass_through():
    with pytest.raises(csdl.CSDLError):
        csdl.cost('my.custom.target contains "x"')
    assert dpu_text(csdl.cost('my.custom.target contains "x"', checks={"ignore": ["E101"]}).dpu) == "0.1"


def test_pricing_override(tmp_path):
    override = tmp_path / "prices.toml"
    override.write_text("[dpu]\nfixed = { exists = 0.5 }\n[licence]\nfacebook = 0.0002\n")
    pricing = load_pricing(str(override))
    assert dpu_text(csdl.cost("twitter.text exists", pricing=pricing).dpu) == "0.5"
    assert dpu_text(csdl.cost('interaction.content substr "x"', pricing=pricing).dpu) == "0.1"
    assert pricing.licence_rate("facebook") == Decimal("0.0002")


@pytest.mark.parametrize("content, message", [
    ("[dpu]\nstepp = 0.2\n", "unknown pricing key `dpu.stepp`"),
    ("[on_demand]\ndpu_hour_price = 'cheap'\n", "`on_demand.dpu_hour_price` must be a number"),
    ("[on_demand\n", "not valid TOML"),
])
def test_bad_pricing_files(tmp_path, content, message):
    path = tmp_path / "p.toml"
    path.write_text(content)
    with pytest.raises(PricingError, match=message.replace("[", r"\[").replace("(", r"\(")) as caught:
        load_pricing(str(path))
    assert str(path) in str(caught.value)


def test_no_floats_in_exact_values():
    report = csdl.cost('interaction.content any "a, b, c"')
    assert isinstance(report.dpu, Decimal)
    assert all(isinstance(i.dpu, Decimal) for i in report.items)


def _corpus():
    from corpus import examples

    return examples("valid")


@pytest.mark.parametrize("text", _corpus())
def test_every_valid_corpus_filter_is_costed(text):
    """Real filters from DataSift's material: costed without error, at least 0.1 DPU, entries that
    add up, and the same cost after formatting."""
    report = csdl.cost(text)
    if report.items:  # a main expression with conditions
        assert report.dpu >= Decimal("0.1")
    assert sum((e["dpu"] for e in report.operators().values()), Decimal(0)) == report.dpu
    json.dumps(report.to_dict())
    assert csdl.cost(csdl.format(text)).dpu == report.dpu


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_any_text_costs_or_raises_csdl_error(text):
    try:
        report = csdl.cost(text)
    except csdl.CSDLError as exc:
        assert exc.diagnostics
    else:
        assert report.dpu >= 0
