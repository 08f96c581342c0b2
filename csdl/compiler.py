"""``csdl.compile``: validate a filter and return its canonical text, DPU cost and hash.

The hash is **ours, not DataSift's**: the MD5 (32 hex digits) of the canonical text, which is what
``csdl format`` prints minus comments. Comments and layout therefore never change it, while any
change of meaning (or of a string literal as written) does. DataSift computed its stream hashes on
its servers from its own normal form; they cannot be reproduced offline, so a library file may be
named after its DataSift hash instead (see ``csdl.library``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from csdl.language.canonical import canonical_text, text_hash

if TYPE_CHECKING:
    from csdl.costing.report import CostReport


class Compiled:
    """A validated filter: ``csdl`` (canonical text), ``dpu`` (exact), ``hash``, the cost ``report``.

    ``match(post)`` and ``evaluate(post)`` run the filter locally; the matcher is built on first use.
    """

    def __init__(self, csdl: str, hash: str, report, tree, library=None):
        self.csdl = csdl
        self.hash = hash
        self.report = report
        self.tree = tree
        self.library = library
        self.resolved = None  # its csdl.library.ResolvedFilter (set by compile)
        self._matcher = None

    @property
    def dpu(self) -> Decimal:
        return self.report.dpu

    @property
    def complete(self) -> bool:
        return self.report.complete

    def to_dict(self) -> dict:
        from csdl.units import dpu_json

        return {"hash": self.hash, "dpu": dpu_json(self.dpu), "csdl": self.csdl}

    def _compiled_matcher(self):
        if self._matcher is None:
            from csdl.evaluate import compile_matcher

            # The matcher takes library entries as they are, so a file with errors is named as such.
            self._matcher = compile_matcher(self.tree, library=self.resolved or self.library)
        return self._matcher

    def match(self, post) -> bool:
        """Whether ``post`` (an interaction as a dict) passes the filter."""
        return self._compiled_matcher().match(post)

    def evaluate(self, post):
        """The evaluator's full answer for ``post`` (match, tags, scores)."""
        return self._compiled_matcher().evaluate(post)

    def __repr__(self) -> str:
        from csdl.units import dpu_text

        return f"Compiled(hash={self.hash!r}, dpu={dpu_text(self.dpu)})"


def compile(text: str, *, library=None, pricing=None, checks: dict | None = None) -> Compiled:  # noqa: A001 - public name csdl.compile
    """Validate ``text`` (raising ``csdl.CSDLError`` with every error) and compile it.

    ``library`` (a ``csdl.library.Library`` or a directory) resolves ``stream``/``tags`` references;
    ``pricing`` (a ``csdl.billing.pricing.Pricing``) overrides the packaged prices; ``checks`` are options
    of the validation (keyword arguments of ``csdl.checking.checker.check``).
    """
    from csdl.checking.checker import validated_tree
    from csdl.library import as_library

    from csdl.library import resolve

    tree = validated_tree(text, checks)
    lib = as_library(library)
    resolved = resolve(tree, lib)  # once: the cost model and the matcher use the same answers
    report = cost_tree(tree, library=resolved, pricing=pricing)
    canonical = canonical_text(tree)
    compiled = Compiled(canonical, text_hash(canonical), report, tree, lib)
    compiled.resolved = resolved
    return compiled


def cost_tree(tree, *, library=None, pricing=None) -> CostReport:
    """The cost of an already validated syntax tree."""
    from csdl.library import resolve
    from csdl.costing.estimate import Estimator

    # the references resolved once (``library`` may be that ResolvedFilter already); the cost walk
    # asks the same answers, from the filter's own file when the library holds it (cycles through it)
    resolved = resolve(tree, library)
    return Estimator(resolved.references, pricing).filter(tree, resolved.stack, None)


def cost(text: str, *, library=None, pricing=None, checks: dict | None = None) -> CostReport:
    """Validate ``text`` and return its ``CostReport`` (raises ``csdl.CSDLError`` on invalid CSDL).

    ``library``: a ``csdl.library.Library`` or a directory of ``.csdl`` files that resolves
    ``stream "<hash>"`` and ``tags "<hash>"``. ``pricing``: a ``csdl.billing.pricing.Pricing`` (default:
    the packaged ``csdl/data/pricing.toml``). ``checks``: options for the validation that runs first
    (keyword arguments of ``csdl.checking.checker.check``).
    """
    from csdl.checking.checker import validated_tree

    return cost_tree(validated_tree(text, checks), library=library, pricing=pricing)
