"""Helpers for the language-server tests: a pytest-lsp client that starts the real ``csdl lsp``
as a subprocess over stdio, records every publishDiagnostics with its version, and bounds every
wait with a timeout (a hung server fails the test instead of hanging the suite)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys

from lsprotocol import types as lsp
from pygls.protocol import default_converter
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

TIMEOUT = 20.0
SERVER = [sys.executable, "-m", "csdl", "lsp"]


def make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=default_converter)
    client.published = []  # every PublishDiagnosticsParams, in order
    features = dict(DEFAULT_CLIENT_FEATURES)

    def publish(client: LanguageClient, params: lsp.PublishDiagnosticsParams):
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append(params)

    features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    register_lsp_features(client, features)
    return client


def capabilities(encodings: list[str] | None = None) -> lsp.ClientCapabilities:
    caps = client_capabilities("visual_studio_code")
    if encodings is not None:
        caps.general = caps.general or lsp.GeneralClientCapabilities()
        caps.general.position_encodings = encodings
    return caps


@contextlib.asynccontextmanager
async def session(root: str | None = None, encodings: list[str] | None = None, options: dict | None = None,
                  env: dict | None = None):
    """An initialized client; on the way out shutdown + exit, and the server must end."""
    config = ClientServerConfig(server_command=SERVER, client_factory=make_client,
                                server_env={**os.environ, **(env or {})})
    client = await asyncio.wait_for(config.start(), TIMEOUT)
    try:
        params = lsp.InitializeParams(
            capabilities=capabilities(encodings),
            root_uri=from_fs_path(root) if root else None,
            workspace_folders=[lsp.WorkspaceFolder(uri=from_fs_path(root), name="ws")] if root else None,
            initialization_options=options or {},
        )
        client.init_result = await asyncio.wait_for(client.initialize_session(params), TIMEOUT)
        yield client
        await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
        assert client._server.returncode == 0
    finally:
        if client._server is not None and client._server.returncode is None:
            client._server.kill()
        await client.stop()


async def published(client: LanguageClient, uri: str, version: int | None = None, timeout: float = TIMEOUT):
    """The first diagnostics published for ``uri`` (at ``version``, when given)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        for params in client.published:
            if params.uri == uri and (version is None or params.version == version):
                return list(params.diagnostics)
        if loop.time() > deadline:
            raise AssertionError(f"no diagnostics for {uri} version {version} within {timeout} s: {client.published}")
        await asyncio.sleep(0.01)


def open_doc(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(
        text_document=lsp.TextDocumentItem(uri=uri, language_id="csdl", version=version, text=text)))


def change_doc(client: LanguageClient, uri: str, version: int, text: str,
               rng: lsp.Range | None = None) -> None:
    change = lsp.TextDocumentContentChangeWholeDocument(text=text) if rng is None else \
        lsp.TextDocumentContentChangePartial(range=rng, text=text)
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=[change]))


def wait(coro):
    """``coro`` bounded by the suite's timeout (a hung request fails the test)."""
    return asyncio.wait_for(coro, TIMEOUT)


def pos(line: int, character: int) -> lsp.Position:
    return lsp.Position(line=line, character=character)


def rng(l1: int, c1: int, l2: int, c2: int) -> lsp.Range:
    return lsp.Range(start=pos(l1, c1), end=pos(l2, c2))


def apply_edits(text: str, edits, encoding: str = "utf-16") -> str:
    """Apply LSP TextEdits the way an editor does (positions in ``encoding`` code units, lines at
    \\n, \\r\\n or \\r), last edit first. Written independently of the server's own index."""
    lines = text.splitlines(keepends=True) if text else [""]
    # str.splitlines also splits at \f, \v, …; the test texts use only \n
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(p: lsp.Position) -> int:
        if p.line >= len(lines):
            return len(text)
        line = lines[p.line].rstrip("\r\n")
        units = 0
        for i, char in enumerate(line):
            if units >= p.character:
                return starts[p.line] + i
            units += len(char.encode(encoding.replace("utf-16", "utf-16-le").replace("utf-32", "utf-32-le"))) // (
                2 if encoding == "utf-16" else 4 if encoding == "utf-32" else 1)
        return starts[p.line] + len(line)

    spans = sorted(((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def edits_of(action: lsp.CodeAction, uri: str):
    edit = action.edit
    if edit.document_changes:
        return [e for change in edit.document_changes if change.text_document.uri == uri for e in change.edits]
    return edit.changes[uri]
