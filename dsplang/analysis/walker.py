"""The one walk of a program: it builds the scope `Model` and reports every static problem.

Scoping rules (the interpreter follows the same ones):

1. Top-level declarations (`signature`, `type`, `enum`, `module`, `def`) are hoisted:
   visible in the whole file, before and after. Top-level imports are processed
   first. A top-level `let x` (or `compile x = ...`) declares `x` from that
   statement onward for top-level statements; inside function and method bodies
   every top-level name of the file is visible (functions run later).
2. Every block (function/method body, if/elif/else, for/while, with,
   try/except/else/finally bodies) is its own scope for `let`: `let x = e`
   declares x in the innermost block, visible to the rest of that block and to
   nested blocks. Shadowing an outer name in an inner block is allowed; a second
   `let x` in the same block is an error. `let a, b = e` declares both.
   A declaration nested in a block (a `def` inside a `def`) is declared where it
   stands, like `let`.
3. `x = e` / `x += e` need x declared in an enclosing scope; builtins and
   declaration names (signature/type/enum/module/def, methods, `self`) cannot be
   assigned. `x.attr = e` and `x[i] = e` only need x to be a known name.
4. `for t in e` declares t (or `a, b`) in the loop body's scope. Comprehension
   targets are local to the comprehension; lambda and def parameters to their
   bodies. `except E as err` declares err in the handler body; `with e as n`
   declares n in the with body.
5. In `module NAME(params):` the params, attributes (`name = EXPR`) and method
   names are visible in its methods, plus `self`. An attribute's value sees the
   params and the attributes before it. Methods may assign to attributes/params.
6. Names must be declared or builtins (`names.GLOBAL_NAMES`, `names.CONSTANTS`).
   A name used in a block before that block's `let` of it (and not visible from
   outside) is "used before it is declared".
7. `from pymod import a as b` declares b; `import pymod [as n]` declares its first
   component or n. Python modules are located but never imported (see
   `analysis.imports`): a module that cannot be found beside the file or installed
   is an import error, and so is a name missing from a plain `.py` module.
   `import "x.dsp"` declares x.dsp's top-level declarations (a declaration of
   this file with the same name wins); `import "x.dsp" as n` declares n, and
   `n.Foo` must be one of them. A missing file or an import cycle is an error.
8. `except NAME` must name one of `names.ERROR_NAMES`. `break`/`continue` outside
   a loop and `return` outside a def are errors; so are duplicate top-level
   declarations and duplicate parameters.
9. Types (fields, annotations, short-form signature strings, string arguments of
   `Predict`/`ChainOfThought`/...) must be builtin, declared or imported types.
10. A direct call of a `def` or `module` declared in .dsp source is checked for
   arity and keyword names (skipped when `*args`/`**kwargs` are involved).
11. `compile NAME = ...` declares NAME (recompiling a name is fine); `save NAME`
   and `load NAME` need NAME declared.

Function bodies, default values and module bodies are checked after the
top-level statements, in the scope they were declared in, so they see every
name that is declared by the time they can run.

Each scope the walk opens is kept in the Model with the region of the file it covers
(the statement that opened it, up to where the next statement of the enclosing block
starts), and each name it resolves is recorded as a use of its binding.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from dsplang.analysis.declares import DECL_TYPES, IMPORT_TYPES, declared_later
from dsplang.analysis.exprs import BUILTIN_NAMES, ExprChecks
from dsplang.analysis.imports import DspFiles, PyModules
from dsplang.analysis.model import END, Binding, Model, Scope
from dsplang.analysis.source import Pos
from dsplang.analysis.stmts import StmtChecks
from dsplang.analysis.types import TypeChecks
from dsplang.errors import DspCheckError, Span, did_you_mean
from dsplang.grammar import ast
from dsplang.grammar.visitor import NodeVisitor

__all__ = ["Analyzer"]

# One block of a compound statement: its statements, the names bound on entry, and where
# its region starts when that is known (an `except` clause); else after the block before it.
Branch = tuple[Sequence[ast.Node], list[Binding], Pos | None]


class Analyzer(StmtChecks, ExprChecks, TypeChecks, NodeVisitor):
    """Walks one program, keeping the current scope and filling `model`."""

    def __init__(self, model: Model, dsp_files: DspFiles | None = None):
        self.model = model
        self.filename = model.path
        self.folder = os.path.dirname(os.path.abspath(model.path))
        self.errors: list[DspCheckError] = model.problems
        self.scope: Scope = model.top
        # The statement after the one being walked, in its block (None: the last one), and
        # where that block's region ends: a scope the statement opens reaches to there.
        self.following: ast.Node | None = None
        self.block_end: Pos = END
        self.loop_depth = 0
        self.in_function = False
        self.deferred: deque[Callable[[], None]] = deque()
        self.dsp_files = dsp_files or DspFiles()
        self.py_modules = PyModules()

    def report(self, kind: str, message: str, span: Span | None, hint: str | None = None) -> None:
        """Record one problem."""
        self.errors.append(DspCheckError(message, span, hint, kind=kind))

    def check(self, program: ast.Program, outer: Scope | None = None) -> None:
        """Walk the whole program: imports, hoisted declarations, statements, then bodies.
        `outer`, when given, holds names bound before this program (earlier REPL inputs)."""
        body = program.body
        top = self.model.top
        top.parent = outer
        top.pending = declared_later(body, include_imports=False)
        self.scope = top
        for stmt in body:
            if isinstance(stmt, IMPORT_TYPES):
                self.visit(stmt)
        self.hoist(body)
        for i, stmt in enumerate(body):
            if not isinstance(stmt, IMPORT_TYPES):
                self.following = body[i + 1] if i + 1 < len(body) else None
                self.visit(stmt)
        while self.deferred:
            self.deferred.popleft()()

    def hoist(self, body: Sequence[ast.Node]) -> None:
        """Declare the top-level declarations; a repeated name is reported at the later one."""
        for stmt in body:
            if not isinstance(stmt, DECL_TYPES):
                continue
            old = self.scope.names.get(stmt.name)
            if old is not None and old.kind != "imported":
                self.report("name error", f"{stmt.name!r} is already declared (line {old.line})",
                            stmt.span)
                continue
            self.scope.declare(Binding(stmt.name, "decl", stmt.span.line, stmt, stmt.span, True))

    # ------------------------------------------------------------ scopes

    @property
    def limit(self) -> Pos:
        """Where a scope opened by the statement being walked ends: the next statement's start."""
        following = self.following
        return (following.span.line, following.span.col) if following is not None else self.block_end

    def child(self, kind: str, node: ast.Node, end: Pos, start: Pos | None = None,
              node_end: Pos | None = None) -> Scope:
        """A new scope inside the current one, covering `node` from `start` to `end`."""
        span = node.span
        scope = Scope(self.scope, None, kind, None, node)
        scope.start = start or (span.line, span.col)
        scope.node_end = node_end or (span.end_line, span.end_col)
        scope.end = max(end, scope.node_end)
        scope.indent = span.col
        self.scope.children.append(scope)
        return scope

    @contextmanager
    def entered(self, scope: Scope, *, loop: bool | None = None,
                function: bool | None = None) -> Iterator[Scope]:
        """Make `scope` current (and set loop/function context) for the duration of a block."""
        saved = (self.scope, self.loop_depth, self.in_function, self.following, self.block_end)
        self.scope = scope
        if loop is not None:
            self.loop_depth = self.loop_depth + 1 if loop else 0
        if function is not None:
            self.in_function = function
        try:
            yield scope
        finally:
            self.scope, self.loop_depth, self.in_function, self.following, self.block_end = saved

    def block(self, scope: Scope, stmts: Sequence[ast.Node], declare: Sequence[Binding] = (),
              loop: bool | None = None, function: bool | None = None) -> None:
        """Walk a block in `scope` (a new one), after binding `declare` (loop targets, aliases)."""
        scope.pending = declared_later(stmts)
        for binding in declare:
            scope.declare(binding)
        saved = (self.scope, self.loop_depth, self.in_function, self.following, self.block_end)
        self.scope = scope
        if loop is not None:
            self.loop_depth = self.loop_depth + 1 if loop else 0
        if function is not None:
            self.in_function = function
        self.block_end = scope.end
        last = len(stmts) - 1
        try:
            for i, stmt in enumerate(stmts):
                self.following = stmts[i + 1] if i < last else None
                self.visit(stmt)
        finally:
            self.scope, self.loop_depth, self.in_function, self.following, self.block_end = saved

    def branches(self, node: ast.Node, parts: list[Branch], loop: bool | None = None) -> None:
        """The blocks of a compound statement, each its own scope; the first is the one
        `Model.scope_of(node)` gives. A block's region runs to where the next one starts."""
        if len(parts) == 1:
            stmts, declare, _ = parts[0]
            scope = self.child("block", node, self.limit)
            self.model.scopes_of[id(node)] = scope
            self.block(scope, stmts, declare, loop=loop)
            return
        starts: list[Pos] = []
        ends: list[Pos] = []
        for i, (stmts, _, start) in enumerate(parts):
            begin = start or (_start(node) if i == 0 else ends[-1])
            starts.append(begin)
            if i + 1 == len(parts):
                ends.append(_end(node))
            else:
                ends.append(_end(stmts[-1]) if stmts else begin)
        limit = self.limit
        for i, (stmts, declare, _) in enumerate(parts):
            end = starts[i + 1] if i + 1 < len(parts) else limit
            scope = self.child("block", node, end, starts[i], ends[i])
            if i == 0:
                self.model.scopes_of[id(node)] = scope
            self.block(scope, stmts, declare, loop=loop)

    def later(self, scope: Scope, action: Callable[[], None]) -> None:
        """Run `action` after the top-level walk, with `scope` current and no loop around it."""
        following, block_end = self.following, self.block_end

        def run() -> None:
            saved = (self.scope, self.loop_depth, self.in_function, self.following, self.block_end)
            self.scope, self.loop_depth, self.following, self.block_end = scope, 0, following, block_end
            try:
                action()
            finally:
                self.scope, self.loop_depth, self.in_function, self.following, self.block_end = saved
        self.deferred.append(run)

    # ------------------------------------------------------------ names

    def declare_local(self, binding: Binding, span: Span) -> None:
        """Declare a name in the current block; a second declaration in one block is an error."""
        old = self.scope.names.get(binding.name)
        if old is not None:
            self.report("name error", f"{binding.name!r} is already declared in this scope "
                        f"(line {old.line})", span)
            return
        self.scope.declare(binding)

    def store(self, name: str, span: Span) -> None:
        """Check that `x = e` may rebind `x` here (a use of its binding)."""
        binding = self.scope.lookup(name)
        if binding is None:
            self._store_undeclared(name, span)
            return
        binding.uses.append(span)
        if not binding.assignable:
            what = f"{binding.describe()} " if binding.kind != "self" else ""
            self.report("name error", f"cannot assign to {what}{name!r}", span,
                        f"declare a new name with `let {name} = ...` in an inner block"
                        if binding.kind in ("decl", "imported") else None)

    def _store_undeclared(self, name: str, span: Span) -> None:
        if name in BUILTIN_NAMES:
            self.report("name error", f"cannot assign to builtin {name!r}", span,
                        f"declare your own with `let {name} = ...`")
            return
        line = self.scope.pending_line(name)
        if line is not None:
            self.report("name error", f"{name!r} is assigned before it is declared (line {line})", span)
            return
        hint = did_you_mean_assignable(name, self.scope) or f"declare it first with `let {name} = ...`"
        self.report("name error", f"assignment to undeclared name {name!r}", span, hint)


def did_you_mean_assignable(name: str, scope: Scope) -> str | None:
    """A did-you-mean hint among the visible names that may be assigned."""
    candidates = {n for n in scope.visible() if (b := scope.lookup(n)) is not None and b.assignable}
    return did_you_mean(name, candidates)


def _start(node: ast.Node) -> Pos:
    span = node.span
    return (span.line, span.col)


def _end(node: ast.Node) -> Pos:
    span = node.span
    return (span.end_line, span.end_col)
