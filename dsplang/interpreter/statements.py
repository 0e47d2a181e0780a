"""Statements: each node becomes a closure `f(scope) -> signal`.

A statement returns None to go on, BREAK / CONTINUE, or a `Return`. A block that
declares names (`let`, `def`, ...) runs in a new scope each time it is entered; a
block that contains `ensure`/`require` remembers which of its statements called a
predictor, so that a failed assertion can re-run from there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from dsplang.errors import (
    DspError,
    DspNameError,
    DspRequireError,
    DspRuntimeError,
    DspTypeError,
    DspUserError,
    a_type,
    did_you_mean,
)
from dsplang.grammar import ast
from dsplang.grammar.visitor import NodeVisitor
from dsplang.interpreter.expressions import ExprCompiler, iterate
from dsplang.interpreter.growth import slice_store
from dsplang.interpreter.host import Host
from dsplang.interpreter.scope import Code, Scope
from dsplang.interpreter.values import BREAK, CONTINUE, Return

# The hidden name under which an `except` block keeps the error it handles (for a bare `raise`).
HANDLING = "#handling"

DECLARING = (ast.Let, ast.FuncDef, ast.ModuleDecl, ast.SignatureDecl, ast.SignatureAlias, ast.TypeDecl,
             ast.EnumDecl, ast.FromImport, ast.ImportPython, ast.ImportDsp, ast.CompileStmt)


class StmtCompiler(ExprCompiler):
    """Turns statement nodes and blocks into closures."""

    host: Host      # set by DeclCompiler.__init__

    # The closure for a statement (the same dispatch as `expr`: `NodeVisitor.visit`).
    stmt = cast("Callable[[StmtCompiler, ast.Node], Code]", NodeVisitor.visit)

    def block(self, stmts: tuple[ast.Stmt, ...], new_scope: bool = True) -> Code:
        """A closure running `stmts`; in a fresh child scope if the block declares names."""
        compiled = [self.stmt(s) for s in stmts]
        if any(isinstance(s, (ast.Ensure, ast.Require)) for s in stmts):
            run = self._asserting_block(stmts, compiled)
        elif len(compiled) == 1:
            run = compiled[0]
        else:
            def run(scope: Scope) -> Any:
                for st in compiled:
                    signal = st(scope)
                    if signal is not None:
                        return signal
                return None
        if new_scope and any(isinstance(s, DECLARING) for s in stmts):
            return lambda scope: run(Scope(scope))
        return run

    def _asserting_block(self, stmts: tuple[ast.Stmt, ...], compiled: list[Code]) -> Code:
        """Run a block, re-running from the last predictor-calling statement when an assertion fails."""
        checks = {i: self._assertion(s, i) for i, s in enumerate(stmts)
                  if isinstance(s, (ast.Ensure, ast.Require))}
        count, host = len(compiled), self.host

        def run(scope: Scope) -> Any:
            last_caller = None
            for i in range(count):
                if i in checks:
                    signal = checks[i](scope, compiled, last_caller)
                else:
                    before = host.predictor_calls()
                    signal = compiled[i](scope)
                    if host.predictor_calls() != before:
                        last_caller = i
                if signal is not None:
                    return signal
            return None
        return run

    def _assertion(self, node: ast.Ensure | ast.Require,
                   index: int) -> Callable[[Scope, Sequence[Code], int | None], Any]:
        test = self.expr(node.test)
        message = self.expr(node.message) if node.message is not None else None
        kind = "require" if isinstance(node, ast.Require) else "ensure"
        span, host = node.span, self.host

        def check(scope: Scope, compiled: Sequence[Code], last_caller: int | None) -> Any:
            if test(scope):
                return None
            text = str(message(scope)) if message else f"{kind} failed"
            retries = 0
            predictor, previous = host.last_call()
            while last_caller is not None and predictor is not None and retries < host.assertion_retries:
                retries += 1
                with host.giving_feedback(predictor, text, previous):
                    for st in compiled[last_caller:index]:
                        signal = st(scope)
                        if signal is not None:
                            return signal
                if test(scope):
                    host.record_assertion(kind, text, True, retries, span)
                    return None
                predictor, previous = host.last_call()
            host.record_assertion(kind, text, False, retries, span)
            if kind == "require":
                raise DspRequireError(text, span)
            return None
        return check

    def visit_Ensure(self, node: ast.Ensure) -> Code:
        check = self._assertion(node, 0)
        return lambda scope: check(scope, (), None)

    visit_Require = visit_Ensure

    # ---------------------------------------------------------- simple statements

    def visit_ExprStmt(self, node: ast.ExprStmt) -> Code:
        ev = self.expr(node.expr)

        def expr_stmt(scope: Scope) -> None:
            ev(scope)
        return expr_stmt

    def visit_Pass(self, node: ast.Pass) -> Code:
        return lambda scope: None

    def visit_Break(self, node: ast.Break) -> Code:
        return lambda scope: BREAK

    def visit_Continue(self, node: ast.Continue) -> Code:
        return lambda scope: CONTINUE

    def visit_Return(self, node: ast.Return) -> Code:
        if node.value is None:
            return lambda scope: Return(None)
        ev = self.expr(node.value)
        return lambda scope: Return(ev(scope))

    def visit_Raise(self, node: ast.Raise) -> Code:
        span = node.span
        if node.value is None:
            def reraise(scope: Scope) -> None:
                handling = scope.find(HANDLING)
                if handling is None:
                    raise DspRuntimeError("a bare `raise` is only allowed inside an `except` block", span)
                raise handling.vars[HANDLING]
            return reraise
        ev = self.expr(node.value)

        def raise_(scope: Scope) -> None:
            value = ev(scope)
            if isinstance(value, DspError):
                if value.span is None:
                    value.span = span
                raise value
            raise DspUserError(str(value), span)
        return raise_

    def visit_Let(self, node: ast.Let) -> Code:
        ev, bind = self.expr(node.value), self.binder(node.target)

        def let(scope: Scope) -> None:
            bind(scope.vars, ev(scope))
        return let

    def visit_Assign(self, node: ast.Assign) -> Code:
        ev = self.expr(node.value)
        store = self.store(node.target)

        def assign(scope: Scope) -> None:
            store(scope, ev(scope))
        return assign

    def visit_AugAssign(self, node: ast.AugAssign) -> Code:
        """`x op= e` is `x = x op e` (the target is read, then stored; lists are not
        extended in place)."""
        value = self.visit_BinOp(ast.BinOp(node.span, node.op, node.target, node.value))
        store = self.store(node.target)

        def aug_assign(scope: Scope) -> None:
            store(scope, value(scope))
        return aug_assign

    def store(self, target: ast.Target | ast.Attribute | ast.Index) -> Callable[[Scope, Any], None]:
        """A closure `store(scope, value)` for an assignment target."""
        span = target.span
        if isinstance(target, ast.Name):
            name = target.id

            def store_name(scope: Scope, value: Any) -> None:
                vars = scope.vars
                if name in vars and scope.parent is not None:
                    vars[name] = value
                else:
                    scope.assign(name, value, span)
            return store_name
        if isinstance(target, ast.TupleTarget):
            stores = [self.store(n) for n in target.names]
            bind = self.binder(ast.TupleTarget(target.span, tuple(ast.Name(n.span, f"#{i}")
                                                                   for i, n in enumerate(target.names))))

            def store_tuple(scope: Scope, value: Any) -> None:
                temp: dict[str, Any] = {}
                bind(temp, value)
                for i, st in enumerate(stores):
                    st(scope, temp[f"#{i}"])
            return store_tuple
        obj = self.expr(target.value)
        if isinstance(target, ast.Attribute):
            attr = target.attr

            def store_attr(scope: Scope, value: Any) -> None:
                o = obj(scope)
                try:
                    setattr(o, attr, value)
                except DspError as err:
                    raise err.with_span(span)
                except (AttributeError, TypeError) as exc:
                    raise DspTypeError(f"cannot set attribute {attr!r} of {a_type(o)}: {exc}",
                                       span) from None
            return store_attr
        return self._store_index(target, obj)

    def _store_index(self, target: ast.Index, obj: Code) -> Callable[[Scope, Any], None]:
        """`store(scope, value)` for `obj[key] = value`."""
        key = self.slice(target.index) if isinstance(target.index, ast.Slice) else self.expr(target.index)
        sliced, limits, span = isinstance(target.index, ast.Slice), self.interp.limits, target.span

        def store_item(scope: Scope, value: Any) -> None:
            o = obj(scope)
            k = key(scope)
            if sliced:      # `xs[i:j] = ys` may grow a list
                value = slice_store(o, k, value, limits, span)
            try:
                o[k] = value
            except DspError as err:
                raise err.with_span(span)
            except (TypeError, IndexError) as exc:
                raise DspTypeError(f"cannot assign into {a_type(o)}: {exc}", span) from None
        return store_item

    # ---------------------------------------------------------- compound statements

    def visit_If(self, node: ast.If) -> Code:
        test, body = self.expr(node.test), self.block(node.body)
        orelse = self.block(node.orelse) if node.orelse else None

        def if_(scope: Scope) -> Any:
            if test(scope):
                return body(scope)
            if orelse is not None:
                return orelse(scope)
            return None
        return if_

    def visit_While(self, node: ast.While) -> Code:
        test, body = self.expr(node.test), self.block(node.body)

        def while_(scope: Scope) -> Any:
            while test(scope):
                signal = body(scope)
                if signal is not None:
                    if signal is BREAK:
                        break
                    if signal is not CONTINUE:
                        return signal
            return None
        return while_

    def visit_For(self, node: ast.For) -> Code:
        iterable, bind, span = self.expr(node.iter), self.binder(node.target), node.iter.span
        body = self.block(node.body, new_scope=False)
        fresh = any(isinstance(s, DECLARING) for s in node.body)

        def for_(scope: Scope) -> Any:
            loop_scope = Scope(scope)
            for item in iterate(iterable(scope), span):
                if fresh:
                    loop_scope = Scope(scope)
                bind(loop_scope.vars, item)
                signal = body(loop_scope)
                if signal is not None:
                    if signal is BREAK:
                        break
                    if signal is not CONTINUE:
                        return signal
            return None
        return for_

    def visit_Try(self, node: ast.Try) -> Code:
        body = self.block(node.body)
        handlers = [(self.error_class(h), h.alias, self.block(h.body, new_scope=False)) for h in node.handlers]
        orelse = self.block(node.orelse) if node.orelse else None
        final = self.block(node.finalbody) if node.finalbody else None

        def try_(scope: Scope) -> Any:
            try:
                try:
                    signal = body(scope)
                except DspError as err:
                    for cls, alias, handler in handlers:
                        if cls is None or isinstance(err, cls):
                            inner = Scope(scope)
                            inner.vars[HANDLING] = err
                            if alias:
                                inner.vars[alias] = err
                            return handler(inner)
                    raise
                if orelse is not None and signal is None:
                    return orelse(scope)
                return signal
            finally:
                if final is not None:
                    final(scope)
        return try_

    def error_class(self, handler: ast.ExceptHandler) -> type[DspError] | None:
        if handler.type_name is None:
            return None
        known = self.host.error_classes
        cls = known.get(handler.type_name)
        if cls is None:
            raise DspNameError(f"{handler.type_name!r} is not an error type", handler.span,
                               hint=did_you_mean(handler.type_name, known))
        return cls
