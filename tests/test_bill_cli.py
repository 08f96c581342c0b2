"""`csdl bill` from the command line: the options that express DataSift's billing pages (credits,
limit changes, Historics drawn from the allowance or stopped midway, previews per stream), zero
durations, the exclusive end date, and what `bill preview` refuses."""

from __future__ import annotations

import json

import pytest

from csdl.cli import main


def bill(capsys, *args, fmt="json"):
    with pytest.raises(SystemExit) as info:
        main(["bill", *args, *(["--format", fmt] if fmt else []), "--isolated"])
    out, err = capsys.readouterr()
    return info.value.code, (json.loads(out) if fmt == "json" and info.value.code == 0 else out), err


@pytest.mark.parametrize("args", [["--hours", "0"], ["--days", "0"]])
def test_historics_of_zero_length(capsys, args):
    # Before: "give the query's time range" (a Decimal zero is falsy).
    code, data, err = bill(capsys, "historics", "--dpu", "1", *args)
    assert code == 0, err
    assert data["hours"] == 0 and data["dpu_usage"] == 0 and data["total"] == "0.00"


def test_historics_needs_exactly_one_range(capsys):
    code, _, err = bill(capsys, "historics", "--dpu", "1", "--hours", "0", "--days", "1")
    assert code == 2 and "give the query's time range" in err


def test_the_end_date_is_exclusive_and_says_so(capsys):
    code, data, _ = bill(capsys, "historics", "--dpu", "0.1", "--start", "2024-03-01", "--end", "2024-04-01",
                         "--sample", "10")
    assert code == 0 and data["hours"] == 744  # all 31 days of March
    code, out, _ = bill(capsys, "historics", "--help", fmt=None)
    assert "exclusive" in out and "31 March" in " ".join(out.split())
    code, out, _ = bill(capsys, "historics", "--dpu", "1", "--start", "2024-03-01", "--end", "2024-04-01", fmt="table")
    assert "End (exclusive)" in out


def test_licence_line_without_objects(capsys):
    code, out, _ = bill(capsys, "stream", "--dpu", "1", "--hours", "1", fmt="table")
    # Before: "Licence: 0 twitter objects at $0" and "licence_rate": "0".
    assert "Licence: 0 twitter objects at $0.0001/object" in out and "at $0 " not in out
    code, data, _ = bill(capsys, "stream", "--dpu", "1", "--hours", "1")
    assert data["licence_rate"] == "0.0001"


def test_credits_command_with_the_seed_numbers(capsys):
    code, data, err = bill(capsys, "credits", "--dpu", "0.1", "--buy", "10")
    assert code == 0, err
    assert data["empty"] == {"hour": 50, "day": 3}
    code, _, err = bill(capsys, "credits", "--dpu", "0.1", "--buy", "15")
    assert code != 0 and "increments of $10" in err
    code, data, _ = bill(capsys, "credits", "--dpu", "1.5", "--balance", "4.5", "--hours", "720")
    assert data["to_buy"] == "220.00"


@pytest.mark.parametrize("when, events", [
    ("notice=2500", ["notice", "limit", "notice", "stop"]),
    ("stop=2500", ["notice", "stop", "limit", "notice", "restart", "stop"]),
    ("450=2500", ["notice", "stop", "limit", "notice", "restart", "stop"]),
])
def test_set_limit(capsys, when, events):
    code, data, err = bill(capsys, "subscription", "--dpu", "1", "--allowance", "720", "--limit", "2000",
                           "--objects-per-hour", "50000", "--set-limit", when)
    assert code == 0, err
    assert [e["event"] for e in data["events"]] == events and data["limit_at_end"] == "2500.00"


@pytest.mark.parametrize("value", ["2500", "soon=2500", "10=lots"])
def test_set_limit_bad_values(capsys, value):
    code, _, err = bill(capsys, "subscription", "--dpu", "1", "--allowance", "1", "--limit", "1", "--set-limit", value)
    assert code == 2 and "--set-limit" in err and "Traceback" not in err


def test_historics_dpu_drawn_from_the_allowance(capsys):
    code, data, err = bill(capsys, "subscription", "--dpu", "1", "--allowance", "1000", "--limit", "2500",
                           "--historics-dpu", "288")
    assert code == 0, err
    assert data["historics_dpu"] == 288 and data["allowance_used_up"] == {"hour": 712, "day": 30}
    code, out, _ = bill(capsys, "subscription", "--dpu", "1", "--allowance", "1000", "--limit", "2500",
                        "--historics-dpu", "288@100", fmt="table")
    assert "Historics query draws 288 DPU" in out and "hour 100 (day 5)" in out


def test_historics_stopped_midway_and_allowance(capsys):
    code, data, err = bill(capsys, "historics", "--dpu", "0.1", "--days", "30", "--sample", "10", "--progress", "50",
                           "--allowance", "1000")
    assert code == 0, err
    assert data["dpu_usage"] == 144 and data["allowance"]["left"] == 856
    code, data, err = bill(capsys, "historics", "--dpu", "0.1", "--start", "2024-04-01", "--end", "2024-05-01",
                           "--sample", "10", "--stopped-at", "2024-04-16")
    assert code == 0 and data["dpu_usage"] == 144
    code, _, err = bill(capsys, "historics", "--dpu", "0.1", "--days", "30", "--stopped-at", "2024-04-16")
    assert code == 2 and "--stopped-at needs --start and --end" in err


def test_preview_per_stream(capsys, tmp_path):
    a = tmp_path / "a.csdl"
    a.write_text('interaction.content contains "a"\n')
    b = tmp_path / "b.csdl"
    b.write_text('interaction.content contains "b"\n')
    code, data, err = bill(capsys, "preview", str(a), str(b))
    assert code == 0, err
    assert data["requests"] == 2 and data["streams"] == 2 and data["dpu"] == 40
    h = "f0596f03644177b8bf5b59708a08bfe8"
    code, data, _ = bill(capsys, "preview", "--stream", h, "--stream", h.upper())
    assert data["requests"] == 2 and data["streams"] == 1 and data["replaced"] == [{"stream": h, "request": 1, "by": 2}]
    code, _, err = bill(capsys, "preview", "--stream", "nothex")
    assert code == 2 and "not a stream hash" in err


def test_preview_refuses_a_library(capsys, tmp_path):
    # Before: `--library` was accepted and did nothing.
    code, _, err = bill(capsys, "preview", "--library", str(tmp_path))
    assert code == 2 and "takes no --library" in err


def test_preview_of_an_invalid_filter_shows_its_errors(capsys, tmp_path):
    bad = tmp_path / "bad.csdl"
    bad.write_text("interaction.nonsense exists\n")
    code, _, err = bill(capsys, "preview", str(bad))
    assert code == 1 and "E101" in err


def test_tag_rows_say_a_tag_under_1_dpu_is_free(tmp_path):
    # Before: "(10 % of 0.1) … 0", which reads like a rounding of 0.01.
    from click.testing import CliRunner

    from csdl.cli import cli

    f = tmp_path / "t.csdl"
    f.write_text('tag "cheap" { interaction.content contains "a" }\n'
                 'tag "dear" { interaction.content regex_partial "' + "x" * 120 + '" }\n'
                 'return { interaction.content contains "b" }\n')
    out = CliRunner().invoke(cli, ["cost", str(f), "--isolated"]).output
    assert 'tag "cheap" (body 0.1 DPU: free below 1 DPU)' in out
    assert 'tag "dear" (10 % of 1.2)' in out and "0.12" in out
