"""Tags, scores, stream references and the compile_matcher API."""

from __future__ import annotations

import pytest

import csdl
from csdl.evaluate import compile_matcher

FILTER = """
tag "Apple" { interaction.content contains "iphone" }
tag "Apple" { interaction.content contains "ipad" }
tag.device.phone "Pixel" { interaction.content contains "pixel" }
tag.device.phone "iPhone" { interaction.content contains "iphone" }
tag.sales.lead_score +20 { interaction.content contains_any "buy, purchase" }
tag.sales.lead_score -5 { interaction.content contains "cheap" }
tag.sales.lead_score 0.25 { interaction.content contains "now" }
return { interaction.content contains_any "iphone, ipad, pixel" }
"""


def test_tags_tree_and_scores_summed():
    m = compile_matcher(csdl.parse(FILTER))
    ev = m.evaluate({"interaction": {"content": "I want to buy a cheap iPhone and an iPad now"}})
    assert ev.matched
    assert ev.tags == ["Apple"]  # once, in rule order
    assert ev.tag_tree == {"device": {"phone": ["iPhone"]}, "sales": {"lead_score": 15.25}}


def test_integral_score_is_an_int():
    m = compile_matcher(csdl.parse(FILTER))
    ev = m.evaluate({"interaction": {"content": "buy a pixel"}})
    assert ev.tag_tree == {"device": {"phone": ["Pixel"]}, "sales": {"lead_score": 20}}
    assert isinstance(ev.tag_tree["sales"]["lead_score"], int)


def test_tags_computed_for_unmatched_posts_in_evaluate():
    m = compile_matcher(csdl.parse(FILTER))
    ev = m.evaluate({"interaction": {"content": "buy cheap stuff"}})
    assert not ev.matched
    assert ev.tag_tree == {"sales": {"lead_score": 15}}
    assert ev.to_dict()["matched"] is False


def test_no_tags_when_nothing_holds():
    ev = compile_matcher(csdl.parse(FILTER)).evaluate({})
    assert (ev.matched, ev.tags, ev.tag_tree) == (False, [], {})


def test_tag_only_filter_matches_nothing():
    m = compile_matcher(csdl.parse('tag "x" { a.b exists }'))
    assert not m.has_return
    ev = m.evaluate({"a": {"b": 1}})
    assert not ev.matched and ev.tags == ["x"]


def test_leaf_and_namespace_conflict_is_kept_and_warned():
    text = 'tag.a "n" { x.y exists } tag.a.b "m" { x.y exists } return { x.y exists }'
    m = compile_matcher(csdl.parse(text))
    assert any(w.code == "R012" for w in m.warnings)
    assert m.evaluate({"x": {"y": 1}}).tag_tree == {"a": {"_tags": ["n"], "b": ["m"]}}


HASH_A = "a" * 32
HASH_B = "b" * 32


def test_stream_reference_through_a_resolver():
    library = {HASH_A: csdl.parse('tag "ignored" { a.b exists } return { interaction.content contains "x" }')}
    m = compile_matcher(csdl.parse(f'stream "{HASH_A}" and language.tag == "en"'), library=library.get)
    assert m.match({"interaction": {"content": "x"}, "language": {"tag": "en"}})
    assert not m.match({"interaction": {"content": "y"}, "language": {"tag": "en"}})
    # the referenced stream's tags are not propagated (spec §5.5)
    assert m.evaluate({"interaction": {"content": "x"}, "language": {"tag": "en"}, "a": {"b": 1}}).tags == []


def test_stream_reference_accepts_text_and_nesting():
    library = {HASH_A: f'stream "{HASH_B}" or a.c exists', HASH_B: "a.b exists"}
    m = compile_matcher(csdl.parse(f'rule "{HASH_A}"'), library=library.get)
    assert m.match({"a": {"b": 1}}) and m.match({"a": {"c": 1}}) and not m.match({})


def test_unresolved_stream_is_an_error():
    with pytest.raises(csdl.CSDLError) as info:
        compile_matcher(csdl.parse(f'stream "{HASH_A}"'), library={}.get)
    assert info.value.diagnostics[0].code == "C100"  # unresolved-stream: one code family for cost and run
    with pytest.raises(csdl.CSDLError):
        compile_matcher(csdl.parse(f'stream "{HASH_A}"'))


def test_stream_loop_is_an_error():
    library = {HASH_A: f'stream "{HASH_B}"', HASH_B: f'stream "{HASH_A}"'}
    with pytest.raises(csdl.CSDLError) as info:
        compile_matcher(csdl.parse(f'stream "{HASH_A}"'), library=library.get)
    assert info.value.diagnostics[0].code == "C102"  # reference-cycle


def test_tags_import():
    library = {HASH_A: 'tag "imported" { a.b exists }'}
    m = compile_matcher(csdl.parse(f'tags "{HASH_A}" return {{ a.b exists }}'), library=library.get)
    assert m.evaluate({"a": {"b": 1}}).tags == ["imported"]


def test_library_directory(tmp_path):
    (tmp_path / f"{HASH_A}.csdl").write_text('interaction.content contains "hello"\n')
    m = compile_matcher(csdl.parse(f'stream "{HASH_A}"'), library=str(tmp_path))
    assert m.match({"interaction": {"content": "hello world"}})


def test_library_entry_with_errors(tmp_path):
    (tmp_path / f"{HASH_A}.csdl").write_text("interaction.content contains\n")
    with pytest.raises(csdl.CSDLError) as info:
        compile_matcher(csdl.parse(f'stream "{HASH_A}"'), library=str(tmp_path))
    assert "errors" in info.value.diagnostics[0].message


def test_csdl_compile_delegates():
    compiled = csdl.compile('interaction.content contains "hello"')
    assert compiled.match({"interaction": {"content": "Hello there"}})
    assert compiled.evaluate({"interaction": {"content": "nope"}}).matched is False


def test_unmodelled_switch_warns():
    m = compile_matcher(csdl.parse('interaction.content contains [keep(classic)] "big data"'))
    assert [w.code for w in m.warnings] == ["R010"]
    assert m.match({"interaction": {"content": "Big data!"}})


def test_compile_matcher_needs_a_filter():
    with pytest.raises(TypeError):
        compile_matcher("interaction.content exists")
