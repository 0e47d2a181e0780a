"""The interpreter: runs a parsed program.

A file runs in three steps: its nodes are compiled to closures (see expressions.py and
statements.py), its top-level imports and declarations are made (declarations are
visible to the whole file), then its other top-level statements run in order.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import pickle
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from dsplang.errors import DspError, DspRuntimeError, DspTypeError, Span
from dsplang.grammar import ast
from dsplang.grammar.parser import collector_paused, parse
from dsplang.interpreter.calls import builtin_callables
from dsplang.interpreter.declarations import DeclCompiler
from dsplang.interpreter.host import Host
from dsplang.interpreter.imports import Importer
from dsplang.interpreter.limits import Limits
from dsplang.interpreter.scope import BuiltinScope, Code, GlobalScope, Scope
from dsplang.interpreter.values import Namespace, Return

IMPORTS = (ast.FromImport, ast.ImportPython, ast.ImportDsp)
# The order declarations are made in: a signature needs its types, a type its enums.
DECL_ORDER = (ast.EnumDecl, ast.TypeDecl, (ast.SignatureDecl, ast.SignatureAlias), (ast.FuncDef, ast.ModuleDecl))
# Every node made before a file's other statements run: imports and declarations.
HOISTED = IMPORTS + tuple(k for group in DECL_ORDER for k in (group if isinstance(group, tuple) else (group,)))


@contextmanager
def program_kept() -> Iterator[None]:
    """While a program runs, keep the objects made before it started (its tree and compiled
    closures, the builtins) out of the garbage collector's passes: they live as long as the
    run, and walking them again at every full pass made a long program slow. Only the
    outermost run does this; the objects go back to the collector when it ends."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class Interpreter:
    """Runs programs; holds the builtins, the host (see host.py) and the files imported so far.

    Every callable in `builtins` is a builtin: an error raised inside it is reported as the
    user's mistake (`len(5)`), not as an error inside Python code (see calls.py)."""

    def __init__(self, builtins: dict[str, Any], host: Host, limits: Limits | None = None) -> None:
        self.limits = limits if limits is not None else Limits.from_settings()
        self.builtins = BuiltinScope(self, builtins)
        self.builtin_callables = builtin_callables(builtins)
        self.host = host
        self.importer = Importer(self)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its host and limits: the receiver gets an interpreter with the host's
        builtins (one per host and limits in a process). See `portable`."""
        if not callable(getattr(self.host, "builtins", None)):
            raise pickle.PicklingError("this interpreter's host cannot make its builtins again, "
                                       "so its functions and modules cannot be pickled")
        return (rebuilt, (self.host, self.limits))

    def new_globals(self) -> GlobalScope:
        return GlobalScope(self.builtins)

    def compile_node(self, filename: str, node: ast.Node) -> Code:
        """The closure of one declaration part, compiled again (a pickled function or module
        arriving in another process): a `def`'s or method's body, a lambda's body, a module
        attribute's value."""
        compiler = DeclCompiler(self, filename)
        with collector_paused():
            if isinstance(node, ast.FuncDef):
                return compiler.block(node.body, new_scope=False)
            if isinstance(node, ast.Lambda):
                return compiler.expr(node.body)
            if isinstance(node, ast.AttrDecl):
                return compiler.expr(node.value)
        raise TypeError(f"compile_node: a {type(node).__name__} is not compiled on its own")

    def run_source(self, source: str, filename: str = "<string>", scope: Scope | None = None) -> Namespace:
        program = parse(source, filename)
        scope = scope if scope is not None else self.new_globals()
        self.execute(program, filename, scope)
        return Namespace(filename, scope.vars)

    def run_file(self, path: str, scope: Scope | None = None) -> Namespace:
        source = self.importer.read(path, None)
        with self.importer.running(path):  # so an import cycle back to this file is named
            return self.run_source(source, path, scope)

    def parse_file(self, path: str) -> ast.Program:
        """The parsed program of the file at `path` (read as an import would read it)."""
        return parse(self.importer.read(path, None), path)

    def run_through(self, program: ast.Program, path: str, last: int) -> Namespace:
        """Run `program` (the file `path`) as far as its top-level statement number `last`:
        every import and declaration is made, and the other statements after `last` are
        skipped (`dsp compile` stops after the last `compile`)."""
        kept = tuple(node for i, node in enumerate(program.body) if i <= last or isinstance(node, HOISTED))
        scope = self.new_globals()
        with self.importer.running(path):
            self.execute(dataclasses.replace(program, body=kept), path, scope)
        return Namespace(path, scope.vars)

    def declare_file(self, path: str, scope: Scope | None = None) -> Scope:
        """Make a file's imports and declarations only (no other statement runs), in `scope`
        (a new global scope when None); the scope."""
        program = parse(self.importer.read(path, None), path)
        scope = scope if scope is not None else self.new_globals()
        with self.importer.running(path):
            self.execute(program, path, scope, declare_only=True)
        return scope

    def execute(self, program: ast.Program, filename: str, scope: Scope, declare_only: bool = False) -> None:
        """Compile `program`, make its imports and declarations, then run its statements."""
        compiler = DeclCompiler(self, filename)
        body = program.body
        if isinstance(scope, GlobalScope):
            scope.programs.append(program)
        with self.limits.applied():
            with collector_paused():
                compiled = [compiler.stmt(s) for s in body]
            try:
                with program_kept():
                    self._declare(body, compiled, scope)
                    if not declare_only:
                        self._run_statements(body, compiled, scope)
            except RecursionError:
                raise DspRuntimeError("maximum recursion depth exceeded", program.span) from None

    def _declare(self, body: tuple[ast.Stmt, ...], compiled: list[Code], scope: Scope) -> None:
        for node, run in zip(body, compiled):
            if isinstance(node, IMPORTS):
                run(scope)
        for kinds in DECL_ORDER:
            pending = [(n, r) for n, r in zip(body, compiled) if isinstance(n, kinds)]
            if kinds is ast.TypeDecl:
                self._declare_types(pending, scope)
            else:
                for _, run in pending:
                    run(scope)

    @staticmethod
    def _declare_types(pending: Sequence[tuple[ast.Node, Code]], scope: Scope) -> None:
        """Make record types, retrying those that refer to a record declared later in the file."""
        while pending:
            failed: list[tuple[ast.Node, Code]] = []
            first_error: DspError | None = None
            for node, run in pending:
                try:
                    run(scope)
                except DspError as err:
                    failed.append((node, run))
                    first_error = first_error or err
            if len(failed) == len(pending):
                raise first_error  # type: ignore[misc]  # set: every run failed
            pending = failed

    @staticmethod
    def _run_statements(body: tuple[ast.Stmt, ...], compiled: list[Code], scope: Scope) -> None:
        for node, run in zip(body, compiled):
            if isinstance(node, HOISTED):
                continue
            try:
                signal = run(scope)
            except RecursionError:     # data nested too deeply to print or compare, say
                raise DspRuntimeError("maximum recursion depth exceeded", node.span) from None
            if signal is not None:  # a top-level return, or break/continue outside a loop
                word = "return" if isinstance(signal, Return) else signal.name
                raise DspTypeError(f"'{word}' outside of a {'function' if word == 'return' else 'loop'}",
                                   node.span)

    def import_dsp(self, path: str, from_file: str, span: Span) -> tuple[dict[str, Any], Namespace]:
        return self.importer.import_dsp(path, from_file, span)

    def import_python(self, module: str, from_file: str, span: Span) -> ModuleType:
        return self.importer.import_python(module, from_file, span)


@functools.lru_cache(maxsize=16)
def rebuilt(host: Host, limits: Limits) -> Interpreter:
    """The interpreter a pickled one becomes: one per host and limits in a process."""
    return Interpreter(host.builtins(limits), host, limits)
