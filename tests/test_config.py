"""Configuration discovery and validation (csdl.config)."""

from __future__ import annotations

import os

import pytest

from csdl.config import ConfigError, load_config


def write(path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_no_config_gives_defaults(tmp_path):
    config = load_config(str(tmp_path))
    assert config.path is None
    assert (config.select, config.ignore, config.platform, config.library, config.pricing) == (None, [], "stream", None, None)
    assert config.fail_above is None and config.warn_on_increase is None


def test_pyproject_tool_csdl(tmp_path):
    write(tmp_path / "pyproject.toml", """
[project]
name = "x"

[tool.csdl]
select = ["E", "W1"]
ignore = ["W102"]
extend-select = ["W205"]
platform = "pylon"
library = "streams"
pricing = "prices/pricing.toml"
fail-above = 2
fail-total-above = 10.5
fail-on-increase = 0.5
warn-above = 1
warn-total-above = 5
warn-on-increase = 0
""")
    sub = tmp_path / "filters" / "deep"
    sub.mkdir(parents=True)
    config = load_config(str(sub))
    assert config.path == str(tmp_path / "pyproject.toml")
    assert config.select == ["E", "W1"] and config.ignore == ["W102"] and config.extend_select == ["W205"]
    assert config.platform == "pylon"
    assert config.library == str(tmp_path / "streams")
    assert config.pricing == str(tmp_path / "prices" / "pricing.toml")
    assert (config.fail_above, config.fail_total_above, config.fail_on_increase) == (2.0, 10.5, 0.5)
    assert (config.warn_above, config.warn_total_above, config.warn_on_increase) == (1.0, 5.0, 0.0)


def test_pyproject_without_tool_csdl_is_skipped(tmp_path):
    write(tmp_path / "csdl.toml", 'ignore = ["W3"]\n')
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "x"\n')
    config = load_config(str(tmp_path / "sub"))
    assert config.path == str(tmp_path / "csdl.toml") and config.ignore == ["W3"]


def test_closest_file_wins_without_merging(tmp_path):
    write(tmp_path / "csdl.toml", 'ignore = ["W3"]\nplatform = "pylon"\n')
    write(tmp_path / "sub" / "pyproject.toml", '[tool.csdl]\nselect = ["E"]\n')
    config = load_config(str(tmp_path / "sub"))
    assert config.select == ["E"] and config.ignore == [] and config.platform == "stream"


def test_csdl_toml_beats_pyproject_in_the_same_directory(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.csdl]\nselect = ["E"]\n')
    write(tmp_path / "csdl.toml", 'select = ["W"]\n')
    assert load_config(str(tmp_path)).select == ["W"]


def test_explicit_path_and_isolated(tmp_path):
    write(tmp_path / "csdl.toml", 'select = ["W"]\n')
    other = write(tmp_path / "elsewhere" / "my.toml", 'select = ["E1"]\n')
    assert load_config(str(tmp_path), explicit_path=other).select == ["E1"]
    assert load_config(str(tmp_path), isolated=True).select is None
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(str(tmp_path), explicit_path=str(tmp_path / "missing.toml"))


@pytest.mark.parametrize("body,message", [
    ('selec = ["E"]', "`selec`: unknown key; did you mean `select`?"),
    ('colour = 1', "`colour`: unknown key; known keys:"),
    ('platform = "facebook"', "`platform`: expected one of 'stream', 'pylon', found 'facebook'"),
    ('select = [1]', '`select`: expected a list of rule codes or prefixes'),
    ('ignore = ["Q1"]', "`ignore`: unknown rule code or prefix `Q1`"),
    ('fail-above = "2"', "`fail-above`: expected a number of DPU, found '2'"),
    ('warn-above = true', "`warn-above`: expected a number of DPU, found True"),
    ('fail-total-above = -1', "`fail-total-above`: expected a number of DPU of at least 0, found -1"),
    ('library = 3', "`library`: expected a path"),
])
def test_bad_values_name_the_key_and_the_file(tmp_path, body, message):
    path = write(tmp_path / "csdl.toml", body + "\n")
    with pytest.raises(ConfigError) as info:
        load_config(str(tmp_path))
    assert str(info.value).startswith(path + ": ")
    assert message in str(info.value)


def test_bad_key_in_pyproject_names_the_table(tmp_path):
    path = write(tmp_path / "pyproject.toml", '[tool.csdl]\nnope = 1\n')
    with pytest.raises(ConfigError, match=r"pyproject.toml: \[tool.csdl\] `nope`: unknown key"):
        load_config(str(tmp_path))
    assert path


def test_invalid_toml(tmp_path):
    write(tmp_path / "csdl.toml", "select = [\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(str(tmp_path))


def test_select_accepts_a_comma_separated_string(tmp_path):
    write(tmp_path / "csdl.toml", 'select = "e1, w2"\n')
    assert load_config(str(tmp_path)).select == ["E1", "W2"]


def test_default_start_is_the_current_directory(tmp_path, monkeypatch):
    write(tmp_path / "csdl.toml", 'platform = "pylon"\n')
    monkeypatch.chdir(tmp_path)
    assert load_config().platform == "pylon"
    assert os.path.isabs(load_config().path)
