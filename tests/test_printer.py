"""Printer specifics beyond the round-trip properties in test_properties.py."""

import csdl


def test_crlf_input_keeps_crlf_and_keeps_comments_clean():
    # as ruff: the file's line endings (those of its first line) are kept
    text = 'interaction.content contains "a" // c1\r\nAND twitter.text exists\r\n'
    assert csdl.format(text) == 'interaction.content contains "a"  // c1\r\nAND twitter.text exists\r\n'
    assert csdl.format(text.replace("\r\n", "\n")) == 'interaction.content contains "a"  // c1\nAND twitter.text exists\n'


def test_format_accepts_a_parsed_tree():
    tree = csdl.parse('a.b exists and c.d any "x"')
    assert csdl.format(tree) == 'a.b exists AND c.d contains_any "x"\n'


def test_long_expressions_break_one_operand_per_line_with_nested_groups_in_blocks():
    text = " or ".join(f'(interaction.content contains "word{i}" and twitter.text exists)' for i in range(3))
    assert csdl.format(text) == (
        '(interaction.content contains "word0" AND twitter.text exists)\n'
        'OR (interaction.content contains "word1" AND twitter.text exists)\n'
        'OR (interaction.content contains "word2" AND twitter.text exists)\n'
    )


def test_and_inside_or_keeps_its_parentheses_so_the_printed_text_is_free_of_w302():
    # W302's fix adds these parentheses; a formatter that dropped them would bring W302 back
    text = 'a.b exists AND c.d exists OR e.f exists\n'
    assert [d.code for d in csdl.check(text, select=["W302"])] == ["W302"]
    fixed = csdl.fix(text)
    assert csdl.format(fixed) == "(a.b exists AND c.d exists) OR e.f exists\n"
    assert csdl.format(text) == "(a.b exists AND c.d exists) OR e.f exists\n"
    assert csdl.check(csdl.format(text), select=["W302"]) == []


def test_tag_rules_stay_on_one_line_when_they_fit_and_return_is_a_block():
    text = 'TAG.brand "Audi" {interaction.content contains "Audi"} RETURN {interaction.content any "Audi"}'
    assert csdl.format(text) == (
        'tag.brand "Audi" { interaction.content contains "Audi" }\n'
        "\n"
        "return {\n"
        '    interaction.content contains_any "Audi"\n'
        "}\n"
    )


def test_synonyms_and_rule_are_canonicalised_and_literals_kept_as_written():
    text = 'rule "F0596F03644177B8BF5B59708A08BFE8" and x.y near "a,b:5" and x.y < +5.50'
    assert csdl.format(text) == 'stream "F0596F03644177B8BF5B59708A08BFE8" AND x.y contains_near "a,b:5" AND x.y < +5.50\n'


def test_blank_line_after_a_comment_block_is_kept():
    assert csdl.format("// header\n\n\na.b exists\n") == "// header\n\na.b exists\n"
