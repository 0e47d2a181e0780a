"""The one static scope model of a .dsp file: `dsp check`, the language server and the REPL's
completion all read it.

A `Model` is what one walk of a program (`analysis.walker.Analyzer`) finds: a tree of
`Scope`s, each holding the `Binding`s declared directly in it, and the problems found on the
way. A binding carries its kind, where its name is written, its declared type, its docs, the
expression it is bound to, and the places that use it (`uses`), so that find-references and
rename read the same model as the checker and hover.

Two kinds of question are answered:

- during the walk, in program order: `Scope.lookup(name)` (what a name means here) and
  `Scope.pending_line(name)` (a later `let` of it in this block);
- afterwards, by position, for editors: `Model.scope_at(pos)`, `Model.lookup(name, pos)`,
  `Model.visible(pos)`, `Model.binding_at(pos)`. A scope's region ends where the next
  statement of its parent block starts, so a cursor on the blank line being typed at the end
  of a block is still inside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from dsplang.analysis.source import Pos, find_word, split_lines
from dsplang.errors import DspCheckError, DspError, Span
from dsplang.grammar import ast

__all__ = ["BUILTIN", "Binding", "DECL_WORDS", "Model", "Scope"]

# Binding kinds that plain assignment (`x = e`) may not rebind.
FIXED_KINDS = frozenset({"decl", "imported", "method", "self"})
# Kinds visible in their whole scope to a position query, not only after the line that binds them.
HOISTED_KINDS = frozenset({"decl", "imported", "method", "attr", "param", "self", "namespace", "import"})
# Scopes whose bodies run later: past one, a position query sees names bound anywhere in the file.
DEFERRED_SCOPES = frozenset({"def", "module", "lambda"})

DECL_WORDS: dict[type, str] = {
    ast.SignatureDecl: "signature", ast.SignatureAlias: "signature", ast.TypeDecl: "type",
    ast.EnumDecl: "enum", ast.ModuleDecl: "module", ast.FuncDef: "def",
}

END: Pos = (1 << 30, 0)


@dataclass(eq=False, slots=True)
class Binding:
    """What a name means.

    kind: let, compile, param, for, alias (except/with), comp, import (Python), namespace
    (`import "x.dsp" as n`: `target` is that file's path, `file` its Model and `exports`
    its declarations),
    decl (a declaration, `node` is it), imported (a declaration of an imported .dsp file:
    `origin` is its binding there), attr, method (node is the FuncDef), self (node is the
    ModuleDecl); and, made by `infer.members` for editors, field, member, input, output.

    `line` is the line the checker's messages name; `anchor` is the span the name is written
    in (with `skip_first`, after the span's first word, a keyword such as `def`), from which
    `span`, the name's own span, is found when it is first asked for (`self`'s span is its
    module's name; an anchor exactly as long as the name is its span). `uses` are the spans
    of the names the walk resolved to this binding. `rebound` is set when the name is assigned
    again (`x = e`, `x += e`, `x[k] = e` with a computed key): what it holds is then not known.
    """

    name: str
    kind: str
    line: int
    node: object = None
    anchor: Span | None = None
    skip_first: bool = False
    value: ast.Node | None = None
    target: str | None = None
    origin: Binding | None = None
    exports: dict[str, Binding] | None = None
    file: Model | None = None
    model: Model | None = None
    scope: Scope | None = None
    uses: list[Span] = field(default_factory=list)
    exact: Span | None = None
    rebound: bool = False

    @property
    def assignable(self) -> bool:
        return self.kind not in FIXED_KINDS

    def describe(self) -> str:
        """The word for what this name is: 'signature', 'def', 'method', 'builtin', ..."""
        if self.kind in ("decl", "imported"):
            return DECL_WORDS.get(type(self.node), "declaration")
        return self.kind

    @property
    def span(self) -> Span:
        """Where the name itself is written (the anchor when the source text is not known)."""
        if self.exact is None:
            anchor = self.anchor or Span("", self.line, 1, self.line, 1)
            lines = self.model.lines if self.model is not None else None
            word = self.node.name if self.kind == "self" and isinstance(self.node, ast.ModuleDecl) else self.name
            if lines is None or (not self.skip_first and anchor.line == anchor.end_line
                                 and anchor.end_col - anchor.col == len(word)):
                self.exact = anchor
            else:
                self.exact = find_word(lines, anchor, word, self.skip_first)
        return self.exact

    @property
    def pos(self) -> Pos:
        span = self.span
        return (span.line, span.col)

    @property
    def declared_type(self) -> ast.Node | None:
        """The type written for it (`let x: T`, `p: T`, a field's type), if any."""
        node = self.node
        if isinstance(node, ast.Let | ast.Param | ast.SigField | ast.FieldDecl):
            return node.type
        return None

    @property
    def doc(self) -> str | None:
        """The docstring of a declaration, or a field's description."""
        node = self.origin.node if self.origin is not None else self.node
        return getattr(node, "doc", None) or getattr(node, "desc", None)

    @property
    def home(self) -> Binding:
        """The binding in the file that declares the name (itself unless imported)."""
        return self.origin if self.origin is not None else self


BUILTIN = Binding("<builtin>", "builtin", 0)


class Scope:
    """One block's names; lookups walk out through `parent`.

    `pending` holds the names the block declares later (with their lines), so that a use
    before a `let` is reported as such rather than as an unknown name. `start`, `end`,
    `indent` and `node_end` are the region of the file the scope covers (set by the walk,
    `walker.Walk.child`, which also adds the scope to its parent's `children`).
    """

    __slots__ = ("kind", "parent", "model", "node", "names", "pending", "children",
                 "start", "end", "indent", "node_end")

    def __init__(self, parent: Scope | None = None, pending: dict[str, int] | None = None,
                 kind: str = "file", model: Model | None = None, node: object = None):
        self.kind = kind
        self.parent = parent
        self.model: Model | None = model if model is not None or parent is None else parent.model
        self.node = node
        self.names: dict[str, Binding] = {}
        self.pending: dict[str, int] = pending if pending is not None else {}
        self.children: list[Scope] = []
        self.start: Pos = (1, 1)
        self.end: Pos = END
        self.indent = 0
        self.node_end: Pos = END

    def declare(self, binding: Binding) -> Binding:
        """Bind a name in this block (it is no longer pending)."""
        binding.scope = self
        if binding.model is None:
            binding.model = self.model
        self.names[binding.name] = binding
        if self.pending:
            self.pending.pop(binding.name, None)
        return binding

    def lookup(self, name: str) -> Binding | None:
        """The nearest binding of `name`, or None."""
        scope: Scope | None = self
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

    def outward(self) -> Iterator[Scope]:
        """This scope, then each enclosing one."""
        scope: Scope | None = self
        while scope is not None:
            yield scope
            scope = scope.parent

    def holds(self, pos: Pos) -> bool:
        """True when `pos` is inside this scope (a dedented cursor past its text is not)."""
        if not self.start <= pos < self.end:
            return False
        return pos <= self.node_end or pos[1] > self.indent


class Model:
    """The static analysis of one file: its scopes, bindings and problems.

    `imports` are the absolute paths of the .dsp files it imports; `scopes_of` maps a def,
    module or compound statement (by id) to the scope it opened; `assigned_attrs` holds every
    attribute name the file assigns (`x.name = e`, `x["name"] = e`): a module attribute or a
    prediction field of that name may hold anything.
    """

    def __init__(self, path: str, program: ast.Program | None = None, source: str | None = None,
                 syntax_errors: list[DspError] | None = None, lines: list[str] | None = None):
        self.path = path
        self.program = program
        self.source = source
        self._lines = lines
        self.syntax_errors: list[DspError] = list(syntax_errors or ())
        self.problems: list[DspCheckError] = []
        self.imports: list[str] = []
        self.top = Scope(kind="file", model=self)
        self.scopes_of: dict[int, Scope] = {}
        self.assigned_attrs: set[str] = set()
        self._uses: dict[int, list[tuple[Span, Binding]]] | None = None

    @property
    def lines(self) -> list[str] | None:
        """The source lines (None when the model was made without its text)."""
        if self._lines is None and self.source is not None:
            self._lines = split_lines(self.source)
        return self._lines

    # ------------------------------------------------------------ by position

    def scope_at(self, pos: Pos) -> Scope:
        """The innermost scope holding `pos`."""
        scope = self.top
        while True:
            inner = next((c for c in reversed(scope.children) if c.holds(pos)), None)
            if inner is None:
                return scope
            scope = inner

    def lookup(self, name: str, pos: Pos) -> Binding | None:
        """The binding `name` means at `pos`: the innermost one (even when it is bound later
        in that scope), or None (builtins are not bindings)."""
        return self.scope_at(pos).lookup(name)

    def visible(self, pos: Pos) -> dict[str, Binding]:
        """Every name bound at `pos` (already, unless hoisted), the innermost binding first."""
        out: dict[str, Binding] = {}
        scope: Scope | None = self.scope_at(pos)
        ordered = True
        while scope is not None:
            for name, binding in scope.names.items():
                if name not in out and (not ordered or _in_effect(binding, pos)):
                    out[name] = binding
            if scope.kind in DEFERRED_SCOPES or scope is self.top:   # outside: earlier inputs
                ordered = False
            scope = scope.parent
        return out

    def binding_at(self, pos: Pos) -> Binding | None:
        """The binding a name written at `pos` was resolved to by the walk, if any."""
        if self._uses is None:
            self._uses = {}
            for binding in self.bindings():
                for span in binding.uses:
                    self._uses.setdefault(span.line, []).append((span, binding))
        for span, binding in self._uses.get(pos[0], ()):
            if span.col <= pos[1] <= span.end_col:
                return binding
        return None

    def declared_at(self, pos: Pos) -> Binding | None:
        """The binding whose name is written (declared) at `pos` in this file, if any."""
        for binding in self.bindings():
            anchor = binding.anchor
            if anchor is None or binding.kind in ("imported", "self") or not anchor.line <= pos[0] <= anchor.end_line:
                continue
            span = binding.span
            if span.line == pos[0] and span.col <= pos[1] <= span.end_col:
                return binding
        return None

    def bindings(self) -> Iterator[Binding]:
        """Every binding declared in this file's scopes (imported ones included once per scope)."""
        todo = [self.top]
        while todo:
            scope = todo.pop()
            yield from scope.names.values()
            todo.extend(scope.children)

    def exports(self) -> dict[str, Binding]:
        """The top-level declarations of this file (what `import "x.dsp"` brings in)."""
        return {name: b for name, b in self.top.names.items() if b.kind == "decl"}

    def scope_of(self, node: object) -> Scope | None:
        """The scope a def, module or compound statement opened."""
        return self.scopes_of.get(id(node))


def _in_effect(binding: Binding, pos: Pos) -> bool:
    """Whether a binding is in effect at `pos` of its own scope: hoisted, or bound before."""
    return binding.kind in HOISTED_KINDS or binding.pos <= pos
