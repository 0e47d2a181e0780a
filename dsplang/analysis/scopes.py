"""Static scopes for the checker: which names a point of a .dsp file can see.

A `StaticScope` holds the `Binding`s declared so far in one block, plus the
names the block declares *later* (`pending`), so that a use before a `let` can
be reported as such rather than as an unknown name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dsplang.grammar import ast

# Binding kinds that plain assignment (`x = e`) may not rebind.
FIXED_KINDS = frozenset({"decl", "imported", "method", "self"})
# Kinds visible in their whole scope, not only after the line that binds them.
HOISTED_KINDS = frozenset({"decl", "imported", "method", "attr", "param", "self", "namespace", "import"})

DECL_WORDS = {
    ast.SignatureDecl: "signature", ast.SignatureAlias: "signature", ast.TypeDecl: "type",
    ast.EnumDecl: "enum", ast.ModuleDecl: "module", ast.FuncDef: "def",
}

DECL_TYPES = tuple(DECL_WORDS)
IMPORT_TYPES = (ast.FromImport, ast.ImportPython, ast.ImportDsp)


@dataclass(slots=True)
class Binding:
    """What a name means: `kind` says how it was declared, `node` carries detail.

    kinds (the language server's index uses the same words): let, compile, param, for,
    alias (except/with), comp, import (Python), namespace (`import "x.dsp" as n`, node is a
    DspFile), decl (a declaration of this file, node is the decl), imported (a declaration
    of an imported .dsp file), attr, method (node is the FuncDef), self.
    """

    name: str
    kind: str
    line: int
    node: object = None

    @property
    def assignable(self) -> bool:
        return self.kind not in FIXED_KINDS

    def describe(self) -> str:
        """The word for what this name is: 'signature', 'def', 'method', 'builtin', ..."""
        if self.kind in ("decl", "imported"):
            return DECL_WORDS.get(type(self.node), "declaration")
        return self.kind


BUILTIN = Binding("<builtin>", "builtin", 0)


class StaticScope:
    """One block's names; lookups walk out through `parent`."""

    __slots__ = ("parent", "names", "pending")

    def __init__(self, parent: StaticScope | None = None, pending: dict[str, int] | None = None):
        self.parent = parent
        self.names: dict[str, Binding] = {}
        self.pending: dict[str, int] = pending or {}

    def declare(self, binding: Binding) -> None:
        """Bind a name in this block (it is no longer pending)."""
        self.names[binding.name] = binding
        self.pending.pop(binding.name, None)

    def lookup(self, name: str) -> Binding | None:
        """The nearest binding of `name`, or None."""
        scope = self
        while scope is not None:
            found = scope.names.get(name)
            if found is not None:
                return found
            scope = scope.parent
        return None

    def pending_line(self, name: str) -> int | None:
        """The line of a later declaration of `name` in this block or an enclosing one."""
        return next((scope.pending[name] for scope in self.outward() if name in scope.pending), None)

    def visible(self) -> set[str]:
        """Every name bound in this scope and the enclosing ones."""
        return {name for scope in self.outward() for name in scope.names}

    def outward(self) -> Iterator[StaticScope]:
        """This scope, then each enclosing one."""
        scope: StaticScope | None = self
        while scope is not None:
            yield scope
            scope = scope.parent


def target_names(target: ast.Node) -> list[ast.Name]:
    """The Name nodes a `let`/`for`/comprehension target binds."""
    if isinstance(target, ast.TupleTarget):
        return list(target.names)
    if isinstance(target, ast.Name):
        return [target]
    return []


def declared_later(stmts: tuple, include_imports: bool = True) -> dict[str, int]:
    """Names the statements of one block declare, each with the line of its first declaration."""
    out: dict[str, int] = {}
    for stmt in stmts:
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


def format_params(params: tuple[ast.Param, ...]) -> str:
    """`(example, pred, trace=...)` — how an argument error lists a function's parameters."""
    parts = []
    for p in params:
        prefix = {"star": "*", "dstar": "**"}.get(p.kind, "")
        suffix = "=..." if p.default is not None else ""
        parts.append(f"{prefix}{p.name}{suffix}")
    return "(" + ", ".join(parts) + ")"
