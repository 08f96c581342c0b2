"""Every `$ csdl …` line in the README runs, with the exit code the README states (`# exit N`,
0 otherwise) and the output the README shows under it (every line shown must be printed, white
space aside); a command that writes a file (`-o FILE`) must write valid JSON there. The two
quick-start commands are exactly what CI runs."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
COMMANDS = re.findall(r"^\$ (csdl .+)$", README, re.M)


def _shown_output() -> dict[str, list[str]]:
    """For each `$ csdl …` line of a console block, the output lines the README shows under it."""
    shown: dict[str, list[str]] = {}
    for block in re.findall(r"^```console\n(.*?)^```", README, re.S | re.M):
        current = None
        for line in block.splitlines():
            if line.startswith("$ "):
                current = line[2:] if line.startswith("$ csdl ") else None
                if current is not None:
                    shown.setdefault(current, [])
            elif current is not None and line.strip():
                shown[current].append(line)
    return shown


SHOWN = _shown_output()


def _normal(text: str) -> str:
    return " ".join(text.split())


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
    if "-o" in argv:
        with open(argv[argv.index("-o") + 1], encoding="utf-8") as f:
            assert json.load(f), f"{line}: wrote an empty document"
        return
    shown = SHOWN.get(line, [])
    assert shown, f"the README shows no output for `{line}`"
    printed = [_normal(out) for out in (result.stdout + result.stderr).splitlines()]
    for want in shown:
        assert _normal(want) in printed, f"`{line}` did not print: {want}"


def test_quick_start_test_command_is_what_ci_runs():
    blocks = re.findall(r"```sh\n(.+?)\n```", README, re.S)
    assert len(blocks) == 2
    ci = open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8").read()
    assert blocks[1] in ci
    assert "csdl check examples/filters" in blocks[0]
