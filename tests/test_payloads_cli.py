"""`csdl check` with payload files: kinds from options, configuration and shape, every output
format with the payload lines, selection, per-file ignores, --today, --previous, stdin."""

from __future__ import annotations

import json
import os
import shutil

from click.testing import CliRunner

from csdl.cli import cli

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CASES = os.path.join(HERE, "data", "payloads", "cases")
SEEDS = os.path.join(HERE, "data", "payloads", "seeds")


def invoke(*args, input=None, cwd=None):
    runner = CliRunner()
    old = os.getcwd()
    if cwd:
        os.chdir(cwd)
    try:
        result = runner.invoke(cli, list(args), input=input, catch_exceptions=True, env={"NO_COLOR": "1"})
    finally:
        os.chdir(old)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def copy_case(tmp_path, name: str, target: str | None = None) -> str:
    path = tmp_path / (target or name)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(os.path.join(CASES, name), path)
    return str(path)


def line_of(path: str, needle: str) -> int:
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if needle in line:
                return number
    raise AssertionError(needle)


def test_examples_directory_checks_filters_and_payloads_together():
    result = invoke("check", "examples/", "--format", "json", cwd=ROOT)
    files = {d["file"] for d in json.loads(result.output)["diagnostics"]}
    assert files == {os.path.join("examples", "broken.csdl")}  # only the broken filter has problems
    concise = invoke("check", "examples/", "--format", "concise", cwd=ROOT)
    assert "(7 checked)" in concise.output  # 4 filters + 3 payloads
    clean = invoke("check", "examples/filters", "examples/payloads", cwd=ROOT)
    assert clean.exit_code == 0 and "6 files checked" in clean.output


def test_full_and_concise_formats(tmp_path):
    path = copy_case(tmp_path, "create-mistakes.json")
    full = invoke("check", path, "--today", "2024-01-15", "--isolated")
    assert full.exit_code == 1
    assert f"{path}:{line_of(path, 'hashtag')}:" in full.output
    assert '"type": "hashtag"' in full.output and "^^^^^^^^^" in full.output  # the code frame
    assert "Found 5 errors and 1 warning in 1 file (1 checked)." in full.output
    concise = invoke("check", path, "--today", "2024-01-15", "--isolated", "--format", "concise")
    assert concise.output.count(path) == 6


def test_sarif_carries_payload_diagnostics_with_their_lines(tmp_path):
    path = copy_case(tmp_path, "create-mistakes.json")
    result = invoke("check", path, "--today", "2024-01-15", "--isolated", "--format", "sarif")
    payload = json.loads(result.output)
    (run,) = payload["runs"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert set(by_rule) == {"P107", "P108", "P109", "P116", "P117", "P118"}
    region = by_rule["P108"]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == line_of(path, '"validate"')
    assert region["startColumn"] == open(path).read().splitlines()[region["startLine"] - 1].index('"no"') + 1
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["P116"]["name"] == "instagram-resource-type"
    assert rules["P116"]["properties"]["tags"] == ["Managed Sources payloads"]
    assert "Good:" in rules["P116"]["fullDescription"]["text"]


def test_github_annotations_carry_payload_lines(tmp_path):
    path = copy_case(tmp_path, "tasks-mistakes.json")
    result = invoke("check", path, "--today", "2024-01-15", "--isolated", "--format", "github")
    lines = result.output.splitlines()
    assert len(lines) == 5
    reversed_period = [l for l in lines if "P305" in l][0]
    assert reversed_period.startswith("::error ")
    line = line_of(path, '"from_date": "2023-09-12"')
    assert f",line={line}," in reversed_period
    assert [l for l in lines if "P316" in l][0].startswith("::warning ")


def test_json_format_names_rule_and_position(tmp_path):
    path = copy_case(tmp_path, "tasks-mistakes.json")
    result = invoke("check", path, "--today", "2024-01-15", "--isolated", "--format", "json", "--select", "P315,P316")
    found = json.loads(result.output)["diagnostics"]
    assert sorted(d["code"] for d in found) == ["P315", "P316"]
    assert {d["file"] for d in found} == {path}
    assert all(d["line"] >= 4 and d["name"] for d in found)


def test_select_ignore_and_unknown_selector(tmp_path):
    path = copy_case(tmp_path, "create-mistakes.json")
    only = invoke("check", path, "--isolated", "--today", "2024-01-15", "--format", "concise", "--select", "P107")
    assert only.output.count(" P107 ") == 1 and " P108 " not in only.output
    ignored = invoke("check", path, "--isolated", "--today", "2024-01-15", "--format", "concise", "--ignore", "P1")
    assert ignored.exit_code == 0
    bad = invoke("check", path, "--isolated", "--select", "P999")
    assert bad.exit_code == 2 and "unknown rule selector `P999`" in bad.output


def test_today_makes_runs_reproducible(tmp_path):
    path = copy_case(tmp_path, "create-mistakes.json")
    early = invoke("check", path, "--isolated", "--today", "2024-01-01", "--format", "concise", "--select", "P107")
    assert early.exit_code == 0
    late = invoke("check", path, "--isolated", "--today", "2024-02-01", "--format", "concise", "--select", "P107")
    assert "expired on 2024-01-18" in late.output
    bad = invoke("check", path, "--isolated", "--today", "tomorrow")
    assert bad.exit_code == 2 and "--today" in bad.output


def test_stdin_json_is_a_payload_with_or_without_a_kind():
    body = open(os.path.join(SEEDS, "001-tasks.json")).read()
    detected = invoke("check", "-", "--format", "concise", input=body)
    assert "E0" not in detected.output  # JSON (it starts with `{`), never read as a CSDL filter (issue 26)
    assert "<stdin>:7:32: P307" in detected.output
    as_payload = invoke("check", "-", "--kind", "data365-tasks", "--data365-source", "twitter_keywords",
                        "--format", "concise", input=body)
    assert "<stdin>:7:32: P307" in as_payload.output
    named = invoke("check", "-", "--stdin-filename", "tasks.json", "--format", "concise", input=body)
    assert "tasks.json:7:32: P307" in named.output  # no source given: the repeat rule needs none


def test_kind_option_overrides_the_shape(tmp_path):
    path = tmp_path / "response.json"
    shutil.copy(os.path.join(SEEDS, "003-create-response.json"), path)
    assert invoke("check", str(path), "--isolated").exit_code == 0
    as_create = invoke("check", str(path), "--isolated", "--kind", "source-create", "--format", "concise")
    assert as_create.output.count("P112") == 6


def test_previous_state(tmp_path):
    update = os.path.join(SEEDS, "002-update-2.json")
    previous = os.path.join(SEEDS, "002-response-1.json")
    result = invoke("check", update, "--isolated", "--previous", previous, "--format", "concise")
    assert result.exit_code == 1 and "P203 the update deletes identity" in result.output
    assert "EZBXlFZBUgBYmjHkxc2pPmzLeJJYmAvQkwZCRdm0A1NAjidHy1h" not in result.output
    missing = invoke("check", update, "--isolated", "--previous", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2 and "--previous" in missing.output
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    bad = invoke("check", update, "--isolated", "--previous", str(broken))
    assert bad.exit_code == 2 and "not valid JSON" in bad.output and "Traceback" not in bad.output


def test_configuration_globs_kinds_sources_and_per_file_ignores(tmp_path):
    (tmp_path / "csdl.toml").write_text(
        'data365-max-days = 400\n'
        '[payloads]\n'
        '"tasks/*.body" = { kind = "data365-tasks", data365-source = "twitter_profile" }\n'
        '"sources/*.json" = "source-create"\n'
        '[per-file-ignores]\n'
        '"sources/legacy-*.json" = ["P115"]\n', encoding="utf-8")
    tasks = copy_case(tmp_path, "tasks-mistakes.json", "tasks/mistakes.body")
    with open(tasks, encoding="utf-8") as f:
        text = f.read()
    with open(tasks, "w", encoding="utf-8") as f:
        f.write(text.replace('"source": "twitter_profile",', ""))  # the source now comes from the configuration
    legacy = tmp_path / "sources" / "legacy-news.json"
    legacy.parent.mkdir()
    legacy.write_text(open(os.path.join(SEEDS, "003-create-curl.json")).read(), encoding="utf-8")
    current = tmp_path / "sources" / "news.json"
    current.write_text(legacy.read_text(), encoding="utf-8")
    result = invoke("check", ".", "tasks/mistakes.body", "--today", "2024-01-15", "--format", "concise", cwd=tmp_path)
    out = result.output
    assert "mistakes.body" in out and " P315 " in out  # kind and source from the configuration
    assert " P316 " not in out  # data365-max-days = 400
    assert "legacy-news.json" not in out and out.count("news.json:5:") == 2  # per-file ignore


def test_configuration_source_and_file_source_disagree(tmp_path):
    (tmp_path / "csdl.toml").write_text('data365-source = "twitter_keywords"\n', encoding="utf-8")
    copy_case(tmp_path, "tasks-mistakes.json")
    result = invoke("check", "tasks-mistakes.json", "--today", "2024-01-15", "--format", "concise", cwd=tmp_path)
    assert "P320 the file says source \"twitter_profile\" but the configuration (csdl.toml) sets" in result.output
    assert " P315 " not in result.output  # twitter_keywords, the configured source, takes operators
    flag = invoke("check", "tasks-mistakes.json", "--today", "2024-01-15", "--format", "concise",
                  "--data365-source", "twitter_profile", cwd=tmp_path)
    assert " P320 " not in flag.output and " P315 " in flag.output


def test_bad_payload_configuration_is_a_usage_error(tmp_path):
    (tmp_path / "csdl.toml").write_text('[payloads]\n"*.json" = "source-delete"\n', encoding="utf-8")
    (tmp_path / "a.json").write_text("{}", encoding="utf-8")
    result = invoke("check", "a.json", cwd=tmp_path)
    assert result.exit_code == 2 and "`payloads`" in result.output and "source-delete" in result.output


def test_discovered_json_that_is_no_payload_is_skipped_with_a_note(tmp_path):
    (tmp_path / "csdl.toml").write_text("", encoding="utf-8")  # no configuration above tmp_path applies
    (tmp_path / "package.json").write_text('{"name": "web", "version": "1.0.0"}', encoding="utf-8")
    (tmp_path / "f.csdl").write_text('interaction.content contains "x"\n', encoding="utf-8")
    result = invoke("check", ".", cwd=tmp_path)
    assert result.exit_code == 0 and "1 file checked" in result.output
    assert "skipped 1 .json file(s) that are not payloads" in result.output  # stderr, mixed by CliRunner
    named = invoke("check", "package.json", cwd=tmp_path)
    assert named.exit_code == 1 and "P003" in named.output


def test_invalid_json_file_is_located(tmp_path):
    path = os.path.join(SEEDS, "002-update-1-curl.json")
    result = invoke("check", path, "--isolated", "--format", "concise")
    assert result.exit_code == 1
    assert f"{path}:3:3: P001 the key `resources` is not quoted" in result.output


def test_ten_megabyte_file_is_refused(tmp_path):
    path = tmp_path / "huge.json"
    path.write_text('{"tasks": [' + ",".join(['{"value": "x"}'] * 700_000) + "]}", encoding="utf-8")
    assert path.stat().st_size > 10_000_000
    result = invoke("check", str(path), "--isolated", "--format", "concise")
    assert result.exit_code == 1 and "P002 the payload has 10," in result.output


def test_rules_and_rule_list_payload_codes():
    listing = invoke("rules", "--select", "P3")
    assert "P314  twitter-query-too-long" in listing.output and "Data365 tasks payloads" in listing.output
    one = invoke("rule", "P316")
    assert one.exit_code == 0 and "Our decision" in one.output and "Bad (a data365-tasks body):" in one.output
    assert invoke("rule", "numeric-page-id").output.startswith("P115 numeric-page-id (warning")


def test_per_file_ignores_apply_to_filters_too(tmp_path):
    (tmp_path / "csdl.toml").write_text('[per-file-ignores]\n"legacy/*.csdl" = ["W202"]\n', encoding="utf-8")
    for folder in ("legacy", "current"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "f.csdl").write_text('interaction.content contains_any "a, a"\n', encoding="utf-8")
    result = invoke("check", ".", "--format", "concise", cwd=tmp_path)
    assert "current/f.csdl:1:" in result.output and "W202" in result.output
    assert "legacy/f.csdl" not in result.output


def test_fix_diff_and_stdin_for_payloads(tmp_path):
    path = tmp_path / "news.json"
    original = open(os.path.join(SEEDS, "003-create-curl.json"), encoding="utf-8").read()
    path.write_text(original, encoding="utf-8")
    diff = invoke("check", str(path), "--isolated", "--diff")
    assert diff.exit_code == 1 and '+  "resources": [{"parameters":{"title":"The Guardian","id":"10513336322"}}' in diff.output
    assert "2 would be fixed, 0 would remain." in diff.output and path.read_text(encoding="utf-8") == original
    fixed = invoke("check", str(path), "--isolated", "--fix")
    assert fixed.exit_code == 0 and "2 fixed, 0 remaining." in fixed.output
    body = json.loads(path.read_text(encoding="utf-8"))
    assert [r["parameters"]["id"] for r in body["resources"]] == ["10513336322", "228735667216"]
    piped = invoke("check", "-", "--kind", "source-create", "--isolated", "--fix", input=original)
    assert '"id":"228735667216"' in piped.output
