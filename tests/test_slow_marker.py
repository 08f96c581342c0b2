"""``pytest -m "not slow"`` is the quick run the README promises (issue 26, item 14): every test
module that starts Chromium or a Spark JVM is marked ``slow``, and the marker is registered."""

from __future__ import annotations

import ast
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "tests")
#: What starts a browser or a JVM in a test module.
HEAVY = re.compile(r"^\s*(from workbench_browser import|from csdl\.engines import spark\b|pytest\.importorskip\(\"pyspark\"\))",
                   re.M)


def marked_slow(source: str) -> bool:
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in node.targets):
            return "pytest.mark.slow" in ast.unparse(node.value)
    return False


def test_every_module_that_starts_a_browser_or_a_jvm_is_slow():
    heavy = []
    for name in sorted(os.listdir(TESTS)):
        if name.startswith("test_") and name.endswith(".py"):
            with open(os.path.join(TESTS, name), encoding="utf-8") as f:
                source = f.read()
            if HEAVY.search(source):
                heavy.append(name)
                assert marked_slow(source), f"{name} starts Chromium or Spark: mark it `pytestmark = pytest.mark.slow`"
    assert {"test_workbench_browser.py", "test_engines_spark.py", "test_workbench_rough_edges.py"} <= set(heavy)


def test_the_marker_is_registered_and_the_readme_says_how_to_skip_it():
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        assert re.search(r'^markers = \[.*"slow:', f.read(), re.M)
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    assert '`pytest -m "not slow"`' in readme and "minutes" in readme
