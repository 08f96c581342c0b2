"""CLI golden files: each scenario's command, exit code, stdout and stderr are stored in
tests/snapshots/<name>.txt. Regenerate with `pytest tests/test_cli_snapshots.py --update-snapshots`
and review the diff like code."""

from __future__ import annotations

import os
import re
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
    "parse-syntax-error": (["parse", "tests/data/syntax-error.csdl"], None),
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
    "format-syntax-error": (["format", "--check", "tests/data/syntax-error.csdl"], None),
    "check-sarif": (["check", "examples/broken.csdl", "--format", "sarif"], None),
    "check-github": (["check", "examples/broken.csdl", "--format", "github"], None),
    "check-select": (["check", "-", "--select", "W2", "--format", "concise"],
                     'a.b contains "x" or a.b contains "x" or a.b contains "y"'),
    "check-pylon": (["check", "-", "--platform", "pylon", "--format", "concise"], 'fb.content regex_partial "[a-z]"'),
    "check-noqa": (["check", "-", "--format", "concise"],
                   'interaction.sample < 0 // noqa: W203\nOR interaction.sample > 200 // noqa: E101\n'),
    "check-broken-config": (["check", "--config", "tests/data/bad-config.toml", "examples/filters"], None),
    "rules": (["rules"], None),
    "rule": (["rule", "W101"], None),
    "rule-unknown": (["rule", "X999"], None),
    "cost-table": (["cost", "examples/filters"], None),
    "cost-json": (["cost", "examples/filters/brands.csdl", "--format", "json"], None),
    "cost-stdin": (["cost", "-"], 'interaction.content contains_any "2015-03-05 16:07:01 +0000"'),
    "cost-invalid": (["cost", "examples/broken.csdl", "tests/data/syntax-error.csdl"], None),
    "cost-diff": (["cost", "tests/data/costdiff", "--compare-to", "tests/data/costdiff-base.json"], None),
    "cost-diff-markdown": (["cost", "tests/data/costdiff", "--compare-to", "tests/data/costdiff-base.json",
                            "--format", "markdown", "--fail-on-increase", "50"], None),
    "cost-budget": (["cost", "examples/filters", "--fail-above", "0.3", "--warn-total-above", "0.5"], None),
    "cost-missing-base": (["cost", "examples/filters", "--compare-to", "tests/data/no-such-base.json"], None),
    "compile-json": (["compile", "examples/filters/coffee.csdl", "--format", "json"], None),
    "compile-text": (["compile", "-"], "// comment\ntwitter.text EXISTS AND interaction.content ANY \"x\""),
    "bill-stream": (["bill", "stream", "--dpu", "1", "--hours", "6", "--objects", "4000"], None),
    "bill-stream-file": (["bill", "stream", "examples/filters/coffee.csdl", "--hours", "720", "--objects-per-hour", "1200", "--format", "json"], None),
    "bill-subscription": (["bill", "subscription", "--dpu", "2", "--allowance", "500", "--fee", "1000", "--limit", "2500",
                           "--objects-per-hour", "5000"], None),
    "bill-historics": (["bill", "historics", "--dpu", "0.1", "--start", "2024-03-01", "--end", "2024-03-31", "--sample", "10",
                        "--objects", "1212194"], None),
    "bill-preview": (["bill", "preview", "--format", "json"], None),
    "bill-unknown-rate": (["bill", "stream", "--dpu", "1", "--hours", "1", "--objects", "10", "--source", "myspace"], None),
    "bill-bad-number": (["bill", "stream", "--dpu", "lots", "--hours", "1"], None),
    "rules-json": (["rules", "--format", "json"], None),
    "run-text": (["run", "examples/filters/brands.csdl", "examples/posts.jsonl", "--format", "text"], None),
    "run-json": (["run", "examples/filters/london.csdl", "examples/posts.jsonl", "--format", "json"], None),
    "run-posts-stdin": (["run", "examples/filters/brands.csdl", "-", "-q"],
                        '{"interaction": {"content": "I want to buy an Audi", "created_at": "Mon, 04 Mar 2024 01:07:00 +0000"}}\n'
                        'not json\n'
                        '{"interaction": {"content": "nothing here"}}\n'),
    "run-strict": (["run", "examples/filters/brands.csdl", "-", "--strict"], '[1, 2]\n'),
    "run-missing-posts": (["run", "examples/filters/brands.csdl", "tests/data/no-such-posts.jsonl"], None),
    "run-invalid-filter": (["run", "examples/broken.csdl", "examples/posts.jsonl"], None),
}


def run(arguments, stdin):
    env = dict(os.environ, NO_COLOR="1", COLUMNS="100", CSDL_CACHE_DIR=os.path.join(ROOT, ".pytest_cache", "csdl-cache"))
    env.pop("FORCE_COLOR", None)
    result = subprocess.run(
        [sys.executable, "-m", "csdl", *arguments], input=(stdin or "").encode(), capture_output=True, cwd=ROOT, env=env, timeout=120,
    )
    return result.returncode, result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace")


def scrub(out: str) -> str:
    """``csdl run`` reports its own speed; timings (and the slowest-conditions ranking they decide)
    differ between runs, so they are masked before comparing with the golden file."""
    if out.startswith("{"):
        import json

        payload = json.loads(out)
        payload.pop("speed", None)
        for entry in payload.pop("slowest_conditions", []):
            assert entry["mean_us"] >= 0 and entry["line"] >= 1
        return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    lines = []
    for line in out.splitlines(keepends=True):
        if " µs " in line:
            continue
        lines.append(re.sub(r"[\d,]+ posts/s in [\d.]+ s", "N posts/s in T s", line))
    return "".join(lines)


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
    if arguments[0] == "run":
        out = scrub(out)
    actual = render(arguments, stdin, code, out, err)
    compare_with_golden(os.path.join(SNAPSHOTS, f"{name}.txt"), actual, request.config.getoption("--update-snapshots"))


def compare_with_golden(path: str, actual: str, update: bool) -> None:
    """``actual`` must equal the golden file. Only ``--update-snapshots`` writes one: a missing golden
    fails (a golden written by the run it checks would compare the output with itself)."""
    if update:
        with open(path, "w", encoding="utf-8") as f:
            f.write(actual)
        return
    if not os.path.exists(path):
        pytest.fail(f"missing golden file {path}; review the output and run pytest --update-snapshots")
    with open(path, encoding="utf-8") as f:
        assert actual == f.read()


def test_a_missing_golden_fails_and_is_not_written(tmp_path):
    path = tmp_path / "new.txt"
    with pytest.raises(pytest.fail.Exception, match="missing golden file"):
        compare_with_golden(str(path), "output\n", update=False)
    assert not path.exists()
    compare_with_golden(str(path), "output\n", update=True)
    assert path.read_text(encoding="utf-8") == "output\n"
    compare_with_golden(str(path), "output\n", update=False)
    with pytest.raises(AssertionError):
        compare_with_golden(str(path), "other\n", update=False)


def test_every_snapshot_has_a_scenario():
    stale = {f[:-4] for f in os.listdir(SNAPSHOTS) if f.endswith(".txt")} - set(SCENARIOS)
    assert not stale, f"golden files without a scenario: {sorted(stale)}"


def test_every_command_shows_examples_in_its_help():
    import click

    from csdl.cli import cli

    def walk(group, prefix):
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            yield f"{prefix} {name}", command
            if isinstance(command, click.Group):
                yield from walk(command, f"{prefix} {name}")

    for path, command in walk(cli, "csdl"):
        assert "Example" in (command.help or ""), f"{path} --help has no examples"
