"""The scope machinery of the one walk over a program (`analyzer.Analyzer`): opening a
scope for a block with the region of the file it covers, binding names in it, running
function bodies after the top level, and recording problems.

Each scope the walk opens is kept in the Model with the region of the file it covers (the
statement that opened it, up to where the next statement of the enclosing block starts).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from dsplang.analysis.declares import declared_later
from dsplang.analysis.imports import DspFiles, PyModules
from dsplang.analysis.model import END, Binding, Model, Scope
from dsplang.analysis.source import Pos
from dsplang.errors import DspCheckError, Span, did_you_mean
from dsplang.grammar import ast, names
from dsplang.grammar.visitor import NodeVisitor

BUILTIN_NAMES = names.GLOBAL_NAMES | names.CONSTANTS

__all__ = ["Walk"]

# One block of a compound statement: its statements, the names bound on entry, and where
# its region starts when that is known (an `except` clause); else after the block before it.
Branch = tuple[Sequence[ast.Node], list[Binding], Pos | None]


class Walk(NodeVisitor):
    """The state of one walk (the current scope, loop and function context, the problems
    found) and the scope machinery the checks use; `types.TypeChecks`, `exprs.ExprChecks`,
    `stmts.StmtChecks` and `analyzer.Analyzer` build on it in that order."""

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
        with self.entered(scope, loop=loop, function=function):
            self.block_end = scope.end
            last = len(stmts) - 1
            for i, stmt in enumerate(stmts):
                self.following = stmts[i + 1] if i < last else None
                self.visit(stmt)

    def branches(self, node: ast.Node, parts: list[Branch], loop: bool | None = None) -> None:
        """The blocks of a compound statement, each its own scope; the first is the one
        `Model.scope_of(node)` gives. A block's region runs to where the next one starts."""
        limit = self.limit
        span = node.span
        last = len(parts) - 1
        start: Pos = (span.line, span.col)
        for i, (stmts, declare, begin) in enumerate(parts):
            if begin is not None:
                start = begin
            if i == last:
                node_end, end = (span.end_line, span.end_col), limit
            else:
                node_end = (stmts[-1].span.end_line, stmts[-1].span.end_col) if stmts else start
                end = parts[i + 1][2] or node_end
            scope = self.child("block", node, end, start, node_end)
            if i == 0:
                self.model.scopes_of[id(node)] = scope
            self.block(scope, stmts, declare, loop=loop)
            start = end

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
        binding.rebound = True
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
