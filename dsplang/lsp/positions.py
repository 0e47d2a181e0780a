"""LSP positions to source positions and back.

An LSP `Position` is 0-based and counts a line's characters in the code units of the
position encoding agreed at `initialize` (UTF-16 unless the client prefers UTF-8 or UTF-32).
A `Span` and the `(line, col)` tuples of `text.py` are 1-based and count Python str
characters (code points); an emoji is one character but two UTF-16 code units.

The counting is pygls's `PositionCodec` (the server's is `workspace.position_codec`); the
lines are ours (`text.split_lines`), since LSP ends lines only at \\n, \\r\\n and \\r.
"""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace import PositionCodec

from dsplang.errors import Span
from dsplang.lsp.text import Pos, line_at

UTF16 = PositionCodec(types.PositionEncodingKind.Utf16)


def to_pos(lines: list[str], position: types.Position, codec: PositionCodec = UTF16) -> Pos:
    """An LSP position as a 1-based (line, col) in characters of `lines`."""
    text = line_at(lines, position.line + 1)
    if text.isascii():      # one code unit per character in every encoding: no walk of the line
        return position.line + 1, min(position.character, len(text)) + 1
    # the codec moves a position past the line's end back inside it; keep it at the end
    units = min(position.character, codec.client_num_units(text))
    found = codec.position_from_client_units([text], types.Position(0, units))
    return position.line + 1, found.character + 1


def to_position(lines: list[str], pos: Pos, codec: PositionCodec = UTF16) -> types.Position:
    """A 1-based (line, col) as an LSP position; columns past the line's end stay past it."""
    line, col = max(pos[0], 1), max(pos[1], 1)
    text = line_at(lines, line)
    before = text[:col - 1]
    units = (len(before) if before.isascii() else codec.client_num_units(before)) + max(col - 1 - len(text), 0)
    return types.Position(line - 1, units)


def between(lines: list[str], start: Pos, end: Pos, codec: PositionCodec = UTF16) -> types.Range:
    """The LSP range from `start` to `end` (1-based, end exclusive)."""
    return types.Range(to_position(lines, start, codec), to_position(lines, end, codec))


def to_range(lines: list[str], span: Span | None, codec: PositionCodec = UTF16) -> types.Range:
    """The LSP range of a span in `lines`, at least one character wide; the file start when None."""
    if span is None:
        return types.Range(types.Position(0, 0), types.Position(0, 1))
    start = (max(span.line, 1), max(span.col, 1))
    end = (max(span.end_line, 1), max(span.end_col, 1))
    if end <= start:
        end = (start[0], start[1] + 1)
    return between(lines, start, end, codec)
