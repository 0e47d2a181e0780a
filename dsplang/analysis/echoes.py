"""Echoes of a syntax error: the "name is not defined" reports it causes further down.

Recovery (grammar/recovery.py) drops a top-level statement that does not parse, so the names
it would have declared are missing from the scope model, and every later use of them would
be reported as undefined although the only mistake is the syntax error. While a file has
syntax errors, a report that a name is not defined (or used before it is declared) is
dropped when that name looks declared in a top-level statement holding a syntax error: the
statement's text is scanned for `let NAME`, `def NAME`, `module NAME`, `NAME = ...`,
`for NAME in`, `import x as NAME` and the like. A name the broken statement does not mention
is still reported, so a real typo elsewhere is not hidden.
"""

from __future__ import annotations

import re

from dsplang.analysis.source import split_lines
from dsplang.errors import DspError, DspSyntaxError
from dsplang.grammar.recovery import chunks

__all__ = ["declared_on_broken_lines", "without_echoes"]

_NAME = r"[^\W\d]\w*"
_DECLARES = re.compile(
    rf"^\s*(?:let|def|module|signature|type|enum|compile|load|for)\s+((?:{_NAME}\s*,\s*)*{_NAME})"
    rf"|^\s*((?:{_NAME}\s*,\s*)*{_NAME})\s*(?::[^=\n]*)?=(?!=)"
    rf"|^\s*import\s+\S+\s+as\s+({_NAME})"
    rf"|^\s*import\s+({_NAME})"
    rf"|^\s*from\s+\S+\s+import\s+\(?([^)#\n]*)",
    re.M)
_IMPORTED = re.compile(rf"({_NAME})(?:\s+as\s+({_NAME}))?")
_UNDEFINED = re.compile(r"^(?:name )?'([^']+)' is (?:not defined|used before it is declared)")


def without_echoes(found: list[DspError], source: str) -> list[DspError]:
    """`found` less the "is not defined" reports that only echo a syntax error in `source`."""
    broken = [e for e in found if isinstance(e, DspSyntaxError) and e.span is not None]
    if not broken:
        return found
    declared = declared_on_broken_lines(source, broken)
    return [e for e in found if not _echo(e, declared)]


def declared_on_broken_lines(source: str, broken: list[DspSyntaxError]) -> set[str]:
    """Names that the top-level statements holding syntax errors seem to declare."""
    lines = split_lines(source)
    bad_lines = {err.span.line for err in broken if err.span is not None}
    names: set[str] = set()
    for start, end in chunks(lines):
        if any(start < line <= end for line in bad_lines):
            for match in _DECLARES.finditer("\n".join(lines[start:end])):
                names.update(_names(match))
    return names


def _names(match: re.Match[str]) -> list[str]:
    declared, assigned, alias, module, imported = match.groups()
    if imported is not None:
        return [m.group(2) or m.group(1) for m in _IMPORTED.finditer(imported)
                if m.group(1) != "as"]
    text = declared or assigned or alias or module or ""
    return [name.strip() for name in text.split(",")]


def _echo(err: DspError, declared: set[str]) -> bool:
    if isinstance(err, DspSyntaxError):
        return False
    match = _UNDEFINED.search(err.message)
    return match is not None and match.group(1) in declared
