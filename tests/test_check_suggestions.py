"""The checker's suggestions and ranges: a did-you-mean for an operator, a regex rewrite valid for the
platform, one range error for an out-of-range geo_box."""

from __future__ import annotations

import re

from csdl.checking.checker import check


def test_operator_typo_gets_a_suggestion():
    (d,) = [d for d in check('interaction.content contans "x"') if d.code == "E004"]
    assert d.hint == "did you mean `contains`?"


def test_word_list_regex_suggestion_is_valid_for_the_platform():
    text = 'interaction.content regex_partial "coffee|tea"'
    (stream,) = [d for d in check(text) if d.code == "W102"]
    suggestion = re.search(r"use `([^`]+)`", stream.message).group(1)
    assert not [d for d in check(suggestion) if d.is_error]
    # on PYLON that rewrite (cs, a leading `*`) is rejected, so it is never suggested there
    assert not [d for d in check(text, platform="pylon") if d.code == "W102"]
    for d in check('interaction.content regex_partial "(?i)\\\\b(coffee|tea)\\\\b"', platform="pylon"):
        if d.fix is not None:
            fixed = text[: d.fix.span.start] + d.fix.replacement + text[d.fix.span.end:]
            assert not [e for e in check(fixed, platform="pylon") if e.is_error and e.code.startswith("E4")]


def test_out_of_range_geo_box_is_only_a_range_error():
    assert [d.code for d in check('twitter.geo geo_box "91,0:0,10"')] == ["E202"]
