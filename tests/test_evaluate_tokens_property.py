"""The fast paths (RE2 keyword programs, substring + neighbour checks, phrase regexes, token sets)
against the definition: a phrase matches where its tokens occur contiguously among the text's."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from csdl.evaluate import text as T
from csdl.language.tokens import tokenize

ALPHABET = "ab_é1 .-#\u00a0\t東"
words = st.text(alphabet="ab_é1#-東", min_size=1, max_size=4)
phrases = st.lists(words, min_size=1, max_size=3).map(" ".join)
texts = st.text(alphabet=ALPHABET, max_size=40)


def reference(item: str, text: str) -> bool:
    needle, hay = tokenize(item.lower()), tokenize(text.lower())
    if not needle:
        return False
    n = len(needle)
    return any(hay[i : i + n] == needle for i in range(len(hay) - n + 1))


@settings(max_examples=400, deadline=None)
@given(st.lists(phrases, min_size=1, max_size=5), texts)
def test_contains_any_paths_agree_with_tokens(items, text):
    expected = any(reference(item, text) for item in items)
    low = text.lower()
    assert T.contains_any(items, lower=True)(low, {}) is expected  # one RE2 program
    padded = items + [f"zzq{i}" for i in range(T.TOKEN_SET_THRESHOLD)]  # forces token sets
    assert T.contains_any(padded, lower=True)(low, {}) is expected
    assert T.contains_any(padded, lower=True, shared=False)(low, {}) is expected  # words not kept


@settings(max_examples=400, deadline=None)
@given(phrases, texts)
def test_contains_agrees_with_tokens(item, text):
    assert T.contains(item, lower=True)(text.lower(), {}) is reference(item, text)


@settings(max_examples=300, deadline=None)
@given(st.lists(phrases, min_size=1, max_size=4), texts)
def test_contains_all_paths_agree_with_tokens(items, text):
    expected = all(reference(item, text) for item in items)
    low = text.lower()
    assert T.contains_all(items, lower=True)(low, {}) is expected
    padded = items + [f"zzq{i}" for i in range(T.TOKEN_SET_THRESHOLD)]
    assert T.contains_all(padded, lower=True)(low + " " + " ".join(padded[len(items):]), {}) is expected


def test_word_edges_are_unicode_aware():
    test = T.contains("ipad", lower=True)
    assert not test("éipad", {}) and not test("my_ipad", {}) and not test("ipad東", {})
    assert test("ipadipad ipad", {})  # a later occurrence counts
    assert test("東 ipad", {})
    many = T.contains_any(["ipad", "x"], lower=True)
    assert not many("éipad", {}) and not many("ipad_", {}) and many("(ipad)", {})
    assert T.contains_any(["big data"], lower=True)("big\u00a0data", {})  # NBSP is white space


# Word splitting: any character at all (surrogates, emoji, every kind of white space and
# punctuation), against the definition, the regular expression ``\w+``.
any_texts = st.text(st.characters(codec=None, exclude_categories=()), max_size=30) | st.text(
    alphabet="ab_é1 .-#\u00a0\t\x1c\x85\u2028東🍣\ud800’", max_size=30)


@settings(max_examples=500, deadline=None)
@given(any_texts)
def test_words_of_is_the_word_regex(text):
    import re

    assert T.words_of(text, {}) == re.findall(r"\w+", text)


def test_word_characters_are_alnum_or_underscore_and_never_space():
    """What the fast word splitting rests on, over every code point."""
    import re
    import sys

    word = re.compile(r"\w")
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        is_word = char.isalnum() or char == "_"
        assert (word.match(char) is not None) is is_word, hex(code)
        assert not (is_word and char.isspace()), hex(code)
