"""``--fix`` writes canonical text where it touched the filter, and ``--select`` of codes that
``csdl check`` never reports is said (issue 26, item 13)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import csdl

A_OR_B = 'interaction.content contains "a" OR interaction.content contains "b"'
MERGED = 'interaction.content contains_any "a, b"'


@pytest.mark.parametrize(("text", "fixed"), [
    (f'twitter.lang == "en" AND ({A_OR_B})\n', f'twitter.lang == "en" AND {MERGED}\n'),
    (f"({A_OR_B}) AND twitter.lang exists\n", f"{MERGED} AND twitter.lang exists\n"),
    (f"({A_OR_B})\n", f"{MERGED}\n"),
    (f"NOT ({A_OR_B})\n", f"NOT {MERGED}\n"),
    ('twitter.lang == "en" AND ((interaction.content contains "a") OR (interaction.content contains "b"))\n',
     f'twitter.lang == "en" AND {MERGED}\n'),
])
def test_a_merged_group_loses_its_parentheses(text, fixed):
    result = csdl.fix(text, unsafe=True)
    assert result == fixed
    assert csdl.format(result) == result  # nothing left for `csdl format` to change


@pytest.mark.parametrize(("text", "fixed"), [
    ('twitter.lang exists AND (links.code == "a" OR links.code == "a")\n', 'twitter.lang exists AND links.code == "a"\n'),
    ('(links.code == "a" AND links.code == "a") OR twitter.lang exists\n', 'links.code == "a" OR twitter.lang exists\n'),
    ('NOT (twitter.lang exists AND twitter.lang exists)\n', "NOT twitter.lang exists\n"),
])
def test_a_group_left_with_one_condition_loses_its_parentheses(text, fixed):
    result = csdl.fix(text)
    assert result == fixed
    assert csdl.format(result) == result


def test_a_comment_inside_the_parentheses_keeps_them_and_the_fix_stays_safe():
    text = f'twitter.lang == "en" AND ( /* keep */ {A_OR_B})\n'
    assert csdl.fix(text) == f'twitter.lang == "en" AND ( /* keep */ {MERGED})\n'


def check(*args, cwd):
    return subprocess.run([sys.executable, "-m", "csdl", "check", *args], cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ, NO_COLOR="1"), timeout=120)


@pytest.mark.parametrize("selector", ["C", "C1", "C100", "R"])
def test_selecting_codes_check_never_reports_is_said(tmp_path, selector):
    (tmp_path / "f.csdl").write_text('stream "0123456789abcdef0123456789abcdef" AND twitter.lang == "en"\n')
    result = check("f.csdl", "--select", selector, cwd=tmp_path)
    assert result.returncode == 0
    assert f"warning: `{selector}` selects only codes that `csdl check` never reports" in result.stderr


def test_a_selection_that_can_report_is_not_warned_about(tmp_path):
    (tmp_path / "f.csdl").write_text('twitter.lang == "en"\n')
    result = check("f.csdl", "--select", "E,W", "--extend-select", "W1", cwd=tmp_path)
    assert result.returncode == 0 and "warning" not in result.stderr
