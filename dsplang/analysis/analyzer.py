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
12. Where the source tells the types (`usage.UsageChecks`), the mistakes a run would
   stop on are reported in its words: a predictor's unknown, missing or positional
   inputs, an unknown prediction field, a record's unknown field or wrong literal, an
   unknown optimizer setting.

Function bodies, default values and module bodies are checked after the
top-level statements, in the scope they were declared in, so they see every
name that is declared by the time they can run.

Each scope the walk opens is kept in the Model with the region of the file it covers
(`walker.Walk`), and each name it resolves is recorded as a use of its binding.
"""

from __future__ import annotations

from collections.abc import Sequence

from dsplang.analysis.declares import DECL_TYPES, IMPORT_TYPES, declared_later
from dsplang.analysis.model import Binding, Scope
from dsplang.analysis.stmts import StmtChecks
from dsplang.grammar import ast

__all__ = ["Analyzer"]


class Analyzer(StmtChecks):
    """Walks one program, keeping the current scope and filling `model`."""

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
        self.finish_usage()

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
