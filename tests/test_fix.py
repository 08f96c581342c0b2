"""``csdl check --fix`` / ``csdl.fix``: safe fixes by default, unsafe on request, iterated until
stable, never a result that fails to parse, and files written back without clobbering."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from hypothesis import given, settings

import csdl
from csdl.checking.checker import check
from csdl.checking.fix_loop import SAFE, applicability, fix_text
from strategies import filters

MIXED = 'twitter.text contains "a" OR twitter.text contains "b" AND NOT twitter.source == "web"\n'
MIXED_SAFE = 'twitter.text contains "a" OR (twitter.text contains "b" AND NOT twitter.source == "web")\n'
MIXED_ALL = 'twitter.text contains "a" OR (twitter.text contains "b" AND twitter.source != "web")\n'


def test_safe_fixes_by_default_unsafe_on_request():
    assert csdl.fix(MIXED) == MIXED_SAFE  # W302 parentheses are safe; W205 changes the meaning
    assert csdl.fix(MIXED, unsafe=True) == MIXED_ALL
    result = fix_text(MIXED)
    assert [d.code for d in result.fixed] == ["W302"]
    assert [d.code for d in result.remaining] == ["W205"] and result.hidden == 1


def test_fixes_are_iterated_until_stable():
    # pass 1 parenthesises each AND (W302); the duplicate removals (W201) overlap those edits and
    # wait for pass 2, which finds them again in the new text and drops the parentheses a single
    # condition no longer needs (the text `csdl format` would write)
    text = 'a.b exists AND a.b exists OR c.d exists AND c.d exists\n'
    result = fix_text(text, ignore=["E1"])
    assert result.text == "a.b exists OR c.d exists\n"
    assert [d.code for d in result.fixed] == ["W302", "W302", "W201", "W201"]
    assert result.remaining == []


def test_unused_noqa_is_removed_and_other_comments_are_kept():
    assert csdl.fix('twitter.text contains "x" // noqa: W101\n') == 'twitter.text contains "x"\n'
    # a fix that would delete a comment is unsafe
    text = 'twitter.text contains "a" /* keep me */ OR twitter.text contains "b"\n'
    w101 = [d for d in check(text) if d.code == "W101"]
    assert w101 and w101[0].fix is not None
    tree = csdl.parse(text)
    assert applicability(w101[0], tree.comments) != SAFE
    assert "keep me" in csdl.fix(text)


def test_a_filter_with_a_syntax_error_is_not_touched():
    text = 'a.b exists AND a.b exists AND c.d contains\n'
    result = fix_text(text)
    assert result.text == text and not result.fixed
    assert any(d.code == "E004" for d in result.remaining)


def test_selection_limits_what_is_fixed():
    assert csdl.fix(MIXED, ignore=["W302"]) == MIXED


def test_fix_rejects_non_text():
    with pytest.raises(TypeError):
        csdl.fix(b"a.b exists")


@settings(deadline=None)
@given(filters())
def test_fix_is_idempotent_and_leaves_a_parsing_filter_with_nothing_fixable(text):
    for unsafe in (False, True):
        once = fix_text(text, unsafe=unsafe)
        if once.text == text and any(d.code.startswith("E0") for d in once.remaining):
            continue  # a syntax error: untouched
        tree = csdl.parse(once.text)  # a fixed filter parses
        assert csdl.fix(once.text, unsafe=unsafe) == once.text  # fixing twice changes nothing
        left = [d for d in check(once.text) if d.fix is not None
                and (unsafe or applicability(d, tree.comments) == SAFE)]
        assert left == []


# The command line ---------------------------------------------------------------------------------

def run(*args, cwd, stdin=None):
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "csdl", *args], cwd=cwd, input=stdin, capture_output=True,
                          text=True, env=env)


def test_check_fix_writes_through_a_symlink_and_keeps_mode_and_line_endings(tmp_path):
    real = tmp_path / "real.csdl"
    real.write_bytes(MIXED.replace("\n", "\r\n").encode())
    real.chmod(0o600)
    link = tmp_path / "link.csdl"
    link.symlink_to(real.name)
    result = run("check", "--isolated", "--fix", "link.csdl", cwd=tmp_path)
    assert result.returncode == 1  # W205 remains
    assert "1 fixed, 1 remaining." in result.stderr
    assert "1 more fix with --unsafe-fixes" in result.stderr
    assert link.is_symlink()
    assert real.read_bytes() == MIXED_SAFE.replace("\n", "\r\n").encode()
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    result = run("check", "--isolated", "--fix", "--unsafe-fixes", "link.csdl", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert real.read_bytes() == MIXED_ALL.replace("\n", "\r\n").encode()


def test_check_diff_shows_and_does_not_write(tmp_path):
    path = tmp_path / "f.csdl"
    path.write_text(MIXED)
    result = run("check", "--isolated", "--diff", "f.csdl", cwd=tmp_path)
    assert result.returncode == 1
    assert f"-{MIXED}" in result.stdout and f"+{MIXED_SAFE}" in result.stdout
    assert path.read_text() == MIXED
    assert "1 would be fixed" in result.stderr


def test_fix_only_and_exit_zero(tmp_path):
    path = tmp_path / "f.csdl"
    path.write_text(MIXED)
    result = run("check", "--isolated", "--fix-only", "f.csdl", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == ""
    assert path.read_text() == MIXED_SAFE
    assert run("check", "--isolated", "f.csdl", cwd=tmp_path).returncode == 1
    assert run("check", "--isolated", "--exit-zero", "f.csdl", cwd=tmp_path).returncode == 0


def test_fix_from_stdin_prints_the_fixed_filter(tmp_path):
    result = run("check", "--isolated", "--fix", "-", cwd=tmp_path, stdin=MIXED)
    assert result.stdout == MIXED_SAFE
    assert "W205" in result.stderr
