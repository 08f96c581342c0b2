"""The README's pre-commit snippets work as shown (issue 26, item 2): the tag it pinned did not
exist. The `repo: local` form runs with pre-commit on a scratch repository (nothing fetched);
the remote form pins a commit SHA and names hooks this repository's manifest defines."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
YAML_BLOCKS = re.findall(r"^```yaml\n(.*?)^```", README, re.S | re.M)
PRE_COMMIT = shutil.which("pre-commit", path=os.path.dirname(sys.executable)) or shutil.which("pre-commit")


def snippet(marker: str) -> str:
    (block,) = [b for b in YAML_BLOCKS if b.lstrip().startswith("repos:") and marker in b]
    return block


def test_no_snippet_pins_a_tag():
    for block in YAML_BLOCKS + re.findall(r"^```yaml\n(.*?)^```", open(os.path.join(ROOT, "docs", "payloads.md"),
                                                                         encoding="utf-8").read(), re.S | re.M):
        assert not re.search(r"rev:\s*v\d", block), block


def test_the_remote_snippet_names_hooks_of_the_manifest():
    manifest = open(os.path.join(ROOT, ".pre-commit-hooks.yaml"), encoding="utf-8").read()
    ids = set(re.findall(r"^- id: (\S+)", manifest, re.M))
    remote = snippet("rev:")
    assert "commit SHA" in remote
    assert set(re.findall(r"- id: (\S+)", remote)) <= ids


def git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env=dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
                            GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com"))


@pytest.mark.skipif(PRE_COMMIT is None and not os.environ.get("CI"), reason="pre-commit is not installed")
def test_the_local_snippet_runs_with_pre_commit(tmp_path):
    assert PRE_COMMIT, "pre-commit is in the test extra"
    repo = tmp_path / "repo"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    (repo / ".pre-commit-config.yaml").write_text(snippet("repo: local"))
    (repo / "good.csdl").write_text('interaction.content contains "coffee"\n')
    (repo / "messy.csdl").write_text('interaction.content   contains "tea"   and twitter.lang=="en"\n')
    (repo / "broken.csdl").write_text('interactin.sample == 1\n')
    git("add", ".", cwd=repo)
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "cache"), NO_COLOR="1",
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))

    def run():
        return subprocess.run([PRE_COMMIT, "run", "--all-files", "--color", "never"], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=300)

    first = run()
    assert first.returncode == 1, first.stdout + first.stderr
    assert re.search(r"csdl check\.+Failed", first.stdout) and "broken.csdl:1:1: E101" in first.stdout
    assert re.search(r"csdl format\.+Failed", first.stdout)  # it rewrote messy.csdl
    assert (repo / "messy.csdl").read_text() == 'interaction.content contains "tea" AND twitter.lang == "en"\n'
    (repo / "broken.csdl").unlink()
    git("add", "-A", cwd=repo)
    second = run()
    assert second.returncode == 0, second.stdout + second.stderr
    assert re.search(r"csdl check\.+Passed", second.stdout) and re.search(r"csdl format\.+Passed", second.stdout)
