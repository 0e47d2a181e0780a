"""The dsplang language server (`dsp lsp`): diagnostics with quick fixes, hover, completion,
signature help, semantic tokens, go to definition, find references, rename, document and
workspace symbols, formatting and `dsp test` code lenses over the Language Server Protocol
(stdio, pygls).

Each feature is a plain function of an `Analysis` (a parsed document plus its scope model,
the one `dsp check` builds) and a position, so it can be tested without a client; `server.py` wires them to
LSP requests and makes sure no handler ever raises.
"""
