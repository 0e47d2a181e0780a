"""Lexical scopes: a dict of names and a link to the enclosing scope.

`let` declares in the innermost scope; plain assignment rebinds the nearest
scope that already holds the name. The outermost scope of a run holds the
builtins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dsplang.errors import DspNameError, Span, did_you_mean


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


# What the compiler turns a node into: a closure run with the scope it runs in.
Code = Callable[[Scope], Any]
