"""The language core: every documented form parses to the right tree; the corpus parses."""

import pytest

import csdl
from csdl.language import ast
from corpus import examples, load_examples


@pytest.mark.parametrize("text", examples("valid", "invalid", "pylon", "pylon-invalid"))
def test_every_accepted_example_parses(text):
    tree = csdl.parse(text)
    assert tree.main is not None or tree.tag_rules


@pytest.mark.parametrize("text", examples("invalid-syntax"))
def test_every_syntactically_invalid_example_fails_with_a_location(text):
    with pytest.raises(csdl.CSDLError) as info:
        csdl.parse(text)
    assert info.value.diagnostics
    for d in info.value.diagnostics:  # error recovery may find more than one
        assert d.code.startswith("E0") and d.span.line >= 1 and d.span.column >= 1
        assert d.message


def test_corpus_is_complete():
    kinds = {kind for _, kind, _ in load_examples()}
    assert len(load_examples()) >= 90
    assert kinds == {"valid", "invalid", "invalid-syntax", "pylon", "pylon-invalid"}


def cond(text):
    tree = csdl.parse(text)
    assert isinstance(tree.main, ast.Condition), tree.main
    return tree.main


def test_condition_parts_and_spans():
    c = cond('interaction.content contains "apple"')
    assert (c.target, c.operator, c.case_sensitive, c.argument.value) == ("interaction.content", "contains", False, "apple")
    assert (c.span.line, c.span.column, c.span.end_column) == (1, 1, 37)
    assert (c.operator_span.column, c.operator_span.end_column) == (21, 29)
    assert c.argument.span.start == 29


@pytest.mark.parametrize(
    "spelling, canonical",
    [("any", "contains_any"), ("ALL", "contains_all"), ("wild", "wildcard"), ("near", "contains_near"),
     ("contains_substr", "substr"), ("CONTAINS", "contains"), ("Regex_Partial", "regex_partial")],
)
def test_synonyms_and_case_map_to_canonical_operators(spelling, canonical):
    arg = '"a,b:3"' if canonical == "contains_near" else '"a"'
    c = cond(f"x.y {spelling} {arg}")
    assert c.operator == canonical and c.spelling == spelling


def test_every_operator_of_the_spec_parses():
    forms = [
        'x.y contains "a"', 'x.y substr "a"', 'x.y contains_substr "a"', 'x.y contains_any "a, b"', 'x.y any "a"',
        'x.y contains_all "a, b"', 'x.y all "a"', 'x.y contains_near "a,b:4"', 'x.y near "a,b:4"',
        'x.y wildcard "pr*nt"', 'x.y wild "a?"', 'x.y regex_partial "a+"', 'x.y regex_exact "a+"', 'x.y in "a, b"',
        "x.y in [1, 2, 3]", 'x.y url_in "a.com"', "x.y exists", 'x.y == "a"', "x.y != 3", "x.y < 1", "x.y <= 1.5",
        "x.y > -2", "x.y >= 0", 'x.y geo_box "1,2:3,4"', 'x.y geo_radius "1,2:5"', 'x.y geo_polygon "1,2:3,4:5,6"',
        'x.y cs contains "A"', 'x.y cs == "A"', 'x.y contains [case(true)] "A"', 'x.y contains [keep(classic)] "A"',
    ]
    for form in forms:
        assert isinstance(csdl.parse(form).main, ast.Condition), form


def test_precedence_not_over_and_over_or():
    tree = csdl.parse("a.a exists or b.b exists and not c.c exists")
    assert isinstance(tree.main, ast.Or)
    left, right = tree.main.operands
    assert isinstance(left, ast.Condition) and isinstance(right, ast.And)
    assert isinstance(right.operands[1], ast.Not)


def test_parentheses_and_not_before_a_group():
    tree = csdl.parse("NOT (a.a exists OR b.b exists) AND c.c exists")
    first = tree.main.operands[0]
    assert isinstance(first, ast.Not) and isinstance(first.operand, ast.Or)


def test_junctions_are_flattened_through_parentheses():
    assert csdl.parse("a.a exists and (b.b exists and c.c exists)") == csdl.parse("a.a exists and b.b exists and c.c exists")
    assert len(csdl.parse("(a.a exists or b.b exists) or c.c exists").main.operands) == 3


def test_keywords_in_any_case():
    tree = csdl.parse('TAG.x "n" { a.b EXISTS } RETURN { NoT a.b Exists AnD c.d Cs Contains "x" Or STREAM "0123456789abcdef0123456789abcdef" }')
    assert tree.tag_rules[0].namespace == ("x",)
    assert isinstance(tree.main, ast.Or)


def test_tag_rules_namespaces_scores_and_return():
    tree = csdl.parse(
        'tag "Steve Jobs" { a.b contains "x" }\n'
        'tag.sales.lead_score +20 { a.b exists }\n'
        "tag.other -1.5 { a.b exists }\n"
        'return { a.b exists }'
    )
    plain, score, negative = tree.tag_rules
    assert (plain.namespace, plain.name, plain.score) == ((), "Steve Jobs", None)
    assert (score.namespace, score.name, score.score) == (("sales", "lead_score"), None, "+20")
    assert negative.score == "-1.5" and negative.is_score
    assert isinstance(tree.returns, ast.Return) and isinstance(tree.main, ast.Condition)


def test_documents_forms():
    assert csdl.parse('tag "a" { x.y exists }').returns is None  # tag definitions only
    imported = csdl.parse('tags "b18638ed3c5eaee2929dccb11d721579" return { x.y exists }')
    assert imported.imports[0].hash == "b18638ed3c5eaee2929dccb11d721579"
    assert csdl.parse("return { x.y exists }").main is not None


def test_stream_and_rule_references():
    for keyword in ("stream", "rule", "STREAM"):
        ref = csdl.parse(f'{keyword} "f0596f03644177b8bf5b59708a08bfe8"').main
        assert isinstance(ref, ast.StreamRef) and ref.hash == "f0596f03644177b8bf5b59708a08bfe8"
        assert ref.keyword == keyword.lower()


def test_numbers():
    assert cond("x.y < -2").argument.value == -2
    assert cond("x.y < 5.25").argument.value == 5.25
    assert cond("x.y == 155505157").argument.value == 155505157
    assert cond("x.y in [400, 401,402]").argument.values == (400, 401, 402)
    assert cond("x.y in []").argument.values == ()


def test_list_splitting_follows_csdl_escaping():
    assert cond(r'x.y contains_any "a\, b\, c"').argument.items == ("a, b, c",)
    assert cond(r'x.y contains_any "San Francisco\, CA,hello\, world"').argument.items == ("San Francisco, CA", "hello, world")
    assert cond('x.y in "DataSift, DataSiftDev,\n      Nik"').argument.items == ("DataSift", "DataSiftDev", "Nik")
    assert cond('x.y any "a,,b"').argument.items == ("a", "", "b")


def test_contains_near_argument():
    near = cond('x.y near "giraffe,antelope:40"').argument
    assert (near.words, near.distance) == (("giraffe", "antelope"), 40)
    escaped = cond(r'x.y near "a\:b,c:2"').argument
    assert (escaped.words, escaped.distance) == (("a:b", "c"), 2)
    missing = cond('x.y near "a,b"').argument
    assert missing.distance is None and missing.distance_text is None
    bad = cond('x.y near "a,b:x"').argument
    assert bad.distance is None and bad.distance_text == "x"


def test_string_escapes():
    assert cond(r'x.y contains "say \"hi\""').argument.value == 'say "hi"'
    assert cond(r'x.y regex_partial "[a-z]\\."').argument.value == r"[a-z]\."
    assert cond(r'x.y regex_partial "\d+"').argument.value == r"\d+"  # unknown escapes keep the backslash
    assert cond('x.y contains "two\nlines"').argument.value == "two\nlines"


def test_switches():
    c = cond('x.y contains [case(true), keep(classic)] "A"')
    assert [(s.name, s.values) for s in c.switches] == [("case", ("true",)), ("keep", ("classic",))]
    assert c.switch("case").values == ("true",)


def test_comments_anywhere_whitespace_may_stand():
    tree = csdl.parse('/* a */ x.y /* b */ contains /* c */ "z" // d\n')
    assert [c.text for c in tree.comments] == ["/* a */", "/* b */", "/* c */", "// d"]
    assert cond('x.y contains "// not a comment"').argument.value == "// not a comment"


def test_targets_starting_with_a_digit_and_lowercased():
    assert cond('2ch.content contains "x"').target == "2ch.content"
    assert cond('Interaction.Content contains "x"').target == "interaction.content"


def test_to_dict_is_json_ready():
    import json

    tree = csdl.parse('tag.a "b" { x.y in [1, 2] } return { NOT x.y contains_any "a, b" }')
    data = json.loads(json.dumps(tree.to_dict()))
    assert data["type"] == "filter"
    assert data["statements"][0]["body"]["argument"]["items"][0]["value"] == 1
    assert data["returns"]["body"]["operand"]["argument"]["items"] == ["a", "b"]
    assert data["returns"]["span"]["line"] == 1


def test_equality_ignores_layout_but_not_meaning():
    assert csdl.parse("a.b exists and c.d exists") == csdl.parse("a.b  EXISTS\nAND (c.d exists)")
    assert csdl.parse("a.b exists and c.d exists") != csdl.parse("a.b exists or c.d exists")
    assert csdl.parse('a.b contains "x"') != csdl.parse('a.b contains "y"')
    assert csdl.parse('a.b any "x"') == csdl.parse('a.b contains_any "x"')


def test_walk_visits_every_node_in_source_order():
    tree = csdl.parse('a.a exists and (b.b contains "x" or not c.c == 1)')
    targets = [n.target for n in tree.walk() if isinstance(n, ast.Condition)]
    assert targets == ["a.a", "b.b", "c.c"]
    assert [n.target for n in tree.conditions()] == targets
