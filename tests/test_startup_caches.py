"""Start-up shortcuts give what the slow way gives: the catalogue read row by row on demand, and
the packaged pricing table cached per install."""

from __future__ import annotations

import pytest

from csdl.checking import catalogue

TEXT_OPS = frozenset({"exists", "==", "!=", "contains", "substr", "contains_any", "contains_all", "contains_near",
                      "wildcard", "regex_partial", "regex_exact", "in"})

#: Rows as DataSift documented them (target reference pages, jcsdl's tables), written out by hand:
#: (type, kind, case-sensitive operators, operators, platform).
DOCUMENTED = {
    "interaction.content": ("string", "text", True, TEXT_OPS, "both"),
    "twitter.geo": ("geo", "geo", False, frozenset({"exists", "geo_box", "geo_radius", "geo_polygon"}), "stream"),
    "interaction.sample": ("float", "number", False, frozenset({"exists", "==", "!=", "<", "<=", ">", ">="}), "both"),
    "twitter.user.followers_count": ("int", "number", False,
                                     frozenset({"exists", "==", "!=", "<", "<=", ">", ">=", "in"}), "stream"),
    "digg.item.topic": ("string", "text", True, TEXT_OPS, "stream"),
}


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_documented_targets_read_on_demand(name):
    t = catalogue.lookup(name)
    assert (t.type_label, t.kind, t.cs, t.operators, t.platform) == DOCUMENTED[name]


def test_every_target_is_read_once_and_found_by_lookup():
    table = catalogue.targets()
    assert len(table) > 800
    for name, target in table.items():
        assert catalogue.lookup(name) is target
    assert table["interaction.sample"].note == "jcsdl GUI offers only <=; docs use <"


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
