"""Semantics of every operator as csdl run evaluates it (spec §3, §4, §9b; docs/run.md)."""

from __future__ import annotations

import pytest
from hypothesis import example, given, strategies as st

import csdl
from csdl.evaluate import compile_matcher
from csdl.evaluate.urls import normalise_url, url_in


def matches(filter_text: str, post: dict, **kwargs) -> bool:
    return compile_matcher(csdl.parse(filter_text), **kwargs).match(post)


def content(text) -> dict:
    return {"interaction": {"content": text}}


# --- contains ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I love my iPad", True),
        ("IPAD rocks", True),  # case-insensitive by default
        ("iPads are great", False),  # token-based: no partial words
        ("myipad", False),
        ("(ipad)", True),  # punctuation is its own token
        ("#ipad", True),
        ("ipad.", True),
        ("", False),
    ],
)
def test_contains_single_word(text, expected):
    assert matches('interaction.content contains "ipad"', content(text)) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("the new IPAD mini is out", True),
        ("the new ipad  \n mini", True),  # white space between tokens does not matter
        ("new ipad, mini", False),  # a comma token breaks the phrase
        ("mini ipad", False),
        ("ipad minimal", False),
    ],
)
def test_contains_phrase(text, expected):
    assert matches('interaction.content contains "ipad mini"', content(text)) is expected


def test_contains_punctuation_tokens():
    # spec §3.1: "air-conditioning" matches "air - conditioning" but not "air conditioning"
    f = 'interaction.content contains "air-conditioning"'
    assert matches(f, content("the air - conditioning broke"))
    assert matches(f, content("the air-conditioning broke"))
    assert not matches(f, content("the air conditioning broke"))
    assert matches('interaction.content contains "50%"', content("save 50 % today"))
    assert not matches('interaction.content contains "50%"', content("save 500% today"))


def test_contains_case_sensitive_cs_and_switch():
    assert matches('interaction.content cs contains "Polish"', content("Polish food"))
    assert not matches('interaction.content cs contains "Polish"', content("polish your shoes"))
    assert matches('interaction.content contains [case(true)] "AbAb"', content("say AbAb"))
    assert not matches('interaction.content contains [case(true)] "AbAb"', content("say abab"))
    assert matches('interaction.content contains [case(false)] "AbAb"', content("say abab"))
    # cs wins over the switch (spec §4.2)
    assert not matches('interaction.content cs contains [case(false)] "AbAb"', content("say abab"))


def test_contains_unicode():
    assert matches('interaction.content contains "café"', content("Un CAFÉ noir"))
    assert not matches('interaction.content contains "café"', content("un cafe noir"))  # accents matter
    assert matches('interaction.content contains "東京"', content("行く 東京 へ"))
    assert matches('interaction.content contains "straße"', content("Die Straße"))
    assert matches('interaction.content contains "straße"', content("DIE STRAßE"))  # "ß".upper() stays "ß"


def test_case_insensitive_is_lower_not_casefold():
    # docs/run.md: "Case-insensitive" is str.lower() on both sides, not full case folding, so
    # `straße` does not match `STRASSE` ("STRASSE".lower() is "strasse"; only casefold() maps ß to ss).
    assert "straße".casefold() == "STRASSE".casefold() and "straße".lower() != "STRASSE".lower()
    assert not matches('interaction.content contains "straße"', content("Die STRASSE"))
    assert not matches('interaction.content contains "STRASSE"', content("Die Straße"))
    assert not matches('interaction.content contains_any "straße, weg"', content("DIE STRASSE"))
    assert matches('interaction.content contains "😀"', content("so happy 😀!"))


def test_contains_absent_null_and_wrong_type():
    f = 'interaction.content contains "x"'
    assert not matches(f, {})
    assert not matches(f, {"interaction": {}})
    assert not matches(f, {"interaction": {"content": None}})
    assert not matches(f, {"interaction": "flat string"})
    m = compile_matcher(csdl.parse(f))
    ev = m.evaluate({"interaction": {"content": {"nested": "x"}}})
    assert not ev.matched and ev.issues and "object" in ev.issues[0][1]


def test_contains_arrays_any_element():
    f = 'twitter.hashtags contains "python"'
    assert matches(f, {"twitter": {"hashtags": ["java", "Python"]}})
    assert not matches(f, {"twitter": {"hashtags": ["java", "pythonista"]}})
    assert not matches(f, {"twitter": {"hashtags": []}})
    # arrays of objects on the way down fan out
    f2 = 'salience.content.topics.name contains "sport"'
    post = {"salience": {"content": {"topics": [{"name": "Politics"}, {"name": "Sport"}]}}}
    assert matches(f2, post)


def test_contains_number_value_reads_as_text():
    assert matches('twitter.user.id contains "42"', {"twitter": {"user": {"id": 42}}})


# --- contains_any / contains_all ------------------------------------------------------------


def test_contains_any():
    f = 'interaction.content contains_any "apple, Google Pixel, #android"'
    assert matches(f, content("I bought an APPLE"))
    assert matches(f, content("the google pixel 8"))
    assert matches(f, content("love # android"))
    assert not matches(f, content("pineapple google"))
    assert not matches(f, {})
    assert matches('interaction.content any "x, y"', content("y"))  # synonym


def test_contains_any_escaped_comma_item():
    assert matches(r'interaction.content contains_any "San Francisco\, CA, NYC"', content("from San Francisco, CA"))
    assert not matches(r'interaction.content contains_any "San Francisco\, CA"', content("San Francisco"))


def test_contains_any_large_list_uses_token_sets_same_answers():
    words = [f"kw{i}" for i in range(500)] + ["big data", "machine learning model"]
    f = 'interaction.content contains_any "' + ", ".join(words) + '"'
    m = compile_matcher(csdl.parse(f))
    assert m.match(content("about KW499 today"))
    assert m.match(content("Big  Data!"))
    assert m.match(content("a machine learning model"))
    assert not m.match(content("machine learning models"))
    assert not m.match(content("kw5000 kw"))
    assert m.match({"interaction": {"content": ["nothing", "kw7"]}})


def test_contains_any_case_sensitive():
    f = 'interaction.content cs contains_any "Apple, Google"'
    assert matches(f, content("Apple pie"))
    assert not matches(f, content("apple pie"))


def test_contains_all():
    f = 'interaction.content contains_all "apple, iphone 15"'
    assert matches(f, content("Apple launched the iPhone 15"))
    assert not matches(f, content("Apple launched the iPhone 14"))
    assert not matches(f, content("iphone 15 only"))
    assert matches('interaction.content all "a, b"', content("b a"))
    many = ", ".join(f"w{i}" for i in range(60))
    text = " ".join(f"w{i}" for i in range(60))
    assert matches(f'interaction.content contains_all "{many}"', content(text))
    assert not matches(f'interaction.content contains_all "{many}"', content(text.replace("w59", "")))


def test_contains_all_across_array_elements_is_per_element():
    # "any element" semantics: one element must hold the whole condition (docs/run.md)
    f = 'twitter.hashtags contains_all "a, b"'
    assert not matches(f, {"twitter": {"hashtags": ["a", "b"]}})
    assert matches(f, {"twitter": {"hashtags": ["a b", "c"]}})


# --- contains_near ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("giants beat rangers", True),  # 3 words: within a span of 3
        ("giants really did beat rangers", False),  # span of 5
        ("rangers, giants", True),  # any order; punctuation is not a word
        ("the giants", False),
        ("", False),
    ],
)
def test_contains_near_span_counts_words(text, expected):
    assert matches('interaction.content contains_near "rangers,giants:3"', content(text)) is expected


def test_contains_near_adjacent_and_multiple_words():
    assert matches('interaction.content near "foo,bar:2"', content("Foo bar"))
    assert not matches('interaction.content near "foo,bar:2"', content("foo x bar"))
    f = 'interaction.content contains_near "giraffe,antelope,gorilla:4"'
    assert matches(f, content("a gorilla and giraffe antelope"))
    assert not matches(f, content("gorilla x y giraffe antelope"))
    # the best window may start late
    assert matches('interaction.content near "a,b:2"', content("a x x x b x a b"))


def test_contains_near_case_sensitive():
    assert not matches('interaction.content cs contains_near "Foo,Bar:2"', content("foo bar"))
    assert matches('interaction.content cs contains_near "Foo,Bar:2"', content("Foo Bar"))


# --- substr -----------------------------------------------------------------------------------


def test_substr():
    f = 'interaction.content substr "linkedin.com"'
    assert matches(f, content("see https://www.LinkedIn.com/in/x"))
    assert matches('interaction.content substr "ell"', content("hello"))  # inside words
    assert matches('interaction.content substr "o w"', content("hello world"))  # spaces matter
    assert not matches('interaction.content substr "o  w"', content("hello world"))
    assert not matches('interaction.content cs substr "Ell"', content("hello"))
    assert matches('interaction.content contains_substr "ÉT"', content("été"))
    assert not matches(f, {})


# --- wildcard ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern, text, expected",
    [
        ("print*", "the printer broke", True),
        ("print*", "print it", True),  # * may be empty
        ("print*", "reprint it", False),  # whole tokens
        ("col?r", "nice COLOR", True),
        ("col?r", "nice colour", False),  # ? is exactly one character
        ("*ing", "running fast", True),
        ("big dat*", "big database", True),
        ("big dat*", "big, database", False),
        ("caf?", "un café", True),  # ? is one Unicode character
        ("a*b*c", "axxbyyc", True),
    ],
)
def test_wildcard(pattern, text, expected):
    assert matches(f'interaction.content wildcard "{pattern}"', content(text)) is expected


def test_wildcard_list_case_and_absent():
    f = 'interaction.content wild "foo*, bar?"'
    assert matches(f, content("BARS"))
    assert not matches('interaction.content cs wildcard "Foo*"', content("foobar"))
    assert not matches(f, {})


def test_wildcard_pathological_pattern_is_linear():
    text = "a" * 5000 + "c"
    assert not matches('interaction.content wildcard "*a*a*a*a*a*a*b"', content(text))


# --- regex ------------------------------------------------------------------------------------


def test_regex_partial_and_exact():
    assert matches(r'interaction.content regex_partial "[0-9]{3}-[0-9]{4}"', content("call 555-1234 now"))
    assert not matches(r'interaction.content regex_exact "[0-9]{3}-[0-9]{4}"', content("call 555-1234 now"))
    assert matches(r'interaction.content regex_exact "[0-9]{3}-[0-9]{4}"', content("555-1234"))
    # case sensitive as written; (?i) makes it insensitive
    assert not matches('interaction.content regex_partial "Hello"', content("hello"))
    assert matches('interaction.content regex_partial "(?i)Hello"', content("hello"))
    assert matches(r'interaction.content regex_partial "\\p{Han}+"', content("東京"))
    assert not matches('interaction.content regex_partial "."', {})
    assert matches('twitter.hashtags regex_exact "py.*"', {"twitter": {"hashtags": ["java", "python"]}})


def test_regex_rejected_by_re2_is_a_clear_error():
    with pytest.raises(csdl.CSDLError) as info:
        compile_matcher(csdl.parse(r'interaction.content regex_partial "(a)\\1"'))
    assert info.value.diagnostics[0].code == "R002"
    assert "RE2" in info.value.diagnostics[0].message


def test_regex_is_linear_time():
    assert not matches('interaction.content regex_partial "(a+)+$"', content("a" * 50_000 + "b!"))


# --- in ---------------------------------------------------------------------------------------


def test_in_strings_whole_value():
    f = 'language.tag in "en, fr"'
    assert matches(f, {"language": {"tag": "en"}})
    assert matches(f, {"language": {"tag": "EN"}})
    assert not matches(f, {"language": {"tag": "english"}})
    assert not matches(f, {"language": {"tag": "en-gb"}})
    assert not matches(f, {})
    assert matches('twitter.hashtags in "Beyonce, Shakira"', {"twitter": {"hashtags": ["gaga", "shakira"]}})
    assert matches('interaction.author.username in "Zoë"', {"interaction": {"author": {"username": "ZOË"}}})


def test_in_integers():
    f = "links.code in [200, 301]"
    assert matches(f, {"links": {"code": [404, 301]}})
    assert not matches(f, {"links": {"code": [404]}})
    assert matches(f, {"links": {"code": "200"}})  # a numeric string reads as its number
    assert matches('twitter.user.id in "155505157"', {"twitter": {"user": {"id": 155505157}}})
    assert not matches(f, {})


# --- url_in -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://www.apple.com", True),
        ("https://apple.com/", True),
        ("http://apple.com/index.html", True),
        ("http://apple.com/default.aspx#top", True),
        ("http://apple.com/?utm_source=tw&utm_medium=x", True),
        ("HTTP://WWW.APPLE.COM", True),
        ("http://apple.com/ipad", False),
        ("http://apple.com/?id=3", False),
        ("http://store.apple.com", False),
    ],
)
def test_url_in_normalisation(url, expected):
    assert matches('links.url url_in "www.apple.com, google.com/news?id=1"', {"links": {"url": [url]}}) is expected


def test_url_in_keeps_other_query_parameters():
    f = 'links.url url_in "google.com/news?id=1"'
    assert matches(f, {"links": {"url": "https://www.google.com/news?utm_campaign=x&id=1"}})
    assert not matches(f, {"links": {"url": "https://www.google.com/news?id=2"}})
    assert not matches(f, {})


_URL_PARTS = st.sampled_from(["http://", "HTTPS://", "//", "www.", "WWW.", "Apple.com", "apple.com", "ΑΣ", "İ", "/",
                                "index.html", "default.ASPX", "?", "&", "utm_source=x", "id=1", "#top", " ", "\n", "news", "é"])


@given(st.lists(st.lists(_URL_PARTS, max_size=8).map("".join), max_size=10), st.lists(_URL_PARTS, max_size=10).map("".join))
@example(["example.com/coffee/index.html\n#y"], "example.com/coffee/index.html\n#x")  # "$" before a final line feed
def test_url_in_prefilter_agrees_with_normalising_every_url(items, url):
    # The substring prefilter only rejects URLs that normalising would have rejected too.
    wanted = {normalise_url(item) for item in items if item.strip()}
    assert url_in(items)(url) is (normalise_url(url) in wanted)


# --- == and != --------------------------------------------------------------------------------


def test_equals_text_and_numbers():
    assert matches('twitter.source == "web"', {"twitter": {"source": "Web"}})
    assert not matches('twitter.source cs == "web"', {"twitter": {"source": "Web"}})
    assert not matches('twitter.source == "web"', {"twitter": {"source": "web client"}})
    assert matches("links.code == 200", {"links": {"code": 200}})
    assert matches("interaction.sample == 5.25", {"interaction": {"sample": 5.25}})
    assert matches('twitter.retweeted.id == "104542653177270272"', {"twitter": {"retweeted": {"id": 104542653177270272}}})
    assert matches("twitter.user.id == 155505157", {"twitter": {"user": {"id": "155505157"}}})
    assert matches("twitter.user.geo_enabled == 1", {"twitter": {"user": {"geo_enabled": True}}})
    assert matches('interaction.author.name == "Zoë"', {"interaction": {"author": {"name": "zoë"}}})


def test_not_equals_absent_and_not_equals():
    # spec §4.3: != is false on an absent target, NOT x == v is true
    assert not matches('twitter.source != "web"', {})
    assert matches('NOT twitter.source == "web"', {})
    assert matches('twitter.source != "web"', {"twitter": {"source": "iphone"}})
    assert not matches('twitter.source != "web"', {"twitter": {"source": "WEB"}})
    assert matches('twitter.source cs != "web"', {"twitter": {"source": "WEB"}})
    assert not matches("links.code != 200", {"links": {"code": [200]}})
    assert matches("links.code != 200", {"links": {"code": [200, 404]}})  # any element differs


# --- ordering comparisons ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "op, value, expected",
    [(">", 98, True), (">", 99, False), (">=", 99, True), ("<", 99, False), ("<=", 99, True), ("<", 100, True)],
)
def test_ordering(op, value, expected):
    assert matches(f"twitter.user.followers_count {op} {value}", {"twitter": {"user": {"followers_count": 99}}}) is expected


def test_ordering_types_and_absent():
    assert matches("salience.content.sentiment < -2", {"salience": {"content": {"sentiment": -5}}})
    assert matches("interaction.sample > 0.005", {"interaction": {"sample": "0.5"}})
    assert not matches("twitter.user.followers_count > 1", {})
    m = compile_matcher(csdl.parse("twitter.user.followers_count > 1"))
    ev = m.evaluate({"twitter": {"user": {"followers_count": "lots"}}})
    assert not ev.matched and "expected a number" in ev.issues[0][1]
    assert matches("links.code >= 400", {"links": {"code": [200, 404]}})


# --- exists -----------------------------------------------------------------------------------


def test_exists():
    f = "twitter.geo exists"
    assert matches(f, {"twitter": {"geo": {"latitude": 1, "longitude": 2}}})
    assert matches("interaction.content exists", content(""))  # present, even if empty
    assert not matches(f, {})
    assert not matches(f, {"twitter": {"geo": None}})
    assert not matches("twitter.hashtags exists", {"twitter": {"hashtags": []}})
    assert matches("NOT twitter.geo exists", {})


# --- geo --------------------------------------------------------------------------------------

LONDON = {"interaction": {"geo": {"latitude": 51.5007, "longitude": -0.1246}}}
NEW_YORK = {"interaction": {"geo": {"latitude": 40.7128, "longitude": -74.006}}}


def test_geo_box():
    f = 'interaction.geo geo_box "51.7,-0.5:51.3,0.3"'
    assert matches(f, LONDON)
    assert not matches(f, NEW_YORK)
    assert not matches(f, {})
    # across the 180th meridian
    fiji = {"interaction": {"geo": {"latitude": -17.7, "longitude": 179.9}}}
    assert matches('interaction.geo geo_box "-10,170:-20,-170"', fiji)


def test_geo_radius_great_circle_km():
    # London–Paris is about 344 km
    paris = 'interaction.geo geo_radius "48.8566,2.3522:350"'
    assert matches(paris, LONDON)
    assert not matches('interaction.geo geo_radius "48.8566,2.3522:330"', LONDON)
    assert matches('twitter.geo geo_radius "40.78, -73.97:250"', {"twitter": {"geo": NEW_YORK["interaction"]["geo"]}})
    assert not matches(paris, {})


def test_geo_polygon():
    triangle = 'interaction.geo geo_polygon "52,-1:52,1:51,0"'
    assert matches(triangle, LONDON)
    assert not matches(triangle, NEW_YORK)
    # a concave shape: the notch is outside
    u_shape = 'interaction.geo geo_polygon "0,0:10,0:10,10:0,10:0,7:8,7:8,3:0,3"'
    assert matches(u_shape, {"interaction": {"geo": {"latitude": 5, "longitude": 1}}})
    assert not matches(u_shape, {"interaction": {"geo": {"latitude": 4, "longitude": 5}}})


def test_geo_wrong_type_is_reported_not_matched():
    m = compile_matcher(csdl.parse('interaction.geo geo_radius "51.5,-0.12:10"'))
    ev = m.evaluate({"interaction": {"geo": "51.5,-0.12"}})
    assert not ev.matched and ev.issues
    ev = m.evaluate({"interaction": {"geo": {"latitude": 95, "longitude": 0}}})
    assert not ev.matched and ev.issues


# --- logic ------------------------------------------------------------------------------------


def test_and_or_not_precedence():
    f = 'a.x == "1" or a.y == "1" and a.z == "1"'
    assert matches(f, {"a": {"x": "1"}})
    assert not matches(f, {"a": {"y": "1"}})
    assert matches(f, {"a": {"y": "1", "z": "1"}})
    assert matches('NOT (a.x == "1" or a.y == "1")', {"a": {}})
    assert matches('a.x == "1" and a.y == "2" and a.z == "3"', {"a": {"x": "1", "y": "2", "z": "3"}})


def test_not_contains_matches_absent_target():
    assert matches('NOT twitter.user.description contains "data"', {})
    assert matches('NOT twitter.user.description contains "data"', {"twitter": {"user": {"description": ""}}})


def test_match_requires_a_dict():
    m = compile_matcher(csdl.parse('a.b == "x"'))
    with pytest.raises(TypeError):
        m.match(["not", "a", "post"])
