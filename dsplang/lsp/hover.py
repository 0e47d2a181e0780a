"""Hover: what the name under the cursor is — fields, types, descriptions, docstrings."""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace import PositionCodec

from dsplang.lsp.analysis import Analysis
from dsplang.lsp.describe import describe, describe_builtin
from dsplang.lsp.lookup import target_at
from dsplang.lsp.positions import UTF16, between, to_pos
from dsplang.lsp.text import in_comment_or_string


def hover(analysis: Analysis, position: types.Position,
          codec: PositionCodec = UTF16) -> types.Hover | None:
    """The hover for `position`, or None when there is nothing to say."""
    pos = to_pos(analysis.lines, position, codec)
    if in_comment_or_string(analysis.lines, pos):
        return None
    target = target_at(analysis, pos)
    if target is None:
        return None
    text: str | None
    if target.definition is not None:
        text = describe(target.definition)
    elif not target.dotted:
        text = describe_builtin(target.word)
    else:
        text = None
    if not text:
        return None
    content = types.MarkupContent(kind=types.MarkupKind.Markdown, value=text)
    word = between(analysis.lines, (target.line, target.start), (target.line, target.end), codec)
    return types.Hover(contents=content, range=word)
