"""Properties of the cost model and the compile hash, over generated valid filters."""

import os
import tempfile

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


@FAST
@given(expression(max_leaves=3), st.lists(expression(max_leaves=3), min_size=1, max_size=4), st.data())
def test_master_stream_is_own_logic_plus_sub_streams(own, subs, data):
    with tempfile.TemporaryDirectory() as directory:
        hashes = {}
        for i, sub in enumerate(subs):
            text = " ".join(sub)
            with open(os.path.join(directory, f"sub{i}.csdl"), "w", encoding="utf-8") as f:
                f.write(text)
            hashes[csdl.compile(text).hash] = csdl.cost(text).dpu
        refs = data.draw(st.lists(st.sampled_from(sorted(hashes)), min_size=1, max_size=6))
        master = f"({' '.join(own)}) AND (" + " OR ".join(f'stream "{h}"' for h in refs) + ")"
        report = csdl.cost(master, library=Library(directory))
        assert report.complete
        assert report.dpu == csdl.cost(" ".join(own)).dpu + sum(hashes[h] for h in set(refs))
