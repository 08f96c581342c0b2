"""What the command line says when a user gets something wrong, and how it words a summary."""

from __future__ import annotations

import os
import re

from cli_process import FILTER, ROOT, run


def test_command_typo_gets_a_suggestion():
    result = run("chek", "examples/filters")
    assert result.returncode == 2 and "Did you mean `check`?" in result.stderr


def test_bad_number_names_the_option_once():
    result = run("cost", "examples/filters", "--fail-above", "abc")
    assert result.returncode == 2 and result.stderr.count("--fail-above") == 1


def test_rules_select_with_no_match_is_an_error():
    result = run("rules", "--select", "Z")
    assert result.returncode == 2 and "no code starts with `Z`" in result.stderr


def test_config_errors_read_the_same_in_every_command(tmp_path):
    (tmp_path / "f.csdl").write_text(FILTER)
    (tmp_path / "csdl.toml").write_text('[tool.csdl]\nselect = ["E"]\n')
    outputs = [run(command, "f.csdl", cwd=tmp_path) for command in ("check", "cost", "compile")]
    for result in outputs:
        assert result.returncode == 2
        assert result.stderr.startswith("error: ")
        assert "drop the `[tool.csdl]` header" in result.stderr


def test_fail_on_increase_is_a_percentage_everywhere_and_messages_name_the_config_key(tmp_path):
    for doc in ("README.md", "docs/checking.md"):
        text = open(os.path.join(ROOT, doc), encoding="utf-8").read()
        (value,) = re.findall(r"^fail-on-increase = (\S+)\s+# percent", text, re.M)
        assert float(value) >= 1
    (tmp_path / "f.csdl").write_text(FILTER)
    (tmp_path / "csdl.toml").write_text("fail-above = 0.05\n")
    result = run("cost", "f.csdl", cwd=tmp_path)
    assert result.returncode == 1
    assert "`fail-above` (csdl.toml)" in result.stderr and "--fail-above" not in result.stderr
    result = run("cost", "f.csdl", "--fail-above", "0.01", cwd=tmp_path)
    assert "--fail-above limit" in result.stderr


def test_run_summary_grammar(tmp_path):
    (tmp_path / "f.csdl").write_text(FILTER)
    (tmp_path / "p.jsonl").write_text('{"twitter": {"text": "coffee"}}\n\nnot json\n{"twitter": {"text": {"a": 1}}}\n')
    result = run("run", "--isolated", "f.csdl", "p.jsonl", "--format", "text", cwd=tmp_path)
    line = [l for l in result.stdout.splitlines() if "posts read" in l][0]
    assert "1 blank line skipped" in line and "1 bad line not evaluated" in line
    assert "1 post with wrong-typed values" in line and "1 posts" not in line and "lines skipped" not in line
