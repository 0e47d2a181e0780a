"""Diagnostics: the syntax errors and static-check problems of a document, as LSP data
(those of `dsp check`, read from the document's scope model).

The analysis already recovers from syntax errors (each broken statement is reported and
the rest of the file is still checked) and drops the "is not defined" reports that only
echo a syntax error (analysis/echoes.py), as `dsp check` does.
"""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace import PositionCodec

from dsplang.analysis.checker import check_source, problems_of
from dsplang.errors import DspError
from dsplang.lsp.analysis import Analysis
from dsplang.lsp.fixes import fix_data, suggested_fix
from dsplang.lsp.positions import UTF16, to_range
from dsplang.lsp.text import split_lines

SOURCE = "dsp"


def to_diagnostic(err: DspError, lines: list[str],
                  codec: PositionCodec = UTF16) -> types.Diagnostic:
    """One LSP diagnostic: `kind: message`, with the hint on a second line; `lines` are the
    text the error's span points into. A "did you mean" hint's edit is its `data` (fixes.py)."""
    message = f"{err.kind}: {err.message}"
    if err.hint:
        message += f"\n{err.hint}"
    for note in getattr(err, "notes", ()):
        message += f"\n{note}"
    fix = suggested_fix(err, lines)
    return types.Diagnostic(range=to_range(lines, err.span, codec), message=message,
                            severity=types.DiagnosticSeverity.Error, source=SOURCE,
                            data=fix_data(fix, lines, codec) if fix is not None else None)


def problems(source: str, path: str) -> list[DspError]:
    """The errors `dsp check` reports for `source`."""
    return check_source(source, path)


def diagnostics(source: str, path: str, codec: PositionCodec = UTF16) -> list[types.Diagnostic]:
    """The diagnostics to publish for a document, positioned in `codec`'s code units."""
    lines = split_lines(source)
    return [to_diagnostic(err, lines, codec) for err in problems(source, path)]


def analysis_diagnostics(analysis: Analysis, codec: PositionCodec = UTF16) -> list[types.Diagnostic]:
    """`diagnostics` of an analysed document, read from the model its features also use (the
    imported files as the editor has them)."""
    found = problems_of(analysis.model)
    return [to_diagnostic(err, analysis.lines, codec) for err in found]
