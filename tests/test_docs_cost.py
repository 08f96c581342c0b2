"""docs/cost.md and docs/billing.md cannot drift: every worked example in them is recomputed here.

A fenced block whose info string is ``csdl dpu=X`` is costed and must come to ``X``; a block
``bill KEY=VALUE …`` is run as ``csdl bill <block> --format json`` and each (dotted) key of the
JSON answer must print as ``VALUE``. Every decision the model marks as ours in its code
(``[decision: ID]``) is documented as ours (``<!-- decision: ID -->`` in a passage that says so).
"""

from __future__ import annotations

import json
import os
import re
import shlex

import pytest

import csdl
from csdl.cli import main
from csdl.units import dpu_text

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "cost.md")
BILLING_DOC = os.path.join(ROOT, "docs", "billing.md")
FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```$", re.S | re.M)


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def blocks(kind: str, paths=(DOC,)) -> list[tuple[dict, str]]:
    out = []
    for path in paths:
        for match in FENCE.finditer(_read(path)):
            words = match.group("info").split()
            if words and words[0] == kind:
                expected = dict(word.split("=", 1) for word in words[1:])
                out.append((expected, match.group("body")))
    return out


CSDL_BLOCKS = blocks("csdl")
BILL_BLOCKS = blocks("bill", (DOC, BILLING_DOC))


def test_the_guide_has_worked_examples():
    assert len(CSDL_BLOCKS) >= 15 and len(blocks("bill")) >= 8 and len(blocks("bill", (BILLING_DOC,))) >= 8
    assert all("dpu" in expected for expected, _ in CSDL_BLOCKS)


@pytest.mark.parametrize("expected, body", CSDL_BLOCKS, ids=[f"csdl-{i}" for i in range(len(CSDL_BLOCKS))])
def test_csdl_example(expected, body):
    assert dpu_text(csdl.cost(body).dpu) == expected["dpu"]


def _lookup(data, dotted: str):
    for key in dotted.split("."):
        data = data[int(key)] if isinstance(data, list) else data[key]
    return data


@pytest.mark.parametrize("expected, body", BILL_BLOCKS, ids=[f"bill-{i}" for i in range(len(BILL_BLOCKS))])
def test_bill_example(expected, body, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["bill", *shlex.split(body), "--format", "json", "--isolated"])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 0, err
    data = json.loads(out)
    for key, value in expected.items():
        assert str(_lookup(data, key)) == value, key


# Where the model makes its decisions: the cost model, billing, the units it rounds with, the hash.
MODEL = [os.path.join(ROOT, "csdl", part) for part in ("costing", "billing", "units.py", os.path.join("language", "canonical.py"))]
CODE_MARKER = re.compile(r"\[decision(?::\s*(?P<id>[a-z0-9-]+))?\]")
DOC_MARKER = re.compile(r"<!-- decision: (?P<id>[a-z0-9-]+) -->")


def _model_files():
    for path in MODEL:
        if os.path.isfile(path):
            yield path
        for folder, _, names in os.walk(path):
            yield from (os.path.join(folder, n) for n in sorted(names) if n.endswith(".py"))


def code_decisions() -> dict[str, str]:
    """Every ``[decision: ID]`` in the model's code, with where it is; a bare ``[decision]`` fails."""
    found = {}
    for path in _model_files():
        for number, line in enumerate(_read(path).splitlines(), 1):
            for match in CODE_MARKER.finditer(line):
                where = f"{os.path.relpath(path, ROOT)}:{number}"
                assert match.group("id"), f"{where}: a decision marker needs an id, [decision: some-id]"
                found.setdefault(match.group("id"), where)
    return found


def doc_passages() -> dict[str, list[str]]:
    """For each ``<!-- decision: ID -->`` in the docs, the passages (paragraph or list item) it sits in."""
    out: dict[str, list[str]] = {}
    for path in (DOC, BILLING_DOC):
        for paragraph in re.split(r"\n\s*\n", _read(path)):
            for passage in re.split(r"\n(?=\s*[*-] )", paragraph):
                for match in DOC_MARKER.finditer(passage):
                    out.setdefault(match.group("id"), []).append(DOC_MARKER.sub("", passage))
    return out


DECISIONS = code_decisions()


def test_the_model_marks_its_decisions():
    # the spec's [decision]s and the billing rules DataSift left open
    assert len(DECISIONS) >= 25
    assert {"contains-combined", "tag-scope", "stream-once", "our-hash", "subscription-minimum"} <= set(DECISIONS)


@pytest.mark.parametrize("decision", sorted(DECISIONS))
def test_every_decision_is_documented_as_ours(decision):
    passages = doc_passages().get(decision)
    assert passages, f"{DECISIONS[decision]}: [decision: {decision}] is not documented (<!-- decision: {decision} -->)"
    assert any(re.search(r"\bours?\b", p, re.I) for p in passages), f"the docs do not say `{decision}` is ours"


def test_no_documented_decision_is_stale():
    stale = set(doc_passages()) - set(DECISIONS)
    assert not stale, f"documented as decisions but not marked in the model: {sorted(stale)}"


def test_what_the_model_does_not_follow_is_said():
    text = " ".join(_read(DOC).split())
    assert "not modelled" in text and "PYLON" in text
