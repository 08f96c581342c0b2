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


def imported_from(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    """The absolute module a ``from … import`` statement of ``module`` reads (relative levels resolved)."""
    base = node.module or ""
    if node.level:
        parts = module.split(".")
        keep = len(parts) - node.level + (1 if is_package else 0)
        base = ".".join(parts[:keep] + ([base] if base else []))
    return base


def imports_of(module: str, path: pathlib.Path) -> set[str]:
    """The csdl modules ``module`` imports (``from csdl.x import y`` names ``csdl.x.y`` when that is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = imported_from(module, node, is_package)
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


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(module: str, path: pathlib.Path) -> list[str]:
    """Private names ``module`` takes from another csdl module: ``from csdl.x import _y``, and
    ``x._y`` where ``x`` is a csdl module it imported. A private name is the owner's business: what
    another module needs becomes a public, documented function of its owner."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    found: list[str] = []
    module_aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("csdl.") and alias.asname:
                    module_aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            base = imported_from(module, node, is_package)
            if not (base == "csdl" or base.startswith("csdl.")):
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in MODULES:
                    module_aliases[alias.asname or alias.name] = full
                    if _is_private(alias.name) and base != module and not module.startswith(full):
                        found.append(f"{full} (line {node.lineno})")
                elif _is_private(alias.name) and base != module:
                    found.append(f"{full} (line {node.lineno})")
    # Names this module binds itself: its own private attributes, functions and variables.
    own = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
           and n.value.id in ("self", "cls")}
    own |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    own |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and _is_private(node.attr)):
            continue
        if isinstance(node.value, ast.Name) and node.value.id in module_aliases:
            if module_aliases[node.value.id] != module:
                found.append(f"{module_aliases[node.value.id]}.{node.attr} (line {node.lineno})")
        elif node.attr not in own and ast.unparse(node) not in THIRD_PARTY_PRIVATES:
            # another object's private attribute, set by some other module (matcher._main)
            found.append(f"{ast.unparse(node)} (line {node.lineno})")
    return sorted(set(found))


#: Private attributes of other projects' objects that csdl must reach, each for a reason.
THIRD_PARTY_PRIVATES = {
    "os._exit",  # the documented way to leave a process without running atexit handlers
    "node._fields",  # ast.AST's documented field list
    "compiled._regexp",  # google-re2's wrapped RE2 object: the only way to its program size
    "_compiler._code",  # sre_compile's code list, to bound a Python pattern's size
    "server.protocol._shutdown",  # pygls: whether the client asked for shutdown before exit
}


#: The generated parser is lark's standalone module: its one owner (csdl.language.lalr) wraps it.
GENERATED = {"csdl.language._lalr": "csdl.language.lalr"}


@pytest.mark.parametrize("module", sorted(set(MODULES) - set(GENERATED)))
def test_no_private_imports_across_modules(module):
    found = [name for name in private_imports(module, MODULES[module])
             if not any(name.startswith(g + ".") for g, owner in GENERATED.items() if owner == module)]
    assert not found, f"{module} takes private names of other modules: {found}"


def test_the_checker_rejects_a_private_import(tmp_path):
    """The private-import rule itself can fail: both spellings are caught, a public name is not."""
    bad = tmp_path / "bad.py"
    bad.write_text("from csdl.evaluate.matcher import _Compiler, compile_matcher\n"
                   "from csdl.evaluate import matcher\n"
                   "x = matcher._main\n")
    assert private_imports("csdl.engines.bad", bad) == [
        "csdl.evaluate.matcher._Compiler (line 1)", "csdl.evaluate.matcher._main (line 3)"]


# Function length ------------------------------------------------------------------------------------

#: A function longer than this is split into functions with one job each.
MAX_FUNCTION_LINES = 80

#: Lark's stand-alone parser, written by scripts/generate_parser.py: generated, not ours to split.
GENERATED_CODE = {"csdl.language._lalr"}

#: Functions still longer, each with the reason it is not split yet (none today).
LONG_FUNCTIONS: dict[str, str] = {}


def long_functions(module: str, path: pathlib.Path) -> dict[str, int]:
    """Every function of ``module`` (methods and nested functions too) longer than
    ``MAX_FUNCTION_LINES``, from its ``def`` line to its last line, by qualified name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: dict[str, int] = {}

    def visit(node, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}.{child.name}"
                length = child.end_lineno - child.lineno + 1
                if not isinstance(child, ast.ClassDef) and length > MAX_FUNCTION_LINES:
                    found[name] = length
                visit(child, name)
            else:
                visit(child, prefix)

    visit(tree, module)
    return found


def test_no_function_is_longer_than_80_lines():
    found = {}
    for module, path in MODULES.items():
        if module not in GENERATED_CODE:
            found.update(long_functions(module, path))
    unexplained = {name: length for name, length in found.items() if name not in LONG_FUNCTIONS}
    assert not unexplained, f"split these into functions with one job each: {unexplained}"
    stale = sorted(set(LONG_FUNCTIONS) - set(found))
    assert not stale, f"no longer too long (or gone): drop them from LONG_FUNCTIONS: {stale}"


def test_the_length_rule_can_fail(tmp_path):
    code = tmp_path / "long.py"
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES))
    code.write_text(f"class A:\n    def short(self):\n        return 1\n\n    def long(self):\n{body.replace('    ', '        ')}\n"
                    f"def fine():\n{body[: -len(body.splitlines()[-1]) - 1]}")
    assert long_functions("m", code) == {"m.A.long": MAX_FUNCTION_LINES + 1}


# Diagnostics above the registry -------------------------------------------------------------------------

def direct_diagnostics(path: pathlib.Path) -> list[int]:
    """Lines where ``Diagnostic(...)`` is constructed directly rather than by ``csdl.codes.diagnostic``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return sorted(node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Name) and node.func.id == "Diagnostic")
        or (isinstance(node.func, ast.Attribute) and node.func.attr == "Diagnostic"
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "diagnostics")))


@pytest.mark.parametrize("module", sorted(m for m in MODULES if (rank_of(m) or 0) > rank_of("csdl.codes")))
def test_above_the_registry_diagnostics_come_from_it(module):
    """The registry alone names a code and gives its severity: every stage above it builds a
    diagnostic with ``csdl.codes.diagnostic(code, message, span)``, never ``Diagnostic(...)``."""
    assert direct_diagnostics(MODULES[module]) == [], f"{module}: use csdl.codes.diagnostic"
