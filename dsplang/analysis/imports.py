"""What the checker knows about imports, found without running anything.

- `.dsp` files are parsed (never run) to learn their top-level declarations and
  the `.dsp` files they import in turn, so that a cycle can be named: a `Model` of the
  file holding only its top-level declarations (`declarations_model`).
- Python modules are located with import machinery *finders* only (a finder
  looks at the file system; it does not execute the module). A module that is a
  plain `.py` file is read with Python's own `ast` module to learn its
  top-level names. Dotted modules are only checked by their first component,
  because locating `a.b` would execute package `a`.
"""

from __future__ import annotations

import ast as pyast
import importlib.machinery
import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass

from dsplang.analysis.declares import DECL_TYPES
from dsplang.analysis.model import Binding, Model
from dsplang.errors import DspError
from dsplang.grammar import ast
from dsplang.grammar.parser import parse_recovering

# What the walk asks for an imported file: its Model (full or declarations only), or None.
LoadDsp = Callable[[str], "Model | None"]


def resolve_dsp_path(relative: str, importer: str) -> str:
    """The absolute path of `import "relative"` written in file `importer`."""
    folder = os.path.dirname(os.path.abspath(importer))
    return os.path.normpath(os.path.join(folder, relative))


class DspFiles:
    """Parses imported .dsp files once per check and finds import cycles; `load` may be given
    to read files another way (the language server's full models of open buffers)."""

    def __init__(self, load: LoadDsp | None = None) -> None:
        self._files: dict[str, Model | None] = {}
        self._load = load or _read_dsp

    def load(self, path: str) -> Model | None:
        """The model of the file at absolute `path`, or None when it cannot be read."""
        if path not in self._files:
            self._files[path] = self._load(path)
        return self._files[path]

    def find_cycle(self, origin: str, target: str) -> list[str] | None:
        """An import chain that returns to a file already on it, starting `origin -> target`."""
        stack = [origin]
        done: set[str] = set()

        def visit(path: str) -> list[str] | None:
            if path in stack:
                return stack[stack.index(path):] + [path]
            if path in done:
                return None
            loaded = self.load(path)
            if loaded is None:
                return None
            stack.append(path)
            for child in loaded.imports:
                cycle = visit(child)
                if cycle:
                    return cycle
            stack.pop()
            done.add(path)
            return None

        return visit(target)


def _read_dsp(path: str) -> Model | None:
    """Parse one .dsp file for its declarations; None if it cannot be read."""
    try:
        with open(path, encoding="utf-8") as fh:
            source = fh.read()
    except (OSError, UnicodeDecodeError):
        return None
    return declarations_model(path, source)


def declarations_model(path: str, source: str) -> Model:
    """A Model of `source` holding only its top-level declarations and its imports."""
    program, errors = parse_recovering(source, path)
    model = Model(path, program, source, list[DspError](errors))
    for stmt in program.body if program is not None else ():
        if isinstance(stmt, DECL_TYPES):
            model.top.declare(Binding(stmt.name, "decl", stmt.span.line, stmt, stmt.span, True))
        elif isinstance(stmt, ast.ImportDsp):
            model.imports.append(resolve_dsp_path(stmt.path, path))
    return model


def dsp_files_near(path: str) -> list[str]:
    """Names of the .dsp files in the folder of `path` (for did-you-mean)."""
    folder = os.path.dirname(path) or "."
    try:
        return [n for n in os.listdir(folder) if n.endswith(".dsp")]
    except OSError:
        return []


# ---------------------------------------------------------------- Python modules

@dataclass
class PyModule:
    """A located Python module: `names` is its top-level names when they are knowable."""

    name: str
    names: frozenset[str] | None


class PyModules:
    """Locates Python modules for one check, caching by (folder, name)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], PyModule | None] = {}

    def find(self, module: str, folder: str) -> PyModule | None:
        """The module named `module` as the importing file would see it, or None if missing."""
        key = (folder, module)
        if key not in self._cache:
            self._cache[key] = _locate(module, folder)
        return self._cache[key]


def _locate(module: str, folder: str) -> PyModule | None:
    """Find a module beside the file or in the working directory, then as an installed
    module; never execute it."""
    top = module.split(".")[0]
    try:
        spec = importlib.machinery.PathFinder.find_spec(top, [folder, os.getcwd()])
        if spec is None:
            spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return PyModule(module, None)
    if spec is None:
        return None
    names = None
    origin = spec.origin or ""
    if top == module and origin.endswith(".py") and not spec.submodule_search_locations:
        names = _top_level_names(origin)
    return PyModule(module, names)


def _top_level_names(path: str) -> frozenset[str] | None:
    """The names a .py file binds at top level, or None when they cannot be known statically."""
    try:
        with open(path, encoding="utf-8") as fh:
            tree = pyast.parse(fh.read(), path)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    names: set[str] = set()
    for node in _top_level_statements(tree.body):
        if isinstance(node, (pyast.FunctionDef, pyast.AsyncFunctionDef, pyast.ClassDef)):
            if node.name == "__getattr__":
                return None
            names.add(node.name)
        elif isinstance(node, (pyast.Import, pyast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    return None
                names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, (pyast.Assign, pyast.AnnAssign, pyast.AugAssign)):
            targets = node.targets if isinstance(node, pyast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in pyast.walk(target) if isinstance(n, pyast.Name))
        else:
            names.update(n.id for n in pyast.walk(node)
                         if isinstance(n, pyast.Name) and isinstance(n.ctx, pyast.Store))
    return frozenset(names)


def _top_level_statements(body: list[pyast.stmt]) -> list[pyast.stmt]:
    """Statements at module level, looking inside if/try/with blocks (which bind module names)."""
    out: list[pyast.stmt] = []
    for node in body:
        if isinstance(node, (pyast.If, pyast.Try, pyast.With)):
            inner = list(node.body) + list(getattr(node, "orelse", []))
            inner += list(getattr(node, "finalbody", []))
            for handler in getattr(node, "handlers", []):
                inner += list(handler.body)
            out.extend(_top_level_statements(inner))
        else:
            out.append(node)
    return out
