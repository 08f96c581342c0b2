"""Which CSDL regular expressions Spark may run as RLIKE (Java's java.util.regex): only those
that mean the same there as in RE2. The refusals are the constructs whose matches differ; the
agreement of the accepted ones with RE2 is checked on a real JVM in test_engines_spark.py."""

from __future__ import annotations

import pytest

from csdl.engines.java_regex import java_safe

# Patterns every one of which reads alike in RE2 and Java.
SAFE = ["[a-z]{4}", "^a", "coffee", "[Cc]off?ee", "[0-9]+%", "(?s).*", r"\d+\.\d", "[^a-c]x", "a|b|(c+)",
        r"\x41b", r"\Aabc", "(?:ab)+?", r"[\w-]+@", "a{2,}", "(?s)a.c"]
# Each differs somewhere: the text in the comment is one where the two engines disagree.
UNSAFE = {
    "(?i)istanbul": "case folding (RE2 folds İ, K)",
    ".*tea.*": "'.' and \\r",
    "a$": "'$' before a final newline",
    r"\bcat": "\\b and non-ASCII letters",
    r"\s+": "\\s and the vertical tab",
    r"\v": "\\v: a class in Java",
    "[a&&b]": "&& intersects in Java",
    "[[a]]": "nested classes in Java",
    "é": "non-ASCII",
    r"\pL+": "a Unicode class",
    r"a\z": "\\z: Python cannot read it to check it",
    r"\Qa.b\E": "quoting",
    "(?m)^a": "line mode",
}


@pytest.mark.parametrize("pattern", SAFE)
def test_patterns_that_mean_the_same_in_java_run_as_rlike(pattern):
    assert java_safe(pattern) is None


@pytest.mark.parametrize("pattern", sorted(UNSAFE))
def test_patterns_java_reads_otherwise_stay_in_our_matcher(pattern):
    assert java_safe(pattern), UNSAFE[pattern]


def test_spark_sql_uses_rlike_for_safe_patterns_and_says_why_not_for_the_others(tmp_path):
    from click.testing import CliRunner

    from csdl.cli import cli

    f = tmp_path / "f.csdl"
    f.write_text('interaction.content regex_partial "[a-z]{4}" AND interaction.title regex_exact "co(ff)?ee" '
                 'AND interaction.content regex_partial "a$"', encoding="utf-8")
    out = CliRunner().invoke(cli, ["sql", str(f), "--dialect", "spark", "--explain"]).output
    assert "RLIKE '[a-z]{4}'" in out and "RLIKE '\\\\A(?:co(ff)?ee)\\\\z'" in out
    line = next(x for x in out.splitlines() if 'regex_partial "a$"' in x)
    assert "udf" in line and "'$'" in line
