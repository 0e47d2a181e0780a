"""Diagnostics: the syntax errors and static-check problems of a document, as LSP data
(those of `dsp check`, read from the document's scope model).

The analysis already recovers from syntax errors (each broken statement is reported and
the rest of the file is still checked). One thing is added here: while the file has
syntax errors, "is not defined" reports for names that a broken line declares are dropped,
since they only echo the syntax error (half-typed `let x = f(` would otherwise paint every
later use of `x`).
"""

from __future__ import annotations

import re

from lsprotocol import types
from pygls.workspace import PositionCodec

from dsplang.analysis.checker import check_source, problems_of
from dsplang.errors import DspError, DspSyntaxError
from dsplang.grammar.recovery import chunks
from dsplang.lsp.analysis import Analysis
from dsplang.lsp.fixes import fix_data, suggested_fix
from dsplang.lsp.positions import UTF16, to_range
from dsplang.lsp.text import split_lines

SOURCE = "dsp"
_DECLARES = re.compile(r"^\s*(?:let|def|module|signature|type|enum|compile|for)\s+([^\W\d]\w*)"
                       r"|^\s*([^\W\d]\w*)\s*(?:,\s*[^\W\d]\w*\s*)*(?::[^=]*)?=(?!=)", re.M)
_UNDEFINED = re.compile(r"^(?:name )?'([^']+)' is (?:not defined|used before it is declared)")


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
    """The errors `dsp check` reports for `source`, minus echoes of syntax errors."""
    return without_echoes(check_source(source, path), source)


def without_echoes(found: list[DspError], source: str) -> list[DspError]:
    """`found` less the "is not defined" reports that only echo a syntax error."""
    broken = [e for e in found if isinstance(e, DspSyntaxError) and e.span is not None]
    if not broken:
        return found
    declared = _declared_on_broken_lines(source, broken)
    return [e for e in found if not _echo(e, declared)]


def _declared_on_broken_lines(source: str, broken: list[DspSyntaxError]) -> set[str]:
    """Names that the top-level statements holding syntax errors seem to declare."""
    lines = split_lines(source)
    bad_lines = {err.span.line for err in broken if err.span is not None}
    names: set[str] = set()
    for start, end in chunks(lines):
        if any(start < line <= end for line in bad_lines):
            for match in _DECLARES.finditer("\n".join(lines[start:end])):
                names.add(match.group(1) or match.group(2))
    return names


def _echo(err: DspError, declared: set[str]) -> bool:
    if isinstance(err, DspSyntaxError):
        return False
    match = _UNDEFINED.search(err.message)
    return match is not None and match.group(1) in declared


def diagnostics(source: str, path: str, codec: PositionCodec = UTF16) -> list[types.Diagnostic]:
    """The diagnostics to publish for a document, positioned in `codec`'s code units."""
    lines = split_lines(source)
    return [to_diagnostic(err, lines, codec) for err in problems(source, path)]


def analysis_diagnostics(analysis: Analysis, codec: PositionCodec = UTF16) -> list[types.Diagnostic]:
    """`diagnostics` of an analysed document, read from the model its features also use (the
    imported files as the editor has them)."""
    found = without_echoes(problems_of(analysis.model), analysis.source)
    return [to_diagnostic(err, analysis.lines, codec) for err in found]
