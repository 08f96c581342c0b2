"""One offset -> line/column index: a line ends at CR LF, CR or LF, in the terminal, the editor and
the payload checks alike (``csdl.spans.line_starts``). A file saved with CR-only line ends used to
be one line to the parser (Lark counts LF only) and three lines to the editor."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csdl.checking.checker import check
from csdl.spans import line_starts, span_at, split_lines

# Two unknown targets, on the second and third lines whatever the line ends are.
LINES = ['twitter.text contains "a"', "AND twitter.txt exists", "OR (twitter.tex exists)"]
# (line, column) of each E101, 1-based, worked out by hand from LINES
EXPECTED = [(2, 5), (3, 5)]


@pytest.mark.parametrize("breaks", [("\n", "\n"), ("\r\n", "\r\n"), ("\r", "\r"), ("\r", "\r\n"), ("\n", "\r")])
def test_the_checker_places_diagnostics_on_the_same_lines_whatever_the_line_ends(breaks):
    text = LINES[0] + breaks[0] + LINES[1] + breaks[1] + LINES[2]
    found = [(d.span.line, d.span.column) for d in check(text) if d.code == "E101"]
    assert found == EXPECTED


@pytest.mark.parametrize("text, offset, expected", [
    ("a\rb", 2, (2, 1)),
    ("a\r\nb", 3, (2, 1)),
    ("a\r\nb", 2, (1, 3)),   # the LF of a CR LF still belongs to the first line
    ("a\nb", 2, (2, 1)),
    ("a\fb\vc", 4, (1, 5)),  # form feed and vertical tab are white space, not line ends
])
def test_span_at_counts_cr_crlf_and_lf_as_line_ends(text, offset, expected):
    span = span_at(text, offset, 1)
    assert (span.line, span.column) == expected


def test_split_lines_follows_the_same_line_ends():
    assert split_lines("a\rb\r\nc\nd\f\n") == ["a", "b", "c", "d\f"]
    assert line_starts("a\rb\r\nc") == [0, 2, 5]


_PIECES = st.sampled_from(['twitter.text contains "x"', "AND", "OR", "twitter.txt exists", " ", "\r", "\n", "\r\n", "\t",
                           "// note", "/* a\rb */"])


@given(st.lists(_PIECES, min_size=1, max_size=12))
def test_parser_spans_agree_with_the_offset_index(pieces):
    """Whatever the line ends, a diagnostic's line and column are those of its start offset."""
    text = " ".join(pieces)
    for d in check(text):
        expected = span_at(text, d.span.start, 0)
        assert (d.span.line, d.span.column) == (expected.line, expected.column), (text, d)


def _cli_positions(path) -> list[tuple[str, int, int]]:
    out = subprocess.run([sys.executable, "-m", "csdl", "check", "--format", "json", str(path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1, out.stderr
    return [(d["code"], d["line"], d["column"]) for d in json.loads(out.stdout)["diagnostics"]]


def test_a_cr_only_file_has_the_same_positions_in_the_terminal_and_in_the_editor(tmp_path):
    pytest.importorskip("pytest_lsp")
    from pygls.uris import from_fs_path

    from lsp_client import published, session

    path = tmp_path / "cr.csdl"
    path.write_bytes("\r".join(LINES).encode())
    terminal = _cli_positions(path)
    assert [(line, column) for code, line, column in terminal if code == "E101"] == EXPECTED

    async def editor():
        async with session(root=str(tmp_path)) as client:
            return await published(client, from_fs_path(str(path)))

    diagnostics = asyncio.run(editor())
    # LSP positions are 0-based; this file is ASCII, so characters are code points
    assert sorted((d.code, d.range.start.line + 1, d.range.start.character + 1) for d in diagnostics) == sorted(terminal)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_the_editor_puts_a_noqa_comment_at_the_end_of_the_diagnostics_line(newline):
    from csdl.language.parser import parse
    from csdl.lsp.edits import noqa_edit

    text = newline.join(LINES)
    tree = parse(text)
    first = next(d for d in check(text) if d.code == "E101")
    edit = noqa_edit(text, tree, first)
    assert edit.apply(text).split(newline) == [LINES[0], LINES[1] + " // noqa: E101", LINES[2]]


def test_the_editors_cost_hints_end_each_line_of_a_cr_only_file():
    pytest.importorskip("pytest_lsp")
    from lsprotocol import types as lsp

    from lsp_client import TIMEOUT, open_doc, published, rng, session

    uri = "untitled:cr.csdl"
    lines = ['twitter.text contains "a"', "AND twitter.text exists"]

    async def hints():
        async with session() as client:
            open_doc(client, uri, "\r".join(lines))
            await published(client, uri, 1)
            return await asyncio.wait_for(client.text_document_inlay_hint_async(lsp.InlayHintParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri), range=rng(0, 0, 3, 0))), TIMEOUT)

    found = sorted((h.position.line, h.position.character) for h in asyncio.run(hints()))
    assert found == [(0, len(lines[0])), (1, len(lines[1]))]  # one hint at the end of each line


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_an_unclosed_string_ends_with_its_line_whatever_the_line_ends(newline):
    text = newline.join(['twitter.text contains "open', "AND twitter.txt exists"])
    found = check(text)
    unclosed = next(d for d in found if d.code == "E002")
    assert (unclosed.span.line, unclosed.span.end_line) == (1, 1)
    # the next line is still checked: its unknown target is reported
    assert any(d.code == "E101" and d.span.line == 2 for d in found)
