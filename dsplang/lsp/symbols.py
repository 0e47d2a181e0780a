"""Document symbols: the outline of a file — signatures with their fields, types, enums,
modules with their attributes and methods, functions, and top-level `let`s."""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace import PositionCodec

from dsplang.analysis.infer import decl_fields
from dsplang.grammar import ast
from dsplang.lsp.analysis import Analysis
from dsplang.lsp.describe import params_text, type_text
from dsplang.lsp.positions import UTF16, to_range
from dsplang.lsp.text import find_word

K = types.SymbolKind


def symbols(analysis: Analysis, codec: PositionCodec = UTF16) -> list[types.DocumentSymbol]:
    """The outline of the document's top-level statements, positioned in `codec`'s code units."""
    if analysis.program is None:
        return []
    out: list[types.DocumentSymbol] = []
    for stmt in analysis.program.body:
        out.extend(_statement(analysis, codec, stmt))
    return out


def _symbol(analysis: Analysis, codec: PositionCodec, node: ast.Node, name: str,
            kind: types.SymbolKind, detail: str | None = None, children=None,
            skip_first: bool = True) -> types.DocumentSymbol:
    """A symbol whose range is the node and whose selection is the name inside it."""
    name_span = find_word(analysis.lines, node.span, name, skip_first)
    full = to_range(analysis.lines, node.span, codec)
    selection = to_range(analysis.lines, name_span, codec)
    if not _inside(selection, full):
        selection = types.Range(full.start, full.start)
    return types.DocumentSymbol(name=name or "?", kind=kind, range=full, selection_range=selection,
                                detail=detail, children=children or None)


def _inside(inner: types.Range, outer: types.Range) -> bool:
    def key(p: types.Position):
        return p.line, p.character
    return key(outer.start) <= key(inner.start) and key(inner.end) <= key(outer.end)


def _statement(analysis: Analysis, codec: PositionCodec, stmt) -> list[types.DocumentSymbol]:
    """The symbols one top-level statement contributes."""
    if isinstance(stmt, (ast.SignatureDecl, ast.SignatureAlias)):
        block = isinstance(stmt, ast.SignatureDecl)
        fields = [_symbol(analysis, codec, f, f.name, K.Field,
                          f"{f.direction}: {type_text(f.type)}", skip_first=block)
                  for f in decl_fields(stmt)]
        return [_symbol(analysis, codec, stmt, stmt.name, K.Interface, "signature", fields)]
    if isinstance(stmt, ast.TypeDecl):
        fields = [_symbol(analysis, codec, f, f.name, K.Field, type_text(f.type), skip_first=False)
                  for f in stmt.fields]
        return [_symbol(analysis, codec, stmt, stmt.name, K.Struct, "type", fields)]
    if isinstance(stmt, ast.EnumDecl):
        members = [_symbol(analysis, codec, stmt, m, K.EnumMember) for m in stmt.members]
        return [_symbol(analysis, codec, stmt, stmt.name, K.Enum, "enum", members)]
    if isinstance(stmt, ast.ModuleDecl):
        return [_module(analysis, codec, stmt)]
    if isinstance(stmt, ast.FuncDef):
        return [_function(analysis, codec, stmt, K.Function)]
    if isinstance(stmt, ast.Let):
        names = stmt.target.names if isinstance(stmt.target, ast.TupleTarget) else (stmt.target,)
        return [_symbol(analysis, codec, stmt, n.id, K.Variable, "let") for n in names
                if isinstance(n, ast.Name)]
    if isinstance(stmt, ast.CompileStmt):
        return [_symbol(analysis, codec, stmt, stmt.name, K.Variable, "compile")]
    return []


def _function(analysis: Analysis, codec: PositionCodec, func: ast.FuncDef,
              kind: types.SymbolKind) -> types.DocumentSymbol:
    detail = "def " + func.name + params_text(func.params)
    return _symbol(analysis, codec, func, func.name, kind, detail)


def _module(analysis: Analysis, codec: PositionCodec, decl: ast.ModuleDecl) -> types.DocumentSymbol:
    """A module with its attributes and methods as children."""
    children = [_symbol(analysis, codec, a, a.name, K.Property, skip_first=False)
                for a in decl.attrs]
    children += [_function(analysis, codec, m, K.Method) for m in decl.methods]
    return _symbol(analysis, codec, decl, decl.name, K.Class, "module" + params_text(decl.params),
                   children)
