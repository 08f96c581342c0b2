"""`csdl cost`, `csdl compile` and `csdl bill` end to end (in process): payloads, diffs, budgets,
bad input and exit codes."""

from __future__ import annotations

import io
import json
import sys

import pytest

from csdl.cli import main

CHEAP = 'twitter.text contains "coffee"\n'
LIST10 = 'interaction.content contains_any "' + ", ".join(f"k{i}" for i in range(10)) + '"\n'


@pytest.fixture
def cli(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")

    def run(*args, stdin: str | None = None):
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8"))
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        out, err = capsys.readouterr()
        return exit_info.value.code, out, err

    return run


@pytest.fixture
def filters(tmp_path):
    d = tmp_path / "filters"
    d.mkdir()
    (d / "a.csdl").write_text(CHEAP)
    (d / "b.csdl").write_text(LIST10 + 'AND twitter.lang exists\n')
    return d


def test_cost_table(cli, filters):
    code, out, err = cli("cost", str(filters))
    assert code == 0, err
    assert "contains_any  interaction.content  1          1  0.2" in out
    assert out.strip().endswith("OVERALL TOTAL: 0.4 DPU per hour (2 files)")


def test_cost_json_payload(cli, filters):
    code, out, err = cli("cost", str(filters / "b.csdl"), "--format", "json")
    assert code == 0 and err == ""
    payload = json.loads(out)
    (record,) = payload["files"]
    assert record["dpu"] == 0.3 and record["complete"] is True
    assert record["detail"] == {
        "contains_any": {"count": 1, "dpu": 0.2, "targets": {"interaction.content": {"count": 1, "dpu": 0.2}}},
        "exists": {"count": 1, "dpu": 0.1, "targets": {"twitter.lang": {"count": 1, "dpu": 0.1}}},
    }
    assert record["items"][1]["spans"][0]["line"] == 2
    assert payload["summary"] == {"files": 1, "costed": 1, "with_errors": 0, "incomplete": 0, "dpu": 0.3, "complete": True}


def test_cost_markdown(cli, filters):
    code, out, _ = cli("cost", str(filters), "--format", "markdown")
    assert code == 0
    assert out.startswith("## DPU cost estimate")
    assert "| **Total** | **0.4** |" in out


def test_cost_stdin(cli):
    code, out, _ = cli("cost", "-", "--stdin-filename", "mine.csdl", "--format", "json", stdin=CHEAP)
    assert code == 0
    assert json.loads(out)["files"][0]["path"] == "mine.csdl"


def test_cost_output_file(cli, filters, tmp_path):
    code, out, _ = cli("cost", str(filters), "--format", "json", "-o", "base.json")
    assert code == 0 and out == ""
    assert json.loads((tmp_path / "base.json").read_text())["summary"]["dpu"] == 0.4


def test_cost_invalid_and_missing_files(cli, filters):
    (filters / "bad.csdl").write_text("twitter.text contains\n")
    code, out, err = cli("cost", str(filters), str(filters / "missing.csdl"), "--format", "json")
    assert code == 2  # reported with the others, and the invocation failed (issue 26)
    records = {r["path"].rsplit("/", 1)[-1]: r for r in json.loads(out)["files"]}
    assert records["bad.csdl"]["dpu"] is None and records["bad.csdl"]["errors"][0]["code"] == "E004"
    assert records["missing.csdl"]["errors"][0]["code"] == "E009"
    assert "missing.csdl: no such file" in err


def test_cost_non_utf8_file(cli, tmp_path):
    (tmp_path / "latin.csdl").write_bytes(b'twitter.text contains "caf\xe9"\n')
    code, out, _ = cli("cost", "latin.csdl")
    assert code == 1 and "not valid UTF-8" in out


def test_bad_flag_is_a_usage_error(cli, filters):
    code, _, err = cli("cost", str(filters), "--format", "yaml")
    assert code == 2 and "yaml" in err
    code, _, err = cli("cost", str(filters), "--fail-above", "lots")
    assert code == 2 and "not a number" in err


def test_no_input_is_a_usage_error(cli):
    code, _, err = cli("cost")
    assert code == 2 and "no input" in err


def test_diff_against_a_base(cli, filters):
    assert cli("cost", str(filters), "--format", "json", "-o", "base.json")[0] == 0
    (filters / "a.csdl").write_text(CHEAP + 'AND interaction.content regex_partial "' + "x" * 150 + '"\n')
    (filters / "b.csdl").unlink()
    (filters / "c.csdl").write_text("twitter.lang exists\n")
    code, out, _ = cli("cost", str(filters), "--compare-to", "base.json")
    assert code == 0
    lines = out.splitlines()
    assert any(line.startswith("~ ") and "a.csdl  0.1 → 1.6 DPU  +1.5 (+1500.0%)" in line for line in lines)
    assert "    + regex_partial  1.5 DPU" in lines
    assert any(line.startswith("+ ") and line.endswith("c.csdl  0.1 DPU") for line in lines)
    assert any(line.startswith("- ") and line.endswith("b.csdl  0.3 DPU") for line in lines)
    assert "DPU per hour change: +1.3 (+325.0%) (0.4 → 1.7)" in out

    code, out, _ = cli("cost", str(filters), "--compare-to", "base.json", "--format", "json")
    diff = json.loads(out)["diff"]
    assert diff["total"] == {"status": "changed", "old": 0.4, "new": 1.7, "change": 1.3, "percent": 325.0}
    assert {f["path"].rsplit("/", 1)[-1]: f["status"] for f in diff["files"]} == {
        "a.csdl": "changed", "b.csdl": "removed", "c.csdl": "added"}

    code, out, _ = cli("cost", str(filters), "--compare-to", "base.json", "--format", "markdown")
    assert out.startswith("## DPU estimate increased by 1.3 DPU per hour")
    assert "```diff" in out


def test_compare_to_a_bad_base(cli, filters, tmp_path):
    code, _, err = cli("cost", str(filters), "--compare-to", "nothing.json")
    assert code == 2 and "nothing.json: no such file" in err
    (tmp_path / "junk.json").write_text("[1, 2]")
    code, _, err = cli("cost", str(filters), "--compare-to", "junk.json")
    assert code == 2 and "not a `csdl cost --format json` report" in err


def test_budget_per_filter(cli, filters):
    code, _, err = cli("cost", str(filters), "--fail-above", "0.25")
    assert code == 1
    assert "b.csdl costs 0.3 DPU, 0.05 DPU above the --fail-above limit of 0.25 DPU" in err
    assert "a.csdl" not in err


def test_budget_total_and_warnings(cli, filters):
    code, _, err = cli("cost", str(filters), "--warn-total-above", "0.3", "--fail-total-above", "1")
    assert code == 0
    assert "warning: budget: the total of 0.4 DPU is 0.1 DPU above the --warn-total-above limit of 0.3 DPU" in err
    code, out, err = cli("cost", str(filters), "--fail-total-above", "0.35", "--format", "json")
    assert code == 1
    assert json.loads(out)["budgets"][0]["rule"] == "fail-total-above"


def test_budget_on_increase(cli, filters):
    cli("cost", str(filters), "--format", "json", "-o", "base.json")
    (filters / "a.csdl").write_text(CHEAP + "AND twitter.lang exists\n")
    code, _, err = cli("cost", str(filters), "--compare-to", "base.json", "--fail-on-increase", "50")
    assert code == 1
    assert "a.csdl rose from 0.1 to 0.2 DPU (+100.0 %), more than the --fail-on-increase limit of 50 %" in err
    assert "the total" not in err  # the total rose 25 %
    code, _, _ = cli("cost", str(filters), "--compare-to", "base.json", "--fail-on-increase", "100")
    assert code == 0


def test_increase_budget_needs_a_base(cli, filters):
    code, _, err = cli("cost", str(filters), "--fail-on-increase", "10")
    assert code == 2 and "--compare-to" in err


def test_budget_from_config(cli, filters, tmp_path):
    (tmp_path / "csdl.toml").write_text("fail-above = 0.2\n")
    code, _, err = cli("cost", str(filters))
    assert code == 1 and "`fail-above` (csdl.toml) limit of 0.2 DPU" in err  # named by the key that set it
    code, _, _ = cli("cost", str(filters), "--fail-above", "1")  # the flag wins
    assert code == 0
    assert cli("cost", str(filters), "--isolated")[0] == 0


def test_library_flag_and_bad_library(cli, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / ("e" * 32 + ".csdl")).write_text(LIST10)
    (tmp_path / "m.csdl").write_text(f'stream "{"e" * 32}" AND twitter.lang exists\n')
    code, out, _ = cli("cost", "m.csdl", "--library", str(lib), "--format", "json")
    assert code == 0 and json.loads(out)["files"][0]["dpu"] == 0.3
    code, out, err = cli("cost", "m.csdl", "--format", "json")
    assert code == 0 and json.loads(out)["files"][0]["complete"] is False
    assert "C100" in err
    code, _, err = cli("cost", "m.csdl", "--library", str(tmp_path / "nope"))
    assert code == 2 and "not a directory" in err


def test_bad_pricing_file(cli, filters, tmp_path):
    (tmp_path / "p.toml").write_text("[dpu]\nnope = 1\n")
    code, _, err = cli("cost", str(filters), "--pricing", "p.toml")
    assert code == 2 and "unknown pricing key `dpu.nope`" in err


def test_compile_text_and_json(cli, tmp_path):
    (tmp_path / "f.csdl").write_text('// mine\ntwitter.text   contains "coffee"\n')
    code, out, _ = cli("compile", "f.csdl")
    assert code == 0
    assert out.splitlines()[1:] == ["// dpu: 0.1", 'twitter.text contains "coffee"']
    code, out, err = cli("compile", "f.csdl", "--format", "json")
    data = json.loads(out)
    assert code == 0 and err == "" and set(data) == {"hash", "dpu", "csdl"} and data["dpu"] == 0.1
    code, out2, _ = cli("compile", "-", "--format", "json", stdin=CHEAP)
    assert json.loads(out2)["hash"] == data["hash"]


def test_compile_invalid(cli, tmp_path):
    (tmp_path / "f.csdl").write_text("twitter.txt exists\n")
    code, out, err = cli("compile", "f.csdl")
    assert code == 1 and out == "" and "E101" in err
    code, _, err = cli("compile", "missing.csdl")
    assert code == 2 and "no such file" in err


def test_bill_stream_from_a_filter(cli, tmp_path):
    (tmp_path / "f.csdl").write_text(CHEAP)
    code, out, _ = cli("bill", "stream", "f.csdl", "--hours", "720", "--objects-per-hour", "1200", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert (data["dpu"], data["billed_dpu_per_hour"], data["processing"], data["licence"], data["total"]) == (
        0.1, 1, "144.00", "86.40", "230.40")
    code, out, _ = cli("bill", "stream", "--dpu", "1", "--hours", "6", "--objects", "4000")
    assert code == 0 and "Total" in out and "$1.60" in out


def test_bill_unknown_source_and_rate(cli):
    code, _, err = cli("bill", "stream", "--dpu", "1", "--hours", "1", "--objects", "5", "--source", "reddit")
    assert code == 2 and "no licence rate for source `reddit`" in err
    code, out, _ = cli("bill", "stream", "--dpu", "1", "--hours", "1", "--objects", "5", "--source", "reddit",
                       "--rate", "reddit=0.01", "--format", "json")
    assert code == 0 and json.loads(out)["licence"] == "0.05"
    code, _, err = cli("bill", "stream", "--dpu", "1", "--hours", "1", "--rate", "reddit")
    assert code == 2 and "SOURCE=PRICE" in err


def test_bill_needs_a_filter_or_dpu(cli):
    code, _, err = cli("bill", "stream", "--hours", "1")
    assert code == 2 and "--dpu" in err


def test_bill_historics(cli, tmp_path):
    (tmp_path / "f.csdl").write_text(CHEAP)
    code, out, _ = cli("bill", "historics", "f.csdl", "--start", "2024-04-01", "--end", "2024-05-01", "--sample", "10",
                       "--objects", "1212194", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["dpu_usage"] == 288 and data["licence"] == "121.22" and data["run_time_hours"] == 24
    code, _, err = cli("bill", "historics", "--dpu", "1", "--start", "2024-05-01", "--end", "2024-04-01")
    assert code == 2 and "must be after" in err
    code, _, err = cli("bill", "historics", "--dpu", "1", "--hours", "3", "--days", "1")
    assert code == 2


def test_bill_subscription_and_preview(cli):
    code, out, _ = cli("bill", "subscription", "--dpu", "2", "--allowance", "500", "--limit", "2500",
                       "--objects-per-hour", "30000")
    assert code == 0 and "hour 617.65 (day 26)" in out
    code, out, _ = cli("bill", "preview", "--format", "json")
    assert code == 0 and json.loads(out)["dpu"] == 20


def test_bill_invalid_filter(cli, tmp_path):
    (tmp_path / "f.csdl").write_text("twitter.text contains\n")
    code, out, err = cli("bill", "stream", "f.csdl", "--hours", "1")
    assert code == 1 and out == "" and "E004" in err


def test_a_thousand_filters_in_one_process(cli, tmp_path):
    d = tmp_path / "many"
    d.mkdir()
    for i in range(1000):
        (d / f"f{i:04d}.csdl").write_text(f'twitter.text contains "w{i}" AND interaction.content any "a{i}, b{i}"\n')
    code, out, err = cli("cost", str(d), "--format", "json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["summary"]["files"] == 1000 and payload["summary"]["dpu"] == 200


def test_check_does_not_import_the_cost_model(tmp_path):
    import subprocess

    (tmp_path / "f.csdl").write_text(CHEAP)
    code = ("import sys\nfrom csdl.cli import main\ntry:\n    main(['check', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith(('csdl.cost', 'csdl.billing', 'csdl.billing.pricing', "
            "'csdl.library', 'csdl.compiler'))), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "f.csdl")], capture_output=True, text=True)
    assert result.stderr.strip().splitlines()[-1] == "[]"


def test_table_layout(cli, tmp_path):
    (tmp_path / "t.csdl").write_text(
        'tag.brand "acme" { interaction.content regex_partial "' + "x" * 120 + '" }\n'
        "return {\n"
        '    twitter.text contains "a" OR twitter.text contains "b"\n'
        '    OR twitter.text contains "c" OR twitter.text contains "d"\n'
        f'    OR stream "{"9" * 32}"\n'
        "}\n"
    )
    code, out, _ = cli("cost", "t.csdl")
    assert code == 0
    assert out == (
        "t.csdl\n"
        "  Operator  Target                                                         Lines  Count             DPU\n"
        "  contains  twitter.text                                                   3, 4       4             0.2\n"
        '  tag       tag.brand "acme" (10 % of 1.2)                                 1          1            0.12\n'
        '  stream    "99999999999999999999999999999999" (unresolved: cost unknown)  5          1               ?\n'
        "  Total                                                                                  0.32 + unknown\n"
        '  warning: 5:8: C100 stream "99999999999999999999999999999999" cannot be resolved without a stream '
        "library; its cost is unknown\n"
        "\n"
        "OVERALL TOTAL: 0.32 DPU per hour (1 file, 1 incomplete (unresolved references))\n"
    )
