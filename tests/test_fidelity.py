"""What real DataSift material showed (issue 17, items 1-4): PYLON label targets take `==`, `!=` and
`in`; retired sources warn (W207); a type DataSift's own sources disagree on is accepted with a
warning naming the disagreement (W208); `csdl cost --platform`."""

from __future__ import annotations

import pytest

import csdl
from csdl.checking.catalogue import targets


def found(text, platform="stream"):
    return [(d.code, d.span.line, d.span.column) for d in csdl.check(text, platform=platform)]


# --- 1. PYLON `==` on topic names and hashtags --------------------------------------------------

@pytest.mark.parametrize("text", [
    'fb.parent.topics.name == "Tiger Woods"',        # the query filter of DataSift's own notebook
    'fb.topics.name == "BMW" OR fb.parent.topics.name == "BMW"',  # DataSift's "Filtering by Topics"
    'fb.topics.name in "BMW,Nissan,Renault"',
    'fb.topics.name != "BMW"',
    'interaction.hashtags == "DataSift"',            # DataSift's interaction.hashtags page
    'interaction.hashtags in "Shell, Esso, Total, BP, Citgo"',
    'fb.hashtags == "tea" AND fb.parent.hashtags != "coffee"',
])
def test_label_targets_take_equality_in_pylon_query_filters(text):
    assert found(text, "pylon") == []


def test_free_text_targets_still_refuse_equality_in_pylon():
    # `fb.content` is tokenized free text: E406 at the operator (column 12).
    assert found('fb.content == "coffee"', "pylon") == [("E406", 1, 12)]
    assert found('fb.parent.content != "x"', "pylon") == [("E406", 1, 19)]


def test_label_targets_still_take_contains():
    assert found('fb.topics.name contains "BMW"', "pylon") == []


# --- 2. retired sources warn (W207) -------------------------------------------------------------

RETIRED = sorted(name for name, t in targets().items() if "retired source" in t.note)


def test_the_catalogue_has_retired_sources():
    assert {name.split(".")[0] for name in RETIRED} == {"2ch", "amazon", "digg", "flickr", "myspace"}
    assert len(RETIRED) == 51


@pytest.mark.parametrize("name", RETIRED)
def test_every_retired_target_warns(name):
    diagnostics = csdl.check(f"{name} exists")
    assert [(d.code, d.severity, d.span.start, d.span.end) for d in diagnostics] == [("W207", "warning", 0, len(name))]
    assert "retired" in diagnostics[0].message and "matches nothing today" in diagnostics[0].message


def test_retired_warning_names_when_it_was_last_seen():
    (d,) = csdl.check('digg.item.topic contains "apple"')
    assert "`digg`" in d.message and "last seen in jcsdl 2012-07" in d.message


def test_live_sources_do_not_warn():
    assert found('twitter.text contains "x" AND interaction.content exists') == []


def test_retired_source_is_a_warning_not_an_error():
    # accepted: compiles (DataSift's compiler accepted it), and the warning is a warning
    compiled = csdl.compile('flickr.title contains "x"')
    assert compiled.csdl == 'flickr.title contains "x"\n'
    assert [(d.code, d.severity, d.is_error) for d in csdl.check('flickr.title contains "x"')] == [("W207", "warning", False)]


# --- 3. a number compared with board.author.registered (W208, not E104) ------------------------

def test_documented_number_comparison_is_accepted_with_a_warning():
    (d,) = csdl.check("board.author.registered == 1")
    assert (d.code, d.severity, d.span.start, d.span.end) == ("W208", "warning", 27, 28)
    assert "disagree" in d.message and "documentation" in d.message and "query builder" in d.message
    assert csdl.compile("board.author.registered == 1").dpu == csdl.compile('board.author.registered == "1"').dpu


def test_the_text_form_has_no_warning():
    assert found('board.author.registered == "1"') == []


def test_other_text_targets_still_refuse_numbers():
    assert found("twitter.text == 1") == [("E104", 1, 17)]  # at the number


# --- 4. csdl cost --platform ---------------------------------------------------------------------

def test_cost_takes_a_platform(tmp_path):
    from click.testing import CliRunner

    from csdl.cli import cli

    query = tmp_path / "q.csdl"
    query.write_text('interaction.tags IN "BMW,Honda"\n')  # a PYLON query filter only
    runner = CliRunner()
    stream = runner.invoke(cli, ["cost", str(query), "--isolated"])
    assert stream.exit_code == 1 and "E401" in stream.output
    pylon = runner.invoke(cli, ["cost", str(query), "--platform", "pylon", "--isolated", "--format", "json"])
    assert pylon.exit_code == 0, pylon.output
    import json

    assert json.loads(pylon.output)["files"][0]["dpu"] == 0.1  # `in` with 2 items: 0.1 on the sliding scale
