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
    assert result.exit_code == 2 and "is a directory" in result.output  # an input that cannot be read


def test_a_directory_without_filters_warns(tmp_path):
    result = invoke(["check", str(tmp_path)])
    assert result.exit_code == 0 and "no .csdl or .json files under" in result.output


def test_dangling_symlink_is_reported(tmp_path):
    link = tmp_path / "gone.csdl"
    os.symlink(tmp_path / "nowhere", link)
    result = invoke(["check", str(tmp_path)])
    assert result.exit_code == 2 and "no such file" in result.output  # reported, and the invocation failed


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


# Writing back and reading what is not a file (issue 25 item 11); the real CLI in a subprocess,
# bounded by a timeout (a FIFO used to hang it).

import stat  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import pytest  # noqa: E402

UNFORMATTED = 'twitter.text   contains  "a"  AND twitter.lang == "en"\n'
UNFIXED = 'twitter.text contains "a" OR twitter.text contains "b" AND twitter.lang == "en"\n'  # W302: safe fix


def csdl_run(*args, cwd, timeout=60):
    return subprocess.run([sys.executable, "-m", "csdl", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, NO_COLOR="1"))


@pytest.mark.parametrize("command", [["format"], ["check", "--isolated", "--fix"]])
def test_a_read_only_file_is_refused_not_rewritten(tmp_path, command):
    path = tmp_path / "locked.csdl"
    text = UNFORMATTED if command == ["format"] else UNFIXED
    path.write_text(text)
    path.chmod(0o444)
    inode = path.stat().st_ino
    result = csdl_run(*command, "locked.csdl", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "locked.csdl" in result.stderr and "read-only" in result.stderr
    assert "Traceback" not in result.stderr
    assert path.read_text() == text and path.stat().st_ino == inode
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert sorted(os.listdir(tmp_path)) == ["locked.csdl"]  # no temporary file left


@pytest.mark.parametrize("command", [["format"], ["check", "--isolated", "--fix"]])
def test_rewriting_keeps_hard_links_and_the_byte_order_mark(tmp_path, command):
    path = tmp_path / "f.csdl"
    text = UNFORMATTED if command == ["format"] else UNFIXED
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    os.link(path, tmp_path / "other-name.csdl")
    inode = path.stat().st_ino
    result = csdl_run(*command, "f.csdl", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    import csdl

    expected = csdl.format(text) if command == ["format"] else csdl.fix(text)
    assert expected != text
    data = path.read_bytes()
    assert data == b"\xef\xbb\xbf" + expected.encode()  # rewritten, the mark kept
    assert path.stat().st_ino == inode and path.stat().st_nlink == 2
    assert (tmp_path / "other-name.csdl").read_bytes() == data  # the other name sees the new text


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_fifo_in_a_directory_is_skipped_and_a_named_one_refused(tmp_path):
    (tmp_path / "a.csdl").write_text('twitter.text contains "a"\n')
    os.mkfifo(tmp_path / "pipe.csdl")
    for command in (["check", "--isolated", "."], ["format", "--check", "."]):
        result = csdl_run(*command, cwd=tmp_path)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        assert "pipe.csdl" not in result.stdout + result.stderr
    result = csdl_run("check", "--isolated", "pipe.csdl", cwd=tmp_path)
    assert result.returncode == 2 and "pipe.csdl is not a regular file (a named pipe)" in result.stdout + result.stderr


def test_a_device_is_refused_and_a_huge_file_is_not_read_whole(tmp_path):
    result = csdl_run("check", "--isolated", "/dev/zero", cwd=tmp_path)
    assert result.returncode == 2 and "/dev/zero is not a regular file (a character device)" in result.stdout
    big = tmp_path / "big.csdl"
    with open(big, "wb") as f:
        f.truncate(40 * 1024 * 1024)  # sparse: 40 MB of NUL bytes that take no disk
    result = csdl_run("check", "--isolated", "big.csdl", cwd=tmp_path)
    assert result.returncode == 1 and "big.csdl is larger than 16,777,216 bytes: not read" in result.stdout
