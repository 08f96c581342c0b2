"""The language server end to end: ``csdl lsp`` started as a subprocess and driven over stdio by
pytest-lsp's client. Expected values are worked out by hand from the spec and docs/cost.md."""

from __future__ import annotations


import pytest

pytest.importorskip("pytest_lsp")

from lsprotocol import types as lsp  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402

from lsp_client import apply_edits, change_doc, edits_of, open_doc, pos, published, rng, session, wait  # noqa: E402

pytestmark = pytest.mark.asyncio

URI = "untitled:filter.csdl"
ASTRAL = 'twitter.text contains "😀" AND twitter.txt contains "x"'


def slice_units(line: str, start: int, end: int, encoding: str) -> str:
    codec = {"utf-16": "utf-16-le", "utf-8": "utf-8", "utf-32": "utf-32-le"}[encoding]
    width = {"utf-16": 2, "utf-8": 1, "utf-32": 4}[encoding]
    return line.encode(codec)[start * width:end * width].decode(codec)


@pytest.mark.parametrize("offered, expected, start", [
    (None, "utf-16", 31),             # no positionEncodings: UTF-16, the emoji counts 2
    (["utf-8", "utf-16"], "utf-8", 33),  # the client prefers UTF-8: the emoji counts 4
    (["utf-32"], "utf-32", 30),       # code points
])
async def test_diagnostics_land_on_the_right_characters_after_an_astral_character(offered, expected, start):
    async with session(encodings=offered) as client:
        assert client.init_result.capabilities.position_encoding == expected
        open_doc(client, URI, ASTRAL)
        diagnostics = await published(client, URI, 1)
        assert [d.code for d in diagnostics] == ["E101"]
        d = diagnostics[0]
        assert (d.range.start.line, d.range.start.character) == (0, start)
        assert d.range.end.character - d.range.start.character == len("twitter.txt")
        assert slice_units(ASTRAL, d.range.start.character, d.range.end.character, expected) == "twitter.txt"
        assert d.severity == lsp.DiagnosticSeverity.Error and d.source == "csdl"
        assert "did you mean `twitter.text`" in d.message
        assert d.data["name"] == "unknown-target" and d.data["summary"] and d.data["documentation"]


async def test_did_change_updates_the_diagnostics_and_old_versions_are_never_published():
    async with session() as client:
        open_doc(client, URI, ASTRAL)
        assert [d.code for d in await published(client, URI, 1)] == ["E101"]
        # incremental edit after the emoji (UTF-16 columns): `twitter.txt` -> `twitter.text`
        change_doc(client, URI, 2, "text", rng(0, 39, 0, 42))
        assert await published(client, URI, 2) == []
        # a burst of edits: only the newest text may be published last, and nothing stale after it
        for version in range(3, 23):
            change_doc(client, URI, version, 'twitter.text contains "a" OR twitter.text contains "b"' if version % 2
                       else 'twitter.text contains_any "a, b"')
        final = await published(client, URI, 22)
        assert final == []
        # the next edit's publication is the barrier: nothing stale may come between 22 and 23
        change_doc(client, URI, 23, 'twitter.text contains "a" OR twitter.text contains "b"')
        warnings = await published(client, URI, 23)
        versions = [p.version for p in client.published if p.uri == URI]
        assert versions == sorted(versions) and versions[-2:] == [22, 23]
        assert [d.code for d in warnings] == ["W101"]
        assert warnings[0].severity == lsp.DiagnosticSeverity.Warning
        assert warnings[0].data["fix"]["newText"] == 'twitter.text contains_any "a, b"'


async def test_a_debounce_waits_for_a_pause_and_checks_only_the_newest_text():
    async with session(options={"debounce": 300, "ruleUrl": "https://example.org/rules/{code}"}) as client:
        open_doc(client, URI, ASTRAL)
        first = await published(client, URI, 1)
        assert first[0].code_description.href == "https://example.org/rules/E101"
        for version in range(2, 12):  # well inside 300 ms of each other
            change_doc(client, URI, version, "twitter.txt exists" if version < 11 else "twitter.text exists")
        assert await published(client, URI, 11) == []
        assert [p.version for p in client.published if p.uri == URI] == [1, 11]


async def hover_text(client, uri, line, character) -> str:
    result = await wait(client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=pos(line, character))))
    assert result is not None
    return result.contents.value


async def test_hover_on_targets_operators_conditions_and_tags():
    text = (
        'tag "pricey" { interaction.content regex_partial "' + "x" * 100 + '" }\n'
        'tag "cheap" { twitter.text substr "abc" }\n'
        'return {\n'
        '  twitter.text contains "one two three four five six seven eight"\n'
        '  AND 2ch.content exists\n'
        '}\n'
    )
    async with session() as client:
        open_doc(client, URI, text)
        await published(client, URI, 1)
        target = await hover_text(client, URI, 3, 5)
        assert "`twitter.text`" in target and "`string`" in target and "free text" in target
        assert "`contains_any`" in target and "`geo_box`" not in target
        assert "Platforms: interaction filters" in target
        # an 8-word phrase: 0.1 for one condition + 0.1 per 8 words (docs/cost.md §3)
        assert "Cost: 0.2 DPU" in target
        operator = await hover_text(client, URI, 3, 16)
        assert operator.startswith("**`contains`**")
        assert "0.1 DPU per started group of 4 conditions, plus 0.1 DPU per 8 words" in operator
        condition = await hover_text(client, URI, 3, 30)
        assert "0.2 DPU" in condition and "8 words" in condition
        retired = await hover_text(client, URI, 4, 8)
        assert "Retired source" in retired
        # 100 regex characters are 1 DPU; a tag body of at least 1 DPU is charged 10 %
        pricey = await hover_text(client, URI, 0, 6)
        assert "Full cost of the body: 1 DPU" in pricey and "0.1 DPU charged" in pricey
        cheap = await hover_text(client, URI, 1, 6)
        assert "0 DPU charged" in cheap and "free" in cheap
        whole = await hover_text(client, URI, 2, 2)
        # main expression 0.2 + 0.1 (exists); tags 0.1 + 0: total 0.4 DPU per hour
        assert "Whole filter: 0.4 DPU per hour" in whole


async def test_hover_on_a_stream_reference_and_go_to_definition(tmp_path):
    library = tmp_path / "streams"
    library.mkdir()
    stream_hash = "0123456789abcdef0123456789abcdef"
    (library / f"{stream_hash}.csdl").write_text('twitter.text contains "coffee"\n', encoding="utf-8")
    (tmp_path / "csdl.toml").write_text('library = "streams"\npricing = "prices.toml"\n', encoding="utf-8")
    (tmp_path / "prices.toml").write_text("[on_demand]\ndpu_hour_price = 0.50\n", encoding="utf-8")
    path = tmp_path / "main.csdl"
    text = f'stream "{stream_hash}" AND twitter.lang == "en"'
    path.write_text(text, encoding="utf-8")
    uri = from_fs_path(str(path))
    async with session(root=str(tmp_path)) as client:
        open_doc(client, uri, text)
        assert await published(client, uri, 1) == []
        shown = await hover_text(client, uri, 0, 12)
        assert f"`{stream_hash}.csdl`" in shown
        assert "Cost: 0.1 DPU" in shown and 'twitter.text contains "coffee"' in shown
        # the configured pricing: 0.2 DPU (stream 0.1 + == 0.1) billed at the 1 DPU minimum,
        # 720 h × $0.50 = $360.00
        lenses = await wait(client.text_document_code_lens_async(lsp.CodeLensParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri))))
        assert lenses[0].command.title.startswith("csdl: 0.2 DPU/hour · ≈ $360.00 per 720-hour month")
        location = await wait(client.text_document_definition_async(lsp.DefinitionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), position=pos(0, 12))))
        assert location.uri == from_fs_path(str(library / f"{stream_hash}.csdl"))
        # completion inside `stream "` offers the library's hashes
        change_doc(client, uri, 2, 'stream "')
        items = await complete(client, uri, 0, 8)
        assert stream_hash in [i.label for i in items]


async def complete(client, uri, line, character):
    result = await wait(client.text_document_completion_async(lsp.CompletionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=pos(line, character))))
    return result.items if isinstance(result, lsp.CompletionList) else result


async def test_completion_of_targets_operators_and_keywords():
    async with session() as client:
        open_doc(client, URI, "twitter.")
        items = await complete(client, URI, 0, 8)
        labels = [i.label for i in items]
        assert "twitter.text" in labels and "twitter.user.screen_name" in labels
        assert all(label.startswith("twitter.") for label in labels)
        edit = next(i for i in items if i.label == "twitter.text").text_edit
        assert apply_edits("twitter.", [edit]) == "twitter.text"

        change_doc(client, URI, 2, "twitter.text ")
        labels = [i.label for i in await complete(client, URI, 0, 13)]
        assert {"contains", "contains_any", "regex_partial", "cs", "exists"} <= set(labels)
        assert "geo_box" not in labels and "<" not in labels

        change_doc(client, URI, 3, "twitter.text cs ")
        labels = set(i.label for i in await complete(client, URI, 0, 16))
        assert {"contains", "==", "wildcard"} <= labels and not labels & {"regex_partial", "in", "exists"}

        change_doc(client, URI, 4, "interaction.geo ")
        labels = set(i.label for i in await complete(client, URI, 0, 16))
        assert {"geo_box", "geo_radius", "geo_polygon", "exists"} <= labels and "contains" not in labels

        change_doc(client, URI, 5, 'twitter.text contains "x" ')
        labels = [i.label for i in await complete(client, URI, 0, 26)]
        assert labels == ["AND", "OR"]

        change_doc(client, URI, 6, "")
        items = await complete(client, URI, 0, 0)
        labels = [i.label for i in items]
        assert {"tag", "tags", "return", "NOT", "stream", "twitter.", "interaction."} <= set(labels)
        # retired sources come last and are marked
        order = sorted(items, key=lambda i: i.sort_text or i.label)
        retired = [i.label for i in order if i.tags and lsp.CompletionItemTag.Deprecated in i.tags]
        assert "2ch." in retired and "digg." in retired
        first_retired = min(order.index(i) for i in order if i.label in retired)
        assert order.index(next(i for i in order if i.label == "twitter.")) < first_retired

        change_doc(client, URI, 7, "twitter.text contains ")
        labels = [i.label for i in await complete(client, URI, 0, 22)]
        assert "[case(true)]" in labels and "[keep(classic)]" in labels


FIXABLE = 'twitter.text contains "coffee" OR twitter.text contains "tea"'


async def actions(client, uri, range_):
    diagnostics = client.diagnostics.get(uri, [])
    return await wait(client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=range_,
        context=lsp.CodeActionContext(diagnostics=list(diagnostics)))))


async def test_code_actions_apply_to_the_text_a_fix_gives():
    async with session() as client:
        open_doc(client, URI, FIXABLE)
        diagnostics = await published(client, URI, 1)
        assert [d.code for d in diagnostics] == ["W101"]
        found = await actions(client, URI, diagnostics[0].range)
        titles = [a.title for a in found]
        fix = next(a for a in found if a.kind == lsp.CodeActionKind.QuickFix and "contains_any" in a.title)
        # two ORed contains on one target: 0.1 either way (docs/cost.md), so no saving is claimed
        assert "saves" not in fix.title
        assert apply_edits(FIXABLE, edits_of(fix, URI)) == 'twitter.text contains_any "coffee, tea"'
        noqa = next(a for a in found if "noqa" in a.title)
        suppressed = apply_edits(FIXABLE, edits_of(noqa, URI))
        assert suppressed == FIXABLE + " // noqa: W101"
        fix_all = next(a for a in found if a.kind == "source.fixAll.csdl")
        fixed_all = apply_edits(FIXABLE, edits_of(fix_all, URI))
        assert fixed_all == 'twitter.text contains_any "coffee, tea"'
        import csdl

        assert fixed_all == csdl.fix(FIXABLE)  # what `csdl check --fix` writes
        assert titles  # every action has a title
        # the suppressed text is clean, as `csdl check` says
        change_doc(client, URI, 2, suppressed)
        assert await published(client, URI, 2) == []


async def test_fix_saving_is_in_the_title():
    # five ORed contains on one target cost 0.2 (floor(5/4)+1 steps); one contains_any of five
    # one-word items 0.1: the fix saves 0.1 DPU
    text = " OR ".join(f'twitter.text contains "w{i}"' for i in range(5))
    async with session() as client:
        open_doc(client, URI, text)
        diagnostics = await published(client, URI, 1)
        found = await actions(client, URI, diagnostics[0].range)
        fix = next(a for a in found if a.kind == lsp.CodeActionKind.QuickFix and "contains_any" in a.title)
        assert fix.title.endswith("saves 0.1 DPU/hour")


async def test_formatting_and_its_refusal_on_a_syntax_error():
    async with session() as client:
        open_doc(client, URI, 'twitter.text   contains "x"  and  twitter.lang == "en"')
        await published(client, URI, 1)
        edits = await wait(client.text_document_formatting_async(lsp.DocumentFormattingParams(
            text_document=lsp.TextDocumentIdentifier(uri=URI), options=lsp.FormattingOptions(tab_size=4, insert_spaces=True))))
        formatted = apply_edits('twitter.text   contains "x"  and  twitter.lang == "en"', edits)
        assert formatted == 'twitter.text contains "x" AND twitter.lang == "en"\n'
        change_doc(client, URI, 2, 'twitter.text contains "x" AND (')
        await published(client, URI, 2)
        with pytest.raises(Exception, match="cannot format"):
            await wait(client.text_document_formatting_async(lsp.DocumentFormattingParams(
                text_document=lsp.TextDocumentIdentifier(uri=URI), options=lsp.FormattingOptions(tab_size=4, insert_spaces=True))))
        # the server is still there, and answers from what parsed
        assert "`twitter.text`" in await hover_text(client, URI, 0, 3)


async def test_document_symbols_cost_lenses_and_inlay_hints():
    text = ('tag.sales "lead" { twitter.text contains "x" }\n'
            'tag.sales.region "emea" { twitter.lang == "en" }\n'
            'tag.sales 20 { twitter.text contains "y" }\n'
            'return {\n  twitter.text contains "z"\n  AND twitter.lang exists\n}\n')
    async with session() as client:
        open_doc(client, URI, text)
        await published(client, URI, 1)
        found = await wait(client.text_document_document_symbol_async(lsp.DocumentSymbolParams(
            text_document=lsp.TextDocumentIdentifier(uri=URI))))
        names = [(s.name, s.kind) for s in found]
        assert names == [("sales", lsp.SymbolKind.Namespace), ("return", lsp.SymbolKind.Function)]
        sales = found[0].children
        assert [(s.name, s.kind) for s in sales] == [("lead", lsp.SymbolKind.Constant),
                                                    ("region", lsp.SymbolKind.Namespace),
                                                    ("20", lsp.SymbolKind.Number)]
        assert [s.name for s in sales[1].children] == ["emea"]
        lenses = await wait(client.text_document_code_lens_async(lsp.CodeLensParams(
            text_document=lsp.TextDocumentIdentifier(uri=URI))))
        titles: dict[int, list[str]] = {}
        for lens in lenses:
            titles.setdefault(lens.range.start.line, []).append(lens.command.title)
        # return: contains 0.1 + exists 0.1 = 0.2; tags are under 1 DPU, so free. Billed at the
        # 1 DPU/hour minimum: 720 h × $0.20 = $144.00
        total, first_tag = titles[0]
        assert total.startswith("csdl: 0.2 DPU/hour") and "$144.00 per 720-hour month" in total
        assert "minimum" in total
        assert first_tag == "tag: 0 DPU charged (body 0.1 DPU)"
        assert titles[2] == ["score: 0 DPU charged (body 0.1 DPU)"]
        assert titles[3] == ["return: 0.2 DPU"]
        hints = await wait(client.text_document_inlay_hint_async(lsp.InlayHintParams(
            text_document=lsp.TextDocumentIdentifier(uri=URI), range=rng(0, 0, 8, 0))))
        by_line = {h.position.line: h.label for h in hints}
        assert by_line[4] == "0.1 DPU" and by_line[5] == "0.1 DPU"
        assert by_line[0] == "body 0.1 DPU"  # the lens's words: "(body 0.1 DPU)"
        assert hints[0].position.character == len('tag.sales "lead" { twitter.text contains "x" }')


async def test_workspace_files_are_checked_on_open_with_their_configuration(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.csdl]\nignore = ["W101"]\n', encoding="utf-8")
    (tmp_path / "ok.csdl").write_text(FIXABLE, encoding="utf-8")
    (tmp_path / "bad.csdl").write_text('twitter.txt exists', encoding="utf-8")
    (tmp_path / "latin1.csdl").write_bytes('twitter.text contains "caf\xe9"'.encode("latin-1"))
    async with session(root=str(tmp_path)) as client:
        bad = await published(client, from_fs_path(str(tmp_path / "bad.csdl")))
        assert [d.code for d in bad] == ["E101"]
        ok = await published(client, from_fs_path(str(tmp_path / "ok.csdl")))
        assert ok == []  # W101 is ignored by the configuration, as `csdl check` would
        latin1 = await published(client, from_fs_path(str(tmp_path / "latin1.csdl")))
        assert [d.code for d in latin1] == ["E009"] and "not valid UTF-8" in latin1[0].message
        # an open document in that folder follows the same configuration
        uri = from_fs_path(str(tmp_path / "new.csdl"))
        open_doc(client, uri, FIXABLE)
        assert await published(client, uri, 1) == []
