"""Document formatting: `dsp fmt` applied to the editor's buffer as one whole-text edit.
A buffer with syntax errors is left alone (diagnostics already show why)."""

from __future__ import annotations

from lsprotocol import types

from dsplang.errors import DspError
from dsplang.fmt import format_source
from dsplang.lsp.analysis import Analysis


def formatting(analysis: Analysis) -> list[types.TextEdit]:
    """The edits that format the document ([] when it is formatted or cannot be)."""
    try:
        result = format_source(analysis.source, analysis.path)
    except DspError:
        return []
    if result == analysis.source:
        return []
    end = types.Position(len(analysis.lines), 0)
    return [types.TextEdit(range=types.Range(types.Position(0, 0), end), new_text=result)]
