"""The one settings resolver (``csdl.config.resolve``) and the commands that wire it: flags over
the configuration, per-file ignores, the pricing the cost rules quote, and the configuration file
named by its path. Expected figures are worked out by hand from the pricing table (docs/cost.md)."""

from __future__ import annotations

from decimal import Decimal

import json
import re

import pytest

from csdl.cli import main
from csdl.config import ConfigError, resolve

# Five ORed contains on one target. With `contains_conditions_per_step = 2` a target's group of
# five conditions costs 0.1 × (5 // 2 + 1) = 0.3; one contains_any of five one-word items stays
# 0.1 (0.1 × (5 // 10 + 1)), so the rewrite saves 0.2 (0.1 with the packaged 4 per step).
FIVE = " OR ".join(f'twitter.text contains "w{i}"' for i in range(5)) + "\n"
FIVE_MERGED = 'twitter.text contains_any "w0, w1, w2, w3, w4"\n'
CHEAPER_STEPS = "[dpu]\ncontains_conditions_per_step = 2\n"


@pytest.fixture
def cli(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")

    def run(*args):
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        out, err = capsys.readouterr()
        return exit_info.value.code, out, err

    return run


def write(path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


# The resolver --------------------------------------------------------------------------------------


def test_flags_override_the_file_and_select_starts_afresh(tmp_path):
    write(tmp_path / "csdl.toml", 'ignore = ["W3"]\nextend-select = ["W205"]\nplatform = "pylon"\n')
    settings = resolve(str(tmp_path), ignore=["W1"], platform="stream")
    assert settings.platform == "stream"
    assert settings.ignore == ["W3", "W1"] and settings.extend_select == ["W205"]
    fresh = resolve(str(tmp_path), select=["E"])  # as in ruff: the configured lists no longer apply
    assert (fresh.select, fresh.ignore, fresh.extend_select) == (["E"], [], [])


def test_checks_carry_the_per_file_ignores_of_the_matching_path(tmp_path):
    write(tmp_path / "csdl.toml", '[per-file-ignores]\n"legacy/*.csdl" = ["W101"]\n')
    settings = resolve(str(tmp_path))
    assert "W101" in settings.checks(str(tmp_path / "legacy" / "old.csdl"))["ignore"]
    assert "W101" not in settings.checks(str(tmp_path / "new.csdl"))["ignore"]
    assert "W101" not in settings.checks(None)["ignore"]  # standard input matches no glob


def test_strict_and_lenient_resolution_of_a_missing_pricing_file(tmp_path):
    write(tmp_path / "csdl.toml", 'pricing = "pricing.toml"\n')
    with pytest.raises(ConfigError) as info:
        resolve(str(tmp_path))
    assert "`pricing`" in str(info.value) and "pricing.toml: no such pricing file" in str(info.value)
    lenient = resolve(str(tmp_path), strict=False)
    assert lenient.problems and "no such pricing file" in lenient.problems[0]
    assert lenient.pricing.get("dpu", "contains_conditions_per_step") == 4  # the packaged table instead


# per-file-ignores on every command ----------------------------------------------------------------


def test_cost_honours_per_file_ignores(cli, tmp_path):
    write(tmp_path / "csdl.toml", '[per-file-ignores]\n"legacy/*.csdl" = ["E101"]\n')
    write(tmp_path / "legacy" / "old.csdl", 'twitter.txt contains "coffee"\n')  # E101 only
    write(tmp_path / "new.csdl", 'twitter.txt contains "coffee"\n')
    assert cli("check", "legacy/old.csdl")[0] == 0
    code, out, _ = cli("cost", "legacy/old.csdl", "--format", "json")
    assert code == 0 and json.loads(out)["files"][0]["dpu"] == 0.1  # one contains: 0.1
    code, out, _ = cli("compile", "legacy/old.csdl", "--format", "json")
    assert code == 0 and json.loads(out)["dpu"] == 0.1
    code, out, _ = cli("cost", "new.csdl", "--format", "json")  # the glob does not match: still refused
    assert code == 1 and json.loads(out)["files"][0]["errors"][0]["code"] == "E101"


# W101's saving: one figure, from the cost model with the resolved pricing --------------------------


def test_w101_saving_uses_the_configured_pricing(cli, tmp_path):
    write(tmp_path / "csdl.toml", 'pricing = "pricing.toml"\n')
    write(tmp_path / "pricing.toml", CHEAPER_STEPS)
    write(tmp_path / "f.csdl", FIVE)
    write(tmp_path / "merged.csdl", FIVE_MERGED)
    code, out, _ = cli("check", "f.csdl", "--output-format", "concise")
    assert code == 1 and "saves 0.2 DPU: 0.3 → 0.1" in out
    # the same figures as `csdl cost` with that pricing, before and after the rewrite
    assert json.loads(cli("cost", "f.csdl", "--format", "json")[1])["files"][0]["dpu"] == 0.3
    assert json.loads(cli("cost", "merged.csdl", "--format", "json")[1])["files"][0]["dpu"] == 0.1
    code, out, _ = cli("check", "f.csdl", "--output-format", "concise", "--isolated")
    assert "saves 0.1 DPU: 0.2 → 0.1" in out  # the packaged table


def test_w101_saving_in_a_tag_body_is_what_the_tag_is_charged():
    import csdl

    # The tag's body costs 0.2 DPU in full; a tag is charged 10 % of its body from 1 DPU up,
    # otherwise nothing (docs/cost.md): merging saves nothing that `csdl cost` would show.
    text = "tag \"t\" { " + FIVE.strip() + " }\nreturn { twitter.lang exists }\n"
    merged = "tag \"t\" { " + FIVE_MERGED.strip() + " }\nreturn { twitter.lang exists }\n"
    [w101] = [d for d in csdl.check(text) if d.code == "W101"]
    assert "saves" not in w101.message and "same 0 DPU" in w101.message
    assert csdl.cost(text).dpu == csdl.cost(merged).dpu


def test_w102_figure_in_a_tag_body_is_what_the_tag_is_charged():
    import csdl

    # 0.29 DPU of regular expression in a tag body is charged nothing (under the tag's 1 DPU
    # threshold), and so is the word list: the rewrite changes nothing `csdl cost` shows.
    regex = 'interaction.content regex_partial "(?i)\\\\b(apple|banana|cherry)\\\\b"'
    words = 'interaction.content contains_any "apple, banana, cherry"'
    tagged = 'tag "t" {{ {} }}\nreturn {{ twitter.lang exists }}\n'
    [w102] = [d for d in csdl.check(tagged.format(regex)) if d.code == "W102"]
    assert "same 0 DPU" in w102.message and "instead of" not in w102.message
    assert csdl.cost(tagged.format(regex)).dpu == csdl.cost(tagged.format(words)).dpu
    # in the main expression the condition's own price is quoted: 29 characters of regular
    # expression at 1 DPU per 100, against 0.1 for a contains_any of up to nine words
    [main] = [d for d in csdl.check(regex) if d.code == "W102"]
    assert "(0.1 DPU instead of 0.29)" in main.message
    assert (csdl.cost(regex).dpu, csdl.cost(words).dpu) == (Decimal("0.29"), Decimal("0.1"))


# The configuration file named by its path ----------------------------------------------------------


def test_a_budget_from_a_parent_folder_names_the_file(cli, tmp_path, monkeypatch):
    config = write(tmp_path / "csdl.toml", "fail-above = 0.05\n")
    write(tmp_path / "team" / "f.csdl", 'twitter.text contains "coffee"\n')
    monkeypatch.chdir(tmp_path / "team")
    code, _, err = cli("cost", "f.csdl")
    assert code == 1 and f"`fail-above` ({config})" in err


def readme_config() -> str:
    import pathlib

    readme = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Configuration"):]
    return re.search(r"```toml\n(.*?)```", section, re.S).group(1)


def test_the_readme_configuration_works_as_shown(cli, tmp_path):
    """The README's snippet names a library folder and a pricing file: with them present every
    command runs; without the pricing file `check` and `cost` agree (exit 2) and say which path
    is missing and which key named it."""
    write(tmp_path / "pyproject.toml", readme_config())
    write(tmp_path / "f.csdl", 'twitter.text contains "coffee"\n')
    (tmp_path / "streams").mkdir()
    for command in ("check", "cost"):
        code, _, err = cli(command, "f.csdl")
        assert code == 2, (command, err)
        assert "`pricing`" in err and "pricing.toml: no such pricing file" in err, (command, err)
    write(tmp_path / "pricing.toml", "[dpu]\nstep = 0.1\n")
    assert cli("check", "f.csdl")[0] == 0
    code, out, _ = cli("cost", "f.csdl", "--format", "json")
    assert code == 0 and json.loads(out)["files"][0]["dpu"] == 0.1

