"""The payload checker (csdl.payloads): every rule's bad and good example, the seeds' bodies with
their verdicts, positions, the JSON parser's located errors, kind detection, options and the
HTTP answers the API emulator reuses."""

from __future__ import annotations

import datetime as dt
import json
import os
import time

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import csdl
from csdl.payloads import KINDS, PayloadOptionError, check_payload, detect, refusal
from csdl.payloads.json_parser import JSONSyntaxError, parse_json
from csdl.payloads.rules import rules

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "data", "payloads", "seeds")
CASES = os.path.join(HERE, "data", "payloads", "cases")
TODAY = "2024-01-15"
RULES = rules()


def codes(diagnostics) -> list[str]:
    return sorted(d.code for d in diagnostics)


def read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


# --- every rule: its bad example raises it, its good example is clean ------------------------

def _options(rule) -> dict:
    options = dict(rule.options)
    options.setdefault("today", TODAY)
    return options


@pytest.mark.parametrize("code", sorted(RULES))
def test_bad_example_raises_the_rule(code):
    rule = RULES[code]
    found = check_payload(rule.example("bad"), rule.kind, **_options(rule))
    assert code in codes(found), found


@pytest.mark.parametrize("code", sorted(RULES))
def test_good_example_is_clean(code):
    rule = RULES[code]
    assert check_payload(rule.example("good"), rule.kind, **_options(rule)) == []


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_is_documented_with_both_examples(code):
    from csdl.codes import find

    info = find(code)
    assert info is not None and info.severity == RULES[code].severity
    assert "Bad" in info.doc and "Good:" in info.doc and RULES[code].good.splitlines()[0] in info.doc
    assert find(RULES[code].name) is info  # `csdl rule NAME` finds it too
    if RULES[code].decision:
        assert "Our decision" in info.doc


def test_codes_are_stable_and_grouped():
    assert {c[:2] for c in RULES} == {"P0", "P1", "P2", "P3"}
    names = [r.name for r in RULES.values()]
    assert len(names) == len(set(names))


def test_severities_follow_the_spec():
    # E: the platform would refuse it or the seed says required/must; W: advice or a likely slip.
    errors = {"P001", "P101", "P102", "P103", "P104", "P105", "P106", "P108", "P109", "P110", "P113", "P114",
              "P116", "P117", "P118", "P201", "P202", "P206", "P301", "P302", "P304", "P305", "P306", "P309",
              "P312", "P314", "P315"}
    warnings = {"P005", "P107", "P111", "P112", "P115", "P119", "P120", "P121", "P203", "P204", "P205",
                "P303", "P307", "P308", "P310", "P313", "P316", "P317", "P318", "P319"}
    for code in errors:
        assert RULES[code].severity == "error", code
    for code in warnings:
        assert RULES[code].severity == "warning", code


# --- the seeds' bodies ---------------------------------------------------------------------

with open(os.path.join(SEEDS, "verdicts.toml"), "rb") as _f:
    VERDICTS = tomllib.load(_f)["fixture"]


@pytest.mark.parametrize("case", VERDICTS, ids=[f"{c['file']}-{i}" for i, c in enumerate(VERDICTS)])
def test_seed_body_verdict(case):
    options = {"today": case.get("today", TODAY)}
    if "data365_source" in case:
        options["data365_source"] = case["data365_source"]
    if "previous" in case:
        options["previous"] = read(os.path.join(SEEDS, case["previous"]))
    found = check_payload(read(os.path.join(SEEDS, case["file"])), case.get("kind"), **options)
    assert codes(found) == sorted(case["codes"]), [(d.code, d.message) for d in found]
    assert (not any(d.is_error for d in found)) == case["valid"]


def test_every_seed_file_has_a_verdict():
    files = {f for f in os.listdir(SEEDS) if f.endswith(".json")}
    assert files == {c["file"] for c in VERDICTS}


def test_seed_sample_values_are_valid_tasks():
    with open(os.path.join(SEEDS, "001-sample-values.tsv"), encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    assert len(rows) == 16
    for source, value in rows:
        body = {"tasks": [{"value": value, "from_date": "2023-09-01", "to_date": "2023-09-12"}]}
        assert check_payload(body, "data365-tasks", data365_source=source, today=TODAY) == [], source


def test_seed_002_second_response_does_not_echo_the_request():
    """Seed 002's slip: the response shows another expires_at than the request sent."""
    request = json.loads(read(os.path.join(SEEDS, "002-update-2.json")))
    response = json.loads(read(os.path.join(SEEDS, "002-response-2.json")))
    assert request["auth"][0]["expires_at"] == 2122112110
    assert response["auth"][0]["expires_at"] == 2112112110


def test_seed_002_update_without_resource_ids_adds_the_pages_again():
    previous = read(os.path.join(SEEDS, "002-response-1.json"))
    body = json.loads(read(os.path.join(SEEDS, "002-update-2.json")))
    for resource in body["resources"]:
        resource.pop("resource_id", None)
    found = check_payload(json.dumps(body, indent=2), "source-update", previous=previous, today=TODAY)
    assert codes(found).count("P205") == 2 and "P204" not in codes(found)


# --- positions -------------------------------------------------------------------------------

def _position(text: str, line: int, needle: str) -> tuple[int, int]:
    return line, text.splitlines()[line - 1].index(needle) + 1


def test_diagnostics_point_at_the_offending_token():
    text = read(os.path.join(CASES, "create-mistakes.json"))
    found = {d.code: d for d in check_payload(text, today=TODAY)}
    expected = {
        "P116": _position(text, 6, '"hashtag"'),
        "P118": _position(text, 7, "151.2093"),
        "P117": _position(text, 7, '"5km"'),
        "P107": _position(text, 10, "1705536000"),
        "P109": _position(text, 11, '"token-a"'),
        "P108": _position(text, 13, '"no"'),
    }
    assert set(found) == set(expected)
    for code, (line, column) in expected.items():
        d = found[code]
        assert (d.span.line, d.span.column) == (line, column), code
        assert text[d.span.start:d.span.end] in {'"hashtag"', "151.2093", '"5km"', "1705536000", '"token-a"', '"no"'}


def test_tasks_positions():
    text = read(os.path.join(CASES, "tasks-mistakes.json"))
    found = check_payload(text, today=TODAY)
    where = {d.code: (d.span.line, d.span.column) for d in found}
    assert where == {
        "P315": _position(text, 4, '"cp24 OR cnn"'),
        "P305": _position(text, 5, '"2023-09-12"'),
        "P316": _position(text, 6, '"2023-06-30"'),
        "P308": _position(text, 7, '"auto_update_expires_at"'),
        "P310": _position(text, 7, '"2024-01-01T15:00:00"'),
    }


def test_missing_field_points_at_the_opening_brace_of_its_object():
    text = '{\n  "tasks": [\n    {"from_date": "2023-09-01", "to_date": "2023-09-02"}\n  ]\n}'
    (d,) = check_payload(text, "data365-tasks")
    assert d.code == "P302" and (d.span.line, d.span.column) == (3, 5) and d.span.end - d.span.start == 1


# --- JSON syntax ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, line, column, words", [
    ('{"a": 1,}', 1, 8, "trailing comma"),
    ('{\n  "a": 1\n  "b": 2\n}', 3, 3, "missing comma"),
    ("{'a': 1}", 1, 2, "double quotes"),
    ('{"a": True}', 1, 7, "`True` is not a JSON value"),
    ('{"a": "x\ny"}', 1, 7, "unterminated string"),
    ('{"a": "\\q"}', 1, 8, "invalid escape"),
    ('[1, 2', 1, 6, "end of file"),
    ("", 1, 1, "empty"),
    ("{} {}", 1, 4, "after the JSON value"),
    ('{"a": 01}', 1, 7, "leading zeros"),
    ('{"a": 1} // note', 1, 10, "after the JSON value"),
    ('{"a": 1 // note\n}', 1, 9, "no comments"),
    ('{a: 1}', 1, 2, "not quoted"),
    ('{"tasks": ["value": 1]}', 1, 19, "`{` of an object missing"),
    ('{"a": "\t"}', 1, 8, "control character"),
    ("[" * 300 + "]" * 300, 1, 201, "deeper than 200"),
])
def test_invalid_json_is_a_located_diagnostic(text, line, column, words):
    found = check_payload(text, "source-create")
    assert [d.code for d in found] == ["P001"]
    assert (found[0].span.line, found[0].span.column) == (line, column)
    assert words in found[0].message


def test_parser_keeps_values_and_positions():
    text = '{"a": [1, 2.5, -0, "\\u00e9", true, false, null], "b": {"c": 1e3}}'
    root, dups = parse_json(text)
    assert root.to_python() == json.loads(text) and dups == []
    array = root.get("a")
    assert [text[n.start:n.end] for n in array.items] == ["1", "2.5", "-0", '"\\u00e9"', "true", "false", "null"]
    assert array.items[0].is_integer and not array.items[1].is_integer


def test_duplicate_keys_are_found_at_every_depth():
    text = '{"a": 1, "b": {"x": 1, "x": 2}, "a": 3}'
    _, dups = parse_json(text)
    assert [(d.first.start, d.second.start) for d in dups] == [(text.index('"x"'), text.rindex('"x"')),
                                                              (0 + 1, text.rindex('"a"'))]


def test_huge_integer_does_not_crash():
    found = check_payload('{"tasks": [{"value": "x", "from_date": "2023-01-01", "to_date": "2023-01-02", '
                          '"update_interval": ' + "9" * 5000 + ', "auto_update_expire_at": "2999-01-01T00:00:00"}]}')
    assert found == []


def test_invalid_utf8_is_a_located_diagnostic():
    (d,) = check_payload(b'{"name": "caf\xe9"}', "source-create")
    assert d.code == "P001" and "UTF-8" in d.message and d.span.column == 14  # offset 13


def test_byte_order_mark_is_accepted():
    rule = RULES["P101"]
    assert check_payload(b"\xef\xbb\xbf" + rule.good.encode(), "source-create") == []


def test_json_syntax_error_carries_offset():
    with pytest.raises(JSONSyntaxError) as exc:
        parse_json('{"a" 1}')
    assert exc.value.offset == 5


# --- size limit ------------------------------------------------------------------------------

def test_ten_megabytes_are_refused_before_parsing():
    # broken JSON at the end: a checker that parsed before refusing would report it too
    body = '{"tasks": [' + ",".join(['{"value": "x", "from_date": "2023-01-01", "to_date": "2023-01-02"}'] * 160_000) + "]"
    assert len(body) > 10_000_000
    found = check_payload(body)
    assert [d.code for d in found] == ["P002"] and "10," in found[0].message
    assert check_payload(body.encode()) [0].code == "P002"


def test_size_limit_counts_bytes_not_characters():
    text = '{"name": "' + "é" * 600 + '"}'
    assert [d.code for d in check_payload(text, "source-create", max_bytes=1000)] == ["P002"]


# --- kinds -----------------------------------------------------------------------------------

@pytest.mark.parametrize("body, kind", [
    ({"tasks": []}, "data365-tasks"),
    ({"source_type": "facebook_page"}, "source-create"),
    ({"resources": []}, "source-create"),
    ({"id": "da4f8df71a0f43698acf9240b5ad668f"}, "source-update"),
    ({"id": "x", "auth": []}, "source-update"),
])
def test_kind_from_shape(body, kind):
    root, _ = parse_json(json.dumps(body))
    assert detect(root).kind == kind


@pytest.mark.parametrize("body, code", [
    ({"name": "my-package", "version": "1.0.0"}, "P003"),
    ({"id": 7, "name": "x"}, "P003"),
    ([1, 2], "P003"),
    ("just text", "P003"),
    ({"tasks": [], "auth": []}, "P004"),
    ({"source_type": "facebook_page", "resources": [{"resource_id": "706af7cce1484d098553a2be580fa3bb"}]}, "P004"),
])
def test_undetectable_kind_says_how_to_declare(body, code):
    found = check_payload(json.dumps(body))
    assert [d.code for d in found] == [code]
    assert "--kind" in found[0].hint and "[tool.csdl.payloads]" in found[0].hint


def test_declared_kind_wins_over_shape():
    body = {"id": "da4f8df71a0f43698acf9240b5ad668f", "source_type": "facebook_page", "name": "n",
            "parameters": {}, "resources": [{"parameters": {"id": "1"}}], "auth": [{"parameters": {"value": "t"}}]}
    assert check_payload(body) == []  # an update
    assert codes(check_payload(body, "source-create")) == ["P112"]


def test_unknown_kind_is_an_option_error():
    with pytest.raises(PayloadOptionError):
        check_payload("{}", "source-delete")
    assert isinstance(PayloadOptionError("x"), ValueError)
    assert KINDS == ("source-create", "source-update", "data365-tasks")


# --- options ---------------------------------------------------------------------------------

def test_today_moves_the_date_rules():
    body = RULES["P107"].bad
    assert "P107" in codes(check_payload(body, today="2024-01-15"))
    assert "P107" not in codes(check_payload(body, today="2024-01-01"))
    assert "P107" in codes(check_payload(body, today=dt.date(2030, 1, 1)))  # expired
    expired = [d for d in check_payload(body, today="2030-01-01") if d.code == "P107"][0]
    assert "expired on 2024-01-18" in expired.message
    with pytest.raises(PayloadOptionError):
        check_payload(body, today="15/01/2024")


def test_without_today_the_clock_decides():
    soon = int(time.time()) + 86_400
    body = RULES["P107"].bad.replace("1705536000", str(soon))
    assert "P107" in codes(check_payload(body))


def test_max_period_days_is_configurable():
    body = RULES["P316"].good  # 31 days
    assert check_payload(body, today=TODAY) == []
    assert codes(check_payload(body, max_period_days=30, today=TODAY)) == ["P316"]


def test_source_types_extend_the_known_list():
    body = RULES["P120"].good.replace("facebook_page", "twitter_gnip")
    assert codes(check_payload(body, today=TODAY)) == ["P120"]
    assert check_payload(body, source_types=["twitter_gnip"], today=TODAY) == []


def test_data365_source_from_option_or_body():
    body = {"tasks": [{"value": "cp24 OR cnn", "from_date": "2023-09-01", "to_date": "2023-09-02"}]}
    assert check_payload(body) == []  # no source known: the source rules are not applied
    assert codes(check_payload(body, data365_source="twitter_profile")) == ["P315"]
    assert codes(check_payload(dict(body, source="twitter_profile"))) == ["P315"]
    unknown = check_payload(body, data365_source="twitter_profiles")
    assert codes(unknown) == ["P312"] and "twitter_profile" in unknown[0].hint


def test_selection():
    text = read(os.path.join(CASES, "create-mistakes.json"))
    assert codes(check_payload(text, today=TODAY, select=["P11"])) == ["P116", "P117", "P118"]
    assert "P107" not in codes(check_payload(text, today=TODAY, ignore="P107"))
    assert codes(check_payload(text, today=TODAY, select=["E"])) == []  # filter codes only
    assert codes(check_payload("{", select=["E"])) == ["P001"]  # JSON errors are always reported
    with pytest.raises(ValueError):
        check_payload(text, select=["P9"])


def test_previous_state_errors_are_option_errors():
    body = RULES["P203"].bad
    for previous in ("{", "[1]", b"\xff", 5):
        with pytest.raises(PayloadOptionError):
            check_payload(body, "source-update", previous=previous)


def test_previous_accepts_a_dict_and_a_create_body_without_ids():
    previous = {"source_type": "facebook_page", "resources": [{"parameters": {"id": "1"}}, {"parameters": {"id": "2"}}]}
    body = {"id": "da4f8df71a0f43698acf9240b5ad668f", "resources": [{"parameters": {"id": "1"}}]}
    found = check_payload(body, "source-update", previous=previous)
    assert codes(found) == ["P204"] and '"2"' in found[0].message


def test_tokens_are_never_printed_whole():
    found = check_payload(RULES["P203"].bad, "source-update", previous=RULES["P203"].options["previous"])
    secret = "EZBXlFZBUgBYmjHkxc2pPmzLeJJYmAvQkwZCRdm0A1NAjidHy1h"
    previous = RULES["P203"].options["previous"].replace("token-a", secret)
    found = check_payload(RULES["P203"].bad, "source-update", previous=previous)
    assert codes(found) == ["P203"] and secret not in found[0].message


def test_a_dict_is_checked_as_its_json():
    body = json.loads(RULES["P113"].bad)
    (d,) = check_payload(body, "source-create", today=TODAY)
    assert d.code == "P113" and d.span.line > 1  # indented: the value has its own line


def test_public_api_and_fixes():
    found = csdl.check_payload(RULES["P115"].bad, "source-create")
    (d,) = found
    assert isinstance(d, csdl.Diagnostic) and d.fix is not None and d.fix.replacement == '"10513336322"'
    fixed = RULES["P115"].bad[:d.fix.span.start] + d.fix.replacement + RULES["P115"].bad[d.fix.span.end:]
    assert check_payload(fixed, "source-create") == []
    assert d.to_dict()["code"] == "P115" and d.to_dict()["name"] == "numeric-page-id"


# --- the emulator's answers ----------------------------------------------------------------

def test_refusal_uses_the_documented_answers():
    create = "source-create"
    assert refusal(create, check_payload(RULES["P109"].bad, create)) == (409, {
        "error": "A source with the same auth token already exists, or the same resource has been added more "
                 "than once to this source"})
    assert refusal(create, check_payload(RULES["P110"].bad, create))[0] == 409
    assert refusal(create, check_payload(RULES["P103"].bad, create)) == (400, {
        "original_error": "resources must have at least 1 entry",
        "error": "Bad request: resources must have at least 1 entry"})
    status, body = refusal("source-update", check_payload(RULES["P109"].bad, "source-update"))
    assert status == 400 and "an identity with the same token already exists" in body["error"]
    assert refusal(create, check_payload(RULES["P115"].bad, create)) is None  # warnings only: accepted
    status, body = refusal(create, check_payload(RULES["P101"].bad, create))
    assert status == 400 and body["code"] == "P101" and "auth" in body["error"]


def test_previous_create_body_without_ids_keeps_pages_sent_with_ids():
    previous = {"source_type": "facebook_page", "resources": [{"parameters": {"id": "1"}}, {"parameters": {"id": "2"}}]}
    body = {"id": "da4f8df71a0f43698acf9240b5ad668f", "resources": [
        {"resource_id": "706af7cce1484d098553a2be580fa3bb", "parameters": {"id": "1"}},
        {"resource_id": "b4e2ae889ff346129d687fa4c56caed2", "parameters": {"id": "2"}}]}
    assert check_payload(body, "source-update", previous=previous) == []


def test_docs_list_every_payload_rule_and_mark_our_decisions():
    with open(os.path.join(os.path.dirname(HERE), "docs", "payloads.md"), encoding="utf-8") as f:
        docs = f.read()
    for code, rule in RULES.items():
        row = [line for line in docs.splitlines() if line.startswith(f"| `{code}` |")]
        assert len(row) == 1, code
        assert f"`{rule.name}`" in row[0] and rule.severity in row[0]
        assert row[0].rstrip(" |").endswith("ours") == bool(rule.decision), code
    assert "shared/" not in docs and "seed" not in docs.lower()  # the user docs stand alone


# --- fixes -----------------------------------------------------------------------------------

def test_fix_payload_applies_safe_fixes_and_rechecks():
    from csdl.payloads.payload_fixes import fix_payload

    text = ('{"id": "DA4F8DF71A0F43698ACF9240B5AD668F", "source_type": "facebook_page", '
            '"parameters": {"comments": "TRUE"}, '
            '"resources": [{"resource_id": "706af7cce1484d098553a2be580fa3bb", "parameters": {"id": 10513336322}}], '
            '"auth": [{"identity_id": "d38e5598142746e19689ddee65ddca55", "parameters": {"value": "t"}, '
            '"expires_at": 2112112110000}]}')
    result = fix_payload(text, today=TODAY)
    body = json.loads(result.text)
    assert body["id"] == "da4f8df71a0f43698acf9240b5ad668f"
    assert body["parameters"]["comments"] is True
    assert body["resources"][0]["parameters"]["id"] == "10513336322"
    assert body["auth"][0]["expires_at"] == 2112112110000  # milliseconds -> seconds is a guess: unsafe
    assert sorted(d.code for d in result.fixed) == ["P113", "P115", "P202"]
    assert codes(result.remaining) == ["P106"] and result.hidden == 1
    unsafe = fix_payload(text, today=TODAY, unsafe=True)
    assert json.loads(unsafe.text)["auth"][0]["expires_at"] == 2112112110 and unsafe.remaining == []
    assert fix_payload(unsafe.text, today=TODAY, unsafe=True).text == unsafe.text  # stable


def test_fix_payload_leaves_invalid_json_alone():
    from csdl.payloads.payload_fixes import fix_payload

    text = '{"resources": [{"parameters": {"id": 1}}],}'
    result = fix_payload(text, "source-create")
    assert result.text == text and not result.changed and codes(result.remaining) == ["P001"]


def test_expires_at_null_means_no_expiry():
    body = RULES["P106"].good.replace("2112112110", "null")
    assert check_payload(body, "source-create", today=TODAY) == []
    update = {"id": "da4f8df71a0f43698acf9240b5ad668f",
              "auth": [{"identity_id": "d38e5598142746e19689ddee65ddca55", "parameters": {"value": "t"}, "expires_at": None}]}
    assert check_payload(update, "source-update") == []
    (d,) = check_payload(RULES["P106"].good.replace("2112112110", "true"), "source-create")
    assert d.code == "P106" and d.message.endswith("found a boolean true")
