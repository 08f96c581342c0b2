"""The sarif (2.1.0) and github output formats."""

from __future__ import annotations

import json

import csdl
from csdl.cli.reporters import MACHINE_FORMATS, REPORTERS, FileResult

TEXT = 'interactin.content contains "x"\nOR interaction.content contains_any "a, a"\n'


def results():
    return [FileResult("filters/a.csdl", TEXT, csdl.check(TEXT)), FileResult("filters/clean.csdl", "x", [])]


def test_formats_are_registered_as_machine_formats():
    assert {"sarif", "github"} <= set(REPORTERS)
    assert {"sarif", "github"} <= MACHINE_FORMATS


def test_sarif_has_what_code_scanning_reads():
    payload = json.loads(REPORTERS["sarif"](results()))
    assert payload["version"] == "2.1.0"
    assert payload["$schema"].endswith("sarif-2.1.0.json")
    (run,) = payload["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "csdl" and driver["version"] == csdl.__version__
    rules = {r["id"]: r for r in driver["rules"]}
    assert set(rules) == {"E101", "W202"}
    assert rules["E101"]["name"] == "unknown-target"
    assert rules["E101"]["shortDescription"]["text"] == "A target that is not in the catalogue."
    assert rules["E101"]["defaultConfiguration"]["level"] == "error"
    assert "Bad" in rules["W202"]["fullDescription"]["text"]

    first, second = run["results"]
    assert first["ruleId"] == "E101" and first["level"] == "error"
    assert driver["rules"][first["ruleIndex"]]["id"] == "E101"
    assert first["message"]["text"] == "unknown target `interactin.content`; did you mean `interaction.content`?"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "filters/a.csdl"
    assert location["region"] == {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 19,
                                  "charOffset": 0, "charLength": 18}
    assert second["ruleId"] == "W202" and second["level"] == "warning"
    region = second["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"], region["endColumn"]) == (2, 41, 42)
    fix = second["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert fix["insertedContent"]["text"] == ""


def test_sarif_with_no_results_is_still_valid():
    payload = json.loads(REPORTERS["sarif"]([FileResult("a.csdl", "x", [])]))
    assert payload["runs"][0]["results"] == [] and payload["runs"][0]["tool"]["driver"]["rules"] == []


def test_github_annotations():
    lines = REPORTERS["github"](results()).splitlines()
    assert lines == [
        "::error title=csdl (E101),file=filters/a.csdl,line=1,col=1,endLine=1,endColumn=19::"
        "filters/a.csdl:1:1: E101 unknown target `interactin.content`; did you mean `interaction.content`?",
        "::warning title=csdl (W202),file=filters/a.csdl,line=2,col=41,endLine=2,endColumn=42::"
        "filters/a.csdl:2:41: W202 `a` is already in the list (item 1)",
    ]


def test_github_escapes_properties_and_data():
    from csdl.spans import Span
    from csdl.diagnostics import Diagnostic

    d = Diagnostic("E101", "50% of\nlines", Span(1, 1, 1, 2, 0, 1))
    (line,) = REPORTERS["github"]([FileResult("a,b:c.csdl", "x", [d])]).splitlines()
    assert line.startswith("::error title=csdl (E101),file=a%2Cb%3Ac.csdl,line=1,col=1,")
    assert line.endswith("::a,b:c.csdl:1:1: E101 50%25 of%0Alines")
