"""A mistyped target's "did you mean" is a fix (issue 26, item 6): safe when the guess is the clear
choice, unsafe when another target is nearly as close; applied by ``--fix`` (``--unsafe-fixes``
for the unsafe ones) and offered as a quick fix by the language server."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

import csdl

CLEAR = "interactin.sample == 1\n"  # interaction.sample 0.97, the next (interaction.age) 0.81
CLOSE = 'facebook.text contains "x"\n'  # facebook.type 0.85 and facebook.name 0.77: no clear choice


def e101(text):
    (d,) = [d for d in csdl.check(text) if d.code == "E101"]
    return d


def test_a_clear_guess_is_a_safe_fix_and_close_ones_an_unsafe_one():
    clear, close = e101(CLEAR), e101(CLOSE)
    assert clear.fix is not None and clear.fix.replacement == "interaction.sample" and clear.fix.applicability == "safe"
    assert close.fix is not None and close.fix.replacement == "facebook.type" and close.fix.applicability == "unsafe"
    assert e101("zzzz.qqqq exists\n").fix is None  # nothing close: no guess, no fix


def test_fix_replaces_only_the_target():
    assert csdl.fix(CLEAR) == "interaction.sample == 1\n"
    assert csdl.fix(CLOSE) == CLOSE
    assert csdl.fix(CLOSE, unsafe=True) == 'facebook.type contains "x"\n'


def test_the_cli_applies_it(tmp_path):
    path = tmp_path / "f.csdl"
    path.write_text("interactin.sample == 1 AND " + CLOSE)
    run = [sys.executable, "-m", "csdl", "check", str(path), "--isolated"]
    environment = dict(os.environ, NO_COLOR="1")
    first = subprocess.run([*run, "--fix"], capture_output=True, text=True, env=environment, timeout=120)
    assert path.read_text() == "interaction.sample == 1 AND " + CLOSE
    assert first.returncode == 1 and "1 fixed, 1 remaining. 1 more fix with --unsafe-fixes." in first.stderr
    second = subprocess.run([*run, "--fix", "--unsafe-fixes"], capture_output=True, text=True, env=environment,
                            timeout=120)
    assert second.returncode == 0, second.stdout + second.stderr
    assert path.read_text() == 'interaction.sample == 1 AND facebook.type contains "x"\n'


pytest.importorskip("pytest_lsp")
from lsprotocol import types as lsp  # noqa: E402

from lsp_client import TIMEOUT, apply_edits, edits_of, open_doc, published, session  # noqa: E402

URI = "untitled:typo.csdl"


@pytest.mark.asyncio
async def test_the_language_server_offers_the_replacement():
    async with session() as client:
        open_doc(client, URI, CLEAR)
        diagnostics = await published(client, URI, 1)
        assert [d.code for d in diagnostics] == ["E101"]
        actions = await asyncio.wait_for(client.text_document_code_action_async(lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=URI), range=diagnostics[0].range,
            context=lsp.CodeActionContext(diagnostics=list(diagnostics)))), TIMEOUT)
        (action,) = [a for a in actions or [] if a.title.startswith("Replace with `interaction.sample`")]
        assert action.kind == lsp.CodeActionKind.QuickFix
        assert apply_edits(CLEAR, edits_of(action, URI)) == "interaction.sample == 1\n"
        fix_all = next(a for a in actions if a.kind == "source.fixAll.csdl")
        assert apply_edits(CLEAR, edits_of(fix_all, URI)) == csdl.fix(CLEAR)
