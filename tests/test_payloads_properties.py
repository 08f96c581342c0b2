"""Contracts of the payload checker: any bytes, any JSON value and any edit of a real body give
diagnostics (with spans inside the text) or our own option error, never a traceback; the JSON
parser agrees with the standard library on every value it accepts."""

from __future__ import annotations

import json

from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from csdl.cli import cli
from csdl.diagnostics import Diagnostic
from csdl.payloads import KINDS, check_payload
from csdl.payloads.json_parser import JSONSyntaxError, parse_json
from csdl.payloads.rules import rules

KIND = st.sampled_from((None,) + KINDS)
EXAMPLES = [r.example(w) for r in rules().values() for w in ("bad", "good") if len(r.example(w)) < 2000]
SOURCES = st.sampled_from([None, "twitter_keywords", "twitter_profile", "instagram_location", "tiktok_hashtag", "nope"])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["source_type", "name", "parameters", "resources", "auth", "id", "resource_id", "identity_id",
                         "expires_at", "value", "validate", "tasks", "from_date", "to_date", "update_interval",
                         "auto_update_expire_at", "auto_update_expires_at", "type", "lat", "lng", "distance",
                         "max_posts", "source", "title", "url", "comments"]) | st.text(max_size=8),
        children, max_size=6),
    max_leaves=30)


def _valid(found, text) -> None:
    assert isinstance(found, list)
    for d in found:
        assert isinstance(d, Diagnostic) and d.code.startswith("P") and d.message
        assert 0 <= d.span.start <= d.span.end <= max(len(text), 1) + 1
        assert d.span.line >= 1 and d.span.column >= 1
        d.message.encode("utf-8")  # printable whatever the body held (lone surrogates are escaped)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600), KIND)
def test_any_bytes_give_diagnostics(data, kind):
    found = check_payload(data, kind, today="2024-01-15")
    _valid(found, data)


@settings(max_examples=150, deadline=None)
@given(json_values, KIND, SOURCES)
def test_any_json_value_gives_diagnostics(value, kind, source):
    text = json.dumps(value, indent=1)
    _valid(check_payload(text, kind, data365_source=source, today="2024-01-15"), text)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(EXAMPLES), st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=3),
       st.sampled_from(["", "{", "}", "[", "]", ",", ":", '"', "\\", "0", "-", "e", "null", "\u00e9", "\ud800"]), KIND)
def test_any_edit_of_a_real_body_gives_diagnostics(text, position, cut, insert, kind):
    position %= len(text) + 1
    edited = text[:position] + insert + text[position + cut:]
    _valid(check_payload(edited, kind, today="2024-01-15"), edited)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_parser_agrees_with_the_standard_library(value):
    text = json.dumps(value)
    root, _ = parse_json(text)
    assert root.to_python() == json.loads(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_parser_accepts_exactly_what_json_accepts(text):
    try:
        expected = json.loads(text)
    except ValueError:
        expected = JSONSyntaxError
    except RecursionError:  # pragma: no cover - max_size keeps nesting shallow
        return
    try:
        root, _ = parse_json(text)
    except JSONSyntaxError:
        # Python's json accepts NaN/Infinity, which JSON does not.
        assert expected is JSONSyntaxError or any(w in text for w in ("NaN", "Infinity"))
        return
    assert expected is not JSONSyntaxError and root.to_python() == expected


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300))
def test_cli_never_crashes_on_payload_bytes(data):
    result = CliRunner().invoke(cli, ["check", "-", "--kind", "source-update", "--isolated"], input=data)
    assert result.exit_code in (0, 1), result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(EXAMPLES), st.booleans())
def test_fixing_is_idempotent_and_keeps_json_valid(text, unsafe):
    from csdl.payloads.payload_fixes import fix_payload

    once = fix_payload(text, unsafe=unsafe, today="2024-01-15")
    twice = fix_payload(once.text, unsafe=unsafe, today="2024-01-15")
    assert twice.text == once.text and not twice.fixed
    if once.changed:
        json.loads(once.text)
        assert not any(d.fix is not None and (unsafe or d.fix.applicability == "safe") for d in once.remaining)


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300) | st.sampled_from(EXAMPLES).map(lambda t: t.encode()[: len(t) // 2]))
def test_any_bytes_in_a_json_file_never_crash_check(data):
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "body.json")
        with open(path, "wb") as f:
            f.write(data)
        for args in ([], ["--format", "sarif"], ["--kind", "data365-tasks", "--format", "github"]):
            result = CliRunner().invoke(cli, ["check", path, "--isolated", *args])
            assert result.exit_code in (0, 1), result.output
            assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_key_with_a_lone_surrogate_gives_a_printable_kind_message():
    """Found by hypothesis: a P003 message named the body's keys as they were (``\\ud800tasks``)."""
    found = check_payload('{"source": 1, "\\ud800tasks": 2}', None, today="2024-01-15")
    assert [d.code for d in found] == ["P003"] and "`\\ud800tasks`" in found[0].message
    _valid(found, '{"source": 1, "\\ud800tasks": 2}')
