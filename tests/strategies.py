"""Hypothesis strategies for CSDL text: valid filters (with comments and mixed keyword case) and
token soup that reaches deep into the parser's error paths."""

from __future__ import annotations

from hypothesis import strategies as st

TARGETS = ["interaction.content", "twitter.text", "interaction.sample", "twitter.geo", "links.code", "fb.parent.content", "2ch.content"]
WORDS = ["coffee", "tea", "New York", "a\\, b", "50%", "#apple", "café", 'say \\"hi\\"', "x"]


def _case(word: str):
    return st.sampled_from([word.lower(), word.upper(), word.capitalize()])


@st.composite
def conditions(draw) -> str:
    target = draw(st.sampled_from(TARGETS))
    word = draw(st.sampled_from(WORDS))
    words = ", ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4)))
    number = draw(st.one_of(st.integers(-1000, 1000).map(str), st.sampled_from(["5.25", "-2", "0.005", "+20"])))
    form = draw(st.sampled_from([
        f'{target} {{cs}}contains "{word}"',
        f'{target} {{cs}}contains_any "{words}"',
        f'{target} any "{words}"',
        f'{target} contains_near "{words.replace(" ", "")}:{draw(st.integers(1, 50))}"',
        f'{target} substr "{word}"',
        f'{target} wildcard "pr*nt, a?c"',
        f'{target} regex_partial "[a-z]+\\\\.{word[:1]}"',
        f'{target} in "{words}"',
        f"{target} in [{', '.join(draw(st.lists(st.integers(0, 999).map(str), max_size=4)))}]",
        f'{target} url_in "www.apple.com, google.com"',
        f"{target} exists",
        f'{target} {{cs}}== "{word}"',
        f"{target} != {number}",
        f"{target} {draw(st.sampled_from(['<', '<=', '>', '>=']))} {number}",
        f'{target} geo_radius "51.45,-0.96:{draw(st.integers(1, 500))}"',
        f'{target} geo_polygon "1,2:3,4:5,6"',
        f'{target} contains [case(true)] "{word}"',
        'stream "f0596f03644177b8bf5b59708a08bfe8"',
    ]))
    form = form.replace("{cs}", draw(st.sampled_from(["", "cs ", "CS "])))
    parts = form.split(" ", 2)
    if len(parts) >= 2 and not form.startswith("stream"):
        parts[1] = draw(_case(parts[1])) if parts[1].isalpha() or "_" in parts[1] else parts[1]
    return " ".join(parts)


def _space(draw) -> str:
    return draw(st.sampled_from([" ", " ", "  ", "\n", "\n    ", " /* note */ ", " // note\n", "\t"]))


@st.composite
def expressions(draw, depth: int = 0) -> str:
    if depth >= 4 or draw(st.integers(0, 3)) == 0:
        return draw(conditions())
    kind = draw(st.sampled_from(["and", "or", "not", "group"]))
    if kind == "not":
        return f"{draw(_case('not'))}{_space(draw)}{draw(expressions(depth + 1))}"
    if kind == "group":
        return f"({_space(draw)}{draw(expressions(depth + 1))}{_space(draw)})"
    operands = draw(st.lists(expressions(depth + 1), min_size=2, max_size=3))
    glue = f"{_space(draw)}{draw(_case(kind))}{_space(draw)}"
    # Parenthesise operands so that the generated text means what it says.
    return glue.join(f"({o})" for o in operands)


@st.composite
def filters(draw) -> str:
    main = draw(expressions())
    if draw(st.booleans()):
        return main + draw(st.sampled_from(["", "\n", " // trailing\n"]))
    tags = draw(st.lists(st.tuples(
        st.sampled_from(["tag", "tag.device", "tag.sales.lead_score", "TAG.a-b.c_d"]),
        st.sampled_from(['"iPhone"', '"Steve Jobs"', "+20", "-1.5", "3"]),
        expressions(2),
    ), max_size=3))
    parts = []
    for head, label, body in tags:
        if head == "tag" and not label.startswith('"'):
            label = '"x"'
        parts.append(f"{head} {label} {{{_space(draw)}{body}{_space(draw)}}}")
    if draw(st.booleans()):
        parts.insert(0, 'tags "b18638ed3c5eaee2929dccb11d721579"')
    parts.append(f"{draw(_case('return'))} {{{_space(draw)}{main}{_space(draw)}}}")
    return "\n".join(parts) + "\n"


FRAGMENTS = [
    "interaction.content", "a.b", " ", "\n", "contains", "any", "cs", "==", "<", "in", "exists", "and", "OR",
    "not", "(", ")", "{", "}", "[", "]", ",", '"x"', '"a, b"', '"', "\\", "1", "-2.5", "tag", "tag.a", "tags",
    "return", "stream", '"0123456789abcdef0123456789abcdef"', "//", "/*", "*/", "[case(true)]", "geo_box", "\x00", "é",
]

soup = st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join)
