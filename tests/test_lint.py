"""Lint rules: a failing and a passing example per rule, messages, spans and fixes."""

from __future__ import annotations

import pytest

import csdl
from csdl.checking.lint import rules


def codes(text: str, **kwargs) -> list[str]:
    return [d.code for d in csdl.check(text, **kwargs)]


def warnings(text: str, code: str) -> list:
    return [d for d in csdl.check(text) if d.code == code]


def apply_fix(text: str, d) -> str:
    return text[:d.fix.span.start] + d.fix.replacement + text[d.fix.span.end:]


# code: (failing filters, passing filters)
EXAMPLES = {
    "W101": (
        ['twitter.text contains "coffee" OR twitter.text contains "tea"',
         'interaction.sample < 5 AND (twitter.text cs contains "A" OR twitter.text cs contains "B" OR twitter.text exists)'],
        ['twitter.text contains "coffee" OR interaction.content contains "tea"',
         'twitter.text contains "coffee" AND twitter.text contains "tea"',
         'twitter.text contains "coffee" OR NOT twitter.text contains "tea"',
         'twitter.text cs contains "coffee" OR twitter.text contains "tea"'],
    ),
    "W102": (
        ['interaction.content regex_partial "\\\\b(apple|banana)\\\\b"',
         'interaction.content regex_partial "(?i)apple|banana|cherry"'],
        ['interaction.content regex_partial "appl[ey]|banana"',
         'interaction.content regex_exact "apple|banana"',
         'interaction.content regex_partial "apple pie|banana split"'],
    ),
    "W201": (
        ['interaction.content contains "coffee" OR interaction.content contains "coffee"',
         'stream "f0596f03644177b8bf5b59708a08bfe8" AND language.tag == "en" AND stream "F0596F03644177B8BF5B59708A08BFE8"'],
        ['interaction.content contains "coffee" OR interaction.content contains "tea"',
         'interaction.content contains "coffee" OR interaction.content cs contains "coffee"',
         '(interaction.content contains "a" AND language.tag == "en") OR (interaction.content contains "a" AND language.tag == "de")'],
    ),
    "W202": (
        ['interaction.content contains_any "coffee, tea, Coffee"', 'links.code in [200, 404, 200]',
         'language.tag in "en, de, en"'],
        ['interaction.content contains_any "coffee, tea"', 'interaction.content cs contains_any "Coffee, coffee"',
         'language.tag in "en, EN"'],
    ),
    "W203": (
        ['interaction.sample < 0', 'interaction.sample > 100', 'interaction.sample >= 100.5', 'interaction.sample == -1',
         'interaction.content contains_near "coffee,tea,milk:2"'],
        ['interaction.sample < 10', 'interaction.sample > 99.5', 'interaction.content contains_near "coffee,tea,milk:3"'],
    ),
    "W204": (
        ['interaction.sample >= 0', 'interaction.sample <= 100', 'interaction.sample < 150', 'interaction.sample > -1'],
        ['interaction.sample <= 10', 'interaction.sample > 0', 'klout.score >= 0'],
    ),
    "W205": (
        ['NOT twitter.source == "web"', 'interaction.content contains "x" AND NOT (language.tag == "en")'],
        ['twitter.source != "web"', 'NOT interaction.type == "twitter"', 'NOT twitter.source contains "web"'],
    ),
    "W206": (
        ['interaction.content cs contains [case(false)] "Apple"', 'interaction.content contains [case(false)] "Apple"',
         'interaction.content cs contains [case(true)] "Apple"'],
        ['interaction.content contains [case(true)] "Apple"', 'interaction.content cs contains "Apple"'],
    ),
    "W207": (
        ['digg.item.topic contains "apple"', 'interaction.content contains "x" AND NOT flickr.title exists',
         'tag "old" { 2ch.content contains "x" } return { interaction.content contains "y" }'],
        ['interaction.content contains "apple"', 'twitter.text contains "x"'],
    ),
    "W208": (
        ['board.author.registered == 1', 'board.author.registered in [0, 1]'],
        ['board.author.registered == "1"', 'twitter.user.followers_count == 1'],
    ),
    "W301": (
        ['interaction.geo geo_polygon "51.4,-0.9:51.5,-0.8:51.3,-0.7:51.4,-0.9"'],
        ['interaction.geo geo_polygon "51.4,-0.9:51.5,-0.8:51.3,-0.7"',
         'interaction.geo geo_polygon "51.4,-0.9:51.5,-0.8:51.4,-0.9"'],  # a 2-point "polygon" is E203's business
    ),
    "W302": (
        ['interaction.content contains "a" AND language.tag == "en" OR interaction.content contains "b"',
         'interaction.content contains "a" OR language.tag == "en" AND interaction.content contains "b"'],
        ['(interaction.content contains "a" AND language.tag == "en") OR interaction.content contains "b"',
         '( /* why */ interaction.content contains "a" AND language.tag == "en" // because\n) OR interaction.content contains "b"',
         'interaction.content contains "a" AND (language.tag == "en" OR interaction.content contains "b")'],
    ),
}


def test_every_rule_has_examples_and_docs():
    assert sorted(EXAMPLES) == sorted(r.code for r in rules())
    for rule in rules():
        doc = rule.documentation()
        assert rule.name and rule.name == rule.name.lower() and " " not in rule.name
        assert rule.summary().endswith(".")
        assert "Bad" in doc and "Good" in doc, rule.code


@pytest.mark.parametrize("code,text", [(c, t) for c, (bad, _) in EXAMPLES.items() for t in bad])
def test_rule_fires(code, text):
    assert code in codes(text)


@pytest.mark.parametrize("code,text", [(c, t) for c, (_, good) in EXAMPLES.items() for t in good])
def test_rule_stays_quiet(code, text):
    assert code not in codes(text)


def test_lint_warnings_are_warnings():
    for code, (bad, _) in EXAMPLES.items():
        for d in csdl.check(bad[0]):
            if d.code == code:
                assert d.severity == "warning" and d.name


# --- W101 ----------------------------------------------------------------------------------------


def test_w101_message_states_the_dpu_saved_and_fixes():
    text = " OR ".join(f'twitter.text contains "{w}"' for w in ("coffee", "tea", "latte", "mocha"))
    (d,) = warnings(text, "W101")
    assert d.message == ("4 `contains` conditions on `twitter.text` joined by OR can be one `contains_any` "
                         "(saves 0.1 DPU: 0.2 → 0.1)")
    assert (d.span.start, d.span.end) == (0, len(text))
    assert apply_fix(text, d) == 'twitter.text contains_any "coffee, tea, latte, mocha"'
    assert codes(apply_fix(text, d)) == []


@pytest.mark.parametrize("text, fixed", [
    # one OR junction across nested parentheses: the group opened before the first operand goes too
    ('return { ((twitter.text contains "coffee") or (twitter.text contains "tea")) or (twitter.text contains "x") }',
     'return { twitter.text contains_any "coffee, tea, x" }'),
    ('(twitter.text contains "a") or ((twitter.text contains "b") or (twitter.text contains ")("))',
     'twitter.text contains_any "a, b, )("'),
])
def test_w101_fix_of_nested_groups_replaces_whole_parentheses(text, fixed):
    (d,) = warnings(text, "W101")
    assert apply_fix(text, d) == fixed
    assert csdl.fix(text) == fixed


def test_w101_hundred_contains_save_more_than_one_dpu():
    text = " OR ".join(f'twitter.text contains "w{i}"' for i in range(100))
    (d,) = warnings(text, "W101")
    assert d.message.endswith("(saves 1.6 DPU: 2.6 → 1)")


def test_w101_two_words_same_price():
    (d,) = warnings('twitter.text contains "coffee" OR twitter.text contains "tea"', "W101")
    assert d.message.endswith("(same 0.1 DPU, 1 fewer condition)")


def test_w101_three_words_same_price_plural():
    text = " OR ".join(f'twitter.text contains "{w}"' for w in ("a", "b", "c"))
    (d,) = warnings(text, "W101")
    assert d.message.endswith("(same 0.1 DPU, 2 fewer conditions)")


def test_w101_partial_group_has_no_fix_and_keeps_cs():
    text = 'twitter.text cs contains "A" OR twitter.text cs contains "B, C" OR twitter.text exists'
    (d,) = warnings(text, "W101")
    assert d.fix is None
    assert "`cs contains_any`" in d.message
    assert text[d.span.start:d.span.end] == 'twitter.text cs contains "A" OR twitter.text cs contains "B, C"'


def test_w101_fix_escapes_commas():
    text = 'twitter.text contains "a, b" OR twitter.text contains "c"'
    (d,) = warnings(text, "W101")
    fixed = apply_fix(text, d)
    assert fixed == 'twitter.text contains_any "a\\, b, c"'
    assert csdl.parse(fixed).expression.argument.items == ("a, b", "c")


def test_w101_saving_is_priced_by_the_cost_model():
    from csdl.checking.lint import dpu

    tree = csdl.parse(" OR ".join(f'twitter.text contains "w{i}"' for i in range(100)))
    conds = list(tree.expression.operands)
    assert dpu.fmt(dpu.price(conds)) == "2.6"
    merged = dpu.synthetic("twitter.text", "contains_any", False, [f"w{i}" for i in range(100)], conds[0].span)
    assert dpu.fmt(dpu.price([merged])) == "1"


# --- W102 ----------------------------------------------------------------------------------------


def test_w102_suggests_cs_contains_any_for_a_case_sensitive_bounded_list():
    text = 'interaction.content regex_partial "\\\\b(apple|banana)\\\\b"'
    (d,) = warnings(text, "W102")
    assert d.message == ('this regular expression only lists words; use '
                         '`interaction.content cs contains_any "apple, banana"` (0.1 DPU instead of 0.18)')
    assert apply_fix(text, d) == 'interaction.content cs contains_any "apple, banana"'


def test_w102_unbounded_list_suggests_wildcard_without_fix():
    (d,) = warnings('interaction.content regex_partial "(?i)apple|banana|cherry"', "W102")
    assert '`interaction.content wildcard "*apple*, *banana*, *cherry*"`' in d.message
    assert d.fix is None


# --- W201 / W202 ---------------------------------------------------------------------------------


def test_w201_points_at_the_repeat_and_fix_removes_it():
    text = 'interaction.content contains "coffee"\nOR interaction.content contains "coffee"'
    (d,) = warnings(text, "W201")
    assert d.message == "this condition repeats the one on line 1 in the same OR"
    assert (d.span.line, d.span.column) == (2, 4)
    assert apply_fix(text, d) == 'interaction.content contains "coffee"'


def test_w202_points_at_the_item_and_fix_removes_it():
    text = 'interaction.content contains_any "coffee, tea, Coffee"'
    (d,) = warnings(text, "W202")
    assert d.message == "`Coffee` is already in the list (item 1)"
    assert text[d.span.start:d.span.end] == "Coffee"
    assert apply_fix(text, d) == 'interaction.content contains_any "coffee, tea"'


def test_w202_number_list():
    text = "links.code in [200, 404, 200]"
    (d,) = warnings(text, "W202")
    assert text[d.span.start:d.span.end] == "200" and d.span.column == 26
    assert apply_fix(text, d) == "links.code in [200, 404]"


# --- W203-W206 -----------------------------------------------------------------------------------


def test_w203_messages():
    (d,) = warnings("interaction.sample > 100", "W203")
    assert d.message == "`interaction.sample > 100` never matches: `interaction.sample` is between 0 and 100"
    text = 'interaction.content contains_near "coffee,tea,milk:2"'
    (d,) = warnings(text, "W203")
    assert d.message == "3 words can never be within 2 words of each other (the distance counts the words themselves)"
    assert text[d.span.start:d.span.end] == '"coffee,tea,milk:2"'


def test_w204_message():
    (d,) = warnings("interaction.sample >= 0", "W204")
    assert d.message == "`interaction.sample >= 0` always matches: `interaction.sample` is between 0 and 100"


def test_w205_message_span_and_fix():
    text = 'interaction.content contains "x" AND NOT twitter.source == "web"'
    (d,) = warnings(text, "W205")
    assert d.message == ("`NOT twitter.source == …` also matches interactions without `twitter.source`; "
                         "`twitter.source != …` requires it")
    assert text[d.span.start:d.span.end] == 'NOT twitter.source == "web"'
    assert apply_fix(text, d) == 'interaction.content contains "x" AND twitter.source != "web"'


def test_w206_messages():
    (d,) = warnings('interaction.content cs contains [case(false)] "Apple"', "W206")
    assert d.message == "`case(false)` is ignored because `cs` is given; the condition is case sensitive"
    (d,) = warnings('interaction.content contains [case(FALSE)] "Apple"', "W206")
    assert d.message == "`case(false)` is the default; remove the switch"


# --- W301 / W302 ---------------------------------------------------------------------------------


def test_w301_fix_removes_the_last_vertex():
    text = 'interaction.geo geo_polygon "51.4,-0.9:51.5,-0.8:51.3,-0.7:51.4,-0.9"'
    (d,) = warnings(text, "W301")
    assert text[d.span.start:d.span.end] == ":51.4,-0.9"
    assert apply_fix(text, d) == 'interaction.geo geo_polygon "51.4,-0.9:51.5,-0.8:51.3,-0.7"'


def test_w302_fix_adds_the_parentheses_the_parser_applies():
    text = 'interaction.content contains "a" AND language.tag == "en" OR interaction.content contains "b"'
    (d,) = warnings(text, "W302")
    fixed = apply_fix(text, d)
    assert fixed == '(interaction.content contains "a" AND language.tag == "en") OR interaction.content contains "b"'
    assert csdl.parse(fixed) == csdl.parse(text)
    assert "W302" not in codes(fixed)


# --- Rules are robust on odd input ------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    # an unknown target three times (E101 each), the second condition repeats the first (W201), and
    # three ORed `contains` on one target (W101)
    ('a.b contains "x" OR a.b contains "x" OR a.b contains "y"',
     [("E101", "a.b"), ("W101", 'a.b contains "x" OR a.b contains "x" OR a.b contains "y"'), ("E101", "a.b"),
      ("W201", 'a.b contains "x"'), ("E101", "a.b")]),
    ('interaction.geo geo_polygon "1,2:x"', [("E201", "x")]),  # the point that is not a number pair
    ('interaction.content contains_near ":"', None),  # checked by code below: E205 on the argument
    ('tag.x "t" { interaction.sample < -5 } return { NOT a.b == 5 }',
     [("W203", "interaction.sample < -5"), ("W205", "NOT a.b == 5"), ("E101", "a.b")]),
])
def test_rules_on_odd_input_give_located_diagnostics(text, expected):
    found = csdl.check(text)
    for d in found:
        assert d.code and d.message and 0 <= d.span.start <= d.span.end <= len(text), d
    if expected is None:
        assert {d.code for d in found} >= {"E205"}
        assert all(d.span.start >= text.index('"') for d in found if d.code == "E205")  # on the argument
        return
    assert [(d.code, text[d.span.start:d.span.end]) for d in found] == expected


def test_an_empty_regex_is_accepted_and_costs_the_minimum():
    # Rules must not trip over an empty pattern; RE2 accepts it and the regex minimum is 0.1 DPU.
    assert csdl.check('interaction.content regex_partial ""') == []
    assert str(csdl.cost('interaction.content regex_partial ""').dpu.normalize()) == "0.1"
