"""Imports: other `.dsp` files (relative to the importing file, each run once, cycles
reported) and Python modules (the program's own folder is importable)."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any

from dsplang.errors import (
    DspImportError,
    Span,
    did_you_mean,
    read_source,
)
from dsplang.grammar import ast
from dsplang.grammar.parser import parse
from dsplang.interpreter.calls import python_error
from dsplang.interpreter.values import Namespace

if TYPE_CHECKING:       # the interpreter owns the importer (same layer)
    from dsplang.interpreter.evaluator import Interpreter

DECLARATIONS = (ast.SignatureDecl, ast.SignatureAlias, ast.TypeDecl, ast.EnumDecl, ast.ModuleDecl, ast.FuncDef)


def display_path(path: str) -> str:
    """`path` relative to the working directory when it lies below it (for error messages)."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def base_dir(filename: str | None) -> str:
    if not filename or filename.startswith("<"):
        return os.getcwd()
    return os.path.dirname(os.path.abspath(filename))


class Importer:
    def __init__(self, interpreter: Interpreter) -> None:
        self.interp = interpreter
        self.done: dict[str, tuple[dict[str, Any], Namespace]] = {}
        self.stack: list[str] = []

    @contextmanager
    def running(self, path: str) -> Iterator[None]:
        """Mark the file `path` as being run (the main file is on the import stack too)."""
        self.stack.append(os.path.normpath(os.path.abspath(path)))
        try:
            yield
        finally:
            self.stack.pop()

    def read(self, path: str, span: Span | None) -> str:
        return read_source(path, span)

    def import_dsp(self, path: str, from_file: str, span: Span) -> tuple[dict[str, Any], Namespace]:
        """Run the file once; return its declarations and a namespace of all its top-level names."""
        full = os.path.normpath(os.path.join(base_dir(from_file), path))
        if full in self.done:
            return self.done[full]
        if full in self.stack:
            cycle = self.stack[self.stack.index(full):] + [full]
            chain = " -> ".join(os.path.basename(p) for p in cycle)
            raise DspImportError(f"import cycle: {chain}", span)
        if not os.path.exists(full):
            raise DspImportError(f"cannot import {path!r}: no such file {display_path(full)}", span,
                                 hint=self._near_file(full))
        source = self.read(full, span)
        program = parse(source, display_path(full))
        scope = self.interp.new_globals()
        self.stack.append(full)
        try:
            self.interp.execute(program, display_path(full), scope)
        finally:
            self.stack.pop()
        declared = {n.name for n in program.body if isinstance(n, DECLARATIONS)}
        names = {k: v for k, v in scope.vars.items() if k in declared}
        result = (names, Namespace(os.path.basename(full), dict(scope.vars)))
        self.done[full] = result
        return result

    @staticmethod
    def _near_file(full: str) -> str | None:
        folder = os.path.dirname(full)
        try:
            files = [f for f in os.listdir(folder) if f.endswith(".dsp")]
        except OSError:
            return None
        return did_you_mean(os.path.basename(full), files, cutoff=0.75)

    def import_python(self, module: str, from_file: str, span: Span) -> ModuleType:
        folder = base_dir(from_file)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        try:
            return importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name.split(".")[0]) and exc.name in (module, module.split(".")[0]):
                raise DspImportError(f"no Python module named {module!r}", span,
                                     hint=f"put {module.split('.')[0]}.py next to the .dsp file, "
                                          f"or install the package") from None
            raise python_error(exc, _Named(module), span) from exc
        except Exception as exc:
            raise python_error(exc, _Named(module), span) from exc


class _Named:
    """Names a module being imported in an error message."""

    def __init__(self, name: str) -> None:
        self.__name__ = f"import {name}"
