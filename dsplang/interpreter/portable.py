"""What lets a program's runtime values leave the process: pickling of functions, modules,
instances and scopes (`pickle`, `multiprocessing`, `copy`).

A compiled closure cannot be pickled, but the AST node it was compiled from can: a
`Function` or `ModuleClass` pickles its declaration node and a `CodeSource` (the
interpreter and the file name it was compiled in), and the receiving process compiles the
node again, once per node (`CodeSource.code`). An interpreter pickles as its host and
limits: the receiver builds one with the host's builtins (`Host.builtins`).

Scopes pickle by value, except:
- the builtins scope, which is the receiving interpreter's own;
- a file's global scope, which sends the names the file declared (functions, modules,
  types, enums, signatures) and, of the names its statements made (`let`, imports), only
  those that code which can run later names: a `def`, a module's attributes and methods,
  a `lambda`. A training set used only by top-level statements stays behind.
- a Python module bound to a name (`import json`), sent as its name and imported
  again by the receiver.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from dsplang.grammar import ast
from dsplang.grammar.visitor import walk

if TYPE_CHECKING:       # the interpreter makes CodeSources (same layer)
    from dsplang.interpreter.evaluator import Interpreter
    from dsplang.interpreter.scope import Code

T = TypeVar("T")

# Declarations whose name is always sent with a file's global scope.
DECLARATIONS = (ast.FuncDef, ast.ModuleDecl, ast.TypeDecl, ast.EnumDecl, ast.SignatureDecl, ast.SignatureAlias)
# Nodes whose code runs after the file's top-level statements have run (in another process, say).
LATER = (ast.FuncDef, ast.ModuleDecl, ast.Lambda)


def blank(cls: type[T]) -> T:
    """An instance of `cls` made without `__init__`; its `__setstate__` fills it in."""
    return object.__new__(cls)


class CodeSource:
    """Where compiled code came from: the interpreter and the file. Pickles as those two;
    the receiving process compiles a declaration's node again with `code(node)`."""

    __slots__ = ("interp", "filename", "_codes", "_lock")

    def __init__(self, interp: Interpreter, filename: str) -> None:
        self.interp = interp
        self.filename = filename
        self._codes: dict[int, tuple[ast.Node, Code]] = {}
        self._lock = threading.Lock()

    def code(self, node: ast.Node) -> Code:
        """The closure of a `def` or method (its body), a lambda (its body) or a module
        attribute (its value), compiled once per node."""
        with self._lock:
            known = self._codes.get(id(node))
            if known is None or known[0] is not node:
                known = (node, self.interp.compile_node(self.filename, node))
                self._codes[id(node)] = known
            return known[1]

    def __reduce__(self) -> tuple[Any, ...]:
        return (CodeSource, (self.interp, self.filename))


class PythonModule:
    """A Python module bound to a name, as pickled: imported again by name."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def restore(self) -> ModuleType:
        return importlib.import_module(self.name)


def outgoing(vars: dict[str, Any], keep: Iterable[str] | None = None) -> dict[str, Any]:
    """`vars` as they are pickled: only the names in `keep` (all when None), modules as names."""
    names = vars.keys() if keep is None else [n for n in vars if n in set(keep)]
    return {n: PythonModule(vars[n].__name__) if isinstance(vars[n], ModuleType) else vars[n] for n in names}


def incoming(vars: dict[str, Any]) -> dict[str, Any]:
    """The inverse of `outgoing`: modules imported again."""
    return {n: v.restore() if isinstance(v, PythonModule) else v for n, v in vars.items()}


def names_sent(programs: Iterable[ast.Program]) -> set[str]:
    """The names of a global scope that pickling sends: every declared name, and every name
    that a `def`, module or lambda of the programs mentions (see the module doc)."""
    names: set[str] = set()
    for program in programs:
        for stmt in program.body:
            if isinstance(stmt, DECLARATIONS):
                names.add(stmt.name)
            for node in walk(stmt):
                if isinstance(node, LATER):
                    names.update(n.id for n in walk(node) if isinstance(n, ast.Name))
    return names
