"""Every rule's documented examples are executed: what ``csdl rule CODE`` shows as "Bad" raises
exactly that code, and what it shows as "Good" raises nothing. The examples are the documentation
users copy from, so one that checks clean under "Bad" (E202 did) is a bug in the product.

Filter rules (syntax, validation, lint, suppression) document their examples in the rule text:
each line indented four spaces under ``Bad:`` or ``Good:`` is one filter, and a line indented
deeper continues the filter above it. Payload rules keep theirs in payload_rules.toml.
"""

from __future__ import annotations

import pytest

from csdl.checking.checker import check
from csdl.codes import registry
from csdl.payloads import check_payload
from csdl.payloads.rules import rules as payload_rules

TODAY = "2024-01-15"
PAYLOAD_RULES = payload_rules()


def examples(doc: str, heading: str) -> list[str]:
    """The filters listed under ``heading`` (``Bad:`` or ``Good:``) in a rule's documentation."""
    found: list[str] = []
    inside = False
    for line in doc.splitlines():
        if line.strip() in ("Bad:", "Good:"):
            inside = line.strip() == heading
            continue
        if not inside:
            continue
        if not line.startswith("    "):
            inside = False
        elif line.startswith("     ") and found:
            found[-1] += "\n" + line.strip()
        else:
            found.append(line[4:])
    return found


FILTER_CODES = sorted(code for code, info in registry().items() if code[0] in "EW" and "Bad:" in info.doc)
FILTER_EXAMPLES = [(code, kind, text) for code in FILTER_CODES for kind in ("Bad:", "Good:")
                   for text in examples(registry()[code].doc, kind)]


def test_the_example_reader_finds_examples_and_continuations():
    doc = "Text.\n\nBad:\n    a OR\n        b\n    c\nGood:\n    d\n\nMore text.\n    not an example\n"
    assert examples(doc, "Bad:") == ["a OR\nb", "c"]
    assert examples(doc, "Good:") == ["d"]


def test_every_filter_rule_with_examples_has_both_kinds():
    assert len(FILTER_CODES) >= 30  # the reader found the families' examples
    for code in FILTER_CODES:
        doc = registry()[code].doc
        assert examples(doc, "Bad:") and examples(doc, "Good:"), code


def _codes(text: str) -> list[str]:
    return sorted({d.code for d in check(text, select="ALL")})


@pytest.mark.parametrize("code, kind, text", FILTER_EXAMPLES, ids=[f"{c}-{k[:-1]}-{i}" for i, (c, k, _) in enumerate(FILTER_EXAMPLES)])
def test_filter_rule_examples_do_what_they_say(code, kind, text):
    expected = [code] if kind == "Bad:" else []
    assert _codes(text) == expected, f"`csdl rule {code}` shows under {kind}\n{text}"


@pytest.mark.parametrize("code", sorted(PAYLOAD_RULES))
def test_payload_rule_bad_example_raises_exactly_that_code(code):
    rule = PAYLOAD_RULES[code]
    options = {"today": TODAY, **rule.options}
    found = sorted({d.code for d in check_payload(rule.example("bad"), rule.kind, **options)})
    assert found == [code]


@pytest.mark.parametrize("code", sorted(PAYLOAD_RULES))
def test_payload_rule_good_example_is_clean(code):
    rule = PAYLOAD_RULES[code]
    options = {"today": TODAY, **rule.options}
    assert check_payload(rule.example("good"), rule.kind, **options) == []


# --- every diagnostic carries the registry's name and severity --------------------------------

def _identity_problems(diagnostics) -> list[str]:
    table = registry()
    return [f"{d.code}: {d.name!r}/{d.severity} but the registry says {table[d.code].name!r}/{table[d.code].severity}"
            for d in diagnostics if (d.name, d.severity) != (table[d.code].name, table[d.code].severity)]


def test_filter_diagnostics_carry_the_registry_name_and_severity():
    from csdl.reading import decode

    texts = [text for _, kind, text in FILTER_EXAMPLES if kind == "Bad:"]
    texts += ["(" * 120 + "twitter.text exists" + ")" * 120,                     # E006
              'twitter.text contains "a" // noqa',                        # W901, three ways
              'twitter.text contains "a" // noqa: X999',
              'twitter.text contains "a" // noqa:',
              'twitter.text contains', '"unclosed', "/* open", "{", "", "twitter.text contains \"a\" @"]
    found = [d for text in texts for d in check(text, select="ALL")]
    found += check("a" * 1_100_000)                                        # E008
    found.append(decode(b"twitter.text contains \"caf\xe9\"", "f.csdl")[1])  # E009
    assert {"E006", "E008", "E009", "W901"} <= {d.code for d in found}
    assert _identity_problems(found) == []


def test_payload_diagnostics_carry_the_registry_name_and_severity():
    found = []
    for rule in PAYLOAD_RULES.values():
        found += check_payload(rule.example("bad"), rule.kind, **{"today": TODAY, **rule.options})
    assert _identity_problems(found) == []


def test_cost_and_run_diagnostics_carry_the_registry_name_and_severity():
    """The run codes were once emitted as `cannot-evaluate` whatever the registry said."""
    import csdl
    from csdl.diagnostics import CSDLError
    from csdl.evaluate.matcher import compile_matcher

    found = list(csdl.cost('stream "f0596f03644177b8bf5b59708a08bfe8"').warnings)  # C100
    for text in ['interaction.content regex_partial "(a)\\\\1"',             # R002
                 'interaction.geo geo_radius "91,0:10"']:                       # R003 (or a check error)
        try:
            compile_matcher(csdl.parse(text))
        except CSDLError as exc:
            found.extend(exc.diagnostics)
    assert {"C100", "R002"} <= {d.code for d in found}
    assert _identity_problems(found) == []


def test_a_rules_documentation_does_not_repeat_its_summary():
    """`csdl rule CODE` prints the summary, then the documentation (syntax codes repeated it)."""
    repeated = [code for code, info in registry().items() if info.doc.startswith(info.summary)]
    assert repeated == []
