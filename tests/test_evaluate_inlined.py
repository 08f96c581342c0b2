"""Conditions with their target's reading written in (csdl.evaluate.inlined) read exactly the
value the getter reads (csdl.evaluate.values.make_getter), on any post and any path."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from csdl.evaluate import inlined
from csdl.evaluate.values import make_getter

KEYS = ["a", "b", "c"]
scalars = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["", "x", "A"]) | st.floats(allow_nan=False)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
                      max_leaves=12)
posts = st.dictionaries(st.sampled_from(KEYS), values, max_size=3)
paths = st.lists(st.sampled_from(KEYS), min_size=1, max_size=6).map(".".join)

RETURN_VALUE = """
hit = value"""


@settings(max_examples=800, deadline=None)
@given(posts, paths)
def test_inlined_reading_is_the_getter(post, path):
    assert inlined.condition(path, RETURN_VALUE)(post, {}) == make_getter(path)(post)


def test_bound_names_reach_the_body():
    cond = inlined.condition("a.b", inlined.order_body(">="), bound=5, general=lambda value, memo: "general")
    assert cond({"a": {"b": 5}}, {}) is True and cond({"a": {"b": 4.5}}, {}) is False
    assert cond({"a": {"b": "7"}}, {}) == "general" and cond({"a": [{"b": 1}]}, {}) == "general"
    assert cond({"a": {"c": 1}}, {}) is False and cond({"a": 3}, {}) is False
