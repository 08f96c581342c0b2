"""One text for a diagnostic: ``path:line:column: CODE message``, the same in every reporter, in
exceptions and in the language server's messages; one span dictionary in every JSON output."""

from __future__ import annotations

import pytest

from csdl.checking.checker import check
from csdl.cli.reporters import REPORTERS, FileResult
from csdl.diagnostics import CSDLError
from csdl.language.parser import parse

TEXT = 'twitter.text contains "a"\nAND twitter.txt exists'


def _e101():
    (d,) = [d for d in check(TEXT) if d.code == "E101"]
    return d


def test_one_line_is_path_line_column_code_message():
    d = _e101()
    assert d.one_line("f.csdl") == "f.csdl:2:5: E101 " + d.message
    assert d.one_line() == "2:5: E101 " + d.message


def test_reporters_print_the_one_line_text():
    d = _e101()
    result = FileResult("f.csdl", TEXT, [d])
    assert REPORTERS["concise"]([result]).splitlines()[0] == d.one_line("f.csdl")
    assert REPORTERS["full"]([result]).splitlines()[0] == d.one_line("f.csdl")
    assert d.one_line("f.csdl") in REPORTERS["github"]([result])


def test_a_csdl_error_reads_as_its_first_diagnostic():
    with pytest.raises(CSDLError) as caught:
        parse("twitter.text contains")
    assert str(caught.value) == caught.value.diagnostics[0].one_line()


def test_the_json_span_keys_are_the_span_dictionary():
    out = _e101().to_dict()
    assert out["span"] == {"line": 2, "column": 5, "end_line": 2, "end_column": 16, "start": 30, "end": 41}
    assert {k: out[k] for k in ("line", "column", "end_line", "end_column")} == _e101().span.to_dict(offsets=False)


def test_a_tag_rule_has_one_label_for_the_cost_report_and_the_editor():
    import csdl

    text = 'tag.sales "say \\"hi\\"" { twitter.text exists } tag.sales.score 20 { twitter.text exists }'
    rules = parse(text).tag_rules
    assert [r.label for r in rules] == ['tag.sales "say \\"hi\\""', "tag.sales.score 20"]
    assert [t.label for t in csdl.cost(text).tags] == [r.label for r in rules]


def test_the_logged_warning_line_names_its_severity():
    (w,) = [d for d in check('twitter.text contains "a" OR twitter.text contains "b"') if d.code == "W101"]
    assert w.one_line("f.csdl", severity=True) == "f.csdl:1:1: warning: W101 " + w.message
