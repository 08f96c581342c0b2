"""``csdl cost --compare-to`` with a file that has errors (issue 26, item 8): the pull-request
comment said "+ filters/typo.csdl None DPU"; a file that is there but not costed says so."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

GOOD = 'interaction.content contains "coffee"\n'
TYPO = 'interaction.content contans "x"\n'


def cost(*args, cwd):
    return subprocess.run([sys.executable, "-m", "csdl", "cost", *args], cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ, NO_COLOR="1"), timeout=120)


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "filters").mkdir()
    (tmp_path / "filters" / "coffee.csdl").write_text(GOOD)
    return tmp_path


def base(tree):
    assert cost("filters", "--format", "json", "-o", "base.json", cwd=tree).returncode == 0


@pytest.mark.parametrize("output_format", ["markdown", "table"])
def test_a_new_file_with_errors_is_not_costed_and_never_none(tree, output_format):
    base(tree)
    (tree / "filters" / "typo.csdl").write_text(TYPO)
    result = cost("filters", "--compare-to", "base.json", "--format", output_format, cwd=tree)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "None" not in result.stdout
    assert "+ filters/typo.csdl  not costed (errors)" in result.stdout
    if output_format == "markdown":
        assert "| `filters/typo.csdl` | — | not costed (errors) | — |" in result.stdout
        assert "1 file with errors is not costed and counts as 0 DPU in the total." in result.stdout


def test_a_file_that_breaks_shows_its_old_cost_and_not_costed(tree):
    (tree / "filters" / "typo.csdl").write_text(GOOD)
    base(tree)
    (tree / "filters" / "typo.csdl").write_text(TYPO)
    result = cost("filters", "--compare-to", "base.json", "--format", "markdown", cwd=tree)
    assert "None" not in result.stdout and "?" not in result.stdout
    assert "| `filters/typo.csdl` | 0.1 | not costed (errors) | — |" in result.stdout
    assert "~ filters/typo.csdl  0.1 DPU → not costed (errors)" in result.stdout
    assert "| **Total** | **0.2** | **0.1** | **-0.1 (-50.0%)** |" in result.stdout


def test_a_removed_file_shows_its_old_cost(tree):
    (tree / "filters" / "gone.csdl").write_text(GOOD)
    base(tree)
    (tree / "filters" / "gone.csdl").unlink()
    result = cost("filters", "--compare-to", "base.json", "--format", "markdown", cwd=tree)
    assert result.returncode == 0
    assert "| `filters/gone.csdl` | 0.1 | — | -0.1 |" in result.stdout
    assert "- filters/gone.csdl  0.1 DPU" in result.stdout and "not costed" not in result.stdout
