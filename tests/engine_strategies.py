"""Hypothesis strategies for the differential engine tests: filters using every operator (with
nesting, NOT, tags and scores) and posts that stress the semantics (absent and null fields,
arrays, numbers where text is expected, Unicode, mixed case, punctuation)."""

from __future__ import annotations

from hypothesis import strategies as st

# Words whose case, accents, tokens or lower-casing differ between naive implementations.
WORDS = ["coffee", "Coffee", "COFFEE", "tea", "flat", "white", "New", "York", "café", "CAFÉ", "straße", "STRASSE",
         "İstanbul", "istanbul", "ΟΔΟΣ", "οδος", "東京", "e-mail", "email", "50", "%", "#apple", "apple", "_x_", "x1",
         "big", "data", "database", "print", "reprint", "Σ", "ǅ", "🙂", "née", "a", "b"]
PUNCT = [" ", " ", " ", ", ", ". ", "! ", " - ", "\t", "\n", "#", "(", ")", ":", "/"]

# interaction.created_at at the edges of the common shape (a second 60, a day the month lacks, years
# 0 and 1, offsets of 18 hours and more): engines must time them as the Python engine does.
EDGE_STAMPS = ["Mon, 04 Mar 2024 01:07:60 +0000", "Mon, 31 Apr 2024 01:07:00 +0000", "Mon, 29 Feb 2023 01:07:00 +0000",
                "Thu, 29 Feb 2024 23:59:59 -2359", "Mon, 00 Mar 2024 01:07:00 +0000", "Sat, 04 Mar 0000 01:07:00 +0000",
                "Sun, 04 Mar 0001 01:07:00 +0000", "Fri, 04 Dec 9999 23:59:59 -1800", "Mon, 04 Mar 2024 24:00:00 +0000",
                "Mon, 04 Mar 2024 01:60:00 +0000", "Mon, 04 Mar 2024 01:07:00 +2400", "Mon, 04 Mar 2024 01:07:00 +0560",
                "Wed, 04 Jun 1969 01:07:00 +1745", "Mon, 04 Mar 2024 01:07:00 +1900", "Mon, 04 Mar 2024 01:07:00 -0530"]

TEXT_TARGETS = ["interaction.content", "interaction.title", "interaction.hashtags"]
NUMBER_TARGETS = ["twitter.user.followers_count", "interaction.sample"]


@st.composite
def texts(draw) -> str:
    parts = draw(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(PUNCT)), max_size=8))
    return "".join(w + p for w, p in parts).strip(" ") if draw(st.booleans()) else "".join(w + p for w, p in parts)


#: Strings that read as DuckDB's reader writes a number, a boolean, an object or an array, and near misses.
LOOKALIKES = ["5", "-2.5", "1e5", "0.50", "true", "false", '{"t": "tea"}', "[tea]", "{}", "[]", "-", "tea 5", "null", "True"]


def _text_value():
    return st.one_of(
        texts(), texts(), texts(), st.sampled_from(LOOKALIKES),
        st.lists(st.one_of(texts(), st.none()), max_size=3),
        st.integers(-5, 200), st.just(2.5), st.booleans(), st.none(),
        st.just({"nested": "coffee"}),
    )


def _number_value():
    return st.one_of(
        st.integers(-10, 1000), st.integers(-10, 1000), st.sampled_from([0.5, 49.99, 50.0, 1e3, -2.5]),
        st.sampled_from(["155", " 2.5 ", "lots", "", "1e2", "0x10"]), st.booleans(), st.none(),
        st.lists(st.integers(0, 100), max_size=3), st.just({"n": 1}),
    )


def _geo_value():
    return st.one_of(
        st.fixed_dictionaries({"latitude": st.floats(-95, 95, allow_nan=False), "longitude": st.floats(-185, 185, allow_nan=False)}),
        st.fixed_dictionaries({"latitude": st.sampled_from([51.45, 51.5, 0, 90]), "longitude": st.sampled_from([-0.96, -0.1, 0, 180])}),
        st.just({"latitude": 51.45}), st.just("51.45,-0.96"), st.none(),
    )


@st.composite
def posts(draw, typed: bool = False) -> dict:
    """One post. ``typed``: every field has one JSON type across posts (what Parquet holds)."""
    post: dict = {"interaction": {"id": f"{draw(st.integers(0, 10**6)):x}", "type": draw(st.sampled_from(["twitter", "facebook"]))}}
    interaction = post["interaction"]
    if typed:
        if draw(st.booleans()):
            interaction["content"] = draw(texts())
        if draw(st.booleans()):
            interaction["title"] = draw(texts())
        if draw(st.booleans()):
            interaction["hashtags"] = draw(st.lists(texts(), max_size=3))
        if draw(st.booleans()):
            interaction["sample"] = draw(st.floats(0, 100, allow_nan=False))
        if draw(st.booleans()):
            post["twitter"] = {"user": {"followers_count": draw(st.integers(-10, 1000)), "lang": draw(st.sampled_from(["en", "EN", "fr"]))}}
        if draw(st.booleans()):
            interaction["geo"] = {"latitude": draw(st.floats(-90, 90, allow_nan=False)), "longitude": draw(st.floats(-180, 180, allow_nan=False))}
        if draw(st.booleans()):
            post["links"] = {"url": draw(st.lists(st.sampled_from(["http://www.apple.com/", "https://google.com/?utm_source=x", "bing.com/index.html"]), max_size=2))}
        return post
    for key in ("content", "title", "hashtags"):
        if draw(st.booleans()):
            interaction[key] = draw(_text_value())
    if draw(st.booleans()):
        interaction["sample"] = draw(_number_value())
    if draw(st.booleans()):
        post["twitter"] = {"user": {"followers_count": draw(_number_value()), "lang": draw(st.sampled_from(["en", "EN", 5, None]))}}
    elif draw(st.booleans()):
        post["twitter"] = draw(st.sampled_from(["not an object", [{"user": {"followers_count": 7}}]]))
    if draw(st.booleans()):
        interaction["geo"] = draw(_geo_value())
    if draw(st.booleans()):
        post["links"] = {"url": draw(st.one_of(st.lists(st.sampled_from(["http://www.apple.com/", "https://google.com/?utm_source=x", "bing.com/index.html"]), max_size=2),
                                               st.just("apple.com")))}
    if draw(st.booleans()):
        post["salience"] = {"topics": draw(st.lists(st.fixed_dictionaries({"name": texts()}), max_size=2))}
    return post


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace(",", "\\,")


@st.composite
def conditions(draw) -> str:
    text_target = draw(st.sampled_from(TEXT_TARGETS + ["salience.topics.name", "twitter.user.lang"]))
    number_target = draw(st.sampled_from(NUMBER_TARGETS))
    word = _quoted(draw(st.sampled_from(WORDS)))
    phrase = _quoted(draw(texts()).strip() or "coffee")
    words = ", ".join(_quoted(w) for w in draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4)))
    cs = "cs " if draw(st.booleans()) else ""
    number = draw(st.sampled_from(["0", "5", "50", "49.99", "-2", "1000"]))
    return draw(st.sampled_from([
        f'{text_target} {cs}contains "{word}"',
        f'{text_target} {cs}contains "{phrase}"',
        f'{text_target} contains [case(true)] "{word}"',
        f'{text_target} {cs}contains_any "{words}"',
        f'{text_target} {cs}contains_all "{words}"',
        f'{text_target} contains_near "{words.replace(" ", "")}:{draw(st.integers(1, 6))}"',
        f'{text_target} {cs}substr "{word}"',
        f'{text_target} {cs}wildcard "{draw(st.sampled_from(["cof*", "print*", "big dat*", "caf?", "*", "?a"]))}"',
        f'{text_target} regex_partial "{draw(st.sampled_from(["[Cc]off?ee", "^a", "(?i)istanbul", "[0-9]+%"]))}"',
        f'{text_target} regex_exact "{draw(st.sampled_from(["coffee", ".*tea.*", "(?s).*"]))}"',
        f'{text_target} in "{words}"',
        f'{text_target} {cs}== "{word}"',
        f'{text_target} != "{word}"',
        f"{text_target} exists",
        f"{number_target} {draw(st.sampled_from(['<', '<=', '>', '>=', '==', '!=']))} {number}",
        f'{number_target} == "{number}"',
        f"{number_target} in [0, 5, 50]",
        f'{number_target} in "5, 50, x"',
        f"{number_target} exists",
        'links.url url_in "apple.com, google.com, bing.com"',
        f'interaction.geo geo_box "{draw(st.sampled_from(["52,-1:51,0", "90,-180:-90,180", "10,170:-10,-170"]))}"',
        f'interaction.geo geo_radius "51.45,-0.96:{draw(st.sampled_from(["1", "50", "5000"]))}"',
        'interaction.geo geo_polygon "51,-1:52,-1:52,0:51,0"',
        "interaction.geo exists",
        "interaction.nowhere exists",
        f'interaction.type == "{draw(st.sampled_from(["twitter", "Twitter", "x"]))}"',
    ]))


@st.composite
def expressions(draw, depth: int = 0) -> str:
    if depth >= 3 or draw(st.integers(0, 2)) == 0:
        expr = draw(conditions())
    else:
        parts = draw(st.lists(expressions(depth + 1), min_size=2, max_size=3))
        expr = "(" + f" {draw(st.sampled_from(['AND', 'OR']))} ".join(parts) + ")"
    return f"NOT {expr}" if draw(st.integers(0, 3)) == 0 else expr


@st.composite
def filters(draw) -> str:
    rules = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.integers(0, 2))
        body = draw(expressions(1))
        if kind == 0:
            rules.append(f'tag "{draw(st.sampled_from(["hot", "cold", "Hot"]))}" {{ {body} }}')
        elif kind == 1:
            rules.append(f'tag.topic.{draw(st.sampled_from(["drinks", "places"]))} "{draw(st.sampled_from(["a", "b"]))}" {{ {body} }}')
        else:
            rules.append(f'tag.score.{draw(st.sampled_from(["buy", "sell"]))} {draw(st.sampled_from(["+20", "-5", "2.5", "0.1"]))} {{ {body} }}')
    main = draw(expressions())
    if not rules:
        return main
    return "\n".join(rules) + f"\nreturn {{ {main} }}"
