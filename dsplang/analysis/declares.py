"""Which names a statement declares in its block, read before the block is walked (for
hoisting, and for "used before it is declared")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from dsplang.grammar import ast

DECL_TYPES = (ast.SignatureDecl, ast.SignatureAlias, ast.TypeDecl, ast.EnumDecl, ast.ModuleDecl, ast.FuncDef)
IMPORT_TYPES = (ast.FromImport, ast.ImportPython, ast.ImportDsp)
# The statement classes that declare names (every other statement is skipped at once).
_DECLARING = frozenset({ast.Let, ast.CompileStmt, *DECL_TYPES, *IMPORT_TYPES})


def target_names(target: ast.Node) -> list[ast.Name]:
    """The Name nodes a `let`/`for`/comprehension target binds."""
    if isinstance(target, ast.TupleTarget):
        return list(target.names)
    if isinstance(target, ast.Name):
        return [target]
    return []


def declared_later(stmts: Sequence[ast.Node], include_imports: bool = True) -> dict[str, int]:
    """Names the statements of one block declare, each with the line of its first declaration."""
    out: dict[str, int] = {}
    for stmt in stmts:
        cls = stmt.__class__
        if cls not in _DECLARING:
            continue
        if cls is ast.Let:   # the common case, `let name = ...`, made quick
            target = cast(ast.Let, stmt).target
            if isinstance(target, ast.Name):
                out.setdefault(target.id, stmt.span.line)
                continue
        for name in stmt_declares(stmt, include_imports):
            out.setdefault(name, stmt.span.line)
    return out


def stmt_declares(stmt: ast.Node, include_imports: bool = True) -> list[str]:
    """The names one statement declares in its block."""
    if isinstance(stmt, ast.Let):
        return [n.id for n in target_names(stmt.target)]
    if isinstance(stmt, (ast.CompileStmt,) + DECL_TYPES):
        return [stmt.name]
    if not include_imports:
        return []
    if isinstance(stmt, ast.FromImport):
        return [n.alias or n.name for n in stmt.names]
    if isinstance(stmt, ast.ImportPython):
        return [stmt.alias or stmt.module.split(".")[0]]
    if isinstance(stmt, ast.ImportDsp) and stmt.alias:
        return [stmt.alias]
    return []
