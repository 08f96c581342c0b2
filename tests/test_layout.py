"""The layout stays true: no module imports from a stage above its own, and no import cycles.

The stages are data (tests/layout.toml). Imports inside functions count: a lazy import is still a
dependency, and it is how cycles used to hide.
"""

from __future__ import annotations

import ast
import pathlib
import tomllib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "csdl"
STAGES = tomllib.loads((ROOT / "tests" / "layout.toml").read_text(encoding="utf-8"))["stages"]
RANK = {prefix: rank for rank, stage in enumerate(STAGES) for prefix in stage["modules"]}
NAMES = [stage["name"] for stage in STAGES]


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def rank_of(module: str) -> int | None:
    best = None
    for prefix, rank in RANK.items():
        if module == prefix or module.startswith(prefix + "."):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, rank)
    return None if best is None else best[1]


def imports_of(module: str, path: pathlib.Path) -> set[str]:
    """The csdl modules ``module`` imports (``from csdl.x import y`` names ``csdl.x.y`` when that is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                keep = len(parts) - node.level + (1 if is_package else 0)
                base = ".".join(parts[:keep] + ([base] if base else []))
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        found.update(n for n in names if n == "csdl" or n.startswith("csdl."))
    found.discard(module)
    return found


GRAPH = {m: imports_of(m, p) for m, p in MODULES.items()}


def test_every_module_has_a_stage():
    missing = sorted(m for m in MODULES if rank_of(m) is None)
    assert not missing, f"place these modules in a stage of tests/layout.toml: {missing}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    own = rank_of(module)
    upward = sorted(
        f"{target} ({NAMES[rank_of(target)]})" for target in GRAPH[module]
        if rank_of(target) is not None and rank_of(target) > own
    )
    assert not upward, f"{module} ({NAMES[own]}) imports from a stage above its own: {upward}"


def test_no_import_cycles():
    """Tarjan's strongly connected components over module imports: every component is one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(start: str) -> None:  # iterative, so that a deep graph cannot hit the recursion limit
        work = [(start, iter(sorted(GRAPH.get(start, ()))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in MODULES:
                    continue
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(GRAPH.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))

    for module in sorted(MODULES):
        if module not in index:
            visit(module)
    assert not cycles, f"import cycles: {cycles}"


def test_the_checker_rejects_an_upward_import(tmp_path):
    """The rule itself can fail: a language module importing the CLI is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("from csdl.cli.output import write_output\n")
    targets = imports_of("csdl.language.bad", bad)
    assert targets == {"csdl.cli.output"}
    assert rank_of("csdl.cli.output") > rank_of("csdl.language.bad")


def test_every_subpackage_ships_in_the_wheel():
    """pyproject lists packages by name (grammar/ is remapped into csdl.grammar), so a new
    subpackage that is not listed would be missing from the wheel."""
    declared = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    packages = {module_name(p) for p in PACKAGE.rglob("__init__.py")}
    missing = sorted(packages - declared)
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"
