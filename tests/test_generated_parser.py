"""The generated stand-alone parser (csdl/language/_lalr.py) matches grammar/csdl.lark, and the
per-user cache of compiled lexer scanners gives the very patterns ``re`` would."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import subprocess
import sys

import pytest

from corpus import load_examples

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GRAMMAR = os.path.join(ROOT, "grammar", "csdl.lark")


def _generator():
    spec = importlib.util.spec_from_file_location("generate_parser", os.path.join(ROOT, "scripts", "generate_parser.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_module_was_generated_from_this_grammar():
    from csdl.language import _lalr

    with open(GRAMMAR, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    assert _lalr.GRAMMAR_SHA256 == digest, "grammar/csdl.lark changed: run python scripts/generate_parser.py"
    assert _generator().main(["--check"]) == 0


def _terminals(parser):
    return sorted((t.name, t.pattern.type, t.pattern.value, tuple(sorted(t.pattern.flags)), t.priority) for t in parser.terminals)


def _rules(parser):
    out = []
    for r in parser.rules:
        options = r.options
        out.append((r.origin.name, tuple((s.name, s.is_term, getattr(s, "filter_out", False)) for s in r.expansion), r.alias,
                    r.order, options.keep_all_tokens, options.expand1, options.priority, tuple(options.empty_indices)))
    return sorted(out, key=repr)


@pytest.fixture(scope="module")
def both():
    """Lark's parser built from the grammar now, and the generated one, with the same callbacks."""
    from csdl.language.lalr import build_parser
    from csdl.language.parser import Builder, _collect_comment

    fresh = _generator().build_lark(GRAMMAR)
    from lark import Lark

    with open(GRAMMAR, encoding="utf-8") as f:
        lark_built = Lark(f.read(), transformer=Builder(), lexer_callbacks={"COMMENT": _collect_comment},
                          **_generator().OPTIONS)
    return fresh, lark_built, build_parser(Builder(), {"COMMENT": _collect_comment})


def test_terminals_and_rules_are_the_grammars(both):
    fresh, _, generated = both
    assert _terminals(generated) == _terminals(fresh)
    assert _rules(generated) == _rules(fresh)
    assert generated.options.parser == "lalr" and generated.options.lexer == "contextual"
    assert generated.options.maybe_placeholders is True


def _outcome(parser, text):
    try:
        return ("ok", repr(parser.parse(text)))
    except Exception as exc:  # noqa: BLE001 - the error's kind and place are the outcome
        return ("error", type(exc).__name__, getattr(exc, "pos_in_stream", None), getattr(getattr(exc, "token", None), "type", None))


def test_parses_the_corpus_exactly_like_lark(both):
    """Same trees, same errors at the same places, for every example (valid or not)."""
    _, lark_built, generated = both
    texts = [text for _, _, text in load_examples()]
    texts += ['a.b contains "x" AND', "(((", 'tag "x" { a.b exists } return { c.d == 1 }', 'x.y in [1, 2, 3]', '"', "a.b ~ 1"]
    assert len(texts) > 50
    for text in texts:
        assert _outcome(generated, text) == _outcome(lark_built, text), text


def test_interactive_parsing_works(both):
    _, _, generated = both
    from csdl.language.lalr import Shift, Token, UnexpectedToken

    interactive = generated.parse_interactive('a.b contains "x"')
    tokens = [t.type for t in interactive.iter_parse()]
    assert tokens[:3] == ["TARGET", "TEXT_OP", "STRING"]
    assert "_AND" in interactive.accepts()
    assert isinstance(Shift, int)
    with pytest.raises(UnexpectedToken) as caught:
        generated.parse('a.b contains "x" AND')
    assert caught.value.interactive_parser is not None
    assert isinstance(caught.value.token, Token)


def test_parsing_imports_no_lark(tmp_path):
    code = ("import sys, csdl.language.parser as p\n"
            "p.parse('interaction.content contains \"x\" AND language.tag == \"en\"')\n"
            "print(sorted(m for m in sys.modules if m == 'lark' or m.startswith('lark.')))")
    env = dict(os.environ, CSDL_CACHE_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"


# The scanner cache --------------------------------------------------------------------------------

PATTERNS = [
    ("(?P<A>a+)|(?P<B>b)", 0),
    (r"(?i:or(?![\w.]))|(?P<WS>[ \t\n\r\f\v]+)", 0),
    (r'"[^"\\]*(?:\\[\s\S][^"\\]*)*"', 0),
    (r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.M),
    ("é+\\w", re.I),
]


def test_cached_patterns_are_the_patterns_re_compiles(tmp_path):
    from csdl.language.regex_cache import CachedRe

    path = str(tmp_path / "cache" / "lexer.marshal")
    first = CachedRe(path)
    for pattern, flags in PATTERNS:
        assert first.compile(pattern, flags) == re.compile(pattern, flags)  # equality compares the code too
    assert os.path.exists(path)
    second = CachedRe(path)  # a new process: built from the file
    assert len(second.entries) == len(PATTERNS)
    for pattern, flags in PATTERNS:
        built = second.compile(pattern, flags)
        assert built == re.compile(pattern, flags)
        assert built.groupindex == re.compile(pattern, flags).groupindex
    assert second.match("(?P<A>a+)|(?P<B>b)", "aab").lastgroup == "A"
    assert second.escape is re.escape  # everything else is re's


@pytest.mark.parametrize("content", [b"", b"garbage", b"\xe3\x00\x00\x00\x00", None])
def test_a_bad_or_foreign_cache_file_is_ignored(tmp_path, content):
    import marshal

    from csdl.language.regex_cache import CachedRe

    path = tmp_path / "lexer.marshal"
    if content is None:  # another interpreter's file: same layout, other version key
        content = marshal.dumps((("other python",), {("a", 0): (0, [1, 2, 3], 0, {}, (None,))}))
    path.write_bytes(content)
    cached = CachedRe(str(path))
    assert cached.compile("a|b") == re.compile("a|b")


def test_a_refused_entry_is_compiled_afresh(tmp_path):
    from csdl.language.regex_cache import CachedRe

    cached = CachedRe(str(tmp_path / "lexer.marshal"))
    cached.entries[("x+", 0)] = (0, [999999], 0, {}, (None,))  # code _sre refuses
    assert cached.compile("x+") == re.compile("x+")


def test_an_unwritable_cache_directory_still_parses(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    env = dict(os.environ, CSDL_CACHE_DIR=str(blocker / "csdl"))
    code = "import csdl.language.parser as p; print(type(p.parse('a.b exists')).__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "Filter"
