"""The `dsp lsp` server: pygls over stdio, wiring LSP requests to the feature functions
(diagnostics, hover, completion, signature help, semantic tokens, definition, references,
document and workspace symbols, rename, quick fixes, formatting, `dsp test` code lenses and
the `dsplang.runTest` command they run).

Documents are synced whole (full-document sync). Diagnostics are published when a
document is opened, changed or saved, from the same analysis (one walk of the document)
that the other features then read; what they derive from it (diagnostics, semantic tokens)
is kept with that document version. Positions are in the encoding pygls agreed with the
client at `initialize` (UTF-16 unless the client prefers UTF-8 or UTF-32): every feature
gets `workspace.position_codec` and converts through `positions.py`.

Every handler is wrapped so that an unexpected exception is logged to stderr and answered
with an empty result: the server never dies because of what is in a file. Handlers run
under `nesting.deep_enough()`, so a file nested as deeply as the parser allows is served.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import PositionCodec

from dsplang.grammar.nesting import deep_enough
from dsplang.lsp.analysis import Analysis, Project
from dsplang.lsp.completion import completion
from dsplang.lsp.definition import definition
from dsplang.lsp.diagnostics import analysis_diagnostics
from dsplang.lsp.fixes import code_actions
from dsplang.lsp.formatting import formatting
from dsplang.lsp.hover import hover
from dsplang.lsp.lenses import RUN_TEST, dsp_test_command, file_lenses, run_test
from dsplang.lsp.references import prepare_rename, references, rename
from dsplang.lsp.semantic_tokens import LEGEND, semantic_tokens
from dsplang.lsp.signature_help import RETRIGGERS, TRIGGERS, signature_help
from dsplang.lsp.symbols import symbols
from dsplang.lsp.workspace_symbols import WorkspaceIndex
from dsplang.version import __version__


def uri_to_path(uri: str) -> str:
    """The file-system path of a `file:` URI; other URIs are used as they are."""
    if uri.startswith("file:"):
        return to_fs_path(uri) or uri
    return uri


def safe(default):
    """Decorate a handler: log any exception and return `default()` instead."""
    def wrap(handler):
        @functools.wraps(handler)
        def run(*args, **kwargs):
            try:
                with deep_enough():
                    return handler(*args, **kwargs)
            except Exception:
                print(f"dsp lsp: error in {handler.__name__}:\n{traceback.format_exc()}",
                      file=sys.stderr, flush=True)
                return default()
        return run
    return wrap


class DspLanguageServer(LanguageServer):
    """A LanguageServer that keeps a Project of analysed documents."""

    def __init__(self):
        super().__init__("dsp-lsp", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.project = Project(self._open_text)
        self.index = WorkspaceIndex(self._open_text)
        self._paths: dict[str, str] = {}

    def _open_text(self, path: str) -> str | None:
        """The editor's text of `path`, when that file is open."""
        uri = self._paths.get(path)
        if uri is None:
            return None
        document = self.workspace.text_documents.get(uri)
        return document.source if document is not None else None

    @property
    def codec(self) -> PositionCodec:
        """How this session counts characters in a line (the agreed position encoding)."""
        return self.workspace.position_codec

    def analysis(self, uri: str) -> Analysis:
        """The analysis of the open document at `uri` (its current text)."""
        path = uri_to_path(uri)
        self._paths[path] = uri
        document = self.workspace.get_text_document(uri)
        return self.project.analyse(path, document.source)

    def folders(self) -> list[str]:
        """The paths of the workspace folders (the root folder when the client named none)."""
        uris = [folder.uri for folder in self.workspace.folders.values()]
        if not uris and self.workspace.root_uri:
            uris = [self.workspace.root_uri]
        return [uri_to_path(uri) for uri in uris if uri.startswith("file:")]

    def folder_of(self, path: str) -> str | None:
        """The innermost workspace folder holding `path`, if any."""
        holding = [f for f in self.folders() if os.path.commonpath([os.path.abspath(f), os.path.abspath(path)])
                   == os.path.abspath(f)]
        return max(holding, key=len) if holding else None

    def diagnostics(self, analysis: Analysis) -> list[types.Diagnostic]:
        """The diagnostics of an analysed document (made once per document version)."""
        found = analysis.derived.get(("diagnostics", self.codec.encoding))
        if not isinstance(found, list):
            found = analysis_diagnostics(analysis, self.codec)
            analysis.derived[("diagnostics", self.codec.encoding)] = found
        return found

    async def run_test(self, file: object = None, name: object = None, *_: object) -> dict:
        """Run `dsp test` on the test `name` of `file` (every test of it when no name), tell the
        client how it went (`window/showMessage`, the output in `window/logMessage`) and answer
        the outcome."""
        path = uri_to_path(str(file)) if file else ""
        test = str(name) if name is not None else None
        if not path.endswith(".dsp") or not os.path.isfile(path):
            message = f"dsplang.runTest: no such test file: {path or '(none given)'}"
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=message))
            return {"passed": False, "exitCode": None, "output": message, "command": []}
        argv, cwd = dsp_test_command(path, test, self.folder_of(path))
        outcome = await run_test(argv, cwd)
        what = test or os.path.basename(path)
        self.window_log_message(types.LogMessageParams(type=types.MessageType.Log, message=outcome.output))
        self.window_show_message(types.ShowMessageParams(
            type=types.MessageType.Info if outcome.passed else types.MessageType.Error,
            message=f"dsp test: {what} passed" if outcome.passed
            else f"dsp test: {what} failed (exit status {outcome.exit_code}); the output is in the log"))
        return outcome.as_json()

    def publish(self, uri: str) -> None:
        """Check the document and publish its diagnostics."""
        document = self.workspace.get_text_document(uri)
        found = self.diagnostics(self.analysis(uri))
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=document.version))


def build_server() -> DspLanguageServer:
    """A server with every feature registered."""
    server = DspLanguageServer()
    _documents(server)
    _reading(server)
    _navigation(server)
    _editing(server)
    _tests(server)
    return server


def _documents(server: DspLanguageServer) -> None:
    """Open, change, save and close: diagnostics."""

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    @safe(lambda: None)
    def document_updated(ls: DspLanguageServer, params):
        """Opened, changed or saved: publish the document's diagnostics again."""
        ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @safe(lambda: None)
    def did_close(ls: DspLanguageServer, params: types.DidCloseTextDocumentParams):
        ls._paths.pop(uri_to_path(params.text_document.uri), None)
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))


def _reading(server: DspLanguageServer) -> None:
    """Hover, completion, signature help, semantic tokens."""

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @safe(lambda: None)
    def on_hover(ls: DspLanguageServer, params: types.HoverParams):
        return hover(ls.analysis(params.text_document.uri), params.position, ls.codec)

    @server.feature(types.TEXT_DOCUMENT_COMPLETION,
                    types.CompletionOptions(trigger_characters=[".", "("]))
    @safe(lambda: types.CompletionList(is_incomplete=False, items=[]))
    def on_completion(ls: DspLanguageServer, params: types.CompletionParams):
        return completion(ls.analysis(params.text_document.uri), params.position, ls.codec)

    @server.feature(types.TEXT_DOCUMENT_SIGNATURE_HELP,
                    types.SignatureHelpOptions(trigger_characters=TRIGGERS, retrigger_characters=RETRIGGERS))
    @safe(lambda: None)
    def on_signature_help(ls: DspLanguageServer, params: types.SignatureHelpParams):
        return signature_help(ls.analysis(params.text_document.uri), params.position, ls.codec)

    @server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, LEGEND)
    @safe(lambda: types.SemanticTokens(data=[]))
    def on_semantic_tokens(ls: DspLanguageServer, params: types.SemanticTokensParams):
        return semantic_tokens(ls.analysis(params.text_document.uri), ls.codec)

    @server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_RANGE)
    @safe(lambda: types.SemanticTokens(data=[]))
    def on_semantic_tokens_range(ls: DspLanguageServer, params: types.SemanticTokensRangeParams):
        return semantic_tokens(ls.analysis(params.text_document.uri), ls.codec, params.range)


def _navigation(server: DspLanguageServer) -> None:
    """Definition, references, document and workspace symbols."""

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    @safe(list)
    def on_definition(ls: DspLanguageServer, params: types.DefinitionParams):
        return definition(ls.analysis(params.text_document.uri), params.position, ls.codec)

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    @safe(list)
    def on_references(ls: DspLanguageServer, params: types.ReferenceParams):
        return references(ls.analysis(params.text_document.uri), params.position,
                          params.context.include_declaration, ls.codec)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @safe(list)
    def on_symbols(ls: DspLanguageServer, params: types.DocumentSymbolParams):
        return symbols(ls.analysis(params.text_document.uri), ls.codec)

    @server.feature(types.WORKSPACE_SYMBOL)
    @safe(list)
    def on_workspace_symbol(ls: DspLanguageServer, params: types.WorkspaceSymbolParams):
        return ls.index.search(params.query, ls.folders(), list(ls._paths), ls.codec)


def _editing(server: DspLanguageServer) -> None:
    """Rename, quick fixes, formatting."""

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    @safe(lambda: None)
    def on_prepare_rename(ls: DspLanguageServer, params: types.PrepareRenameParams):
        return prepare_rename(ls.analysis(params.text_document.uri), params.position, ls.codec)

    @server.feature(types.TEXT_DOCUMENT_RENAME)
    @safe(lambda: None)
    def on_rename(ls: DspLanguageServer, params: types.RenameParams):
        return rename(ls.analysis(params.text_document.uri), params.position, params.new_name, ls.codec)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    @safe(list)
    def on_code_action(ls: DspLanguageServer, params: types.CodeActionParams):
        uri = params.text_document.uri
        analysis = ls.analysis(uri)
        only = [str(kind.value if isinstance(kind, types.CodeActionKind) else kind)
                for kind in params.context.only] if params.context.only is not None else None
        return code_actions(uri, analysis.lines, list(params.context.diagnostics),
                            ls.diagnostics(analysis), only, ls.codec)

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    @safe(list)
    def on_formatting(ls: DspLanguageServer, params: types.DocumentFormattingParams):
        return formatting(ls.analysis(params.text_document.uri))


def _tests(server: DspLanguageServer) -> None:
    """`dsp test` code lenses and the command they run."""

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    @safe(list)
    def on_code_lens(ls: DspLanguageServer, params: types.CodeLensParams):
        return file_lenses(ls.analysis(params.text_document.uri), ls.codec)

    @server.command(RUN_TEST)
    async def on_run_test(ls: DspLanguageServer, *args):
        """`dsplang.runTest(path[, name])`: run a test (or a test file's tests) with `dsp test`."""
        try:
            return await ls.run_test(*args)
        except Exception:
            print(f"dsp lsp: error in runTest:\n{traceback.format_exc()}", file=sys.stderr, flush=True)
            return None


def serve() -> None:
    """Run the language server on stdin/stdout until the client says exit."""
    build_server().start_io()
