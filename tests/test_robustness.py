"""Hostile input: deep nesting, huge lists, empty files, size limits. Results or our error,
never RecursionError, a segfault or a lark exception."""

import subprocess
import sys

import pytest

import csdl
from csdl.language.parser import MAX_BYTES, MAX_DEPTH

C = 'twitter.text contains "x"'


@pytest.mark.parametrize(
    "text",
    [
        "(" * 10_000 + C + ")" * 10_000,
        "not " * 10_000 + C,
        "(" + (C + " and (") * 9_999 + C + ")" * 10_000,
        "(" + (C + " or (" + C + " and (") * 5_000 + C + ")" * 10_001,
        'tag "t" {' + "(" * 10_000 + C + ")" * 10_000 + "}",
    ],
    ids=["parens", "nots", "and-chain", "or-and", "in-tag"],
)
def test_ten_thousand_levels_give_a_clean_diagnostic(text):
    with pytest.raises(csdl.CSDLError) as info:
        csdl.parse(text)
    (d,) = info.value.diagnostics
    assert d.code == "E006" and "nested too deeply" in d.message
    assert d.span.line == 1


def test_nesting_up_to_the_cap_is_accepted_and_every_pass_copes():
    depth = MAX_DEPTH - 1
    text = "(" * depth + C + ")" * depth
    tree = csdl.parse(text)
    assert tree.main.depth == depth
    nested = "not " * depth + C
    tree = csdl.parse(nested)
    assert csdl.parse(csdl.format(nested)) == tree
    assert tree.to_dict()["type"] == "filter"
    assert tree == csdl.parse(nested)


def test_deep_nesting_in_a_subprocess_does_not_crash_the_interpreter():
    code = f"import csdl\ntry:\n csdl.parse('(' * 100000 + {C!r} + ')' * 100000)\nexcept csdl.CSDLError as e:\n print(e.diagnostics[0].code)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "E006", out.stderr


def test_one_megabyte_filter_with_100k_keywords():
    keywords = ", ".join(f"kw{i:05d}" for i in range(100_000))
    text = f'interaction.content contains_any "{keywords}" and interaction.sample < 50'
    assert 800_000 < len(text) <= MAX_BYTES
    tree = csdl.parse(text)
    items = tree.main.operands[0].argument.items
    assert len(items) == 100_000 and items[0] == "kw00000" and items[-1] == "kw99999"
    assert csdl.parse(csdl.format(text)) == tree


def test_over_the_size_limit_is_rejected_before_parsing():
    text = 'a.b contains_any "' + "x," * 5_000_000 + '"'  # 10 MB
    with pytest.raises(csdl.CSDLError) as info:
        csdl.parse(text)
    (d,) = info.value.diagnostics
    assert d.code == "E008" and "10,000,019 bytes" in d.message and "1,048,576" in d.message


def test_a_million_integer_in_list_hits_the_size_limit_cleanly():
    text = "x.y in [" + ",".join(str(i) for i in range(1_000_000)) + "]"
    with pytest.raises(csdl.CSDLError) as info:
        csdl.parse(text)
    assert info.value.diagnostics[0].code == "E008"


def test_size_limit_counts_utf8_bytes():
    text = 'a.b contains "' + "é" * 600_000 + '"'  # 600k characters, 1.2 MB
    with pytest.raises(csdl.CSDLError) as info:
        csdl.parse(text)
    assert info.value.diagnostics[0].code == "E008"


@pytest.mark.parametrize("text", ["", " \n\t", "/* */", "// c\n// d"])
def test_empty_filters(text):
    with pytest.raises(csdl.CSDLError) as info:
        csdl.parse(text)
    assert info.value.diagnostics[0].code == "E007"


def test_nul_bytes_and_control_characters():
    for text in ["\x00", "a.b exists\x00", "a.b\x00exists", "\x1b[31m"]:
        with pytest.raises(csdl.CSDLError) as info:
            csdl.parse(text)
        assert info.value.diagnostics[0].code in ("E001", "E004")
    assert csdl.parse('a.b contains "nul\x00inside"').main.argument.value == "nul\x00inside"


def test_comments_that_look_nested_follow_c_rules():
    assert csdl.parse("/* /* /* */ a.b exists").main is not None
    with pytest.raises(csdl.CSDLError):
        csdl.parse("/* /* */ */ a.b exists")
    many = "/* " * 50_000 + "*/ a.b exists"
    assert csdl.parse(many).main is not None


def test_pathological_regex_is_linear_with_re2():
    """`(a+)+$` backtracks exponentially in Python's `re`; with RE2 it is checked and run in
    linear time, so this test finishes at once instead of never."""
    text = 'interaction.content regex_partial "(a+)+$"'
    assert not [d for d in csdl.check(text) if d.is_error]
    compiled = csdl.compile(text)
    assert compiled.match({"interaction": {"content": "a" * 5000 + "b"}}) is False
    assert compiled.match({"interaction": {"content": "a" * 5000}}) is True


def test_regexes_re2_rejects_are_reported_with_its_reason():
    (d,) = [d for d in csdl.check('interaction.content regex_partial "(a)\\\\1"') if d.is_error]
    assert d.code == "E208" and "backreference" in (d.message + (d.hint or "")).lower()
