"""Parsed documents and the project of files they import.

An `Analysis` is one version of one document: its text, the Program recovered from it
(statements that parse, even when others do not) and its scope `Model` (the one walk that
`dsp check` also makes). A `Project` makes analyses and caches those of imported files,
reading the editor's copy of a file when it is open and the disk otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from dsplang.analysis.checker import analyse_source
from dsplang.analysis.imports import DspFiles, declarations_model
from dsplang.analysis.model import Model
from dsplang.errors import DspError
from dsplang.grammar import ast
from dsplang.lsp.text import split_lines

LoadModel = Callable[[str], Model | None]


class Analysis:
    """One document version: `source`, `lines`, `program` (may be None) and `model`;
    `load` gives the model of an imported file. `derived` keeps what features compute from
    this version once (semantic tokens, the view with a line being typed blanked out), so a
    request repeated on an unchanged document costs a dictionary look-up."""

    def __init__(self, path: str, source: str, load: LoadModel):
        self.path = path
        self.source = source
        self.lines = split_lines(source)
        self.load = load
        self.model = analyse_source(source, path, DspFiles(load), lines=self.lines)
        self.program: ast.Program | None = self.model.program
        self.syntax_errors: list[DspError] = self.model.syntax_errors
        self.derived: dict[object, object] = {}


def typing_view(analysis: Analysis, line: int) -> Analysis:
    """The analysis to complete or help in at `line`: while the document has syntax errors,
    the same text with that line replaced by `pass` (with its indentation) when that parses
    better, so a half-typed call (an unclosed `(`) does not hide the block around it. Its
    `lines` are the document's own, so positions stay those of the text being typed."""
    if not analysis.syntax_errors or not 1 <= line <= len(analysis.lines):
        return analysis
    key = ("typing", line)
    cached = analysis.derived.get(key)
    if isinstance(cached, Analysis):
        return cached
    lines = list(analysis.lines)
    text = lines[line - 1]
    lines[line - 1] = text[:len(text) - len(text.lstrip())] + "pass"
    patched = Analysis(analysis.path, "\n".join(lines), analysis.load)
    view = analysis
    if len(patched.syntax_errors) < len(analysis.syntax_errors):
        patched.lines = analysis.lines
        view = patched
    analysis.derived[key] = view
    return view


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
            analysis = Analysis(path, source, self.load_model)
        finally:
            self._building.pop()
            self._loading.pop()
        self._cache[path] = (source, deps, analysis)
        return analysis

    def _fresh(self, deps: dict[str, str]) -> bool:
        return all(self.read(dep) == text for dep, text in deps.items())

    def load_model(self, path: str) -> Model | None:
        """The Model of an imported file, or None when it cannot be read. A file being
        analysed already (an import cycle) gives a model of its declarations only, which is
        enough to name the cycle."""
        source = self.read(path)
        if source is None:
            return None
        if self._building:
            self._building[-1][path] = source
        if path in self._loading:
            return declarations_model(path, source)
        return self.analyse(path, source).model

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
