"""Start-up shortcuts give what the slow way gives: the catalogue read row by row on demand, and
the packaged pricing table cached per install."""

from __future__ import annotations

import os

from csdl.checking import catalogue

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "csdl", "data")


def _eager() -> dict[str, tuple]:
    """Every row of both files, parsed up front (first row of a name wins, short rows skipped)."""
    table: dict[str, tuple] = {}
    for filename in ("targets.tsv", "targets-extra.tsv"):
        with open(os.path.join(DATA, filename), encoding="utf-8") as f:
            next(f)
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if len(cols) >= 6:
                    table.setdefault(cols[0], (cols[1], cols[2], cols[3] == "yes", frozenset(cols[4].split(",")), cols[5],
                                               cols[7] if len(cols) > 7 else ""))
    return table


def _fields(t: catalogue.Target) -> tuple:
    return (t.type_label, t.kind, t.cs, t.operators, t.platform, t.note)


def test_every_target_is_the_row_read_up_front():
    eager = _eager()
    assert len(eager) > 800
    assert {name: _fields(t) for name, t in catalogue.targets().items()} == eager
    for name in eager:
        assert catalogue.lookup(name) is catalogue.targets()[name]


def test_lookup_of_unknown_and_tag_tree_paths():
    assert catalogue.lookup("interaction.nonsense") is None
    assert catalogue.lookup("interaction.tag_tree.sales.score") is catalogue.lookup("interaction.tag_tree")
    assert catalogue.suggest("interaction.contnet") == "interaction.content"


def test_the_cached_packaged_pricing_is_the_table_read_from_toml(tmp_path, monkeypatch):
    """The per-install cache of the packaged pricing gives exactly the checked TOML values."""
    from decimal import Decimal

    from csdl.billing import pricing

    monkeypatch.setenv("CSDL_CACHE_DIR", str(tmp_path))
    fresh = pricing._numbers(pricing._read(pricing._PACKAGED), (), pricing._PACKAGED)
    assert pricing._cached_default() is None
    pricing._cache_default(fresh)
    cached = pricing._cached_default()
    assert cached == fresh
    assert repr(cached) == repr(fresh)  # same Decimal spellings, same key order
    def leaves(node):
        for value in node.values():
            yield from leaves(value) if isinstance(value, dict) else [value]

    assert all(isinstance(v, Decimal) for v in leaves({k: v for k, v in cached.items() if k != "currency"}))
    pricing._cache_default({"currency": "USD", "licence": {}, "dpu": {"x": Decimal("1E+3")}})
    assert repr(pricing._cached_default()) == repr({"currency": "USD", "licence": {}, "dpu": {"x": Decimal("1E+3")}})
    (tmp_path / next(p.name for p in tmp_path.iterdir())).write_bytes(b"junk")
    assert pricing._cached_default() is None
