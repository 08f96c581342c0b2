"""Validation errors (E1xx-E4xx): exact message and span for each check, and the example corpus."""

from __future__ import annotations

import pytest

import csdl
from csdl.checking.validate import MAX_CONDITIONS


def errors(text: str, platform: str = "stream") -> list:
    return [d for d in csdl.check(text, platform=platform) if d.is_error]


def only(text: str, platform: str = "stream"):
    found = errors(text, platform)
    assert len(found) == 1, found
    return found[0]


def where(d) -> tuple:
    return (d.span.line, d.span.column, d.span.end_line, d.span.end_column)


def marked(text: str, d) -> str:
    return text[d.span.start:d.span.end]


# (filter, code, exact message, the text the span covers)
CASES = [
    ('interactin.content contains "datasift"', "E101",
     "unknown target `interactin.content`; did you mean `interaction.content`?", "interactin.content"),
    ('foo.bar contains "x"', "E101", "unknown target `foo.bar`", "foo.bar"),
    ('interaction.sample contains "5"', "E102",
     "`contains` cannot be used on `interaction.sample`, which holds decimal numbers (float)", "contains"),
    ('interaction.content > 5', "E102", "`>` cannot be used on `interaction.content`, which holds text (string)", ">"),
    ('interaction.content geo_radius "1,2:3"', "E102",
     "`geo_radius` works only on geo targets such as `interaction.geo`; `interaction.content` holds text", "geo_radius"),
    ('interaction.content url_in "a.com"', "E102",
     "`url_in` works only on URL targets such as `links.url`; `interaction.content` holds text", "url_in"),
    ('interaction.geo contains "x"', "E102", "`contains` cannot be used on `interaction.geo`, which holds a location (geo)", "contains"),
    ('interaction.sample in [1, 2]', "E102", "`in` cannot be used on `interaction.sample`, which holds decimal numbers (float)", "in"),
    ('interaction.content cs regex_partial "Apple"', "E103", "`cs` does not apply to `regex_partial`", "cs"),
    ('interaction.content CS regex_exact "a"', "E103", "`cs` does not apply to `regex_exact`", "CS"),
    ('klout.score cs == 5', "E103", "`cs` does not apply to `klout.score`, which does not hold text", "cs"),
    ('interaction.content == 5', "E104", "`interaction.content` holds text; compare it with a quoted string", "5"),
    ('klout.score == "high"', "E104", "`klout.score` holds numbers; compare it with an unquoted number", '"high"'),
    ('language.tag in [1, 2]', "E104", "`language.tag` holds text; give `in` a quoted list such as `\"a, b\"`", "[1, 2]"),
    ('links.code in "ok, 404"', "E104", "`links.code` holds integers; give `in` a number list such as `[1, 2]`", '"ok, 404"'),
    ('interaction.geo geo_radius "51.45,-0.96"', "E201",
     "invalid `geo_radius` argument: geo_radius takes a centre and a radius: `lat,lon:kilometres`", "51.45,-0.96"),
    ('interaction.geo geo_radius "51.45,x:5"', "E201",
     "invalid `geo_radius` argument: expected a longitude as a number, found `x`", "x"),
    ('interaction.geo geo_box "51.41,-1.06:51.49,-0.89"', "E201",
     "the first `geo_box` corner must be the north-west one and the second the south-east one", '"51.41,-1.06:51.49,-0.89"'),
    ('interaction.geo geo_radius "-0.13,191.5:10"', "E202", "longitude 191.5 is outside [-180, 180]", "-0.13,191.5"),
    ('interaction.geo geo_radius "95,10:10"', "E202", "latitude 95 is outside [-90, 90]", "95,10"),
    ('interaction.geo geo_polygon "51.4,-0.9:51.5,-0.8"', "E203",
     "`geo_polygon` needs 3 to 32 vertices, found 2", '"51.4,-0.9:51.5,-0.8"'),
    ('interaction.geo geo_radius "51.45,-0.96:0"', "E204", "the radius must be greater than 0 km, found 0", "0"),
    ('interaction.content contains_near "coffee:5"', "E205", "`contains_near` needs at least two words, found 1", '"coffee:5"'),
    ('interaction.content contains_near "coffee,tea"', "E205",
     "`contains_near` needs a distance after a colon: `\"word1,word2:N\"`", '"coffee,tea"'),
    ('interaction.content contains_near "coffee,tea:x"', "E205", "the `contains_near` distance must be a whole number, found `x`", "x"),
    ('interaction.content contains_near "coffee,tea:0"', "E205", "the `contains_near` distance must be positive, found 0", "0"),
    ('interaction.content contains_near "big data,tea:3"', "E205",
     "`contains_near` words cannot contain spaces: \"big data\"", "big data"),
    ('links.code in [200, 301.5]', "E206", "`in` lists take integers, not decimal numbers: `301.5`", "301.5"),
    ('interaction.content contains_any "coffee, , tea"', "E207", "empty list item", ","),
    ('interaction.content contains_any ""', "E207", "the list is empty", '""'),
    ('links.code in []', "E207", "the list is empty", "[]"),
    ('interaction.content regex_partial "(a)\\\\1"', "E208", "invalid regular expression: invalid escape sequence: \\1", '"(a)\\\\1"'),
    ('interaction.content regex_partial "foo(?=bar)"', "E208", "invalid regular expression: invalid perl operator: (?=", '"foo(?=bar)"'),
    ('stream "f0596f03644177b8"', "E209",
     '`stream` needs a stream hash of 32 hexadecimal characters, found "f0596f03644177b8" (16 characters)', '"f0596f03644177b8"'),
    ('tags "xyz"\nreturn { interaction.content contains "a" }', "E209",
     '`tags` needs a stream hash of 32 hexadecimal characters, found "xyz" (3 characters)', '"xyz"'),
    ('tag.levis.501 "501 Jeans" { fb.all.content any "Levis 501" }', "E210",
     "invalid tag namespace `501`: it starts with a digit", "501"),
    ('tag.a$b "x" { interaction.content contains "a" }', "E210",
     "invalid tag namespace `a$b`: `$` is not allowed (use letters, digits, `_` or `-`)", "a$b"),
    ('interaction.content contains [ignore(true)] "x"', "E211",
     "unknown switch `ignore`; CSDL has `case`, `keep` and `drop`", "ignore(true)"),
    ('interaction.content wildcard [keep(classic)] "x*"', "E211",
     "`keep` applies only to `contains`, `contains_any` and `contains_near`", "keep(classic)"),
    ('interaction.content contains [case(yes)] "AbAb"', "E212", "`case` takes `true` or `false`, found yes", "case(yes)"),
    ('tag 5 { interaction.content contains "buy" }', "E302",
     "a scoring rule needs a namespace: `tag.<namespace> <score> { ... }`", "tag"),
    ('interaction.tags IN "BMW,Honda"', "E401",
     "`interaction.tags` is a PYLON analysis target; it cannot be used in an interaction filter", "interaction.tags"),
    ('interaction.ml.categories == "intent.sell"', "E401",
     "`interaction.ml.categories` is a PYLON analysis target; it cannot be used in an interaction filter",
     "interaction.ml.categories"),
]


@pytest.mark.parametrize("text,code,message,covered", CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_validation_error(text, code, message, covered):
    d = only(text)
    assert (d.code, d.message) == (code, message)
    assert marked(text, d) == covered
    assert d.name and d.severity == "error"


def test_span_lines_and_columns():
    text = 'interaction.content contains "a"\nAND interactin.title contains "b"'
    d = only(text)
    assert where(d) == (2, 5, 2, 21)


PYLON_CASES = [
    ('twitter.text contains "x"', "E401", "`twitter.text` is not available in PYLON query filters (STREAM-only target)", "twitter.text"),
    ('fb.content regex_partial "[a-z]"', "E402", "`regex_partial` is not available in PYLON query filters", "regex_partial"),
    ('interaction.geo exists', "E401", "`interaction.geo` is not available in PYLON query filters (STREAM-only target)", "interaction.geo"),
    ('fb.content substr "x"', "E402", "`substr` is not available in PYLON query filters", "substr"),
    ('fb.content cs contains "Apple"', "E403", "`cs` is not available in PYLON query filters", "cs"),
    ('fb.content contains [case(true)] "Apple"', "E403", "case-sensitive matching is not available in PYLON query filters", "case(true)"),
    ('fb.content contains_any "' + ", ".join(f"w{i}" for i in range(101)) + '"', "E404",
     "PYLON query filters allow at most 100 items in `contains_any`, found 101", None),
    ('fb.content wildcard "*phone"', "E405", "a PYLON `wildcard` item cannot start with `*`: \"*phone\"", "*phone"),
    ('fb.content wildcard "i-phone*"', "E405",
     "a PYLON `wildcard` item may contain only letters, digits, `*` and `?`: \"i-phone*\"", "i-phone*"),
    ('fb.content == "coffee"', "E406",
     "in PYLON query filters `==` works only on non-tokenized targets; `fb.content` is free text", "=="),
    ('fb.language contains "en"', "E406",
     "in PYLON query filters `contains` works only on free-text targets; `fb.language` is not tokenized", "contains"),
]


@pytest.mark.parametrize("text,code,message,covered", PYLON_CASES, ids=[c[1] for c in PYLON_CASES])
def test_pylon_profile_error(text, code, message, covered):
    d = only(text, "pylon")
    assert (d.code, d.message) == (code, message)
    if covered is not None:
        assert marked(text, d) == covered


@pytest.mark.parametrize("text", [
    'interaction.tags IN "BMW,Honda"',
    'interaction.ml.categories == "intent.sell"',
    'interaction.tag_tree.sales.lead_score exists',
    'fb.content contains_any "coffee, tea" AND fb.language in "en"',
    'fb.content wildcard "phone*"',
])
def test_pylon_profile_accepts_query_filters(text):
    assert errors(text, "pylon") == []


@pytest.mark.parametrize("text", [
    'interaction.content regex_partial "[a-z]" AND interaction.geo geo_radius "51.5,-0.1:10"',
    'twitter.user.id == 155505157 OR twitter.user.id == "155505157" OR twitter.user.id in [1, 2]',
    'links.code in "200, 404"',
    'interaction.geo geo_box "51.4911,-1.0617:51.4194,-0.8921"',
    'interaction.content contains [keep(classic)] "I love Big Data"',
    'interaction.content contains [case(TRUE)] "Ab"',
    'tag.restaurant.café "café" { interaction.content contains "café" }',
    'tag.sales.lead_score -5 { interaction.content contains "x" }',
    'stream "F0596F03644177B8BF5B59708A08BFE8"',
])
def test_accepted(text):
    assert errors(text) == []


def test_too_many_conditions_points_at_the_first_one_over():
    conds = [f'interaction.content contains_any "w{i}"' for i in range(MAX_CONDITIONS + 5)]
    text = " OR ".join(conds)
    found = [d for d in errors(text) if d.code == "E301"]
    assert len(found) == 1
    d = found[0]
    assert d.message == "the filter has 1,005 conditions; DataSift allows at most 1,000"
    assert marked(text, d) == 'interaction.content contains_any "w1000"'


def test_exactly_max_conditions_is_fine():
    text = " OR ".join(f'interaction.content contains_any "w{i}"' for i in range(MAX_CONDITIONS))
    assert not [d for d in errors(text) if d.code == "E301"]


def test_conditions_in_tags_count_towards_the_limit():
    tag = "tag \"t\" { " + " OR ".join(f'interaction.content contains_any "t{i}"' for i in range(600)) + " }\n"
    ret = "return { " + " OR ".join(f'interaction.content contains_any "r{i}"' for i in range(401)) + " }"
    assert [d.code for d in errors(tag + ret)] == ["E301"]


def test_nesting_and_size_limits_are_syntax_errors():
    from csdl.language.parser import MAX_BYTES, MAX_DEPTH

    deep = "(" * (MAX_DEPTH + 5) + 'interaction.content contains "x"' + ")" * (MAX_DEPTH + 5)
    assert [d.code for d in csdl.check(deep)] == ["E006"]
    big = 'interaction.content contains_any "' + "a," * (MAX_BYTES // 2) + 'a"'
    assert [d.code for d in csdl.check(big)] == ["E008"]


@pytest.mark.parametrize("text, stream, pylon", [
    # (filter, codes on STREAM, codes on PYLON); every E2xx lies inside the quoted argument
    ('interaction.geo geo_polygon ""', {"E201"}, {"E401", "E201"}),
    ('interaction.geo geo_box ":"', {"E201"}, {"E401", "E201"}),
    ('interaction.content contains_near ":"', {"E205", "E207"}, {"E205", "E207"}),
    ('interaction.content contains_near ""', {"E205", "E207"}, {"E205", "E207"}),
    ('interaction.content regex_exact ""', set(), {"E402"}),
    ('x.y contains_any ","', {"E101", "E207"}, {"E101", "E207"}),
    ('interaction.content contains_near "a\\:b,c\\::3"', set(), set()),  # escaped colons belong to the words
    ('interaction.geo geo_radius "1,2:-0"', {"E204"}, {"E401", "E204"}),  # -0 km is not greater than 0
])
def test_bad_arguments_give_located_diagnostics(text, stream, pylon):
    argument = text.index('"')
    for platform, codes in (("stream", stream), ("pylon", pylon)):
        found = csdl.check(text, platform=platform)
        assert {d.code for d in found} == codes, platform
        for d in found:
            assert d.severity == "error" and d.span.line == 1 and d.span.column == d.span.start + 1
            if d.code.startswith("E2"):
                assert argument <= d.span.start <= d.span.end <= len(text), d


def test_unknown_platform_is_a_usage_error():
    from csdl.checking.validate import validate

    with pytest.raises(ValueError):
        validate(csdl.parse('interaction.content contains "x"'), "facebook")


def test_re2_does_not_write_to_stderr(capfd):
    csdl.check('interaction.content regex_partial "(?<!x)y"')
    assert capfd.readouterr().err == ""


def test_catalogue_is_loaded_lazily():
    import subprocess
    import sys

    code = ("import sys, csdl; csdl.parse('a.b contains \"x\"'); "
            "print('csdl.checking.catalogue' in sys.modules, 're2' in sys.modules, 'difflib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False", "False"]


# ---------------------------------------------------------------------------------------------
# The example corpus of shared/reference/examples.md. These filters are copied here so that the
# test does not depend on the corpus file's labels; the full corpus is walked below as well.

VALID_EXAMPLES = {
    "1": 'interaction.content contains "apple" AND interaction.title contains "evangelist"',
    "9b": 'NOT twitter.source == "web"',
    "12": 'twitter.text contains "politics" and not links.code in [400, 401, 402, 403, 404, 500, 501, 502, 503]',
    "13": 'NOT (fb.content contains "this is a string" AND fb.parent.content contains "this is a string")',
    "17": 'interaction.content cs any "Apple,Google,Microsoft" and interaction.content any "operating system, os"',
    "18": 'interaction.content contains [case(true)] "AbAbAb"',
    "19": 'twitter.text contains [keep(classic)] "I love Big Data"',
    "24": 'interaction.content near "microsoft,spreadsheet:5"',
    "29": 'interaction.content contains_any "a\\, b\\, c"',
    "31": 'interaction.content regex_partial "([a-z0-9_\\\\.-]+)@([\\\\da-z\\\\.-]+)\\\\.([a-z\\\\.]{2,6})"',
    "32": 'twitter.text regex_partial "[A-Z][a-z]{1,11}\\\\, [A-W][A-Z]\\\\W"',
    "35": 'twitter.retweet.hashtags IN "LadyGaga, Beyonce, Shakira"',
    "37": 'twitter.user.id in [111111111,111111112,111111113]',
    "39": 'twitter.links url_in "www.apple.com, www.google.com, finance.yahoo.com"',
    "43": 'salience.content.sentiment < -2',
    "44": 'twitter.user.follower_ratio == 9.9',
    "45": 'twitter.user.id == 155505157 OR twitter.retweeted.id == "104542653177270272"',
    "46": 'wordpress.content contains "iPad" AND wordpress.article.lang in "en, es" AND wordpress.article.comment_count > 10',
    "48": ('interaction.type contains "twitter"\nand twitter.user.geo_enabled == 1\nand interaction.sample > 0.005\n'
           'and interaction.geo geo_polygon "49.965360000000004,-5.58105:50.76426000000001,1.2304700000000002:'
           '52.82932,2.02148:55.973800000000004,-1.9335900000000001:54.826010000000004,-5.53711"'),
    "51": 'twitter.geo geo_radius "40.78, -73.97:250"',
    "52": 'twitter.geo geo_polygon "51.4615,-0.9864:51.4586,-0.9472:51.4466,-0.9412:51.4443,-0.9651:51.4445,-0.9831"',
    "63": 'tag.clothing.levis "501" { fb.all.content any "Levis 501" }',
    "66": ('tag.sales.lead_score +20 { interaction.content contains_any "want, considering, buy, need" }\n'
           'tag.sales.lead_score -5  { interaction.content contains_any "expensive, cost" }'),
    "68": ('tag.individual_selling 0.336973434597112 {fb.content contains_any "sale" or fb.parent.content contains_any "sale"}\n'
           'tag.other -1.169380923788089 {fb.content contains_any "trade" or fb.parent.content contains_any "trade"}'),
    "72": 'tags "b18638ed3c5eaee2929dccb11d721579" // Hash for your stream\n\nreturn {\n  interaction.content contains_any "Apple,Google,Microsoft"\n}',
    "75": ('tag.movies "Video" {links.url any "youtube.com,vimeo.com"} tag.movies "Social Networks" {links.url any '
           '"twitter.com,facebook.com"} return {fb.topics.category in "Movie,Film,TV" OR fb.parent.topics.category in "Movie,Film,TV"}'),
    "77": 'return { fb.all.content any "data, <timestamp>" }',
    "92": 'interaction.content contains "news" AND source.id == "<managed source id>"',
}


@pytest.mark.parametrize("text", list(VALID_EXAMPLES.values()), ids=[f"ex{k}" for k in VALID_EXAMPLES])
def test_valid_example_has_no_error(text):
    assert errors(text) == []


INVALID_EXAMPLES = [
    ("6", 'interaction.sample < 50 and (twitter.text contains "coffee") or (twitter.retweet.text contains "coffee" or '
          'interaction.sample <= 10 and interation.text contains "ponies")', "stream", "E101"),
    ("64", 'tag.restaurant.peets coffee "coffee" { fb.all.content any "Peets, Peet\'s" }', "stream", "E004"),
    ("65", 'tag.levis.501 "501 Jeans" { fb.all.content any "Levis 501" }', "stream", "E210"),
    ("80", 'interaction.tags IN "BMW,Honda"', "stream", "E401"),
    ("81", 'interaction.ml.categories == "intent.sell"', "stream", "E401"),
    ("82", 'fb.content regex_partial "[a-z]"', "pylon", "E402"),
    ("83", "interaction.content contains", "stream", "E004"),
    ("86", 'interactin.content contains "datasift"', "stream", "E101"),
]


@pytest.mark.parametrize("ident,text,platform,code", INVALID_EXAMPLES, ids=[f"ex{c[0]}" for c in INVALID_EXAMPLES])
def test_invalid_example_has_the_right_error(ident, text, platform, code):
    assert [d.code for d in errors(text, platform)] == [code]


def _corpus(*kinds):
    try:
        from corpus import load_examples
    except ImportError:  # pragma: no cover - the corpus module belongs to the parser tests
        return []
    return [pytest.param(kind, text, id=f"ex{ident}") for ident, kind, text in load_examples() if kind in kinds]


@pytest.mark.parametrize("kind,text", _corpus("valid", "invalid", "invalid-syntax", "pylon", "pylon-invalid"))
def test_corpus(kind, text):
    if kind == "valid":
        assert errors(text) == []
    elif kind in ("invalid", "invalid-syntax"):
        assert errors(text)
    elif kind == "pylon":
        assert errors(text, "pylon") == [] and errors(text)
    else:
        assert errors(text, "pylon") and errors(text) == []
