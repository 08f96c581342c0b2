"""What the README and docs promise holds: they stand alone, every code they can print is in the
registry, the CI recipe works, shell completion works, ``dir(csdl)`` shows the API."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

import csdl
from cli_process import ROOT, run

REFERENCES = re.compile(r"shared/|spec/|perf-baselines|dpu-model\.md|csdl-language\.md|\bspec §|\bseed \d")


def test_docs_and_rule_texts_point_at_nothing_users_do_not_have():
    from csdl.codes import registry

    texts = {"README.md": open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()}
    for name in os.listdir(os.path.join(ROOT, "docs")):
        if name.endswith(".md"):
            texts[f"docs/{name}"] = open(os.path.join(ROOT, "docs", name), encoding="utf-8").read()
    for code, info in registry().items():
        texts[code] = info.summary + "\n" + info.doc
    bad = {where: REFERENCES.findall(text) for where, text in texts.items() if REFERENCES.search(text)}
    assert bad == {}


def test_every_run_and_cost_code_is_in_the_registry():
    from csdl.codes import registry

    used = set()
    for folder, _dirs, files in os.walk(os.path.join(ROOT, "csdl")):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    used.update(re.findall(r'"([RC]\d{3})"', f.read()))
    assert {"R101", "C100"} <= used
    assert used <= set(registry())
    assert run("rule", "R101").returncode == 0 and run("rule", "C100").returncode == 0
    assert "R101" in run("rules").stdout


def test_dir_shows_the_lazy_functions():
    assert {"check", "fix", "cost", "compile", "format", "parse"} <= set(dir(csdl))


def test_shell_completion_works_as_documented():
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    assert '_CSDL_COMPLETE=bash_source csdl' in readme
    result = subprocess.run(["csdl"], env=dict(os.environ, _CSDL_COMPLETE="bash_source"), capture_output=True,
                            text=True)
    assert result.returncode == 0 and "complete" in result.stdout and "_csdl_completion" in result.stdout


def _workflow_step(name: str) -> str:
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    block = readme.split(f"- name: {name}", 1)[1]
    script = block.split("run: |\n", 1)[1]
    lines = []
    for line in script.splitlines():
        if not line.startswith("          "):
            break
        lines.append(line[10:])
    return "\n".join(lines)


@pytest.mark.parametrize("base", ["broken", "no-filters"])
def test_workflow_base_step_succeeds_when_the_base_is_broken_or_has_no_filters(tmp_path, base):
    repo = tmp_path / "repo"
    (repo / "filters").mkdir(parents=True) if base == "broken" else repo.mkdir()
    if base == "broken":
        (repo / "filters" / "a.csdl").write_text("twitter.text contains\n")
    else:
        (repo / "README").write_text("no filters yet\n")

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                       capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "base")
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    script = _workflow_step("Cost of the base branch").replace("${{ github.event.pull_request.base.sha }}", sha)
    script = script.replace("/tmp/base", str(tmp_path / "base"))
    bin_dir = os.path.dirname(sys.executable)
    env = dict(os.environ, GITHUB_WORKSPACE=str(repo), PATH=bin_dir + os.pathsep + os.environ["PATH"])
    result = subprocess.run(["bash", "-e", "-c", script], cwd=repo, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads((repo / "base.json").read_text())["version"] == 1
