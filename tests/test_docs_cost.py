"""docs/cost.md cannot drift: every worked example in it is recomputed here.

A fenced block whose info string is ``csdl dpu=X`` is costed and must come to ``X``; a block
``bill KEY=VALUE …`` is run as ``csdl bill <block> --format json`` and each (dotted) key of the
JSON answer must print as ``VALUE``.
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

DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "cost.md")
FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```$", re.S | re.M)


def blocks(kind: str) -> list[tuple[dict, str]]:
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    out = []
    for match in FENCE.finditer(text):
        words = match.group("info").split()
        if words and words[0] == kind:
            expected = dict(word.split("=", 1) for word in words[1:])
            out.append((expected, match.group("body")))
    return out


CSDL_BLOCKS = blocks("csdl")
BILL_BLOCKS = blocks("bill")


def test_the_guide_has_worked_examples():
    assert len(CSDL_BLOCKS) >= 15 and len(BILL_BLOCKS) >= 8
    assert all("dpu" in expected for expected, _ in CSDL_BLOCKS)


@pytest.mark.parametrize("expected, body", CSDL_BLOCKS, ids=[f"csdl-{i}" for i in range(len(CSDL_BLOCKS))])
def test_csdl_example(expected, body):
    assert dpu_text(csdl.cost(body).dpu) == expected["dpu"]


def _lookup(data, dotted: str):
    for key in dotted.split("."):
        data = data[key]
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


def test_every_decision_is_marked_as_ours():
    with open(DOC, encoding="utf-8") as f:
        text = " ".join(f.read().split())
    for phrase in ["PYLON", "not modelled", "MD5", "The hash is ours, not DataSift's", "charged once per filter",
                   "1 DPU/hour minimum applies to subscription usage too (ours)"]:
        assert phrase in text
