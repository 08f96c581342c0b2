"""One voice for failures (issue 26, items 4 and 11): ``error: …`` on stderr and exit code 2 for a
missing input, a bad flag and a missing optional extra, in every command; no traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILTER = os.path.join(ROOT, "examples", "filters", "coffee.csdl")
POSTS = os.path.join(ROOT, "examples", "posts.jsonl")
MISSING = "no-such-input.csdl"

#: Runs the real command line with some top-level modules made unimportable, as on an install
#: without the extra that provides them.
BLOCKING_MAIN = """
import sys
BLOCKED = set(sys.argv[1].split(","))

class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Blocker())
from csdl.cli import main
main(sys.argv[2:])
"""


def csdl(*args, cwd=ROOT, blocked=(), stdin=""):
    environment = dict(os.environ, NO_COLOR="1", CSDL_NO_PROGRESS="1")
    environment.pop("CSDL_DEBUG", None)
    command = [sys.executable, "-c", BLOCKING_MAIN, ",".join(blocked) or "-", *args]
    return subprocess.run(command, cwd=cwd, input=stdin, capture_output=True, text=True, env=environment,
                          timeout=120)


def assert_error(result, *words):
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors, result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)
    assert "csdl: error" not in result.stderr and "Error: " not in result.stderr


# item 4: a missing extra -----------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "blocked", "extra", "who"), [
    (["sql", FILTER], ["sqlglot"], "duckdb", "csdl sql needs sqlglot"),
    (["sql", FILTER, "--dialect", "spark"], ["sqlglot"], "duckdb", "csdl sql needs sqlglot"),
    (["run", FILTER, POSTS, "--engine", "duckdb"], ["duckdb"], "duckdb", "duckdb engine needs duckdb"),
    (["run", FILTER, POSTS, "--engine", "duckdb"], ["sqlglot"], "duckdb", "duckdb engine needs sqlglot"),
    (["run", FILTER, POSTS, "--engine", "duckdb"], ["pyarrow"], "duckdb", "duckdb engine needs pyarrow"),
    (["run", FILTER, POSTS, "--engine", "spark"], ["pyspark"], "spark", "spark engine needs pyspark"),
    (["serve", "--port", "0"], ["uvicorn"], "serve", "csdl serve needs uvicorn"),
    (["serve", "--port", "0"], ["starlette"], "serve", "csdl serve needs starlette"),
    (["serve", "--port", "0"], ["multipart"], "serve", "csdl serve needs multipart"),
    (["lsp"], ["pygls"], "lsp", "csdl lsp needs pygls"),
])
def test_a_missing_extra_says_what_to_install_in_both_forms(args, blocked, extra, who):
    result = csdl(*args, blocked=blocked)
    assert_error(result, who, f"pip install 'datasift-csdl[{extra}]'", f"pip install '.[{extra}]'")
    assert "internal error" not in result.stderr and "ModuleNotFoundError" not in result.stderr


def test_spark_submit_without_pyspark_says_what_to_install(tmp_path):
    code = BLOCKING_MAIN.replace("from csdl.cli import main\nmain(sys.argv[2:])",
                                 "from csdl.engines.spark_submit import main\nsys.exit(main(sys.argv[2:]))")
    result = subprocess.run([sys.executable, "-c", code, "pyspark", FILTER, POSTS], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert_error(result, "pip install 'datasift-csdl[spark]'", "pip install '.[spark]'")


def test_the_extras_named_are_the_extras_of_pyproject():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    from csdl.extras import EXTRA_MODULES

    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        declared = tomllib.load(f)["project"]["optional-dependencies"]
    assert set(EXTRA_MODULES) <= set(declared)
    for extra, modules in EXTRA_MODULES.items():
        distributions = " ".join(declared[extra]).lower().replace("python-multipart", "multipart")
        for module in modules:
            assert module in distributions, (extra, module)


def test_an_optional_module_present_is_returned_and_a_base_module_error_is_not_disguised():
    from csdl.extras import MissingExtra, require

    assert require("json").dumps([]) == "[]"
    with pytest.raises(ModuleNotFoundError) as caught:
        require("no_such_module_of_anyone")
    assert not isinstance(caught.value, MissingExtra)


# item 11: a missing file and a bad flag, in every command -------------------------------------------

COMMANDS_WITH_AN_INPUT = [
    ["check", MISSING],
    ["check", MISSING, "--format", "json"],
    ["check", MISSING, "--exit-zero"],
    ["format", MISSING],
    ["format", "--check", MISSING],
    ["parse", MISSING],
    ["cost", MISSING],
    ["compile", MISSING],
    ["sql", MISSING],
    ["run", MISSING, POSTS],
    ["run", FILTER, "no-such-posts.jsonl"],
    ["bill", "stream", MISSING, "--hours", "1", "--objects-per-hour", "10"],
    ["check", FILTER, "--previous", "no-such-previous.json"],
    ["cost", FILTER, "--compare-to", "no-such-base.json"],
]


@pytest.mark.parametrize("args", COMMANDS_WITH_AN_INPUT, ids=" ".join)
def test_a_missing_input_exits_2_in_every_command(args):
    result = csdl(*args)
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert "no such file" in (result.stdout + result.stderr).lower()


def test_every_command_is_walked():
    from csdl.cli import COMMANDS

    walked = {args[0] for args in COMMANDS_WITH_AN_INPUT} | {"rule", "rules", "serve", "lsp", "version"}
    assert walked == set(COMMANDS)


@pytest.mark.parametrize("command", [["check"], ["format"], ["parse"], ["cost"], ["compile"], ["sql"], ["run"],
                                     ["bill", "stream"], ["rules"], ["rule"], ["serve"], ["lsp"], ["version"], []],
                         ids=lambda c: " ".join(c) or "csdl")
def test_a_bad_flag_is_error_then_usage(command):
    result = csdl(*command, "--no-such-flag")
    assert_error(result, "No such option", "--no-such-flag", "Usage: csdl")
    assert result.stderr.startswith("error: ")


def test_a_mistyped_command_and_a_bad_selector_speak_the_same_way():
    assert_error(csdl("chek", "x.csdl"), "Did you mean `check`?")
    assert_error(csdl("check", FILTER, "--select", "Q"), "unknown rule selector")
    assert_error(csdl("rule", "Z999"), "unknown rule")


def test_optional_modules_are_imported_only_through_csdl_extras_outside_the_gated_packages():
    """The command line and every stage a base install runs import an optional module only through
    ``csdl.extras.require`` (the packages behind a gate, csdl.server, csdl.lsp and csdl.engines,
    are reached only after ``require_extra``)."""
    import ast

    from csdl.extras import EXTRA_MODULES

    optional = {m for modules in EXTRA_MODULES.values() for m in modules} | {"python_multipart", "playwright"}
    gated = tuple(os.path.join(ROOT, "csdl", p) + os.sep for p in ("server", "lsp", "engines"))
    direct = []
    for folder, _, files in os.walk(os.path.join(ROOT, "csdl")):
        for name in files:
            path = os.path.join(folder, name)
            if not name.endswith(".py") or path.startswith(gated):
                continue
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read())
            for node in ast.walk(tree):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else [])
                direct += [f"{os.path.relpath(path, ROOT)}:{node.lineno} {n}" for n in names
                           if n.split(".")[0] in optional]
    assert not direct


def test_no_command_speaks_in_another_voice():
    """The old voices ("csdl: error: …", "csdl run: … cannot run", "csdl serve: warning: …") are gone
    from the command line's sources: failures go through csdl.cli.output.error/warning/note."""
    import re

    old = re.compile(r"""["'](csdl(?: [a-z]+)?: (?:error|warning|note|internal error)\b|csdl run: |Error: )""")
    found = []
    for folder in ("cli", "engines"):
        for name in sorted(os.listdir(os.path.join(ROOT, "csdl", folder))):
            if name.endswith(".py"):
                with open(os.path.join(ROOT, "csdl", folder, name), encoding="utf-8") as f:
                    found += [f"csdl/{folder}/{name}:{n}" for n, line in enumerate(f, 1) if old.search(line)]
    assert not found
