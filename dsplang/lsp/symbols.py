"""Document symbols: the outline of a file — signatures with their fields, types, enums,
modules with their attributes and methods, functions, and top-level `let`s."""

from __future__ import annotations

from lsprotocol import types

from dsplang.grammar import ast
from dsplang.lsp.analysis import Analysis
from dsplang.lsp.describe import params_text, type_text
from dsplang.lsp.diagnostics import to_range
from dsplang.lsp.infer import decl_fields
from dsplang.lsp.text import find_word

K = types.SymbolKind


def symbols(analysis: Analysis) -> list[types.DocumentSymbol]:
    """The outline of the document's top-level statements."""
    if analysis.program is None:
        return []
    out: list[types.DocumentSymbol] = []
    for stmt in analysis.program.body:
        out.extend(_statement(analysis, stmt))
    return out


def _symbol(analysis: Analysis, node: ast.Node, name: str, kind: types.SymbolKind,
            detail: str | None = None, children=None, skip_first: bool = True) -> types.DocumentSymbol:
    """A symbol whose range is the node and whose selection is the name inside it."""
    name_span = find_word(analysis.lines, node.span, name, skip_first)
    full = to_range(node.span)
    selection = to_range(name_span)
    if not _inside(selection, full):
        selection = types.Range(full.start, full.start)
    return types.DocumentSymbol(name=name or "?", kind=kind, range=full, selection_range=selection,
                                detail=detail, children=children or None)


def _inside(inner: types.Range, outer: types.Range) -> bool:
    def key(p: types.Position):
        return p.line, p.character
    return key(outer.start) <= key(inner.start) and key(inner.end) <= key(outer.end)


def _statement(analysis: Analysis, stmt) -> list[types.DocumentSymbol]:
    """The symbols one top-level statement contributes."""
    if isinstance(stmt, (ast.SignatureDecl, ast.SignatureAlias)):
        block = isinstance(stmt, ast.SignatureDecl)
        fields = [_symbol(analysis, f, f.name, K.Field, f"{f.direction}: {type_text(f.type)}",
                          skip_first=block) for f in decl_fields(stmt)]
        return [_symbol(analysis, stmt, stmt.name, K.Interface, "signature", fields)]
    if isinstance(stmt, ast.TypeDecl):
        fields = [_symbol(analysis, f, f.name, K.Field, type_text(f.type), skip_first=False)
                  for f in stmt.fields]
        return [_symbol(analysis, stmt, stmt.name, K.Struct, "type", fields)]
    if isinstance(stmt, ast.EnumDecl):
        members = [_symbol(analysis, stmt, m, K.EnumMember) for m in stmt.members]
        return [_symbol(analysis, stmt, stmt.name, K.Enum, "enum", members)]
    if isinstance(stmt, ast.ModuleDecl):
        return [_module(analysis, stmt)]
    if isinstance(stmt, ast.FuncDef):
        return [_function(analysis, stmt, K.Function)]
    if isinstance(stmt, ast.Let):
        names = stmt.target.names if isinstance(stmt.target, ast.TupleTarget) else (stmt.target,)
        return [_symbol(analysis, stmt, n.id, K.Variable, "let") for n in names
                if isinstance(n, ast.Name)]
    if isinstance(stmt, ast.CompileStmt):
        return [_symbol(analysis, stmt, stmt.name, K.Variable, "compile")]
    return []


def _function(analysis: Analysis, func: ast.FuncDef, kind: types.SymbolKind) -> types.DocumentSymbol:
    return _symbol(analysis, func, func.name, kind, "def " + func.name + params_text(func.params))


def _module(analysis: Analysis, decl: ast.ModuleDecl) -> types.DocumentSymbol:
    """A module with its attributes and methods as children."""
    children = [_symbol(analysis, a, a.name, K.Property, skip_first=False) for a in decl.attrs]
    children += [_function(analysis, m, K.Method) for m in decl.methods]
    return _symbol(analysis, decl, decl.name, K.Class, "module" + params_text(decl.params),
                   children)
