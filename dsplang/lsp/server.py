"""The `dsp lsp` server: pygls over stdio, wiring LSP requests to the feature functions
(diagnostics, hover, completion, definition, references, rename, document symbols,
formatting).

Documents are synced whole (full-document sync). Diagnostics are published when a
document is opened, changed or saved, from the same analysis (one walk of the document)
that hover, completion, definition, references and rename then read. Positions are in the encoding pygls agreed with the
client at `initialize` (UTF-16 unless the client prefers UTF-8 or UTF-32): every feature
gets `workspace.position_codec` and converts through `positions.py`.

Every handler is wrapped so that an unexpected exception is logged to stderr and answered
with an empty result: the server never dies because of what is in a file. Handlers run
under `nesting.deep_enough()`, so a file nested as deeply as the parser allows is served.
"""

from __future__ import annotations

import functools
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
from dsplang.lsp.formatting import formatting
from dsplang.lsp.hover import hover
from dsplang.lsp.references import prepare_rename, references, rename
from dsplang.lsp.symbols import symbols
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

    def publish(self, uri: str) -> None:
        """Check the document and publish its diagnostics."""
        document = self.workspace.get_text_document(uri)
        found = analysis_diagnostics(self.analysis(uri), self.codec)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=document.version))


def build_server() -> DspLanguageServer:
    """A server with every feature registered."""
    server = DspLanguageServer()

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

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @safe(lambda: None)
    def on_hover(ls: DspLanguageServer, params: types.HoverParams):
        return hover(ls.analysis(params.text_document.uri), params.position, ls.codec)

    @server.feature(types.TEXT_DOCUMENT_COMPLETION,
                    types.CompletionOptions(trigger_characters=[".", "("]))
    @safe(lambda: types.CompletionList(is_incomplete=False, items=[]))
    def on_completion(ls: DspLanguageServer, params: types.CompletionParams):
        return completion(ls.analysis(params.text_document.uri), params.position, ls.codec)

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    @safe(list)
    def on_definition(ls: DspLanguageServer, params: types.DefinitionParams):
        return definition(ls.analysis(params.text_document.uri), params.position, ls.codec)

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    @safe(list)
    def on_references(ls: DspLanguageServer, params: types.ReferenceParams):
        return references(ls.analysis(params.text_document.uri), params.position,
                          params.context.include_declaration, ls.codec)

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    @safe(lambda: None)
    def on_prepare_rename(ls: DspLanguageServer, params: types.PrepareRenameParams):
        return prepare_rename(ls.analysis(params.text_document.uri), params.position, ls.codec)

    @server.feature(types.TEXT_DOCUMENT_RENAME)
    @safe(lambda: None)
    def on_rename(ls: DspLanguageServer, params: types.RenameParams):
        return rename(ls.analysis(params.text_document.uri), params.position, params.new_name, ls.codec)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @safe(list)
    def on_symbols(ls: DspLanguageServer, params: types.DocumentSymbolParams):
        return symbols(ls.analysis(params.text_document.uri), ls.codec)

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    @safe(list)
    def on_formatting(ls: DspLanguageServer, params: types.DocumentFormattingParams):
        return formatting(ls.analysis(params.text_document.uri))

    return server


def serve() -> None:
    """Run the language server on stdin/stdout until the client says exit."""
    build_server().start_io()
