"""Editor packaging: the VS Code extension's TextMate grammar is generated from grammar/csdl.lark
and must be up to date; its patterns recognise the grammar's words and only them; the extension
starts the command the CLI really has."""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
VSCODE = ROOT / "editors" / "vscode"
GRAMMAR_FILE = VSCODE / "syntaxes" / "csdl.tmLanguage.json"


def test_the_textmate_grammar_is_generated_from_the_current_grammar():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_textmate.py"), "--check"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def _patterns() -> dict:
    return json.loads(GRAMMAR_FILE.read_text(encoding="utf-8"))["repository"]


def _words_of_the_grammar() -> dict[str, list[str]]:
    """Read grammar/csdl.lark here independently: the alternatives of each keyword terminal."""
    text = (ROOT / "grammar" / "csdl.lark").read_text(encoding="utf-8")
    out = {}
    for name, body in re.findall(r"^([A-Z_]+)(?:\.\d+)?:\s*/\(?([a-z_|]+)\)?(?:\(\?:[^\n]*)?\(\?!\[\\w\.\]\)/i\s*$",
                                 text, re.MULTILINE):
        out[name] = body.split("|")
    return out


@pytest.mark.parametrize("pattern, terminals", [
    ("word-operators", ["TEXT_OP", "STRING_OP", "IN", "EXISTS"]),
    ("logic", ["_AND", "_OR", "NOT"]),
    ("statements", ["TAGS", "RETURN", "STREAM"]),
    ("modifiers", ["CS"]),
])
def test_every_word_of_the_grammar_is_highlighted(pattern, terminals):
    words = _words_of_the_grammar()
    regex = re.compile(_patterns()[pattern]["match"])
    expected = [w for t in terminals for w in words[t]]
    assert expected, terminals
    for word in expected:
        assert regex.fullmatch(word) and regex.fullmatch(word.upper()), word
        assert not regex.match(word + "x") and not regex.match(word + ".x"), word  # the grammar's boundary


def test_shapes():
    p = _patterns()
    tag = re.compile(p["tag-head"]["match"])
    assert tag.fullmatch("tag.sales.leads").group(2) == ".sales.leads"
    assert not tag.match("tags")
    assert re.fullmatch(p["targets"]["match"], "twitter.user.screen_name")
    assert re.fullmatch(p["symbol-operators"]["match"], "<=")
    assert re.fullmatch(p["numbers"]["match"], "-1.5e3")


def test_the_extension_starts_csdl_lsp():
    package = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    assert (VSCODE / package["main"]).is_file()
    (grammar,) = package["contributes"]["grammars"]
    assert (VSCODE / grammar["path"]).resolve() == GRAMMAR_FILE
    (language,) = package["contributes"]["languages"]
    assert language["extensions"] == [".csdl"] and (VSCODE / language["configuration"]).is_file()
    command = package["contributes"]["configuration"]["properties"]["csdl.server.command"]["default"]
    assert command == ["csdl", "lsp"]
    from csdl.cli import COMMANDS

    assert command[1] in COMMANDS
    script = (VSCODE / "extension.js").read_text(encoding="utf-8")
    assert "server.command" in script and "TransportKind.stdio" in script
