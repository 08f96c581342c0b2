"""Which inputs the commands read: directories, single-file commands, .gitignore and --exclude."""

from __future__ import annotations

import subprocess

import pytest

from cli_process import FILTER, run


@pytest.mark.parametrize("args", [("compile", "examples/filters"), ("bill", "historics", "examples/filters",
                                                                    "--start", "2024-03-01", "--end", "2024-03-31")])


def test_single_file_commands_reject_a_directory(args):
    result = run(*args)
    assert result.returncode == 2  # an input that cannot be read: an error of the invocation (issue 26)
    assert "E009" in result.stdout + result.stderr and "is a directory" in result.stdout + result.stderr


def test_compile_of_an_empty_directory_is_not_an_internal_error(tmp_path):
    result = run("compile", str(tmp_path))
    assert result.returncode == 2 and "internal error" not in result.stderr


def test_directories_skip_gitignored_excluded_and_node_modules(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for relative in ("filters/ok.csdl", "filters/gen/x.csdl", "node_modules/pkg/y.csdl", "sub/z.csdl"):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(FILTER)
    (tmp_path / "filters" / ".gitignore").write_text("gen/\n")
    result = run("check", "--isolated", ".", "--format", "concise", cwd=tmp_path)
    assert "(2 files checked)" in result.stdout  # filters/ok.csdl and sub/z.csdl
    result = run("check", "--isolated", ".", "--exclude", "sub", cwd=tmp_path)
    assert "(1 file checked)" in result.stdout
    result = run("check", "--isolated", "filters/gen/x.csdl", cwd=tmp_path)  # named files are always checked
    assert "(1 file checked)" in result.stdout
