"""Deterministic benchmark inputs (no randomness between runs: the same text every time)."""

from __future__ import annotations

import os
import random

SMALL = (
    'interaction.content contains_any "coffee, tea, latte" AND language.tag == "en" '
    'AND NOT (twitter.user.followers_count < 10 OR interaction.content contains "spam") '
    'AND interaction.sample < 50'
)

_TARGETS = ["interaction.content", "twitter.text", "interaction.title", "fb.content", "links.title"]
_WORDS = [f"w{i}" for i in range(400)]


def _condition(rng: random.Random) -> str:
    target = rng.choice(_TARGETS)
    kind = rng.randrange(4)
    if kind == 0:
        return f'{target} contains "{rng.choice(_WORDS)}"'
    if kind == 1:
        return f'{target} contains_any "{", ".join(rng.sample(_WORDS, 3))}"'
    if kind == 2:
        return f"interaction.sample < {rng.randrange(1, 100)}"
    return f'{target} regex_partial "{rng.choice(_WORDS)}[0-9]+"'


def conditions_filter(count: int = 500, seed: int = 7) -> str:
    """About 20 KB: ``count`` conditions in AND-groups of 1-4 joined by OR, 15 % negated."""
    rng = random.Random(seed)
    groups, made = [], 0
    while made < count:
        size = min(rng.randrange(1, 5), count - made)
        parts = [("NOT " if rng.random() < 0.15 else "") + _condition(rng) for _ in range(size)]
        made += size
        groups.append("(" + " AND ".join(parts) + ")" if size > 1 else parts[0])
    return "\nOR ".join(groups)


def keyword_filter(count: int = 100_000) -> str:
    """About 1 MB: one ``contains_any`` with ``count`` keywords and one more condition."""
    keywords = ", ".join(f"kw{i:06d}" for i in range(count))
    return f'interaction.content contains_any "{keywords}" AND interaction.sample < 50'


def nested_filter(levels: int = 10_000) -> str:
    return "(" * levels + 'twitter.text contains "x"' + ")" * levels


def typical_filters(count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        n = rng.randrange(2, 9)
        body = "\nAND ".join(_condition(rng) for _ in range(n))
        if i % 4 == 0:
            out.append(f'tag.topic "t{i}" {{ {_condition(rng)} }}\n\nreturn {{\n    {body}\n}}\n')
        else:
            out.append(body + "\n")
    return out


def write_directory(path: str, count: int) -> str:
    os.makedirs(path, exist_ok=True)
    for i, text in enumerate(typical_filters(count)):
        with open(os.path.join(path, f"filter_{i:04d}.csdl"), "w", encoding="utf-8") as f:
            f.write(text)
    return path
