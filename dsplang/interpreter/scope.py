"""Lexical scopes: a dict of names and a link to the enclosing scope.

`let` declares in the innermost scope; plain assignment rebinds the nearest
scope that already holds the name. The outermost scope of a run holds the
builtins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dsplang.errors import DspNameError, Span, did_you_mean
from dsplang.grammar import ast
from dsplang.interpreter.portable import blank, incoming, names_sent, outgoing


class Scope:
    __slots__ = ("vars", "parent")

    def __init__(self, parent: Scope | None = None, vars: dict[str, Any] | None = None) -> None:
        self.vars: dict[str, Any] = {} if vars is None else vars
        self.parent = parent

    def lookup(self, name: str, span: Span | None = None) -> Any:
        scope: Scope | None = self
        while scope is not None:
            vars = scope.vars
            if name in vars:
                return vars[name]
            scope = scope.parent
        raise DspNameError(f"name {name!r} is not defined", span,
                           hint=did_you_mean(name, self.visible_names()))

    def declare(self, name: str, value: Any, span: Span | None = None) -> None:
        self.vars[name] = value

    def assign(self, name: str, value: Any, span: Span | None = None) -> None:
        scope: Scope | None = self
        while scope is not None:
            vars = scope.vars
            if name in vars:
                if scope.parent is None:
                    break  # the builtins scope is read-only
                vars[name] = value
                return
            scope = scope.parent
        raise DspNameError(f"assignment to undeclared name {name!r}", span,
                           hint=did_you_mean(name, self.visible_names())
                           or f"declare it first with `let {name} = ...`")

    def visible_names(self) -> set[str]:
        names: set[str] = set()
        scope: Scope | None = self
        while scope is not None:
            names.update(scope.vars)
            scope = scope.parent
        return names

    def find(self, name: str) -> Scope | None:
        """The nearest scope holding `name`, or None."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return scope
            scope = scope.parent
        return None


class BuiltinScope(Scope):
    """The outermost scope: an interpreter's builtins. Pickled as a reference to its owner
    (an object whose `builtins` attribute it is), so the receiver uses its own."""

    __slots__ = ("owner",)

    def __init__(self, owner: object, vars: dict[str, Any]) -> None:
        super().__init__(None, vars)
        self.owner = owner

    def __reduce__(self) -> tuple[Any, ...]:
        return (getattr, (self.owner, "builtins"))


class GlobalScope(Scope):
    """A file's (or a REPL session's) top-level scope; `programs` are the programs run in it.
    Pickled with the declared names and the names later-running code mentions
    (`portable.names_sent`), Python modules as their names."""

    __slots__ = ("programs", "received")

    def __init__(self, parent: Scope | None = None, vars: dict[str, Any] | None = None) -> None:
        super().__init__(parent, vars)
        self.programs: list[ast.Program] = []
        self.received: frozenset[str] = frozenset()     # the names a pickled copy arrived with

    def __reduce__(self) -> tuple[Any, ...]:
        sent = names_sent(self.programs) | self.received
        return (blank, (GlobalScope,), (self.parent, outgoing(self.vars, sent)))

    def __setstate__(self, state: tuple[Scope | None, dict[str, Any]]) -> None:
        self.parent, vars = state
        self.vars = incoming(vars)
        self.programs = []
        self.received = frozenset(vars)


# What the compiler turns a node into: a closure run with the scope it runs in.
Code = Callable[[Scope], Any]
