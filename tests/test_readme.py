"""Every `$ csdl …` line in the README runs, with the exit code the README states (`# exit N`,
0 otherwise), and the two quick-start commands are exactly what CI runs."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
COMMANDS = re.findall(r"^\$ (csdl .+)$", README, re.M)


def test_readme_has_examples():
    assert len(COMMANDS) >= 10


@pytest.mark.parametrize("line", COMMANDS)
def test_readme_command(line):
    command, _, comment = line.partition("#")
    expected = int(re.search(r"exit (\d)", comment).group(1)) if "exit" in comment else 0
    argv = shlex.split(command)
    env = dict(os.environ, NO_COLOR="1")
    result = subprocess.run([sys.executable, "-m", "csdl", *argv[1:]], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert "Traceback" not in result.stderr
    assert result.returncode == expected, result.stdout + result.stderr


def test_quick_start_test_command_is_what_ci_runs():
    blocks = re.findall(r"```sh\n(.+?)\n```", README, re.S)
    assert len(blocks) == 2
    ci = open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8").read()
    assert blocks[1] in ci
    assert "csdl check examples/filters" in blocks[0]
