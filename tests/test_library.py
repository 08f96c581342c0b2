"""The local stream library: resolving `stream "<hash>"` and `tags "<hash>"`, master-stream sums,
charging each referenced hash once, unresolved references and reference cycles."""

from decimal import Decimal

import pytest

import csdl
from csdl.costing.report import INCOMPLETE_REFERENCE, REFERENCE_CYCLE, UNRESOLVED_STREAM, UNRESOLVED_TAGS
from csdl.library import Library, LibraryError
from csdl.units import dpu_text

KEYWORDS = 'interaction.content contains_any "' + ",".join(f"k{i}" for i in range(30)) + '"'  # 0.4
FIFTY = "f" * 32
SPARE = "0123456789abcdef" * 2


def write(directory, name, text):
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def lib(tmp_path):
    write(tmp_path, "keywords.csdl", KEYWORDS)
    write(tmp_path, "regex.csdl", 'interaction.content regex_partial "' + "x" * 150 + '"')  # 1.5
    return tmp_path


def h(text):
    return csdl.compile(text).hash


def test_master_stream_adds_its_sub_streams(lib):
    master = f'stream "{h(KEYWORDS)}" AND twitter.text contains "coffee"'
    report = csdl.cost(master, library=Library(str(lib)))
    assert report.complete and not report.warnings
    assert dpu_text(report.dpu) == "0.5"
    (stream,) = report.streams
    assert stream.file.endswith("keywords.csdl") and dpu_text(stream.dpu) == "0.4"
    assert report.detail()["stream"]["dpu"] == 0.4


def test_library_accepts_a_directory_path(lib):
    assert dpu_text(csdl.cost(f'stream "{h(KEYWORDS)}"', library=str(lib)).dpu) == "0.4"


def test_each_distinct_hash_charged_once(lib):
    ref = f'stream "{h(KEYWORDS)}"'
    once = csdl.cost(ref, library=str(lib)).dpu
    twice = csdl.cost(f"{ref} OR ({ref} AND twitter.text exists) OR {ref.upper().replace('STREAM', 'stream')}",
                      library=str(lib))
    assert twice.dpu == once + Decimal("0.1")
    assert len(twice.streams) == 1 and len(twice.streams[0].spans) == 3


def test_file_named_by_datasift_hash_resolves(lib):
    write(lib, FIFTY + ".csdl", "twitter.text exists AND twitter.lang exists")
    report = csdl.cost(f'stream "{FIFTY.upper()}"', library=str(lib))
    assert dpu_text(report.dpu) == "0.2" and report.complete


def test_unresolved_stream_is_unknown_not_zero(lib):
    report = csdl.cost(f'stream "{SPARE}" AND twitter.text exists', library=str(lib))
    assert not report.complete
    assert [w.code for w in report.warnings] == [UNRESOLVED_STREAM]
    assert report.warnings[0].span.line == 1 and report.warnings[0].span.column == 1
    assert report.to_dict()["streams"][0]["dpu"] is None
    assert report.detail()["stream"]["targets"][SPARE]["dpu"] is None


def test_no_library_at_all_warns():
    report = csdl.cost(f'stream "{SPARE}"')
    assert not report.complete and report.warnings[0].code == UNRESOLVED_STREAM
    assert "library" in report.warnings[0].message


def test_tags_import_priced_under_the_tag_rule(lib):
    big = 'interaction.content regex_partial "' + "y" * 200 + '"'  # 2 DPU → charged 0.2
    tags_text = f'tag "big" {{ {big} }}\ntag "small" {{ twitter.text exists }}'
    write(lib, "tags.csdl", tags_text)
    report = csdl.cost(f'tags "{h(tags_text)}"\nreturn {{ twitter.text exists }}', library=str(lib))
    assert [(t.label, dpu_text(t.full), dpu_text(t.charged)) for t in report.tags] == [
        ('tag "big"', "2", "0.2"), ('tag "small"', "0.1", "0")]
    assert all(t.origin == h(tags_text) for t in report.tags)
    assert dpu_text(report.dpu) == "0.3"


def test_unresolved_tags_import(lib):
    report = csdl.cost(f'tags "{SPARE}"\nreturn {{ twitter.text exists }}', library=str(lib))
    assert not report.complete and report.warnings[0].code == UNRESOLVED_TAGS


def test_incomplete_sub_stream_makes_master_incomplete(lib):
    inner = f'stream "{SPARE}" OR twitter.text exists'
    write(lib, "inner.csdl", inner)
    report = csdl.cost(f'stream "{h(inner)}"', library=str(lib))
    assert not report.complete
    assert [w.code for w in report.warnings] == [INCOMPLETE_REFERENCE]


def test_cycle_is_an_error_at_the_reference(tmp_path):
    a_name, b_name = "a" * 32, "b" * 32
    write(tmp_path, a_name + ".csdl", f'stream "{b_name}" OR twitter.text exists')
    write(tmp_path, b_name + ".csdl", f'stream "{a_name}" OR twitter.lang exists')
    text = f'twitter.user.name exists\nAND stream "{a_name}"'
    with pytest.raises(csdl.CSDLError) as caught:
        csdl.cost(text, library=str(tmp_path))
    (diag,) = caught.value.diagnostics
    assert diag.code == REFERENCE_CYCLE
    assert (diag.span.line, diag.span.column) == (2, 5)
    assert "cycle" in diag.message


def test_self_reference_through_the_library(tmp_path):
    name = "c" * 32
    write(tmp_path, name + ".csdl", f'stream "{name}" OR twitter.text exists')
    with pytest.raises(csdl.CSDLError) as caught:
        csdl.cost(f'stream "{name}"', library=str(tmp_path))
    assert caught.value.diagnostics[0].code == REFERENCE_CYCLE


def test_invalid_library_file_is_an_error_at_the_reference(tmp_path):
    name = "d" * 32
    write(tmp_path, name + ".csdl", "twitter.text contains")
    with pytest.raises(csdl.CSDLError) as caught:
        csdl.cost(f'twitter.text exists AND stream "{name}"', library=str(tmp_path))
    diag = caught.value.diagnostics[0]
    assert diag.code == "C103" and diag.span.column == 25 and "not valid CSDL" in diag.message


def test_library_must_be_a_directory(tmp_path):
    with pytest.raises(LibraryError):
        Library(str(tmp_path / "missing"))


def test_library_indexes_computed_and_file_name_hashes(lib):
    write(lib, FIFTY + ".csdl", "twitter.text exists")
    library = Library(str(lib))
    assert library.resolve(h(KEYWORDS)).path.endswith("keywords.csdl")
    assert library.resolve(FIFTY).path.endswith(FIFTY + ".csdl")
    assert library.resolve(h("twitter.text exists")).path.endswith(FIFTY + ".csdl")
    assert len(library) == 3


def test_nested_imports_and_streams_inside_imported_tags(lib):
    inner = 'tag "inner" { interaction.content regex_partial "' + "z" * 100 + '" }'  # 1 DPU → 0.1
    write(lib, "inner.csdl", inner)
    outer = f'tags "{h(inner)}"\ntag "outer" {{ stream "{h(KEYWORDS)}" AND twitter.text exists }}'
    write(lib, "outer.csdl", outer)
    text = f'tags "{h(outer)}"\ntags "{h(outer)}"\nreturn {{ twitter.text exists }}'
    report = csdl.cost(text, library=str(lib))
    assert [t.label for t in report.tags] == ['tag "outer"', 'tag "inner"']  # the duplicate import counted once
    assert [dpu_text(t.charged) for t in report.tags] == ["0", "0.1"]
    (stream,) = report.streams  # referenced from an imported tag: charged in full, once
    assert dpu_text(stream.dpu) == "0.4" and stream.spans[0].line == 1
    assert dpu_text(report.dpu) == "0.6"


def test_tags_import_cycle(tmp_path):
    a_name, b_name = "1" * 32, "2" * 32
    write(tmp_path, a_name + ".csdl", f'tags "{b_name}"\ntag "a" {{ twitter.text exists }}')
    write(tmp_path, b_name + ".csdl", f'tags "{a_name}"\ntag "b" {{ twitter.lang exists }}')
    with pytest.raises(csdl.CSDLError) as caught:
        csdl.cost(f'tags "{a_name}"\nreturn {{ twitter.text exists }}', library=str(tmp_path))
    diag = caught.value.diagnostics[0]
    assert diag.code == REFERENCE_CYCLE and diag.span.line == 1


def test_library_costs_are_reused(lib):
    library = Library(str(lib))
    ref = f'stream "{h(KEYWORDS)}"'
    first = csdl.cost(ref, library=library)
    assert library.memo  # the referenced stream was costed once and kept
    assert csdl.cost(ref + " AND twitter.text exists", library=library).streams[0].dpu == first.streams[0].dpu


# --- one resolver for every consumer --------------------------------------------------------------

A32, B32, MISSING = "a" * 32, "b" * 32, "e" * 32


def _faults(tmp_path, text):
    """The codes each consumer reports for ``text`` over the library ``tmp_path``: the resolver,
    the cost model, the Python matcher and the SQL compiler."""
    from csdl.evaluate import compile_matcher
    from csdl.library import resolve

    tree = csdl.parse(text)
    out = {"resolve": [d.code for d in resolve(tree, str(tmp_path)).diagnostics]}
    try:
        report = csdl.cost(text, library=str(tmp_path))
        out["cost"] = [w.code for w in report.warnings]
    except csdl.CSDLError as exc:
        out["cost"] = [d.code for d in exc.diagnostics]
    with pytest.raises(csdl.CSDLError) as caught:
        compile_matcher(tree, library=str(tmp_path))
    out["matcher"] = [d.code for d in caught.value.diagnostics]
    sql = pytest.importorskip("csdl.engines.sql")
    from csdl.engines.schema import STRUCT, Type

    with pytest.raises(csdl.CSDLError) as caught:
        sql.compile_query(tree, sql.Relation(Type(STRUCT, fields={}), sql.DUCKDB), library=str(tmp_path))
    out["sql"] = [d.code for d in caught.value.diagnostics]
    return out


def test_a_missing_stream_is_one_fault_for_every_consumer(tmp_path):
    faults = _faults(tmp_path, f'twitter.text exists AND stream "{MISSING}"')
    assert faults == {k: [UNRESOLVED_STREAM] for k in ("resolve", "cost", "matcher", "sql")}


def test_a_missing_tags_import_is_one_fault_for_every_consumer(tmp_path):
    faults = _faults(tmp_path, f'tags "{MISSING}"\nreturn {{ twitter.text exists }}')
    assert faults == {k: [UNRESOLVED_TAGS] for k in ("resolve", "cost", "matcher", "sql")}


def test_a_loop_is_one_fault_for_every_consumer(tmp_path):
    write(tmp_path, A32 + ".csdl", f'stream "{B32}" OR twitter.text exists')
    write(tmp_path, B32 + ".csdl", f'stream "{A32}" OR twitter.lang exists')
    faults = _faults(tmp_path, f'twitter.user.name exists\nAND stream "{A32}"')
    assert faults == {k: [REFERENCE_CYCLE] for k in ("resolve", "cost", "matcher", "sql")}


def test_an_incomplete_referenced_stream_is_one_fault_for_every_consumer(tmp_path):
    write(tmp_path, A32 + ".csdl", f'stream "{MISSING}" OR twitter.text exists')
    faults = _faults(tmp_path, f'stream "{A32}"')
    assert faults == {k: [INCOMPLETE_REFERENCE] for k in ("resolve", "cost", "matcher", "sql")}


def test_reference_faults_carry_the_registry_names(tmp_path):
    from csdl.codes import registry
    from csdl.library import resolve

    write(tmp_path, A32 + ".csdl", "twitter.text contains")
    tree = csdl.parse(f'stream "{MISSING}" OR stream "{A32}"')
    for fault in resolve(tree, str(tmp_path)).diagnostics:
        info = registry()[fault.code]
        assert (fault.name, fault.severity) == (info.name, info.severity)


def test_a_resolved_filter_is_resolved_once_for_all_consumers(tmp_path):
    """The matcher and the SQL compiler take the ResolvedFilter as it is: the library is not read
    again (here it is gone by the time they run)."""
    import shutil

    from csdl.evaluate import compile_matcher
    from csdl.library import resolve

    library = tmp_path / "lib"
    library.mkdir()
    write(library, A32 + ".csdl", 'twitter.text contains "x"')
    tree = csdl.parse(f'stream "{A32}" AND twitter.lang == "en"')
    resolved = resolve(tree, str(library))
    assert resolved.complete and [t.source for t in resolved.trees()][1].startswith("twitter.text")
    shutil.rmtree(library)
    matcher = compile_matcher(tree, library=resolved)
    assert matcher.match({"twitter": {"text": "x", "lang": "en"}})
    sql = pytest.importorskip("csdl.engines.sql")
    from csdl.engines.schema import STRUCT, Type

    plan = sql.compile_query(tree, sql.Relation(Type(STRUCT, fields={}), sql.DUCKDB), library=resolved)
    assert plan.where is not None


def test_the_old_run_codes_for_references_are_gone():
    """C100-C104 name the faults of references everywhere; R005/R006 (the runner's own copies)
    are no longer in the registry."""
    from csdl.codes import registry

    assert "R005" not in registry() and "R006" not in registry()


def test_a_run_asks_the_library_once_per_hash(tmp_path):
    """csdl.run costs and runs the filter from one resolution: the cost walk, the matcher and the
    forecast do not ask the library again (here a callable that counts its questions)."""
    asked: dict[str, int] = {}
    texts = {A32: f'stream "{B32}" OR twitter.text contains "x"', B32: 'twitter.lang == "en"'}

    def library(hash):
        asked[hash.lower()] = asked.get(hash.lower(), 0) + 1
        return texts.get(hash.lower())

    summary = csdl.run(f'stream "{A32}" AND stream "{B32}"', [b'{"twitter": {"text": "x", "lang": "en"}}\n'],
                       library=library)
    assert summary.matched == 1
    assert asked == {A32: 1, B32: 1}
