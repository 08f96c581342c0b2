"""The CSDL language server (``csdl lsp``): pygls wiring only. Every answer comes from csdl's
parser, checker, cost model and printer through the modules beside this one."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from csdl.lsp import completion, cost_view, edits, hover, symbols, translate
from csdl.lsp.analysis import analyse, analyse_file
from csdl.lsp.documents import Documents, path_of
from csdl.lsp.pipeline import Pipeline
from csdl.lsp.positions import ENCODINGS, UTF16
from csdl.config.cache import SettingsCache
from csdl.version import __version__

log = logging.getLogger("csdl.lsp")

FIX_ALL_KIND = "source.fixAll.csdl"
MAX_WORKSPACE_FILES = 5000
#: Savings in code-action titles are costed for documents up to this size (they are re-costed).
SAVINGS_LIMIT = 200_000
CONFIG_NAMES = (".csdl.toml", "csdl.toml", "pyproject.toml")


class CSDLProtocol(LanguageServerProtocol):
    """Keeps documents in ``CSDLServer.documents`` instead of pygls' workspace (whose line
    splitting treats ``\\f`` and ``\\v`` as line ends), and answers a request it cannot decode with
    an error instead of silence."""

    @lsp_method(lsp.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params):
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params):
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params):
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    def _execute_handler(self, msg_id, handler, callback, args=None, kwargs=None):
        # pygls files a future for every handler it runs, but takes it out again only when it answers
        # a request: notifications and the steps of its generator handlers (didOpen, didChange,
        # executeCommand) would pile up one per message, for good.
        super()._execute_handler(msg_id, handler, callback, args, kwargs)
        if (future := self._request_futures.get(msg_id)) is not None:
            future.add_done_callback(functools.partial(self._forget, msg_id))

    def _forget(self, msg_id, future) -> None:
        if self._request_futures.get(msg_id) is future:
            del self._request_futures[msg_id]

    def answer_unreadable(self, code: int, message: str) -> None:
        """An error response with a null id: for input that is not a message (JSON-RPC 2.0 §5)."""
        self._send_data({"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}})

    def structure_message(self, data):
        try:
            return super().structure_message(data)
        except Exception:
            if isinstance(data, dict) and "method" in data and isinstance(data.get("id"), (int, str)):
                self._send_response(data["id"], error=lsp.ResponseError(
                    code=lsp.ErrorCodes.InvalidParams,
                    message=f"csdl: cannot read the parameters of {data.get('method')!r}"))
            raise


class CSDLServer(LanguageServer):
    def __init__(self):
        super().__init__("csdl", __version__, protocol_cls=CSDLProtocol,
                         text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.documents = Documents()
        self.encoding = UTF16
        self.settings = SettingsCache()
        self.rule_url: str | None = None
        self.check_workspace = True
        self.is_vscode = False
        self.timings = bool(os.environ.get("CSDL_LSP_TIMINGS"))
        self.roots: list[str] = []
        self.workspace_files: set[str] = set()
        self.pipeline = Pipeline(self._analyse, self._publish)

    # Checking -----------------------------------------------------------------------------------

    def _analyse(self, text, version, path):
        settings = self.settings.for_path(path)
        analysis = analyse(text, version, path, settings)
        self._translate(analysis)
        return analysis

    def _translate(self, analysis) -> None:
        from csdl.lsp.positions import LineIndex

        index = LineIndex(analysis.text, self.encoding) if analysis.text is not None else None
        out = [translate.problem(p) for p in analysis.settings.problems]
        out.extend(translate.diagnostic(d, index, self.rule_url) for d in analysis.diagnostics)
        analysis.lsp_diagnostics = out

    def _publish(self, document, analysis) -> None:
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            uri=document.uri, version=document.version, diagnostics=analysis.lsp_diagnostics))
        if self.timings and document.received is not None:
            elapsed = (time.perf_counter() - document.received) * 1000.0
            self.window_log_message(lsp.LogMessageParams(
                type=lsp.MessageType.Log,
                message=f"csdl-timing {document.uri} version={document.version} ms={elapsed:.3f}"))

    def publish_file(self, path: str, analysis) -> None:
        from pygls.uris import from_fs_path

        if path in self.documents.paths():
            return  # opened meanwhile: the editor's text wins
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            uri=from_fs_path(path), diagnostics=analysis.lsp_diagnostics))

    def analyse_path(self, path: str):
        analysis = analyse_file(path, self.settings.for_path(path))
        self._translate(analysis)
        return analysis

    async def check_workspace_files(self) -> None:
        from csdl.reading import filter_files

        files: list[str] = []
        loop = asyncio.get_running_loop()
        for root in self.roots:
            try:  # a big folder takes a while to walk: not on the event loop
                files.extend(await loop.run_in_executor(None, filter_files, root))
            except OSError as exc:
                log.warning("cannot list %s: %s", root, exc)
        if len(files) > MAX_WORKSPACE_FILES:
            self.window_log_message(lsp.LogMessageParams(
                type=lsp.MessageType.Warning,
                message=f"csdl: {len(files):,} .csdl files in the workspace; checking the first {MAX_WORKSPACE_FILES:,}"))
            files = files[:MAX_WORKSPACE_FILES]
        for path in files:
            if path in self.documents.paths():
                continue
            try:
                analysis = await self.pipeline.run(self.analyse_path, path)
            except Exception as exc:  # one bad file never stops the others
                log.error("checking %s failed: %s", path, exc)
                continue
            self.workspace_files.add(path)
            self.publish_file(path, analysis)

    def in_workspace(self, path: str | None) -> bool:
        if not path:
            return False
        return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in self.roots)

    def rechecked_all(self) -> None:
        self.settings.invalidate()
        for document in self.documents:
            document.analysis = None
            self.pipeline.changed(document)

    # Positions ----------------------------------------------------------------------------------

    def offset(self, document, position: lsp.Position) -> int:
        return document.index(self.encoding).offset(position.line, position.character)

    def edit_for(self, document, changes: list[edits.Edit]) -> lsp.WorkspaceEdit:
        index = document.index(self.encoding)
        text_edits = [lsp.TextEdit(range=translate.offsets_range(index, e.start, e.end), new_text=e.text) for e in changes]
        if _capability(self.client_capabilities, "workspace", "workspace_edit", "document_changes"):
            return lsp.WorkspaceEdit(document_changes=[lsp.TextDocumentEdit(
                text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=document.uri, version=document.version),
                edits=text_edits)])
        return lsp.WorkspaceEdit(changes={document.uri: text_edits})

    def shutdown(self):
        self.pipeline.shutdown()
        if self._thread_pool is not None:
            # the stdin reader may be blocked in a read: do not wait for it
            self._thread_pool.shutdown(wait=False, cancel_futures=True)
            self._thread_pool = None
        super().shutdown()


def _capability(root, *path):
    node = root
    for name in path:
        node = getattr(node, name, None)
        if node is None:
            return None
    return node


server = None  # the running CSDLServer (one per process)


def _initialize(ls: CSDLServer, params: lsp.InitializeParams):
    encoding = str(getattr(ls.workspace.position_encoding, "value", ls.workspace.position_encoding) or UTF16)
    ls.encoding = encoding if encoding in ENCODINGS else UTF16
    options = params.initialization_options if isinstance(params.initialization_options, dict) else {}
    if isinstance(options.get("debounce"), (int, float)) and options["debounce"] >= 0:
        ls.pipeline.delay = options["debounce"] / 1000.0
    if isinstance(options.get("ruleUrl"), str) and options["ruleUrl"]:
        ls.rule_url = options["ruleUrl"]
    if options.get("checkWorkspace") is False:
        ls.check_workspace = False
    roots = [path_of(f.uri) for f in params.workspace_folders or []]
    if not roots and params.root_uri:
        roots = [path_of(params.root_uri)]
    ls.roots = [r for r in roots if r and os.path.isdir(r)]
    name = params.client_info.name if params.client_info else ""
    ls.is_vscode = "code" in name.lower()  # VS Code, Code - OSS, VSCodium: they know editor.action.triggerSuggest
    ls.settings = SettingsCache(
        config_path=options.get("config") if isinstance(options.get("config"), str) else None,
        isolated=options.get("isolated") is True,
        root=ls.roots[0] if ls.roots else None,
    )

def _initialized(ls: CSDLServer, params):
    if _capability(ls.client_capabilities, "workspace", "did_change_watched_files", "dynamic_registration"):
        watchers = [lsp.FileSystemWatcher(glob_pattern=f"**/{name}") for name in ("*.csdl", *CONFIG_NAMES)]
        asyncio.ensure_future(_register_watchers(ls, watchers))
    if ls.check_workspace and ls.roots:
        asyncio.ensure_future(ls.check_workspace_files())

def _did_open(ls: CSDLServer, params: lsp.DidOpenTextDocumentParams):
    item = params.text_document
    document = ls.documents.open(item.uri, item.text, item.version)
    document.received = time.perf_counter()
    ls.pipeline.changed(document)

def _did_change(ls: CSDLServer, params: lsp.DidChangeTextDocumentParams):
    document = ls.documents.get(params.text_document.uri)
    if document is None:
        log.warning("change to a document that is not open: %s", params.text_document.uri)
        return
    document.received = time.perf_counter()
    document.apply(params.content_changes, params.text_document.version, ls.encoding)
    ls.pipeline.changed(document)

def _did_close(ls: CSDLServer, params: lsp.DidCloseTextDocumentParams):
    document = ls.documents.close(params.text_document.uri)
    ls.pipeline.closed(params.text_document.uri)
    path = document.path if document is not None else None
    if path and ls.in_workspace(path) and os.path.isfile(path) and ls.check_workspace:
        asyncio.ensure_future(_recheck_file(ls, path))
    else:
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

def _did_save(ls: CSDLServer, params: lsp.DidSaveTextDocumentParams):
    path = path_of(params.text_document.uri)
    if path and os.path.basename(path) in CONFIG_NAMES:
        ls.rechecked_all()

def _watched(ls: CSDLServer, params: lsp.DidChangeWatchedFilesParams):
    config_changed = False
    for change in params.changes:
        path = path_of(change.uri)
        if not path:
            continue
        if os.path.basename(path) in CONFIG_NAMES:
            config_changed = True
        elif path.endswith(".csdl"):
            ls.settings.invalidate()  # a library file may have changed
            if ls.documents.get(change.uri) is None and ls.check_workspace and ls.in_workspace(path):
                if change.type == lsp.FileChangeType.Deleted:
                    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=change.uri, diagnostics=[]))
                else:
                    asyncio.ensure_future(_recheck_file(ls, path))
    if config_changed:
        ls.rechecked_all()

async def _opened(ls: CSDLServer, uri: str):
    """The open document at ``uri`` and its current analysis, or ``(None, None)`` when it is not open."""
    document = ls.documents.get(uri)
    if document is None:
        return None, None
    return document, await ls.pipeline.current(document)

async def _on_hover(ls: CSDLServer, params: lsp.HoverParams):
    document, analysis = await _opened(ls, params.text_document.uri)
    if document is None:
        return None
    offset = ls.offset(document, params.position)
    found = await ls.pipeline.run(hover.hover, analysis, offset)
    if found is None:
        return None
    text, span = found
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text),
                     range=translate.span_range(document.index(ls.encoding), span))

def _on_completion(ls: CSDLServer, params: lsp.CompletionParams):
    document = ls.documents.get(params.text_document.uri)
    if document is None:
        return None
    index = document.index(ls.encoding)
    offset = index.offset(params.position.line, params.position.character)
    settings = ls.settings.for_path(document.path)
    return completion.complete(document.text, offset, settings.platform, settings.library, settings.pricing,
                               lambda start, end: translate.offsets_range(index, start, end),
                               retrigger="editor.action.triggerSuggest" if ls.is_vscode else None)

async def _on_code_action(ls: CSDLServer, params: lsp.CodeActionParams):
    document, analysis = await _opened(ls, params.text_document.uri)
    if document is None:
        return None
    return await ls.pipeline.run(_code_actions, ls, document, analysis, params)

async def _on_formatting(ls: CSDLServer, params: lsp.DocumentFormattingParams):
    document = ls.documents.get(params.text_document.uri)
    if document is None:
        return None
    text = document.text
    edit, problem = await ls.pipeline.run(edits.format_edit, text)
    if problem is not None:
        ls.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=f"csdl: {problem}"))
        from pygls.exceptions import JsonRpcException

        raise JsonRpcException(message=f"csdl: {problem}", code=lsp.LSPErrorCodes.RequestFailed)
    if document.text is not text:
        return None  # edited meanwhile: the edit would be stale
    if edit is None:
        return []
    index = document.index(ls.encoding)
    return [lsp.TextEdit(range=translate.offsets_range(index, edit.start, edit.end), new_text=edit.text)]

async def _on_symbols(ls: CSDLServer, params: lsp.DocumentSymbolParams):
    document, analysis = await _opened(ls, params.text_document.uri)
    if document is None:
        return None
    if analysis.outline is None:
        return []
    return symbols.document_symbols(analysis.outline, document.index(ls.encoding))

async def _on_definition(ls: CSDLServer, params: lsp.DefinitionParams):
    document, analysis = await _opened(ls, params.text_document.uri)
    if document is None:
        return None
    if analysis.outline is None:
        return None
    offset = ls.offset(document, params.position)
    return await ls.pipeline.run(symbols.definition, analysis.outline, offset, analysis.settings.library)

async def _on_code_lens(ls: CSDLServer, params: lsp.CodeLensParams):
    document, analysis = await _opened(ls, params.text_document.uri)
    if document is None:
        return None
    if analysis.text is None:
        return []
    lenses = await ls.pipeline.run(cost_view.lenses, analysis)
    index = document.index(ls.encoding)
    out = []
    for offset, title in lenses:
        line, _ = index.position(offset)
        where = lsp.Range(start=lsp.Position(line=line, character=0), end=lsp.Position(line=line, character=0))
        out.append(lsp.CodeLens(range=where, command=lsp.Command(title=title, command=cost_view.COMMAND,
                                                                 arguments=[document.uri])))
    return out

async def _on_inlay_hint(ls: CSDLServer, params: lsp.InlayHintParams):
    document, analysis = await _opened(ls, params.text_document.uri)
    if document is None:
        return None
    if analysis.text is None:
        return []
    hints = await ls.pipeline.run(cost_view.line_costs, analysis)
    index = document.index(ls.encoding)
    first, last = params.range.start.line, params.range.end.line
    out = []
    for offset, label in hints:
        line, character = index.position(offset)
        if first <= line <= last:
            out.append(lsp.InlayHint(position=lsp.Position(line=line, character=character), label=label,
                                     padding_left=True))
    return out

async def _show_cost(ls: CSDLServer, *args):
    uri = args[0] if args and isinstance(args[0], str) else None
    document, analysis = await _opened(ls, uri) if uri else (None, None)
    if document is None:
        return None
    lenses = await ls.pipeline.run(cost_view.lenses, analysis)
    ls.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Info, message=lenses[0][1]))
    return lenses[0][1]


# The LSP methods the server answers: (the arguments of ``LanguageServer.feature``, the handler).
_FEATURES = [
    ((lsp.INITIALIZE,), _initialize),
    ((lsp.INITIALIZED,), _initialized),
    ((lsp.TEXT_DOCUMENT_DID_OPEN,), _did_open),
    ((lsp.TEXT_DOCUMENT_DID_CHANGE,), _did_change),
    ((lsp.TEXT_DOCUMENT_DID_CLOSE,), _did_close),
    ((lsp.TEXT_DOCUMENT_DID_SAVE,), _did_save),
    ((lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,), _watched),
    ((lsp.TEXT_DOCUMENT_HOVER,), _on_hover),
    ((lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=[".", " ", '"', "["])), _on_completion),
    ((lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[
        lsp.CodeActionKind.QuickFix, lsp.CodeActionKind.SourceFixAll, FIX_ALL_KIND])), _on_code_action),
    ((lsp.TEXT_DOCUMENT_FORMATTING,), _on_formatting),
    ((lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL,), _on_symbols),
    ((lsp.TEXT_DOCUMENT_DEFINITION,), _on_definition),
    ((lsp.TEXT_DOCUMENT_CODE_LENS,), _on_code_lens),
    ((lsp.TEXT_DOCUMENT_INLAY_HINT,), _on_inlay_hint),
]


def build() -> CSDLServer:
    """A server with every handler above registered (pygls passes each the server as ``ls``)."""
    ls = CSDLServer()
    for arguments, handler in _FEATURES:
        ls.feature(*arguments)(handler)
    ls.command(cost_view.COMMAND)(_show_cost)
    return ls


async def _register_watchers(ls: CSDLServer, watchers) -> None:
    try:
        await ls.client_register_capability_async(lsp.RegistrationParams(registrations=[lsp.Registration(
            id="csdl-watched-files", method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=lsp.DidChangeWatchedFilesRegistrationOptions(watchers=watchers))]))
    except Exception as exc:  # a client that refuses still gets everything else
        log.info("file watchers not registered: %s", exc)


async def _recheck_file(ls: CSDLServer, path: str) -> None:
    try:
        analysis = await ls.pipeline.run(ls.analyse_path, path)
    except Exception as exc:
        log.error("checking %s failed: %s", path, exc)
        return
    ls.publish_file(path, analysis)


def _code_actions(ls: CSDLServer, document, analysis, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    """Runs on the checking thread: savings are costed, fix all re-checks."""
    if analysis.text is None or document.text is not analysis.text:
        return []
    index = document.index(ls.encoding)
    start = index.offset(params.range.start.line, params.range.start.character)
    end = index.offset(params.range.end.line, params.range.end.character)
    wanted = params.context.only
    want_quickfix = not wanted or any(k.startswith(lsp.CodeActionKind.QuickFix) for k in wanted)
    want_fix_all = not wanted or any(FIX_ALL_KIND.startswith(k) or k.startswith(lsp.CodeActionKind.SourceFixAll)
                                     for k in wanted)
    by_key = {_key(d): d for d in analysis.lsp_diagnostics}
    actions: list[lsp.CodeAction] = []
    here = [d for d in analysis.diagnostics if d.span.start <= end and d.span.end >= start]
    if want_quickfix:
        for d in here:
            lsp_diag = by_key.get(_key(translate.diagnostic(d, index)))
            if d.fix is not None:
                edit = edits.fix_edit(d)
                unsafe = edits.is_unsafe(d, analysis.tree)
                title = (d.fix.title or f"Fix {d.code}") + (" (unsafe: may change what the filter matches)"
                                                           if unsafe else "")
                actions.append(lsp.CodeAction(
                    title=title + _saving(analysis, edit),
                    kind=lsp.CodeActionKind.QuickFix, diagnostics=[lsp_diag] if lsp_diag else None,
                    is_preferred=not unsafe, edit=ls.edit_for(document, [edit])))
            noqa = edits.noqa_edit(analysis.text, analysis.tree, d)
            if noqa is not None:
                actions.append(lsp.CodeAction(
                    title=f"Suppress {d.code} on this line (// noqa: {d.code})",
                    kind=lsp.CodeActionKind.QuickFix, diagnostics=[lsp_diag] if lsp_diag else None,
                    edit=ls.edit_for(document, [noqa])))
    fixable = [d for d in analysis.diagnostics if d.fix is not None]
    if want_fix_all and fixable:
        result = edits.fix_all(analysis.text, analysis.checks)
        edit = edits.minimal_edit(analysis.text, result.text)
        if edit is not None:  # once, as source.fixAll.csdl (not again as a quick fix: menus showed it twice)
            actions.append(lsp.CodeAction(title=f"Fix all: {len(result.fixed)} safe csdl fix"
                                                f"{'es' if len(result.fixed) != 1 else ''} (csdl check --fix)",
                                          kind=FIX_ALL_KIND, edit=ls.edit_for(document, [edit])))
        if result.hidden and want_quickfix:
            unsafe = edits.fix_all(analysis.text, analysis.checks, unsafe=True)
            edit = edits.minimal_edit(analysis.text, unsafe.text)
            if edit is not None:
                actions.append(lsp.CodeAction(
                    title=f"Fix all, unsafe fixes too: {len(unsafe.fixed)} (csdl check --fix --unsafe-fixes)",
                    kind=lsp.CodeActionKind.QuickFix, edit=ls.edit_for(document, [edit])))
    return actions


def _key(d: lsp.Diagnostic) -> tuple:
    return (d.code, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character, d.message)


def _saving(analysis, edit: edits.Edit) -> str:
    """`` — saves 0.1 DPU/hour`` when the cost model says the fixed text is cheaper."""
    if len(analysis.text) > SAVINGS_LIMIT:
        return ""
    before, _ = analysis.cost()
    if before is None:
        return ""
    from csdl.compiler import cost

    from csdl.diagnostics import CSDLError
    from csdl.units import dpu_text

    try:
        after = cost(edit.apply(analysis.text), library=analysis.settings.library, pricing=analysis.settings.pricing,
                     checks=analysis.checks)
    except CSDLError:
        return ""
    saved = before.dpu - after.dpu
    return f" — saves {dpu_text(saved)} DPU/hour" if saved > 0 else ""


class _QuietRefusals(logging.Filter):
    """pygls logs every error response with a traceback; a request csdl refuses on purpose
    (formatting a text with a syntax error) is not a server error."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return getattr(error, "code", None) != lsp.LSPErrorCodes.RequestFailed


def serve(tcp: tuple[str, int] | None = None) -> int:
    """Run until the client says ``exit`` (or the connection ends); the process exit code."""
    from csdl.lsp import transport

    global server
    logging.getLogger("pygls.protocol.json_rpc").addFilter(_QuietRefusals())
    server = build()
    try:
        if tcp is not None:
            code = transport.serve_tcp(server.protocol, *tcp)
        else:
            code = transport.serve_stdio(server.protocol)
    finally:
        server.shutdown()
    if code is None:  # the connection ended without ``exit``
        code = 0 if server.protocol._shutdown else 1
    return code
