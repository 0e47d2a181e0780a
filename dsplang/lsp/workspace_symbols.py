"""Workspace symbols: the top-level declarations of every `.dsp` file in the workspace folders
(signatures, types, enums, modules, functions, `let`s and `compile`s), matched to a query.

Files are found by walking the folders, skipping hidden folders (`.git`, `.dsp-build`,
`.venv`), `node_modules`, `__pycache__` and `site-packages`, and bounded: at most
`MAX_ENTRIES` directory entries looked at, `MAX_FILES` files read, files up to `MAX_BYTES`.
A file's declarations are read from its lines (`declarations`: no parse, so indexing is quick
and a broken file is indexed too) and kept until its size or modification time changes; an
open document is read from the editor instead of the disk.

A query matches a name when its characters appear in it in order, ignoring case (`rag`
matches `RAG` and `ReadArticleGist`); names that contain the query as a whole come first.
"""

from __future__ import annotations

import os
import re
import sys
from bisect import bisect_right
from collections.abc import Callable, Iterable

from lsprotocol import types
from pygls.workspace import PositionCodec

from dsplang.driver.testing.find import SKIPPED_FOLDERS
from dsplang.lsp.definition import path_to_uri
from dsplang.lsp.positions import UTF16
from dsplang.lsp.text import split_lines

MAX_ENTRIES = 50_000
MAX_FILES = 2_000
MAX_BYTES = 1_000_000
MAX_RESULTS = 500

Symbols = list[tuple[str, types.SymbolKind, int, int, int]]   # name, kind, line, start, end (code units)


class WorkspaceIndex:
    """The symbols of the workspace's `.dsp` files, re-read only when a file changes.
    `open_text(path)` is the editor's text of an open document (None when it is not open)."""

    def __init__(self, open_text: Callable[[str], str | None] = lambda path: None):
        self.open_text = open_text
        self._files: dict[str, tuple[tuple[int, int] | str, Symbols]] = {}

    def search(self, query: str, folders: Iterable[str], open_paths: Iterable[str] = (),
               codec: PositionCodec = UTF16) -> list[types.SymbolInformation]:
        """The symbols whose names match `query`, best matches first."""
        paths = list(dict.fromkeys([*open_paths, *dsp_files(folders)]))
        found = []
        for path in paths:
            for name, kind, line, start, end in self.symbols_of(path, codec):
                rank = _rank(query, name)
                if rank is not None:
                    found.append((rank, name.lower(), path, line, name, kind, start, end))
        found.sort(key=lambda f: f[:4])
        return [types.SymbolInformation(
            name=name, kind=kind, container_name=os.path.basename(path),
            location=types.Location(uri=path_to_uri(path), range=types.Range(
                types.Position(line, start), types.Position(line, end))))
            for _, _, path, line, name, kind, start, end in found[:MAX_RESULTS]]

    def symbols_of(self, path: str, codec: PositionCodec = UTF16) -> Symbols:
        """The top-level symbols of one file ([] when it cannot be read)."""
        text = self.open_text(path)
        if text is not None:
            stamp: tuple[int, int] | str = text
        else:
            try:
                info = os.stat(path)
            except OSError:
                return []
            if info.st_size > MAX_BYTES:
                return []
            stamp = (info.st_mtime_ns, info.st_size)
        cached = self._files.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        if text is None:
            try:
                with open(path, encoding="utf-8") as fh:
                    text = fh.read()
            except (OSError, UnicodeDecodeError):
                return []
        found = declarations(split_lines(text), codec)
        self._files[path] = (stamp, found)
        return found


_DECLARATION = re.compile(r"^(signature|type|enum|module|def|let|compile)[ \t]+([^\W\d]\w*)([ \t]*:)?", re.M)
_KINDS = {"signature": types.SymbolKind.Interface, "type": types.SymbolKind.Struct,
          "enum": types.SymbolKind.Enum, "module": types.SymbolKind.Class, "def": types.SymbolKind.Function,
          "let": types.SymbolKind.Variable, "compile": types.SymbolKind.Variable}
_TRIPLE = re.compile(r"\"\"\"|'''")


def declarations(lines: list[str], codec: PositionCodec = UTF16) -> Symbols:
    """The top-level declarations of a file's lines: the statements starting at column 0 with
    `signature`, `type NAME:`, `enum`, `module`, `def`, `let` or `compile` (the kinds the
    document outline gives them), outside triple-quoted strings. Read with one expression
    over the text, without parsing, so a large workspace is indexed quickly and a file that
    does not parse still is."""
    text = "\n".join(lines)
    if not _DECLARATION.search(text):
        return []
    quoted = _triple_quoted(text)
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    found: Symbols = []
    for match in _DECLARATION.finditer(text):
        if match.group(1) == "type" and not match.group(3):
            continue                                   # `type = ...` is a name, not a declaration
        if quoted and _inside(quoted, match.start()):
            continue
        number = bisect_right(starts, match.start()) - 1
        before, name = lines[number][:match.start(2) - starts[number]], match.group(2)
        if before.isascii() and name.isascii():
            start, end = len(before), len(before) + len(name)
        else:
            start = codec.client_num_units(before)
            end = start + codec.client_num_units(name)
        found.append((name, _KINDS[match.group(1)], number, start, end))
    return found


def _triple_quoted(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of the triple-quoted strings of `text`, in order."""
    regions: list[tuple[int, int]] = []
    opened, quote = -1, ""
    for match in _TRIPLE.finditer(text):
        if not quote:
            opened, quote = match.start(), match.group()
        elif match.group() == quote:
            regions.append((opened, match.end()))
            quote = ""
    if quote:
        regions.append((opened, len(text)))
    return regions


def _inside(regions: list[tuple[int, int]], offset: int) -> bool:
    at = bisect_right(regions, (offset, sys.maxsize)) - 1
    return at >= 0 and regions[at][0] <= offset < regions[at][1]


def dsp_files(folders: Iterable[str]) -> list[str]:
    """The `.dsp` files under `folders`, in name order, within the bounds."""
    found: list[str] = []
    entries = 0
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            entries += len(dirs) + len(files)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_FOLDERS)
            found.extend(os.path.join(root, name) for name in sorted(files) if name.endswith(".dsp"))
            if entries > MAX_ENTRIES or len(found) >= MAX_FILES:
                return found[:MAX_FILES]
    return found


def _rank(query: str, name: str) -> int | None:
    """0 for an exact match, 1 when `name` starts with the query, 2 when it contains it, 3
    when the query's characters are in it in order (all ignoring case); None otherwise."""
    if not query:
        return 0
    q, n = query.lower(), name.lower()
    if n == q:
        return 0
    if n.startswith(q):
        return 1
    if q in n:
        return 2
    at = 0
    for ch in q:
        at = n.find(ch, at) + 1
        if at == 0:
            return None
    return 3
