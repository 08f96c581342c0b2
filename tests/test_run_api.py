"""``csdl.run``: one call for every engine, returning one summary that every face renders; the run
codes carry the registry's names; ``-o FILE.parquet`` writes Parquet on every engine."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

import csdl
from csdl.cli import cli
from csdl.codes import registry

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

POSTS = [
    {"interaction": {"id": "1", "type": "twitter", "content": "coffee time", "created_at": "Mon, 04 Mar 2024 00:00:00 +0000"}},
    {"interaction": {"id": "2", "type": "twitter", "content": "tea time", "created_at": "Mon, 04 Mar 2024 01:00:00 +0000"}},
    {"interaction": {"id": "3", "type": "facebook", "content": {"nested": "coffee"}, "created_at": "Mon, 04 Mar 2024 02:00:00 +0000"}},
    {"interaction": {"id": "4", "type": "twitter", "content": "more COFFEE", "created_at": "Mon, 04 Mar 2024 03:00:00 +0000"}},
]
FILTER = 'tag "hot" { interaction.content contains "coffee" }\nreturn { interaction.content contains "coffee" }'


def write_posts(path, posts=POSTS, extra: bytes = b""):
    with open(path, "wb") as f:
        for post in posts:
            f.write(json.dumps(post).encode() + b"\n")
        f.write(extra)
    return str(path)


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_run_returns_a_summary_of_counts_tags_and_bad_lines(tmp_path):
    posts = write_posts(tmp_path / "p.jsonl", extra=b"[1, 2]\n")
    out = []

    class Collect:
        def write(self, data):
            out.extend(data.splitlines())

    summary = csdl.run(FILTER, posts, output=Collect())
    # posts 1 and 4 mention coffee in text; post 3 holds an object there (R201); line 5 is an array (R102)
    assert (summary.read, summary.matched) == (4, 2)
    assert [json.loads(line)["interaction"]["id"] for line in out] == ["1", "4"]
    assert summary.tags == {'tag "hot"': 2}
    assert sorted((b.line, b.code) for b in summary.bad) == [(3, "R201"), (5, "R102")]
    data = summary.to_dict()
    assert data["matched"] == 2 and data["forecast"]["available"] and "engine" not in data
    assert summary.render_text().startswith("csdl run (filter) over ")


def test_run_takes_lines_a_parsed_filter_and_refuses_unknown_engines(tmp_path):
    lines = [json.dumps(p).encode() + b"\n" for p in POSTS]
    assert csdl.run(csdl.parse(FILTER), lines).matched == 2
    with pytest.raises(ValueError):
        csdl.run(FILTER, lines, engine="postgres")


def test_a_filter_that_cannot_run_raises_its_diagnostics():
    with pytest.raises(csdl.CSDLError) as caught:
        csdl.run('stream "' + "a" * 32 + '"', [b"{}\n"])
    assert [d.code for d in caught.value.diagnostics] == ["C100"]


# --- item 4: run codes carry the registry's names, and JSON carries the codes -----------------


def test_run_warnings_and_errors_carry_the_registry_names():
    from csdl.evaluate import compile_matcher

    matcher = compile_matcher(csdl.parse('interaction.content contains [keep(classic)] "x"'))
    (warning,) = matcher.warnings
    assert (warning.code, warning.name, warning.severity) == ("R010", registry()["R010"].name, registry()["R010"].severity)
    cases = {
        "R001": 'interaction.content contains_near "a,b"',
        "R002": 'interaction.content regex_partial "(a)\\\\1"',
        "R003": 'interaction.geo geo_box "1,2:3"',
    }
    for code, text in cases.items():
        with pytest.raises(csdl.CSDLError) as caught:
            compile_matcher(csdl.parse(text))
        (diagnostic,) = caught.value.diagnostics
        assert (diagnostic.code, diagnostic.name) == (code, registry()[code].name), text


def test_run_json_includes_each_bad_line_and_warning_code(tmp_path):
    posts = write_posts(tmp_path / "p.jsonl", extra=b"not json\n")
    f = tmp_path / "f.csdl"
    f.write_text('interaction.content contains [keep(classic)] "coffee"', encoding="utf-8")
    result = invoke("run", str(f), posts, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    details = {(d["line"], d["code"], d["name"]) for d in data["bad_posts"]["details"]}
    assert details == {(3, "R201", "wrong-type"), (5, "R101", "invalid-json")}
    (warning,) = data["warnings"]
    assert (warning["code"], warning["name"], warning["line"]) == ("R010", "switch-not-modelled", 1)


# --- issue 26 item 3: -o FILE.parquet is Parquet, whatever the engine -----------------------------


def test_python_engine_writes_real_parquet(tmp_path):
    duckdb = pytest.importorskip("duckdb")
    posts = write_posts(tmp_path / "p.jsonl")
    f = tmp_path / "f.csdl"
    f.write_text(FILTER, encoding="utf-8")
    target = tmp_path / "x.parquet"
    result = invoke("run", str(f), posts, "--engine", "python", "-o", str(target), "--format", "json")
    assert result.exit_code == 0, result.output
    assert target.read_bytes()[:4] == b"PAR1"
    rows = duckdb.sql(f"SELECT interaction.id, interaction.tags FROM read_parquet('{target}') ORDER BY 1").fetchall()
    assert rows == [("1", ["hot"]), ("4", ["hot"])]


def test_parquet_output_without_the_duckdb_extra_is_refused_before_running(tmp_path):
    """A Python without DuckDB (a stand-in package that is not importable) must not get JSON
    Lines under a .parquet name: exit 2, the install line, and no file."""
    fake = tmp_path / "site"
    (fake / "duckdb").mkdir(parents=True)
    (fake / "duckdb" / "__init__.py").write_text("raise ModuleNotFoundError('No module named duckdb', name='duckdb')\n")
    posts = write_posts(tmp_path / "p.jsonl")
    f = tmp_path / "f.csdl"
    f.write_text(FILTER, encoding="utf-8")
    target = tmp_path / "x.parquet"
    env = dict(os.environ, PYTHONPATH=str(fake) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-m", "csdl", "run", str(f), posts, "-o", str(target)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "pip install" in done.stderr and "duckdb" in done.stderr and "Traceback" not in done.stderr
    assert not target.exists()


# --- issue 26 item 5: the engines' summaries name the engine, never None ------------------------------


def test_duckdb_summary_names_its_engine_and_reader(tmp_path):
    pytest.importorskip("duckdb")
    posts = write_posts(tmp_path / "p.jsonl")
    f = tmp_path / "f.csdl"
    f.write_text(FILTER, encoding="utf-8")
    text = invoke("run", str(f), posts, "--engine", "duckdb", "--format", "text")
    assert text.exit_code == 0, text.output
    speed = next(line for line in text.stdout.splitlines() if line.strip().startswith("speed"))
    assert "None" not in speed and "duckdb" in speed and "JSON Lines" in speed
    data = json.loads(invoke("run", str(f), posts, "--engine", "duckdb", "--format", "json").stdout)
    assert data["speed"]["json"] is not None and data["engine"]["name"] == "duckdb"


def test_jobs_for_a_sql_engine_are_noted_not_silently_dropped(tmp_path):
    pytest.importorskip("duckdb")
    posts = write_posts(tmp_path / "p.jsonl")
    notes = csdl.run(FILTER, posts, engine="duckdb", jobs=2).to_dict()["notes"]
    assert any("only the python engine runs worker processes" in note for note in notes)
    assert not any("worker processes" in note for note in csdl.run(FILTER, posts, engine="duckdb").to_dict()["notes"])


def test_a_directory_for_the_python_engine_names_the_engines_that_read_one(tmp_path):
    (tmp_path / "posts").mkdir()
    write_posts(tmp_path / "posts" / "a.jsonl")
    from csdl.engines.running import RunError

    with pytest.raises(RunError, match="is a directory: the python engine reads one file"):
        csdl.run(FILTER, str(tmp_path / "posts"), engine="python")


def test_the_same_summary_from_python_and_duckdb(tmp_path):
    pytest.importorskip("duckdb")
    posts = write_posts(tmp_path / "p.jsonl", extra=b"[1]\n")
    python = csdl.run(FILTER, posts, engine="python").to_dict()
    duck = csdl.run(FILTER, posts, engine="duckdb").to_dict()
    for key in ("read", "matched", "blank_lines", "tags", "bad_posts", "forecast", "warnings"):
        assert duck[key] == python[key], key


def test_duckdb_on_parquet_reports_wrong_typed_values_as_python_does(tmp_path):
    """A Parquet column whose type a condition cannot read (a struct where text is expected):
    every row with a value there is an R201 on the Python engine, so it is on DuckDB."""
    pytest.importorskip("duckdb")
    from csdl.engines.duckdb import write_parquet

    posts = [{"interaction": {"type": "t", "content": {"a": "coffee"}}}, {"interaction": {"type": "x"}},
             {"interaction": {"type": "t", "content": {"a": "x"}}}]
    jsonl = write_posts(tmp_path / "p.jsonl", posts)
    write_parquet(jsonl, str(tmp_path / "p.parquet"))
    text = 'interaction.content contains "coffee" or interaction.type == "x"'
    python = csdl.run(text, jsonl, engine="python").to_dict()
    duck = csdl.run(text, str(tmp_path / "p.parquet"), engine="duckdb").to_dict()
    assert [(d["line"], d["code"]) for d in python["bad_posts"]["details"]] == [(1, "R201"), (3, "R201")]
    assert duck["bad_posts"] == python["bad_posts"]
    assert (duck["read"], duck["matched"]) == (python["read"], python["matched"]) == (3, 1)
