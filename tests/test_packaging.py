"""The wheel carries the grammar and the data files, and works outside the checkout."""

import os
import subprocess
import sys
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), ROOT],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        pytest.fail(result.stdout + result.stderr)
    (path,) = [p for p in os.listdir(out) if p.endswith(".whl")]
    return os.path.join(out, path)


def _dist_info(archive: zipfile.ZipFile, name: str) -> str:
    """The text of the wheel's ``*.dist-info/<name>``."""
    (path,) = [n for n in archive.namelist() if n.endswith(f".dist-info/{name}")]
    return archive.read(path).decode()


def test_wheel_contains_grammar_and_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "csdl/grammar/csdl.lark" in names
    assert any(n.startswith("csdl/data/") for n in names)
    for folder, _dirs, files in os.walk(os.path.join(ROOT, "csdl")):
        if "__init__.py" in files:  # every subpackage of the checkout ships
            assert os.path.relpath(os.path.join(folder, "__init__.py"), ROOT) in names
        for data in files if folder.endswith(os.path.join("csdl", "data")) else ():
            assert f"csdl/data/{data}" in names
        if os.path.join("csdl", "server", "static") in folder:  # the workbench page's assets
            for asset in files:
                assert os.path.relpath(os.path.join(folder, asset), ROOT).replace(os.sep, "/") in names
    assert not any(n.startswith(("tests/", "benchmarks/")) for n in names)


def test_installed_wheel_parses_outside_the_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), wheel], check=True)
    code = (
        "import csdl, os; print(os.path.dirname(csdl.__file__)); "
        "print(csdl.format('a.b exists and c.d any \"x\"'), end='')"
    )
    env = dict(os.environ, PYTHONPATH=str(target), CSDL_CACHE_DIR=str(tmp_path / "cache"))
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    location, formatted = out.stdout.split("\n", 1)
    assert location.startswith(str(target))
    assert formatted == 'a.b exists AND c.d contains_any "x"\n'


def test_version_is_the_same_everywhere():
    import re

    import csdl

    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        declared = re.search(r'^version = "([^"]+)"', f.read(), re.M).group(1)
    assert csdl.__version__ == declared


def test_distribution_name_licence_and_urls(wheel):
    """The index name is datasift-csdl (`csdl` there is another project); the import name and the
    command stay csdl; the wheel carries the LICENSE that the metadata declares."""
    archive = zipfile.ZipFile(wheel)
    assert os.path.basename(wheel).startswith("datasift_csdl-")
    text = _dist_info(archive, "METADATA")
    assert "Name: datasift-csdl" in text
    assert "License: MIT" in text or "License-Expression: MIT" in text
    assert "Project-URL: Changelog," in text and "Project-URL: Issues," in text
    assert any(n.endswith("LICENSE") for n in archive.namelist())
    with open(os.path.join(ROOT, "LICENSE"), encoding="utf-8") as f:
        assert f.read().startswith("MIT License")
    assert "csdl = csdl.cli:main" in _dist_info(archive, "entry_points.txt")


def test_release_tag_story():
    """No release tag is published yet: the README's pre-commit `rev:` is a commit SHA, never a
    `v<version>` tag that `pre-commit run` could not find; the changelog names this version."""
    import re

    import csdl

    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    revs = re.findall(r"^\s+rev: (.+)$", readme, re.M)
    assert revs and not any(re.fullmatch(r"v?\d+(\.\d+)+", rev.strip()) for rev in revs), revs
    assert all("SHA" in rev for rev in revs), revs
    with open(os.path.join(ROOT, "CHANGELOG.md"), encoding="utf-8") as f:
        assert f"## [{csdl.__version__}]" in f.read()


def test_duckdb_extra_brings_what_duckdb_udfs_import(wheel):
    """DuckDB's Python UDFs (the engine registers one for a condition SQL cannot decide exactly)
    import numpy, which neither duckdb nor pyarrow requires: a fresh ``pip install '.[duckdb]'``
    failed on such a filter until the extra named it."""
    pytest.importorskip("duckdb")
    code = ("import sys; sys.modules['numpy'] = None\n"
            "import duckdb\n"
            "from duckdb import sqltypes as T\n"
            "try:\n"
            "    duckdb.connect().create_function('f', lambda x: x, [T.VARCHAR], T.BOOLEAN, type='arrow')\n"
            "except duckdb.Error as exc:\n"
            "    print('numpy' in str(exc))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "True", "DuckDB's UDFs no longer need numpy: " + out.stdout + out.stderr
    metadata = _dist_info(zipfile.ZipFile(wheel), "METADATA")
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist: numpy")]
    assert any('extra == "duckdb"' in line for line in requires), requires
