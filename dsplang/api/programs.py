"""`parse`, `load` and `run`: .dsp programs from Python, with Python values injected.

Each `load`/`run` is a run of its own (`dsplang.context.run.Run`): it starts with the LM,
retriever and options in force where it is called (`configure`, `context`), and nothing it
sets (`use`, traces, compile state) reaches the caller or the next run. `env` puts Python
values under names the program can use: a function as a ReAct tool or a metric, a
dataset, an LM. A name the program declares itself wins over an injected one.
"""

from __future__ import annotations

import contextvars
import dataclasses
import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from dsplang.context.run import Run, current, entered
from dsplang.driver.host import new_interpreter
from dsplang.errors import DspArgumentError, DspTypeError, a_type
from dsplang.grammar import ast
from dsplang.grammar.names import KEYWORDS
from dsplang.grammar.parser import parse as parse_source
from dsplang.interpreter.evaluator import Interpreter
from dsplang.interpreter.scope import GlobalScope
from dsplang.interpreter.values import Namespace

__all__ = ["parse", "load", "run"]

T = TypeVar("T")


def parse(source: str, filename: str = "<string>") -> ast.Program:
    """The AST of a program (`dsplang.grammar.ast.Program`); raises DspSyntaxError."""
    return parse_source(source, filename)


def load(path: str | os.PathLike[str], run: bool = True, env: Mapping[str, Any] | None = None) -> Namespace:
    """Load a .dsp file; a namespace of its top-level names (modules, functions, signatures, ...).

    With run=True (the default) its statements run, as a Python import runs a module; with
    run=False only its imports and declarations are made."""
    if not isinstance(path, (str, os.PathLike)):
        raise DspTypeError(f"load() needs the path of a .dsp file, got {a_type(path)}")
    path = os.fspath(path)
    interp = new_interpreter()
    scope = _scope(interp, env)
    if run:
        return in_new_run(interp.run_file, path, scope)
    return Namespace(path, in_new_run(interp.declare_file, path, scope).vars)


def run(source: str, filename: str = "<string>", env: Mapping[str, Any] | None = None) -> Namespace:
    """Run a program given as a string; a namespace of its top-level names."""
    if not isinstance(source, str):
        raise DspTypeError(f"run() needs the program's source as a string, got {a_type(source)}",
                           hint="to run a file, use dsplang.load(path)")
    interp = new_interpreter()
    return in_new_run(interp.run_source, source, filename, _scope(interp, env))


def _scope(interp: Interpreter, env: Mapping[str, Any] | None) -> GlobalScope:
    """A new global scope holding the injected names."""
    scope = interp.new_globals()
    if env is None:
        return scope
    if not isinstance(env, Mapping):
        raise DspTypeError(f"env must be a dict of names to values, got {a_type(env)}",
                           hint='e.g. env={"search": my_search_function}')
    for name, value in env.items():
        if not isinstance(name, str) or not name.isidentifier() or name in KEYWORDS:
            raise DspArgumentError(f"env: {name!r} cannot be a name in a program",
                                   hint="use names made of letters, digits and _ that are not keywords")
        scope.vars[name] = value
    return scope


def in_new_run(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in a copied context, in a new Run with the caller's LM, retriever and
    options (nothing of the caller's traces, history or compile state)."""
    caller = current()
    options = dataclasses.replace(caller.options, lm=caller.lm or caller.options.lm)
    fresh = Run(options, retriever=caller.retriever)

    def call() -> T:
        with entered(fresh):
            return fn(*args)
    return contextvars.copy_context().run(call)
