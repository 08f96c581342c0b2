"""`csdl rules`, `csdl rule CODE` and the check options (--select, --ignore, --platform, --config, --isolated)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from csdl.cli import cli
from csdl.codes import registry


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


def test_rules_lists_every_code(run):
    result = run("rules")
    assert result.exit_code == 0
    for info in registry().values():
        assert f"{info.code}  {info.name}" in result.output


def test_rules_json_and_prefix(run):
    result = run("rules", "--format", "json", "--select", "w2")
    data = json.loads(result.output)
    assert [d["code"] for d in data] == ["W201", "W202", "W203", "W204", "W205", "W206", "W207", "W208"]
    assert data[0] == {"code": "W201", "name": "duplicate-condition", "summary": "The same condition twice in one AND or OR.",
                       "severity": "warning", "group": "correctness"}


def test_rules_markdown(run):
    lines = run("rules", "--format", "markdown").output.splitlines()
    assert lines[0] == "| code | name | severity | group | summary |"
    assert any(line.startswith("| `W101` | `contains-to-contains-any` |") for line in lines)


@pytest.mark.parametrize("query", ["W101", "w101", "contains-to-contains-any"])
def test_rule_prints_documentation(run, query):
    result = run("rule", query)
    assert result.exit_code == 0
    assert result.output.startswith("W101 contains-to-contains-any (warning, cost)\n")
    assert "Bad:" in result.output and "Good:" in result.output


def test_rule_for_a_validation_code(run):
    result = run("rule", "E210")
    assert "tag.levis.501" in result.output and "our reading" in result.output


def test_unknown_rule(run):
    result = run("rule", "W10")
    assert result.exit_code == 2
    assert "unknown rule `W10`" in result.output


def test_every_code_has_a_unique_kebab_case_name():
    names = [i.name for i in registry().values()]
    assert len(names) == len(set(names))
    assert all(n == n.lower() and " " not in n and "_" not in n for n in names)


# --- csdl check options -----------------------------------------------------------------------------

BAD = 'interactin.content contains_any "a, a"\n'


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.csdl").write_text(BAD)
    return tmp_path


def concise(run, *args):
    result = run("check", "f.csdl", "--format", "concise", "-q", *args)
    return result.exit_code, [line.split()[1] for line in result.output.splitlines()]


def test_check_select_ignore(run, project):
    assert concise(run) == (1, ["E101", "W202"])
    assert concise(run, "--select", "E") == (1, ["E101"])
    assert concise(run, "--ignore", "E1,W202") == (0, [])
    assert concise(run, "--select", "W", "--ignore", "W20") == (0, [])
    assert concise(run, "--ignore", "W", "--extend-select", "W202") == (1, ["E101", "W202"])


def test_check_unknown_selector_exits_2(run, project):
    result = run("check", "f.csdl", "--select", "Z9")
    assert result.exit_code == 2
    assert "unknown rule selector `Z9`" in result.output


def test_check_platform(run, project):
    (project / "q.csdl").write_text('interaction.tags in "BMW, Honda"\n')
    assert run("check", "q.csdl").exit_code == 1
    assert run("check", "q.csdl", "--platform", "pylon").exit_code == 0


def test_check_reads_config_and_cli_overrides(run, project):
    (project / "csdl.toml").write_text('ignore = ["W202"]\n')
    assert concise(run) == (1, ["E101"])
    assert concise(run, "--isolated") == (1, ["E101", "W202"])
    (project / "other.toml").write_text('select = ["W"]\n')
    assert concise(run, "--config", "other.toml") == (1, ["W202"])
    assert concise(run, "--select", "W202") == (1, ["W202"])


def test_config_next_to_the_file_applies(run, project):
    sub = project / "pylon"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[tool.csdl]\nplatform = "pylon"\n')
    (sub / "q.csdl").write_text('interaction.tags in "BMW, Honda"\n')
    assert run("check", "pylon/q.csdl").exit_code == 0


def test_bad_config_exits_2_with_a_message(run, project):
    (project / "csdl.toml").write_text('platfrom = "pylon"\n')
    result = run("check", "f.csdl")
    assert result.exit_code == 2
    assert "csdl.toml: `platfrom`: unknown key; did you mean `platform`?" in result.output


def test_check_sarif_and_github_output(run, project):
    result = run("check", "f.csdl", "--format", "sarif")
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert [r["ruleId"] for r in payload["runs"][0]["results"]] == ["E101", "W202"]
    result = run("check", "f.csdl", "--format", "github")
    assert result.output.splitlines()[0].startswith("::error title=csdl (E101),file=f.csdl,line=1,col=1,")


def test_no_noqa_flag(run, project):
    (project / "n.csdl").write_text('interaction.content contains_any "a, a" // noqa: W202\n')
    assert run("check", "n.csdl").exit_code == 0
    assert run("check", "n.csdl", "--no-noqa").exit_code == 1


def test_docs_rules_table_is_current(run):
    import os

    path = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "checking.md")
    if not os.path.exists(path):
        pytest.skip("docs/checking.md not present")
    with open(path, encoding="utf-8") as f:
        docs = f.read()
    assert run("rules", "--format", "markdown").output in docs, "regenerate the table with `csdl rules --format markdown`"
