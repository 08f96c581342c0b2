"""The example corpus (tests/corpus/examples.txt) as (id, expectation, text) triples."""

from __future__ import annotations

import os
import re

CORPUS = os.path.join(os.path.dirname(__file__), "corpus", "examples.txt")


def load_examples() -> list[tuple[str, str, str]]:
    with open(CORPUS, encoding="utf-8") as f:
        text = f.read()
    out = []
    for match in re.finditer(r"^### (\S+) (\S+) \S+\n(.*?)(?=^### |\Z)", text, re.S | re.M):
        out.append((match.group(1), match.group(2), match.group(3).rstrip("\n")))
    return out


def examples(*expectations: str) -> list:
    import pytest

    return [pytest.param(text, id=f"ex{ident}") for ident, kind, text in load_examples() if kind in expectations]
