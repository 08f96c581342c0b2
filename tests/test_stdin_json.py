"""JSON on standard input (issue 26, item 10): ``cat tasks.json | csdl check -`` checked the body as
CSDL and reported a syntax error at ``{``; and the caret of an error at the very end of a text
that ends with a newline stood under the line before the one its message named."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TASKS = os.path.join(ROOT, "examples", "payloads", "twitter-tasks.json")


def check(*args, stdin: str):
    return subprocess.run([sys.executable, "-m", "csdl", "check", *args], cwd=ROOT, input=stdin, capture_output=True,
                          text=True, env=dict(os.environ, NO_COLOR="1"), timeout=120)


def test_a_payload_on_stdin_needs_no_kind():
    with open(TASKS, encoding="utf-8") as f:
        body = f.read()
    result = check("-", stdin=body)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "E0" not in result.stdout and "All checks passed (1 file checked)." in result.stdout
    # the same diagnostics as with --kind: a broken task is found either way
    broken = body.replace('"from_date": "2023-09-01"', '"from_date": "2023-13-01"', 1)
    without, declared = check("-", "--format", "concise", stdin=broken), check(
        "-", "--kind", "data365-tasks", "--format", "concise", stdin=broken)
    assert without.returncode == declared.returncode == 1
    assert without.stdout == declared.stdout and " P3" in without.stdout


@pytest.mark.parametrize("body", ["  {\n", "[1, 2", "\n\n{\"a\": "])
def test_json_looking_stdin_gets_json_diagnostics_not_csdl_ones(body):
    result = check("-", "--format", "concise", stdin=body)
    assert result.returncode == 1
    codes = re.findall(r": ([EPWC]\d{3}) ", result.stdout)
    assert codes and all(code.startswith("P") for code in codes), result.stdout


def test_a_filter_on_stdin_is_still_a_filter():
    result = check("-", "--format", "concise", stdin='interaction.content contains "x"\n')
    assert result.returncode == 0, result.stdout


def caret_line(output: str) -> tuple[int, int]:
    """(line named by the message, line the caret stands under) of the first diagnostic."""
    named = int(re.search(r"^<stdin>:(\d+):\d+:", output, re.M).group(1))
    rows = output.splitlines()
    caret = next(i for i, row in enumerate(rows) if re.match(r"^\s*\|\s*\^", row))
    above = re.match(r"^\s*(\d+) \|", rows[caret - 1])
    return named, int(above.group(1))


@pytest.mark.parametrize(("args", "body"), [
    (["--kind", "data365-tasks"], '{\n  "source": "twitter_keywords",\n'),
    ([], '{\n  "source": "twitter_keywords",\n'),
    ([], "interaction.content contains\n"),
])
def test_the_caret_stands_on_the_line_the_message_names(args, body):
    result = check("-", *args, stdin=body)
    assert result.returncode == 1
    named, shown = caret_line(result.stdout)
    assert named == body.count("\n") + 1  # the end of the text, after its last newline
    assert shown == named
