"""Static checks for `dsp check`: every problem in a file, found without running it.

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
"""

from __future__ import annotations

import os
from collections import deque
from contextlib import contextmanager

from dsplang.analysis.exprs import BUILTIN_NAMES, ExprChecks
from dsplang.analysis.imports import DspFiles, PyModules
from dsplang.analysis.scopes import DECL_TYPES, IMPORT_TYPES, Binding, StaticScope, declared_later
from dsplang.analysis.stmts import StmtChecks
from dsplang.analysis.types import TypeChecks
from dsplang.errors import DspCheckError, DspError, DspFileError, Span, did_you_mean, read_source
from dsplang.grammar import ast
from dsplang.grammar.nesting import deep_enough
from dsplang.grammar.parser import collector_paused, parse_recovering
from dsplang.grammar.visitor import NodeVisitor

__all__ = ["check_source", "check_file", "check_program"]


def check_source(source: str, filename: str = "<string>") -> list[DspError]:
    """Syntax errors and static problems of `source`, sorted by position (the garbage
    collector paused meanwhile: see `parser.collector_paused`)."""

    with deep_enough(), collector_paused():
        program, syntax_errors = parse_recovering(source, filename)
        problems: list[DspError] = list(syntax_errors)
        if program is not None:
            problems.extend(check_program(program, filename))
    return sorted(problems, key=_position)


def check_file(path: str) -> list[DspError]:
    """`check_source` on a file; a file that cannot be read is one DspFileError."""
    try:
        source = read_source(path)
    except DspFileError as err:
        return [err]
    return check_source(source, path)


def check_program(program: ast.Program, filename: str) -> list[DspCheckError]:
    """The static problems of a parsed program, sorted by position."""
    checker = Checker(filename)
    with deep_enough():
        checker.check(program)
    return sorted(checker.errors, key=_position)


def _position(err: DspError) -> tuple:
    span = err.span
    return (0, span.line, span.col) if span is not None else (1, 0, 0)


class Checker(StmtChecks, ExprChecks, TypeChecks, NodeVisitor):
    """Walks one program, keeping the current static scope and the problems found."""

    def __init__(self, filename: str, dsp_files: DspFiles | None = None):
        self.filename = filename
        self.folder = os.path.dirname(os.path.abspath(filename))
        self.errors: list[DspCheckError] = []
        self.scope = StaticScope()
        self.loop_depth = 0
        self.in_function = False
        self.deferred: deque = deque()
        self.dsp_files = dsp_files or DspFiles()
        self.py_modules = PyModules()

    def report(self, kind: str, message: str, span: Span | None, hint: str | None = None) -> None:
        """Record one problem."""
        self.errors.append(DspCheckError(message, span, hint, kind=kind))

    def check(self, program: ast.Program) -> None:
        """Check the whole program: imports, hoisted declarations, statements, then bodies."""
        body = program.body
        self.scope = StaticScope(None, declared_later(body, include_imports=False))
        for stmt in body:
            if isinstance(stmt, IMPORT_TYPES):
                self.visit(stmt)
        self.hoist(body)
        for stmt in body:
            if not isinstance(stmt, IMPORT_TYPES):
                self.visit(stmt)
        while self.deferred:
            self.deferred.popleft()()

    def hoist(self, body: tuple) -> None:
        """Declare the top-level declarations; a repeated name is reported at the later one."""
        for stmt in body:
            if not isinstance(stmt, DECL_TYPES):
                continue
            old = self.scope.names.get(stmt.name)
            if old is not None and old.kind != "imported":
                self.report("name error", f"{stmt.name!r} is already declared (line {old.line})",
                            stmt.span)
                continue
            self.scope.declare(Binding(stmt.name, "decl", stmt.span.line, stmt))

    @contextmanager
    def entered(self, scope: StaticScope, *, loop: bool | None = None, function: bool | None = None):
        """Make `scope` current (and set loop/function context) for the duration of a block."""
        saved = (self.scope, self.loop_depth, self.in_function)
        self.scope = scope
        if loop is not None:
            self.loop_depth = self.loop_depth + 1 if loop else 0
        if function is not None:
            self.in_function = function
        try:
            yield scope
        finally:
            self.scope, self.loop_depth, self.in_function = saved

    def block(self, stmts: tuple, declare: list[Binding] = (), **context) -> None:
        """Check a block in a new scope, after binding `declare` (loop targets, aliases)."""
        scope = StaticScope(self.scope, declared_later(stmts))
        for binding in declare:
            scope.declare(binding)
        with self.entered(scope, **context):
            for stmt in stmts:
                self.visit(stmt)

    def later(self, scope: StaticScope, action) -> None:
        """Run `action` after the top-level walk, with `scope` current and no loop around it."""
        def run():
            with self.entered(scope, loop=False):
                action()
        self.deferred.append(run)

    def declare_local(self, name: str, kind: str, span: Span, node=None) -> None:
        """Declare a name in the current block; a second declaration in one block is an error."""
        old = self.scope.names.get(name)
        if old is not None:
            self.report("name error", f"{name!r} is already declared in this scope "
                        f"(line {old.line})", span)
            return
        self.scope.declare(Binding(name, kind, span.line, node))

    def store(self, name: str, span: Span) -> None:
        """Check that `x = e` may rebind `x` here."""
        binding = self.scope.lookup(name)
        if binding is None:
            self._store_undeclared(name, span)
        elif not binding.assignable:
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


def did_you_mean_assignable(name: str, scope: StaticScope) -> str | None:
    """A did-you-mean hint among the visible names that may be assigned."""
    candidates = {n for n in scope.visible() if scope.lookup(n).assignable}
    return did_you_mean(name, candidates)
