"""The cost report: what ``csdl.cost`` returns and every renderer reads.

Values stay exact (``Decimal``) on the objects; ``to_dict`` rounds them for JSON (§1). ``detail``
has the shape of DataSift's ``/dpu`` answer — operator, then target, each with ``count`` and ``dpu``
— extended with two keys of ours [decision: breakdown-keys]: ``tag`` (one entry per tag or scoring statement, at its charged
price) and ``stream`` (one entry per distinct referenced hash), so that the entries add up to the
total.
"""

from __future__ import annotations

from decimal import Decimal

from csdl.spans import Span
from csdl.diagnostics import Diagnostic
from csdl.units import dpu_json, total
from csdl.costing.model import Item


def span_dict(span: Span) -> dict:
    return span.to_dict(offsets=False)


def item_dict(item: Item, file: str | None = None) -> dict:
    out = {
        "operator": item.operator,
        "target": item.target,
        "dpu": dpu_json(item.dpu),
        "count": len(item.conditions),
        "spans": [span_dict(s) for s in item.spans],
    }
    if item.detail:
        out["detail"] = item.detail
    if file is not None:
        out["file"] = file
    return out


class TagCost:
    """A tag or scoring statement: its body's normal (``full``) cost and what is ``charged`` (§5)."""

    __slots__ = ("label", "kind", "span", "full", "charged", "items", "origin", "file")

    def __init__(self, label, kind, span, full, charged, items, origin=None, file=None):
        self.label = label  # `tag.ns "name"` or `tag.ns 20`
        self.kind = kind  # "tag" or "score"
        self.span = span
        self.full: Decimal = full
        self.charged: Decimal = charged
        self.items: list[Item] = items
        self.origin: str | None = origin  # the `tags "<hash>"` it was imported through
        self.file: str | None = file  # the library file it was written in

    def to_dict(self) -> dict:
        out = {
            "label": self.label,
            "kind": self.kind,
            "full": dpu_json(self.full),
            "charged": dpu_json(self.charged),
            **span_dict(self.span),
            "items": [item_dict(i) for i in self.items],
        }
        if self.origin is not None:
            out["imported_from"] = self.origin
            out["file"] = self.file
        return out


class StreamCost:
    """A referenced stream (``stream "<hash>"``): charged once however often it is referenced."""

    __slots__ = ("hash", "spans", "dpu", "file", "complete")

    def __init__(self, hash: str, spans: list[Span], dpu: Decimal | None, file: str | None, complete: bool):
        self.hash = hash
        self.spans = spans
        self.dpu = dpu  # None: not resolved, the cost is unknown
        self.file = file
        self.complete = complete

    def to_dict(self) -> dict:
        return {
            "hash": self.hash,
            "dpu": None if self.dpu is None else dpu_json(self.dpu),
            "resolved": self.dpu is not None,
            "complete": self.complete,
            "file": self.file,
            "references": [span_dict(s) for s in self.spans],
        }


def plain(value: Decimal) -> Decimal:
    """``value`` without trailing zeros and never in exponent form: ``0.20000`` -> ``0.2``, ``10.0`` -> ``10``."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


class CostReport:
    """The DPU cost of one filter. ``dpu`` is exact; ``complete`` is False when a referenced
    stream or tag import could not be resolved, and ``warnings`` then says which."""

    def __init__(self, items: list[Item], tags: list[TagCost], streams: list[StreamCost], warnings: list[Diagnostic]):
        self.items = items
        self.tags = tags
        self.streams = streams
        self.warnings = warnings

    @property
    def main_dpu(self) -> Decimal:
        return plain(total(i.dpu for i in self.items))

    @property
    def tags_dpu(self) -> Decimal:
        return plain(total(t.charged for t in self.tags))

    @property
    def streams_dpu(self) -> Decimal:
        return plain(total(s.dpu for s in self.streams if s.dpu is not None))

    @property
    def dpu(self) -> Decimal:
        """The filter's DPU per hour, exact and without trailing zeros (``Decimal('0.2')``)."""
        return plain(total((self.main_dpu, self.tags_dpu, self.streams_dpu)))

    @property
    def complete(self) -> bool:
        return all(s.dpu is not None and s.complete for s in self.streams) and not any(
            w.code in INCOMPLETE_CODES for w in self.warnings
        )

    def operators(self) -> dict[str, dict]:
        """Exact per-operator, per-target totals: ``{op: {"count", "dpu", "targets": {t: {...}}}}``."""
        out: dict[str, dict] = {}
        for item in self.items:
            entry = out.setdefault(item.operator, {"count": 0, "dpu": Decimal(0), "targets": {}})
            n = len(item.conditions)
            entry["count"] += n
            entry["dpu"] += item.dpu
            target = entry["targets"].setdefault(item.target, {"count": 0, "dpu": Decimal(0)})
            target["count"] += n
            target["dpu"] += item.dpu
        if self.tags:
            entry = out["tag"] = {"count": 0, "dpu": Decimal(0), "targets": {}}
            for tag in self.tags:
                entry["count"] += 1
                entry["dpu"] += tag.charged
                target = entry["targets"].setdefault(tag.label, {"count": 0, "dpu": Decimal(0)})
                target["count"] += 1
                target["dpu"] += tag.charged
        if self.streams:
            entry = out["stream"] = {"count": 0, "dpu": Decimal(0), "targets": {}}
            for stream in self.streams:
                entry["count"] += len(stream.spans)
                entry["dpu"] += stream.dpu or Decimal(0)
                # an unresolved stream's cost is unknown (None), never 0
                entry["targets"][stream.hash] = {"count": len(stream.spans), "dpu": stream.dpu}
        return out

    def detail(self) -> dict:
        """The ``/dpu`` answer's ``detail``, rounded for JSON."""
        return {
            op: {
                "count": e["count"],
                "dpu": dpu_json(e["dpu"]),
                "targets": {
                    t: {"count": v["count"], "dpu": None if v["dpu"] is None else dpu_json(v["dpu"])}
                    for t, v in e["targets"].items()
                },
            }
            for op, e in self.operators().items()
        }

    def to_dict(self) -> dict:
        return {
            "dpu": dpu_json(self.dpu),
            "complete": self.complete,
            "detail": self.detail(),
            "items": [item_dict(i) for i in self.items],
            "tags": [t.to_dict() for t in self.tags],
            "streams": [s.to_dict() for s in self.streams],
            "warnings": [w.to_dict() for w in self.warnings],
        }

    def __repr__(self) -> str:
        return f"CostReport(dpu={dpu_json(self.dpu)}, complete={self.complete})"


# Warning codes that mean a part of the cost is unknown.
UNRESOLVED_STREAM = "C100"
UNRESOLVED_TAGS = "C101"
REFERENCE_CYCLE = "C102"
INVALID_REFERENCE = "C103"
INCOMPLETE_REFERENCE = "C104"
INCOMPLETE_CODES = frozenset({UNRESOLVED_STREAM, UNRESOLVED_TAGS, INCOMPLETE_REFERENCE})
