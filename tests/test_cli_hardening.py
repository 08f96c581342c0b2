"""Whatever bytes a user hands the CLI, the answer is a message and an exit code, never a traceback."""

import os

from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from csdl.cli import cli


def invoke(args, input=None):
    result = CliRunner().invoke(cli, args, input=input, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@settings(max_examples=60)
@given(st.binary(max_size=400))
def test_random_bytes_on_stdin_never_crash_check(data):
    result = invoke(["check", "-", "--format", "concise"], input=data)
    assert result.exit_code in (0, 1)


@settings(max_examples=40)
@given(st.binary(max_size=400))
def test_random_bytes_in_a_file_never_crash_format_or_parse(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "f.csdl"
    path.write_bytes(data)
    assert invoke(["format", "--check", str(path)]).exit_code in (0, 1)
    assert invoke(["parse", str(path)]).exit_code in (0, 1)


def test_a_directory_where_a_file_is_expected(tmp_path):
    (tmp_path / "dir.csdl").mkdir()
    result = invoke(["parse", str(tmp_path / "dir.csdl")])
    assert result.exit_code == 1 and "is a directory" in result.output


def test_a_directory_without_filters_warns(tmp_path):
    result = invoke(["check", str(tmp_path)])
    assert result.exit_code == 0 and "no .csdl or .json files under" in result.output


def test_dangling_symlink_is_reported(tmp_path):
    link = tmp_path / "gone.csdl"
    os.symlink(tmp_path / "nowhere", link)
    result = invoke(["check", str(tmp_path)])
    assert result.exit_code == 1 and "no such file" in result.output


def test_directories_are_expanded_sorted_and_hidden_ones_skipped(tmp_path):
    for name in ["b.csdl", "a.csdl", "sub/c.csdl", ".hidden/d.csdl", "notes.txt"]:
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text("a.b exists\n")
    from csdl.cli.inputs import expand

    found = [os.path.relpath(p, tmp_path) for p in expand((str(tmp_path),))]
    assert found == ["a.csdl", "b.csdl", os.path.join("sub", "c.csdl")]


def test_stdin_given_twice_is_a_usage_error():
    assert invoke(["check", "-", "-"], input="a.b exists").exit_code == 2


def test_output_file_is_written_whole(tmp_path):
    target = tmp_path / "report.json"
    result = invoke(["check", "examples/broken.csdl", "--format", "json", "-o", str(target)])
    assert result.exit_code == 1 and result.output == ""
    import json

    assert json.loads(target.read_text())["diagnostics"][0]["file"] == "examples/broken.csdl"
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_output_to_an_unwritable_place_is_a_clean_error(tmp_path):
    result = invoke(["check", "examples/broken.csdl", "-o", str(tmp_path / "no" / "such" / "dir" / "r.txt")])
    assert result.exit_code != 0 and "Traceback" not in result.output
