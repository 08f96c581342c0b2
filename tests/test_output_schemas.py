"""The machine outputs match the JSON Schemas published in docs/schemas/ (and the check report
is one versioned object, as the cost report is)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jsonschema
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def schema(name: str) -> dict:
    with open(os.path.join(ROOT, "docs", "schemas", name), encoding="utf-8") as f:
        return json.load(f)


def output(*args, cwd=ROOT, stdin=None) -> dict:
    result = subprocess.run([sys.executable, "-m", "csdl", *args], cwd=cwd, input=stdin, capture_output=True,
                            text=True, env=dict(os.environ, NO_COLOR="1"))
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def assert_valid(payload: dict, name: str) -> None:
    validator = jsonschema.Draft202012Validator(schema(name))
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(payload)]
    assert errors == []


@pytest.mark.parametrize("name", ["check.schema.json", "cost.schema.json"])
def test_the_schemas_are_valid_schemas(name):
    jsonschema.Draft202012Validator.check_schema(schema(name))


@pytest.mark.parametrize("args", [
    ("check", "--isolated", "examples/filters", "--format", "json"),
    ("check", "--isolated", "examples/broken.csdl", "--format", "json"),
    ("check", "--isolated", "examples", "--format", "json"),
])
def test_check_json(args):
    payload = output(*args)
    assert_valid(payload, "check.schema.json")
    assert payload["summary"]["files"] >= 1
    assert payload["summary"]["errors"] + payload["summary"]["warnings"] == len(payload["diagnostics"])


def test_check_json_with_every_error_and_a_fix():
    payload = output("check", "--isolated", "-", "--format", "json",
                     stdin='a.b contains\nAND twitter.text contains "x" OR twitter.text contains "x"\nAND c.d ==\n')
    assert_valid(payload, "check.schema.json")
    assert [d["code"] for d in payload["diagnostics"] if d["code"].startswith("E0")] == ["E004", "E004"]


def test_a_wrong_payload_fails_the_schema():
    # the test can fail: the old bare array is not a valid report
    with pytest.raises(AssertionError):
        assert_valid([{"file": "x", "code": "E101"}], "check.schema.json")


def test_cost_json(tmp_path):
    base = output("cost", "--isolated", "examples/filters", "--format", "json")
    assert_valid(base, "cost.schema.json")
    (tmp_path / "base.json").write_text(json.dumps(base))
    compared = output("cost", "--isolated", "examples/filters", "examples/broken.csdl", "--format", "json",
                      "--compare-to", str(tmp_path / "base.json"), "--fail-above", "0.3")
    assert_valid(compared, "cost.schema.json")
    assert compared["diff"] and compared["budgets"]
    assert any(f["errors"] for f in compared["files"])


def test_cost_json_with_tags_and_unresolved_streams():
    text = ('tag "a" { twitter.text contains "x" }\ntag.s.score +5 { twitter.text exists }\n'
            'return { stream "f0596f03644177b8bf5b59708a08bfe8" OR twitter.text contains_any "a, b" }\n')
    payload = output("cost", "--isolated", "-", "--format", "json", stdin=text)
    assert_valid(payload, "cost.schema.json")
    (record,) = payload["files"]
    assert record["tags"] and record["streams"] and not record["complete"]
