"""Parsed documents and the project of files they import.

An `Analysis` is one version of one document: its text, the Program recovered from it
(statements that parse, even when others do not) and its static `Index`. A `Project`
makes analyses and caches those of imported files, reading the editor's copy of a file
when it is open and the disk otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from dsplang.analysis.index import Index
from dsplang.grammar import ast
from dsplang.grammar.nesting import deep_enough
from dsplang.grammar.parser import parse_recovering
from dsplang.lsp.text import split_lines


class Analysis:
    """One document version: `source`, `lines`, `program` (may be None) and `index`."""

    def __init__(self, path: str, source: str, load: Callable[[str], Index | None]):
        self.path = path
        self.source = source
        self.lines = split_lines(source)
        with deep_enough():
            program, self.syntax_errors = parse_recovering(source, path)
            self.program: ast.Program | None = program
            self.index = Index(path, self.lines, program, load)


class Project:
    """Analyses of the files a workspace touches; `open_text(path)` reads editor buffers.

    A cached analysis is reused while its text and the texts of the files it imported
    are unchanged.
    """

    def __init__(self, open_text: Callable[[str], str | None] = lambda path: None):
        self.open_text = open_text
        self._cache: dict[str, tuple[str, dict[str, str], Analysis]] = {}
        self._building: list[dict[str, str]] = []    # imports read by each analysis under way
        self._loading: list[str] = []                 # the paths of those analyses

    def analyse(self, path: str, source: str) -> Analysis:
        """The analysis of `source` as the text of `path`."""
        cached = self._cache.get(path)
        if cached is not None and cached[0] == source and self._fresh(cached[1]):
            return cached[2]
        deps: dict[str, str] = {}
        self._building.append(deps)
        self._loading.append(path)
        try:
            analysis = Analysis(path, source, self.load_index)
        finally:
            self._building.pop()
            self._loading.pop()
        self._cache[path] = (source, deps, analysis)
        return analysis

    def _fresh(self, deps: dict[str, str]) -> bool:
        return all(self.read(dep) == text for dep, text in deps.items())

    def load_index(self, path: str) -> Index | None:
        """The Index of an imported file, or None when it cannot be read or is being
        analysed already (an import cycle)."""
        if path in self._loading:
            return None
        source = self.read(path)
        if source is None:
            return None
        if self._building:
            self._building[-1][path] = source
        return self.analyse(path, source).index

    def read(self, path: str) -> str | None:
        """The text of `path`: the editor's buffer if open, else the file on disk."""
        text = self.open_text(path)
        if text is not None:
            return text
        try:
            if os.path.getsize(path) > 5_000_000:
                return None
            with open(path, encoding="utf-8") as fh:
                return fh.read()
        except (OSError, UnicodeDecodeError, ValueError):
            return None
