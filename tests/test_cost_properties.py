"""Properties of the cost model and the compile hash, over generated valid filters."""

import os
import tempfile
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import csdl
from csdl.library import Library

WORDS = st.sampled_from(["apple", "pie", "coffee", "tea", "#fun", "state-of-the-art", "50%", "café", "x_y", "2024"])
PHRASE = st.lists(WORDS, min_size=1, max_size=12).map(" ".join)
TEXT_TARGETS = st.sampled_from(["twitter.text", "interaction.content", "interaction.title"])


def _quoted(s: str) -> str:
    return '"' + s + '"'


@st.composite
def condition(draw) -> list[str]:
    """One valid condition as a list of tokens (so separators can be varied between them)."""
    kind = draw(st.sampled_from(["contains", "any", "all", "in", "exists", "compare", "regex", "near", "substr", "polygon", "cs"]))
    target = draw(TEXT_TARGETS)
    if kind == "contains":
        return [target, "contains", _quoted(draw(PHRASE))]
    if kind == "cs":
        return [target, "cs", "contains", _quoted(draw(PHRASE))]
    if kind in ("any", "all"):
        items = draw(st.lists(PHRASE, min_size=1, max_size=40))
        return [target, draw(st.sampled_from(["contains_any", "any"])) if kind == "any" else "contains_all",
                _quoted(", ".join(items))]
    if kind == "in":
        return ["twitter.user.followers_count", "in",
                "[" + ", ".join(str(n) for n in draw(st.lists(st.integers(0, 10**6), min_size=1, max_size=30))) + "]"]
    if kind == "exists":
        return [target, "exists"]
    if kind == "compare":
        return ["twitter.user.followers_count", draw(st.sampled_from([">", "<", ">=", "<=", "==", "!="])),
                str(draw(st.integers(0, 10**6)))]
    if kind == "regex":
        return [target, draw(st.sampled_from(["regex_partial", "regex_exact"])),
                _quoted(draw(st.from_regex(r"[a-z]{1,20}(\|[a-z]{1,20}){0,12}", fullmatch=True)))]
    if kind == "near":
        return [target, "contains_near", _quoted(",".join(draw(st.lists(st.sampled_from(["apple", "pie", "tea"]), min_size=2, max_size=4))) + ":5")]
    if kind == "substr":
        return [target, "substr", _quoted(draw(st.sampled_from(["app", "ie", "co"])))]
    n = draw(st.integers(3, 32))
    return ["interaction.geo", "geo_polygon", _quoted(":".join(f"{10 + i % 7},{20 + i}" for i in range(n)))]


def expression(max_leaves: int = 6):
    leaf = condition()

    def extend(children):
        joined = st.tuples(st.sampled_from(["AND", "OR", "and", "or"]), children, children).map(
            lambda t: ["("] + t[1] + [t[0]] + t[2] + [")"])
        negated = children.map(lambda c: ["NOT", "("] + c + [")"])
        return joined | negated

    return st.recursive(leaf, extend, max_leaves=max_leaves)


SEPARATORS = st.sampled_from([" ", "  ", "\n", "\n    ", "\t", " /* note */ ", " // note\n", "\r\n"])


@st.composite
def two_layouts(draw):
    """The same filter written twice, with different white space and comments between tokens."""
    tokens = draw(expression())
    if draw(st.booleans()):  # a tag, a scoring rule and a return block around it
        tag_body, score_body = draw(expression(max_leaves=3)), draw(expression(max_leaves=2))
        tokens = (["tag.brand", '"acme"', "{", *tag_body, "}", "tag.mood", "+2", "{", *score_body, "}",
                   "return", "{", *tokens, "}"])
    plain = " ".join(tokens)
    spaced = tokens[0]
    for token in tokens[1:]:
        spaced += draw(SEPARATORS) + token
    return plain, "/* header */\n" + spaced + draw(st.sampled_from(["", "\n", "\n// end\n"]))


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(two_layouts())
def test_layout_and_comments_never_change_cost_or_hash(layouts):
    plain, spaced = layouts
    a, b = csdl.compile(plain), csdl.compile(spaced)
    assert a.dpu == b.dpu
    assert a.hash == b.hash
    assert csdl.compile(csdl.format(spaced)).hash == a.hash


@FAST
@given(expression(), condition(), st.sampled_from(["AND", "OR"]))
def test_adding_a_condition_never_lowers_the_cost(expr, extra, joiner):
    base = " ".join(expr)
    more = f"({base}) {joiner} {' '.join(extra)}"
    assert csdl.cost(more).dpu >= csdl.cost(base).dpu


@FAST
@given(expression())
def test_any_main_expression_costs_at_least_a_tenth(expr):
    assert csdl.cost(" ".join(expr)).dpu >= csdl.cost('twitter.text exists').dpu


# Conditions whose price the model's operator table states outright (fixed prices, regex
# characters / 100, polygon vertices / 30), none of them `contains`, so nothing is grouped: a
# filter of them costs the sum of their prices, whatever AND / OR / NOT joins them.
PRICED = [
    ("twitter.text exists", Decimal("0.1")),
    ("twitter.user.followers_count > 100", Decimal("0.1")),
    ("twitter.user.followers_count == 5", Decimal("0.1")),
    ('interaction.content contains_near "coffee,tea:3"', Decimal("0.2")),
    ('interaction.content substr "app"', Decimal("0.1")),
    ('interaction.geo geo_radius "51.5,-0.1:10"', Decimal("0.1")),
    ('interaction.content regex_partial "' + "x" * 150 + '"', Decimal("1.5")),
    ('interaction.content regex_exact "' + "y" * 10 + '"', Decimal("0.1")),
    ('interaction.geo geo_polygon "' + ":".join(f"{50 + i % 2},{i}" for i in range(6)) + '"', Decimal("0.2")),
]


@st.composite
def priced_expression(draw, max_size=4):
    """(filter text, its price from the operator table)."""
    picks = draw(st.lists(st.sampled_from(PRICED), min_size=1, max_size=max_size))
    text = picks[0][0]
    for cond, _ in picks[1:]:
        text = f"({text}) {draw(st.sampled_from(['AND', 'OR']))} {draw(st.sampled_from(['', 'NOT ']))}{cond}"
    return text, sum((price for _, price in picks), Decimal(0))


@FAST
@given(priced_expression(), st.lists(priced_expression(), min_size=1, max_size=4), st.data())
def test_master_stream_is_own_logic_plus_sub_streams(own, subs, data):
    # "master stream DPU = sum of sub-streams + extra logic"; each distinct hash is charged once.
    with tempfile.TemporaryDirectory() as directory:
        prices = {}
        for i, (text, price) in enumerate(subs):
            with open(os.path.join(directory, f"sub{i}.csdl"), "w", encoding="utf-8") as f:
                f.write(text)
            prices[csdl.compile(text).hash] = price
        refs = data.draw(st.lists(st.sampled_from(sorted(prices)), min_size=1, max_size=6))
        master = f"({own[0]}) AND (" + " OR ".join(f'stream "{h}"' for h in refs) + ")"
        report = csdl.cost(master, library=Library(directory))
        assert report.complete
        assert report.dpu == own[1] + sum(prices[h] for h in set(refs))


def test_master_stream_worked_example(tmp_path):
    # sub-streams of 0.1 (exists) and 1.5 (a 150-character regex), the first referenced twice:
    # 0.2 (contains_near) + 0.1 + 1.5 = 1.8
    a, b = 'twitter.text exists', 'interaction.content regex_partial "' + "x" * 150 + '"'
    (tmp_path / "a.csdl").write_text(a)
    (tmp_path / "b.csdl").write_text(b)
    ha, hb = csdl.compile(a).hash, csdl.compile(b).hash
    master = f'interaction.content contains_near "coffee,tea:3" AND (stream "{ha}" OR stream "{hb}" OR stream "{ha}")'
    assert csdl.cost(master, library=Library(str(tmp_path))).dpu == Decimal("1.8")
