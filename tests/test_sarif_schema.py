"""`csdl check --format sarif` is valid SARIF 2.1.0, with format checks on (`uri-reference`).

The schema (tests/data/sarif/sarif-2.1.0-csdl.schema.json) is ours: written from the SARIF 2.1.0
specification for the objects csdl emits (closed objects, the specification's types and value
sets), since the official schema file cannot be installed from a package registry here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jsonschema
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = json.load(open(os.path.join(ROOT, "tests", "data", "sarif", "sarif-2.1.0-csdl.schema.json"), encoding="utf-8"))
BROKEN = 'twitter.text contains "a" OR twitter.text contains "a"\nAND no_such.target exists\n'


def sarif(args, cwd, stdin=None) -> dict:
    env = dict(os.environ, NO_COLOR="1")
    result = subprocess.run([sys.executable, "-m", "csdl", "check", "--isolated", "--format", "sarif", *args],
                            cwd=cwd, input=stdin, capture_output=True, text=True, env=env)
    assert result.returncode == 1, result.stderr
    return json.loads(result.stdout)


def validate(payload: dict) -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(payload), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_the_uri_format_is_really_checked():
    # the test would pass vacuously if no uri-reference checker were installed
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
        {"message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a b#c#d"}}}]}]}]}
    with pytest.raises(AssertionError):
        validate(bad)


@pytest.mark.parametrize("name", ["plain.csdl", "with space.csdl", "hash#1.csdl", "100%.csdl", "ünï.csdl"])
def test_files_with_awkward_names(tmp_path, name):
    (tmp_path / "sub dir").mkdir()
    (tmp_path / "sub dir" / name).write_text(BROKEN, encoding="utf-8")
    payload = sarif(["sub dir"], cwd=tmp_path)
    validate(payload)
    run = payload["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"] for loc in r["locations"]}
    from urllib.parse import unquote

    assert {unquote(u) for u in uris} == {f"sub dir/{name}"}


def test_absolute_paths_become_file_uris(tmp_path):
    path = tmp_path / "a b.csdl"
    path.write_text(BROKEN)
    payload = sarif([str(path)], cwd=tmp_path)
    validate(payload)
    (uri,) = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in payload["runs"][0]["results"]
              for loc in r["locations"]}
    assert uri.startswith("file:///") and uri.endswith("/a%20b.csdl")


def test_standard_input(tmp_path):
    validate(sarif(["-"], cwd=tmp_path, stdin=BROKEN))
    validate(sarif(["-", "--stdin-filename", "my filter.csdl"], cwd=tmp_path, stdin=BROKEN))


def test_fixes_and_rules_validate(tmp_path):
    (tmp_path / "f.csdl").write_text('twitter.text contains "x" // noqa: W101\nOR twitter.text contains "x"\n')
    payload = sarif(["f.csdl"], cwd=tmp_path)
    validate(payload)
    assert any("fixes" in r for r in payload["runs"][0]["results"])


@pytest.mark.parametrize("change", [
    lambda run: run.update(columnKind="bytes"),  # not one of the specification's column kinds
    lambda run: run["tool"]["driver"].update(colour="red"),  # a property SARIF does not define
    lambda run: run["results"][0].update(level="fatal"),
    lambda run: run["results"][0]["locations"][0]["physicalLocation"]["region"].update(startLine=0),
])
def test_the_schema_rejects_what_sarif_forbids(tmp_path, change):
    (tmp_path / "f.csdl").write_text(BROKEN)
    payload = sarif(["f.csdl"], cwd=tmp_path)
    validate(payload)
    change(payload["runs"][0])
    with pytest.raises(AssertionError):
        validate(payload)
