"""Diagnostics: the syntax errors and static-check problems of a document, as LSP data.

`check_source` already recovers from syntax errors (each broken statement is reported and
the rest of the file is still checked). One thing is added here: while the file has
syntax errors, "is not defined" reports for names that a broken line declares are dropped,
since they only echo the syntax error (half-typed `let x = f(` would otherwise paint every
later use of `x`).
"""

from __future__ import annotations

import re

from lsprotocol import types

from dsplang.errors import DspError, DspSyntaxError, Span

SOURCE = "dsp"
_DECLARES = re.compile(r"^\s*(?:let|def|module|signature|type|enum|compile|for)\s+([^\W\d]\w*)"
                       r"|^\s*([^\W\d]\w*)\s*(?:,\s*[^\W\d]\w*\s*)*(?::[^=]*)?=(?!=)", re.M)
_UNDEFINED = re.compile(r"^(?:name )?'([^']+)' is (?:not defined|used before it is declared)")


def to_range(span: Span | None) -> types.Range:
    """The LSP range (0-based, end exclusive) of a span; the file start when None."""
    if span is None:
        return types.Range(types.Position(0, 0), types.Position(0, 1))
    start = types.Position(max(span.line - 1, 0), max(span.col - 1, 0))
    end = types.Position(max(span.end_line - 1, 0), max(span.end_col - 1, 0))
    if (end.line, end.character) <= (start.line, start.character):
        end = types.Position(start.line, start.character + 1)
    return types.Range(start, end)


def to_diagnostic(err: DspError) -> types.Diagnostic:
    """One LSP diagnostic: `kind: message`, with the hint on a second line."""
    message = f"{err.kind}: {err.message}"
    if err.hint:
        message += f"\n{err.hint}"
    for note in getattr(err, "notes", ()):
        message += f"\n{note}"
    return types.Diagnostic(range=to_range(err.span), message=message,
                            severity=types.DiagnosticSeverity.Error, source=SOURCE)


def problems(source: str, path: str) -> list[DspError]:
    """The errors `dsp check` reports for `source`, minus echoes of syntax errors."""
    from dsplang.interpreter.checker import check_source
    found = check_source(source, path)
    broken = [e for e in found if isinstance(e, DspSyntaxError) and e.span is not None]
    if not broken:
        return found
    declared = _declared_on_broken_lines(source, broken)
    return [e for e in found if not _echo(e, declared)]


def _declared_on_broken_lines(source: str, broken: list[DspSyntaxError]) -> set[str]:
    """Names that the top-level statements holding syntax errors seem to declare."""
    from dsplang.grammar.recovery import chunks
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    bad_lines = {err.span.line for err in broken}
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


def diagnostics(source: str, path: str) -> list[types.Diagnostic]:
    """The diagnostics to publish for a document."""
    return [to_diagnostic(err) for err in problems(source, path)]
