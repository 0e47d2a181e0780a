"""Hover: what the name under the cursor is — fields, types, descriptions, docstrings."""

from __future__ import annotations

from lsprotocol import types

from dsplang.lsp.analysis import Analysis
from dsplang.lsp.describe import describe, describe_builtin
from dsplang.lsp.lookup import target_at, to_pos
from dsplang.lsp.text import in_comment_or_string


def hover(analysis: Analysis, position: types.Position) -> types.Hover | None:
    """The hover for `position`, or None when there is nothing to say."""
    if in_comment_or_string(analysis.lines, to_pos(position)):
        return None
    target = target_at(analysis, position)
    if target is None:
        return None
    if target.definition is not None:
        text = describe(target.definition)
    elif not target.dotted:
        text = describe_builtin(target.word)
    else:
        text = None
    if not text:
        return None
    content = types.MarkupContent(kind=types.MarkupKind.Markdown, value=text)
    return types.Hover(contents=content, range=target.range)
