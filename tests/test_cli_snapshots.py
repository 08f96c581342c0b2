"""CLI golden files: each scenario's command, exit code, stdout and stderr are stored in
tests/snapshots/<name>.txt. Regenerate with `pytest tests/test_cli_snapshots.py --update-snapshots`
and review the diff like code."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SNAPSHOTS = os.path.join(ROOT, "tests", "snapshots")

# name: (arguments, standard input or None)
SCENARIOS = {
    "help": (["--help"], None),
    "version": (["version"], None),
    "bad-flag": (["check", "--bogus", "examples/filters"], None),
    "unknown-command": (["frobnicate"], None),
    "no-input": (["check"], None),
    "parse-json": (["parse", "tests/data/ok.csdl"], None),
    "parse-tree": (["parse", "examples/filters/london.csdl", "--format", "tree"], None),
    "parse-stdin": (["parse", "-", "--format", "tree"], 'tag.a "x" { a.b exists } return { NOT c.d in [1, 2] }'),
    "parse-syntax-error": (["parse", "examples/broken.csdl"], None),
    "check-clean-dir": (["check", "examples/filters"], None),
    "check-full": (["check", "examples/broken.csdl"], None),
    "check-concise": (["check", "examples/broken.csdl", "--format", "concise"], None),
    "check-json": (["check", "examples/broken.csdl", "--format", "json"], None),
    "check-stdin": (["check", "-", "--stdin-filename", "pasted.csdl"], "interaction.content contains"),
    "check-missing-file": (["check", "tests/data/does-not-exist.csdl"], None),
    "check-non-utf8": (["check", "tests/data/latin1.csdl"], None),
    "check-empty-stdin": (["check", "-"], ""),
    "format-check": (["format", "--check", "examples/filters"], None),
    "format-diff": (["format", "--diff", "-"], "a.b exists and (c.d == 1 or e.f any \"x\")\n"),
    "format-stdin": (["format", "-"], "// keep me\nA.B EXISTS and not (c.d == 1 or e.f any \"x\") // and me\n"),
    "format-syntax-error": (["format", "--check", "examples/broken.csdl"], None),
}


def run(arguments, stdin):
    env = dict(os.environ, NO_COLOR="1", COLUMNS="100", CSDL_CACHE_DIR=os.path.join(ROOT, ".pytest_cache", "csdl-cache"))
    env.pop("FORCE_COLOR", None)
    result = subprocess.run(
        [sys.executable, "-m", "csdl", *arguments], input=(stdin or "").encode(), capture_output=True, cwd=ROOT, env=env, timeout=120,
    )
    return result.returncode, result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace")


def render(arguments, stdin, code, out, err) -> str:
    text = "$ csdl " + " ".join(arguments) + "\n"
    if stdin is not None:
        text += "--- stdin\n" + stdin + ("" if stdin.endswith("\n") else "\n")
    return text + f"--- exit {code}\n--- stdout\n{out}--- stderr\n{err}"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_cli_snapshot(name, request):
    arguments, stdin = SCENARIOS[name]
    code, out, err = run(arguments, stdin)
    assert "Traceback" not in err, err
    actual = render(arguments, stdin, code, out, err)
    path = os.path.join(SNAPSHOTS, f"{name}.txt")
    if request.config.getoption("--update-snapshots") or not os.path.exists(path):
        if not request.config.getoption("--update-snapshots") and os.environ.get("CI"):
            pytest.fail(f"missing golden file {path}; run pytest --update-snapshots")
        with open(path, "w", encoding="utf-8") as f:
            f.write(actual)
    with open(path, encoding="utf-8") as f:
        assert actual == f.read()


def test_every_snapshot_has_a_scenario():
    stale = {f[:-4] for f in os.listdir(SNAPSHOTS) if f.endswith(".txt")} - set(SCENARIOS)
    assert not stale, f"golden files without a scenario: {sorted(stale)}"
