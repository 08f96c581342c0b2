"""``csdl.costing`` (public as ``csdl.cost``): the DPU cost of a filter, with a breakdown by operator and target.

The rules are DataSift's published ones where DataSift published any and ours elsewhere
(spec/dpu-model.md; the user guide docs/cost.md says which is which).
"""

from __future__ import annotations

from csdl.costing.report import CostReport, StreamCost, TagCost

__all__ = ["CostReport", "StreamCost", "TagCost", "cost", "cost_tree", "validate"]


def validate(text: str, checks: dict | None = None):
    """Check ``text`` as ``csdl check`` does and return its syntax tree; raise ``csdl.CSDLError``
    with every error-severity diagnostic otherwise. ``checks`` are keyword arguments of
    ``csdl.checker.check`` (``platform``, ``select``, ``ignore`` …), e.g. from the configuration."""
    if not isinstance(text, str):
        raise TypeError(f"expected the filter as a str, not {type(text).__name__}")
    from csdl.checker import check_tree
    from csdl.diagnostics import CSDLError
    from csdl.language.parser import parse

    tree = parse(text)
    errors = [d for d in check_tree(tree, **(checks or {})) if d.is_error]
    if errors:
        raise CSDLError(errors)
    return tree


def cost_tree(tree, *, library=None, pricing=None) -> CostReport:
    """The cost of an already validated syntax tree."""
    from csdl.library import as_library
    from csdl.costing.estimate import Estimator

    lib = as_library(library)
    stack: tuple[str, ...] = ()
    if lib is not None and (tree.imports or any(n.kind == "stream" for n in tree.conditions())):
        entry = lib.entry_for(tree)  # the filter may itself be in the library: cycles through it
        if entry is not None:
            stack = (entry.path,)
    return Estimator(lib, pricing).filter(tree, stack, None)


def cost(text: str, *, library=None, pricing=None, checks: dict | None = None) -> CostReport:
    """Validate ``text`` and return its ``CostReport`` (raises ``csdl.CSDLError`` on invalid CSDL).

    ``library``: a ``csdl.library.Library`` or a directory of ``.csdl`` files that resolves
    ``stream "<hash>"`` and ``tags "<hash>"``. ``pricing``: a ``csdl.pricing.Pricing`` (default:
    the packaged ``csdl/data/pricing.toml``). ``checks``: options for the validation that runs first
    (keyword arguments of ``csdl.checker.check``).
    """
    return cost_tree(validate(text, checks), library=library, pricing=pricing)
