"""The language server runs with the settings ``csdl check`` and ``csdl cost`` resolve
(``csdl.config``): per-file ignores, and the pricing the W101 saving and its quick fix quote.
``csdl lsp`` is started as a subprocess and driven over stdio (tests/lsp_client.py).

With ``contains_conditions_per_step = 2`` five ORed ``contains`` on one target cost
0.1 × (5 // 2 + 1) = 0.3 DPU and one ``contains_any`` of the five words 0.1: the rewrite saves 0.2
(0.1 with the packaged 4 per step). Worked out from docs/cost.md."""

from __future__ import annotations

import asyncio
import re

import pytest

pytest.importorskip("pytest_lsp")

from lsprotocol import types as lsp  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402

from lsp_client import TIMEOUT, open_doc, published, session  # noqa: E402

pytestmark = pytest.mark.asyncio

FIVE = " OR ".join(f'twitter.text contains "w{i}"' for i in range(5))
CHEAPER_STEPS = "[dpu]\ncontains_conditions_per_step = 2\n"


async def quick_fix(client, uri: str, diagnostic: lsp.Diagnostic) -> lsp.CodeAction:
    found = await asyncio.wait_for(client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=diagnostic.range,
        context=lsp.CodeActionContext(diagnostics=[diagnostic]))), TIMEOUT)
    return next(a for a in found if a.kind == lsp.CodeActionKind.QuickFix and "contains_any" in a.title)


def saving(text: str) -> str | None:
    found = re.search(r"saves ([0-9.]+) DPU", text)
    return found.group(1) if found else None


async def test_per_file_ignores_apply_in_the_editor(tmp_path):
    (tmp_path / "csdl.toml").write_text('[per-file-ignores]\n"legacy/*.csdl" = ["W101"]\n', encoding="utf-8")
    (tmp_path / "legacy").mkdir()
    legacy = from_fs_path(str(tmp_path / "legacy" / "old.csdl"))
    fresh = from_fs_path(str(tmp_path / "new.csdl"))
    async with session(root=str(tmp_path), options={"checkWorkspace": False}) as client:
        open_doc(client, legacy, FIVE)
        open_doc(client, fresh, FIVE)
        assert await published(client, legacy, 1) == []  # as `csdl check legacy/old.csdl` says
        assert [d.code for d in await published(client, fresh, 1)] == ["W101"]


async def test_the_w101_saving_and_its_quick_fix_quote_the_configured_pricing(tmp_path):
    (tmp_path / "pricing.toml").write_text(CHEAPER_STEPS, encoding="utf-8")
    (tmp_path / "csdl.toml").write_text('pricing = "pricing.toml"\n', encoding="utf-8")
    uri = from_fs_path(str(tmp_path / "f.csdl"))
    async with session(root=str(tmp_path), options={"checkWorkspace": False}) as client:
        open_doc(client, uri, FIVE)
        [w101] = await published(client, uri, 1)
        fix = await quick_fix(client, uri, w101)
    assert saving(w101.message) == "0.2" and "0.3 → 0.1" in w101.message
    assert saving(fix.title) == "0.2"  # one figure: the cost model's, with the configured pricing


async def test_a_saving_in_a_tag_body_is_the_same_in_the_message_and_the_quick_fix():
    # The tag's body costs 0.2 DPU; a tag is charged 10 % of its body from 1 DPU up, otherwise
    # nothing: merging the conditions saves nothing the cost report would show.
    text = f'tag "t" {{ {FIVE} }}\nreturn {{ twitter.lang exists }}'
    uri = "untitled:tagged.csdl"
    async with session() as client:
        open_doc(client, uri, text)
        [w101] = [d for d in await published(client, uri, 1) if d.code == "W101"]
        fix = await quick_fix(client, uri, w101)
    assert saving(w101.message) is None and saving(fix.title) is None
