"""Go to definition: a name to its declaration, `let`, parameter or import — also in
another file brought in by `import "x.dsp"` — and an import's path to that file."""

from __future__ import annotations

import re

from lsprotocol import types
from pygls.workspace import PositionCodec

from dsplang.analysis.imports import resolve_dsp_path
from dsplang.lsp.analysis import Analysis
from dsplang.lsp.lookup import target_at
from dsplang.lsp.positions import UTF16, to_pos, to_range
from dsplang.lsp.text import Pos, line_at

_IMPORT = re.compile(r"""^\s*import\s+(["'])(.+?)\1""")


def path_to_uri(path: str) -> str:
    """A file URI for a path (paths that are already URIs pass through)."""
    if "://" in path or path.startswith("untitled:"):
        return path
    from pygls.uris import from_fs_path
    return from_fs_path(path) or path


def definition(analysis: Analysis, position: types.Position,
               codec: PositionCodec = UTF16) -> list[types.Location]:
    """Where the name at `position` is defined ([] for builtins and unknown names)."""
    pos = to_pos(analysis.lines, position, codec)
    imported = _import_target(analysis, pos)
    if imported is not None:
        return [imported]
    target = target_at(analysis, pos)
    if target is None or target.definition is None:
        return []
    found = target.definition.home
    if found.model is None:
        return []
    where = to_range(found.model.lines or [], found.span, codec)
    return [types.Location(uri=path_to_uri(found.model.path), range=where)]


def _import_target(analysis: Analysis, pos: Pos) -> types.Location | None:
    """On the path of `import "x.dsp"`: the start of that file."""
    match = _IMPORT.match(line_at(analysis.lines, pos[0]))
    if match is None or not match.start(2) <= pos[1] - 1 <= match.end(2):
        return None
    path = resolve_dsp_path(match.group(2), analysis.path)
    start = types.Position(0, 0)
    return types.Location(uri=path_to_uri(path), range=types.Range(start, start))
