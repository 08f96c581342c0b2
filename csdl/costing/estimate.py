"""Price a whole filter: its main expression, its tag and scoring statements, the tag statements
it imports with ``tags "<hash>"`` and the streams it references with ``stream "<hash>"`` (§5).

References are answered by a ``csdl.library.References`` (the library's one lookup, which names
every fault with the same codes for the cost model and the runner). A reference that cannot be resolved
makes the cost unknown, which the report says (``complete`` False and a warning) instead of
counting it as 0 [decision: unresolved-unknown]; a reference cycle or an invalid referenced file
is an error located at the reference.
"""

from __future__ import annotations

from csdl.language import ast
from csdl.diagnostics import CSDLError, Diagnostic
from csdl.units import total
from csdl.costing.model import Prices, price_scope, scope_conditions
from csdl.costing.report import CostReport, StreamCost, TagCost

_prices_cache: dict[int, tuple[object, Prices]] = {}


def prices_for(pricing) -> Prices:
    if pricing is None:
        from csdl.billing.pricing import default_pricing

        pricing = default_pricing()
    cached = _prices_cache.get(id(pricing))
    if cached is None or cached[0] is not pricing:
        cached = _prices_cache[id(pricing)] = (pricing, Prices(pricing))
    return cached[1]


def _key(hash: str) -> str:
    return hash.strip().lower()


class Estimator:
    def __init__(self, references, pricing):
        # ``csdl.library.References``: how the library answers a hash and names each fault (this
        # stage lies below the library, which hands it over).
        self.references = references
        self.prices = prices_for(pricing)

    # One filter ---------------------------------------------------------------------------------

    def filter(self, tree: ast.Filter, stack: tuple[str, ...], file: str | None) -> CostReport:
        prices = self.prices
        warnings: list[Diagnostic] = []
        errors: list[Diagnostic] = []
        conditions, refs = scope_conditions(tree.main)
        items = price_scope(conditions, prices)
        # hash -> (as written, spans in this file); a stream reached only through an import is
        # located at that import statement.
        streams: dict[str, tuple[str, list[ast.Span]]] = {}
        for ref in refs:
            streams.setdefault(_key(ref.hash), (ref.hash, []))[1].append(ref.span)

        tags: list[TagCost] = []
        for rule in tree.tag_rules:
            tag, body_refs = self.tag(rule, None, file)
            tags.append(tag)
            for ref in body_refs:
                streams.setdefault(_key(ref.hash), (ref.hash, []))[1].append(ref.span)

        imported: set[str] = set()
        for statement in tree.imports:
            key = _key(statement.hash)
            if key in imported and not self.closes_cycle(statement.hash, stack):
                continue  # each distinct hash is charged once per filter [decision: stream-once]
            imported.add(key)
            entry, problem = self.lookup(statement.hash, statement.hash_span, stack, "tags")
            if problem is not None:
                (errors if problem.is_error else warnings).append(problem)
                continue
            try:
                new_tags, new_refs = self.imported_tags(entry, stack + (entry.path,), statement.hash, imported)
            except CSDLError as exc:
                errors.append(self._wrap(exc, statement.hash, entry, statement.hash_span))
                continue
            tags.extend(new_tags)
            for ref_hash in new_refs:
                streams.setdefault(_key(ref_hash), (ref_hash, []))[1].append(statement.span)

        stream_costs: list[StreamCost] = []
        for written, spans in streams.values():
            entry, problem = self.lookup(written, spans[0], stack, "stream")
            if problem is not None:
                (errors if problem.is_error else warnings).append(problem)
                stream_costs.append(StreamCost(written, spans, None, None, False))
                continue
            try:
                report = self.entry_report(entry, stack)
            except CSDLError as exc:
                errors.append(self._wrap(exc, written, entry, spans[0]))
                continue
            stream_costs.append(StreamCost(written, spans, report.dpu, entry.path, report.complete))
            if not report.complete:
                warnings.append(self.references.incomplete(written, entry, spans[0]))
        if errors:
            raise CSDLError(sorted(errors, key=Diagnostic.sort_key))
        return CostReport(items, tags, stream_costs, warnings)

    def tag(self, rule: ast.TagRule, origin: str | None, file: str | None) -> tuple[TagCost, list[ast.StreamRef]]:
        conditions, refs = scope_conditions(rule.body)
        items = price_scope(conditions, self.prices)
        full = total(i.dpu for i in items)
        kind = "score" if rule.score is not None else "tag"
        return TagCost(rule.label, kind, rule.span, full, self.prices.tag_charge(full), items, origin, file), refs

    # References ---------------------------------------------------------------------------------

    def lookup(self, written: str, span: ast.Span, stack: tuple[str, ...], keyword: str):
        """(entry, None) when ``written`` resolves to a usable library file, else (None, diagnostic):
        the faults as ``csdl.library`` names them for every consumer."""
        return self.references.lookup(written, span, stack, keyword)

    def closes_cycle(self, written: str, stack: tuple[str, ...]) -> bool:
        """Whether ``written`` resolves to a file being costed right now (a repeated import is
        skipped, unless it leads back to its own importer)."""
        return self.references.closes_cycle(written, stack)

    def entry_report(self, entry, stack: tuple[str, ...]) -> CostReport:
        memo_key = (entry.path, id(self.prices))
        cached = self.references.memo.get(memo_key)
        if cached is None:
            try:
                cached = self.filter(entry.tree, stack + (entry.path,), entry.path)
            except CSDLError as exc:
                cached = exc
            self.references.memo[memo_key] = cached
        if isinstance(cached, CSDLError):
            raise cached
        return cached

    def imported_tags(self, entry, stack, origin: str, imported: set[str]) -> tuple[list[TagCost], list[str]]:
        """The tag statements ``tags "<hash>"`` brings in (with those its file imports in turn), and
        the hashes of the streams their bodies reference."""
        tags: list[TagCost] = []
        refs: list[str] = []
        errors: list[Diagnostic] = []
        for rule in entry.tree.tag_rules:
            tag, body_refs = self.tag(rule, origin, entry.path)
            tags.append(tag)
            refs.extend(r.hash for r in body_refs)
        for statement in entry.tree.imports:
            key = _key(statement.hash)
            if key in imported and not self.closes_cycle(statement.hash, stack):
                continue
            imported.add(key)
            inner, problem = self.lookup(statement.hash, statement.hash_span, stack, "tags")
            if problem is not None:
                errors.append(problem if problem.is_error else self.references.as_invalid(problem))
                continue
            try:
                more_tags, more_refs = self.imported_tags(inner, stack + (inner.path,), origin, imported)
            except CSDLError as exc:
                errors.append(self._wrap(exc, statement.hash, inner, statement.hash_span))
                continue
            tags.extend(more_tags)
            refs.extend(more_refs)
        if errors:
            raise CSDLError(errors)
        return tags, refs

    def _wrap(self, exc: CSDLError, written: str, entry, span: ast.Span) -> Diagnostic:
        return self.references.nested(exc.diagnostics[0], written, entry, span)
