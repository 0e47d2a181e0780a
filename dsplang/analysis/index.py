"""The static index of one document: its scopes and the definitions each scope holds, with
the span of each name; the language server's go-to-definition, hover, completion, symbols and
references read it.

Scopes follow the checker's rules (the binding kinds and hoisting of `scopes.py`) closely
enough for an editor: the file, each `def`,
each `module` (params, attributes, methods and `self`), each compound statement
(`if`/`for`/`while`/`with`/`try`, all branches sharing one scope), lambdas and
comprehensions. A scope ends where the next statement of its parent block starts, so a
cursor on the blank line being typed at the end of a block is still inside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dsplang.analysis.imports import resolve_dsp_path
from dsplang.analysis.scopes import DECL_TYPES, DECL_WORDS, HOISTED_KINDS, IMPORT_TYPES, target_names
from dsplang.analysis.source import Pos, find_word, span_end, span_start
from dsplang.errors import Span
from dsplang.grammar import ast
from dsplang.grammar.visitor import child_nodes

__all__ = ["DECL_WORDS", "Definition", "Index", "Scope"]

END = (1 << 30, 0)
_COMPOUND = (ast.If, ast.For, ast.While, ast.With, ast.Try)


@dataclass(eq=False)
class Definition:
    """A name bound somewhere: `kind` says how, `span` is where the name is written.

    kinds: decl, imported, method, attr, param, self, let, for, compile, alias, comp,
    import (Python), namespace (`import "x.dsp" as n`; `target` is the path), field,
    member, output. `value` is the bound expression, when there is one.
    """

    name: str
    kind: str
    span: Span
    node: object
    index: Index
    scope: Scope | None = None
    value: object = None
    target: str | None = None

    @property
    def pos(self) -> Pos:
        return span_start(self.span)


@dataclass(eq=False)
class Scope:
    """A region of the file and the names declared directly in it."""

    kind: str
    start: Pos
    end: Pos
    parent: Scope | None = None
    owner: object = None
    indent: int = 0
    node_end: Pos = END
    defs: dict[str, list[Definition]] = field(default_factory=dict)
    children: list[Scope] = field(default_factory=list)

    def child(self, kind: str, node: ast.Node, end: Pos, owner: object = None) -> Scope:
        """A new scope for `node`, ending at `end` (or where the node ends, if later)."""
        start = span_start(node.span)
        scope = Scope(kind, start, max(end, span_end(node.span)), self, owner or node,
                      indent=start[1], node_end=span_end(node.span))
        self.children.append(scope)
        return scope

    def add(self, definition: Definition) -> None:
        definition.scope = self
        self.defs.setdefault(definition.name, []).append(definition)

    def holds(self, pos: Pos) -> bool:
        """True when `pos` is inside this scope (a dedented cursor past its text is not)."""
        if not self.start <= pos < self.end:
            return False
        return pos <= self.node_end or pos[1] > self.indent


class Index:
    """The scopes of one file; `load(path)` gives the Index of an imported .dsp file."""

    def __init__(self, path: str, lines: list[str], program: ast.Program | None,
                 load: Callable[[str], Index | None]):
        self.path = path
        self.lines = lines
        self.program = program
        self.load = load
        self.top = Scope("file", (1, 1), END)
        self.scopes_of: dict[int, Scope] = {}
        if program is not None:
            _Builder(self).file(program)

    def scope_at(self, pos: Pos) -> Scope:
        """The innermost scope holding `pos`."""
        scope = self.top
        while True:
            inner = next((c for c in reversed(scope.children) if c.holds(pos)), None)
            if inner is None:
                return scope
            scope = inner

    def lookup(self, name: str, pos: Pos) -> Definition | None:
        """The definition `name` means at `pos`, or None (builtins are not definitions)."""
        scope, ordered = self.scope_at(pos), True
        while scope is not None:
            found = _pick(scope.defs.get(name, ()), pos, ordered)
            if found is not None:
                return found
            if scope.kind in ("def", "module", "lambda"):
                ordered = False
            scope = scope.parent
        return None

    def visible(self, pos: Pos) -> dict[str, Definition]:
        """Every name visible at `pos`, innermost first wins."""
        out: dict[str, Definition] = {}
        scope, ordered = self.scope_at(pos), True
        while scope is not None:
            for name, defs in scope.defs.items():
                found = _pick(defs, pos, ordered, strict=True)
                if found is not None:
                    out.setdefault(name, found)
            if scope.kind in ("def", "module", "lambda"):
                ordered = False
            scope = scope.parent
        return out

    def exports(self) -> dict[str, Definition]:
        """The top-level declarations of this file (what `import "x.dsp"` brings in)."""
        out = {}
        for name, defs in self.top.defs.items():
            own = [d for d in defs if d.kind == "decl" and d.index is self]
            if own:
                out[name] = own[-1]
        return out

    def scope_of(self, node: object) -> Scope | None:
        """The scope a def, module or compound statement opened."""
        return self.scopes_of.get(id(node))


def _pick(defs, pos: Pos, ordered: bool, strict: bool = False) -> Definition | None:
    """The binding in effect at `pos`: the last hoisted or earlier one (any, unless strict)."""
    chosen = None
    for definition in defs:
        if definition.kind in HOISTED_KINDS or not ordered or definition.pos <= pos:
            chosen = definition
    if chosen is None and defs and not strict:
        chosen = defs[0]
    return chosen


class _Builder:
    """Walks a Program once, filling the Index's scopes."""

    def __init__(self, index: Index):
        self.index = index
        self.lines = index.lines

    def define(self, scope: Scope, name: str, kind: str, span: Span, node, **extra) -> Definition:
        definition = Definition(name, kind, span, node, self.index, **extra)
        scope.add(definition)
        return definition

    def name_span(self, node: ast.Node, name: str, skip_first: bool = True) -> Span:
        return find_word(self.lines, node.span, name, skip_first)

    def file(self, program: ast.Program) -> None:
        """Imports first, then hoisted declarations, then every statement in order."""
        top = self.index.top
        for stmt in program.body:
            if isinstance(stmt, IMPORT_TYPES):
                self.import_(stmt, top)
        for stmt in program.body:
            if isinstance(stmt, DECL_TYPES):
                self.define(top, stmt.name, "decl", self.name_span(stmt, stmt.name), stmt)
        self.block(program.body, top, top.end, hoisted=True)

    def import_(self, stmt, scope: Scope) -> None:
        """Bind what an import statement brings into `scope`."""
        if isinstance(stmt, ast.FromImport):
            for item in stmt.names:
                name = item.alias or item.name
                self.define(scope, name, "import", find_word(self.lines, item.span, name), stmt)
        elif isinstance(stmt, ast.ImportPython):
            name = stmt.alias or stmt.module.split(".")[0]
            self.define(scope, name, "import", self.name_span(stmt, name), stmt)
        elif stmt.alias:
            self.define(scope, stmt.alias, "namespace", find_word(self.lines, stmt.span, stmt.alias),
                        stmt, target=resolve_dsp_path(stmt.path, self.index.path))
        else:
            other = self.index.load(resolve_dsp_path(stmt.path, self.index.path))
            for definition in (other.exports().values() if other is not None else ()):
                scope.defs.setdefault(definition.name, []).append(definition)

    def block(self, stmts, scope: Scope, end: Pos, hoisted: bool = False) -> None:
        """Walk one block; each statement's own scope ends where the next statement starts."""
        for i, stmt in enumerate(stmts):
            limit = span_start(stmts[i + 1].span) if i + 1 < len(stmts) else end
            self.stmt(stmt, scope, limit, hoisted)

    def stmt(self, stmt, scope: Scope, limit: Pos, hoisted: bool = False) -> None:
        """Bind what one statement declares and walk its nested blocks and expressions."""
        if isinstance(stmt, ast.FuncDef):
            if not hoisted:
                self.define(scope, stmt.name, "decl", self.name_span(stmt, stmt.name), stmt)
            self.function(stmt, scope, limit, "def")
        elif isinstance(stmt, ast.ModuleDecl):
            if not hoisted:
                self.define(scope, stmt.name, "decl", self.name_span(stmt, stmt.name), stmt)
            self.module(stmt, scope, limit)
        elif isinstance(stmt, DECL_TYPES):
            if not hoisted:
                self.define(scope, stmt.name, "decl", self.name_span(stmt, stmt.name), stmt)
            self.exprs(getattr(stmt, "fields", ()), scope, limit)
        elif isinstance(stmt, IMPORT_TYPES):
            if not hoisted:
                self.import_(stmt, scope)
        elif isinstance(stmt, _COMPOUND):
            self.compound(stmt, scope, limit)
        else:
            self.simple(stmt, scope, limit)

    def simple(self, stmt, scope: Scope, limit: Pos) -> None:
        """`let`, `compile` and plain statements: bind names, then walk expressions."""
        self.exprs(stmt, scope, limit)
        if isinstance(stmt, ast.Let):
            for name in target_names(stmt.target):
                self.define(scope, name.id, "let", name.span, stmt, value=stmt.value)
        elif isinstance(stmt, ast.CompileStmt):
            self.define(scope, stmt.name, "compile", self.name_span(stmt, stmt.name), stmt,
                        value=stmt.program)

    def function(self, func: ast.FuncDef, scope: Scope, limit: Pos, kind: str) -> Scope:
        """A def's scope: its parameters and its body."""
        inner = scope.child(kind, func, limit)
        self.index.scopes_of[id(func)] = inner
        self.params(func.params, scope, inner, limit)
        self.block(func.body, inner, inner.end)
        return inner

    def params(self, params, outer: Scope, inner: Scope, limit: Pos) -> None:
        """Bind parameters in `inner`; their defaults are expressions of `outer`."""
        for param in params:
            self.exprs(param.default, outer, limit)
            self.define(inner, param.name, "param", find_word(self.lines, param.span, param.name),
                        param)

    def module(self, decl: ast.ModuleDecl, scope: Scope, limit: Pos) -> None:
        """A module's scope: params, attributes, methods and `self`; then each method."""
        inner = scope.child("module", decl, limit)
        self.index.scopes_of[id(decl)] = inner
        self.params(decl.params, scope, inner, limit)
        self.define(inner, "self", "self", self.name_span(decl, decl.name), decl)
        for attr in decl.attrs:
            self.exprs(attr.value, inner, limit)
            self.define(inner, attr.name, "attr", find_word(self.lines, attr.span, attr.name),
                        attr, value=attr.value)
        for method in decl.methods:
            self.define(inner, method.name, "method", self.name_span(method, method.name), method)
        for i, method in enumerate(decl.methods):
            end = span_start(decl.methods[i + 1].span) if i + 1 < len(decl.methods) else inner.end
            self.function(method, inner, end, "def")

    def compound(self, stmt, scope: Scope, limit: Pos) -> None:
        """One scope for all the blocks of an if/for/while/with/try statement."""
        inner = scope.child("block", stmt, limit)
        self.index.scopes_of[id(stmt)] = inner
        if isinstance(stmt, ast.For):
            for name in target_names(stmt.target):
                self.define(inner, name.id, "for", name.span, stmt)
        if isinstance(stmt, ast.With) and stmt.alias:
            self.define(inner, stmt.alias, "alias", self.name_span(stmt, stmt.alias), stmt)
        self.exprs(_header(stmt), scope, limit)
        self.block(stmt.body, inner, inner.end)
        for handler in stmt.handlers if isinstance(stmt, ast.Try) else ():
            if handler.alias:
                self.define(inner, handler.alias, "alias", self.name_span(handler, handler.alias), handler)
            self.block(handler.body, inner, inner.end)
        if isinstance(stmt, (ast.If, ast.Try)):
            self.block(stmt.orelse, inner, inner.end)
        if isinstance(stmt, ast.Try):
            self.block(stmt.finalbody, inner, inner.end)

    def exprs(self, node, scope: Scope, limit: Pos) -> None:
        """Find lambdas and comprehensions inside `node` and give each its scope."""
        if isinstance(node, (tuple, list)):
            for item in node:
                self.exprs(item, scope, limit)
            return
        if not isinstance(node, ast.Node):
            return
        if isinstance(node, ast.Lambda):
            inner = scope.child("lambda", node, span_end(node.span))
            self.params(node.params, scope, inner, limit)
            self.exprs(node.body, inner, limit)
            return
        if isinstance(node, (ast.ListComp, ast.DictComp)):
            inner = scope.child("comp", node, span_end(node.span))
            for gen in node.generators:
                self.exprs(gen.iter, inner, limit)
                for name in target_names(gen.target):
                    self.define(inner, name.id, "comp", name.span, gen)
                self.exprs(gen.ifs, inner, limit)
            results = (node.elt,) if isinstance(node, ast.ListComp) else (node.key, node.value)
            self.exprs(results, inner, limit)
            return
        for child in child_nodes(node):
            self.exprs(child, scope, limit)


def _header(stmt) -> tuple:
    """The expressions a compound statement evaluates in the enclosing scope."""
    if isinstance(stmt, (ast.If, ast.While)):
        return (stmt.test,)
    if isinstance(stmt, ast.For):
        return (stmt.iter,)
    if isinstance(stmt, ast.With):
        return (stmt.value,)
    return ()
