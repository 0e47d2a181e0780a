"""format_source(): parse, re-lay the tokens out, and make sure the meaning is unchanged."""

from __future__ import annotations

from dsplang.errors import DspError
from dsplang.fmt.equivalence import same_program
from dsplang.fmt.layout import assign_blanks, assign_depths, render
from dsplang.fmt.lines import build_lines
from dsplang.fmt.tokens import lex, normalize
from dsplang.grammar.nesting import deep_enough


class FormatError(DspError):
    """The formatter would have changed what the program means (a formatter bug)."""

    kind = "format error"


def format_source(source: str, filename: str = "<string>") -> str:
    """The formatted text of `source`. Raises DspSyntaxError for a file that does not
    parse, and FormatError (writing nothing) if the result would not mean the same."""
    with deep_enough():
        return _format(source, filename)


def _format(source: str, filename: str) -> str:
    from dsplang.grammar.parser import parse
    before = parse(source, filename)
    items = build_lines(lex(normalize(source)))
    assign_depths(items)
    assign_blanks(items)
    result = render(items)
    if not _same(before, result, filename):
        # Moving the lines of a triple-quoted string is the one change that can touch a
        # value (through the dedent rule); without it only layout between tokens changes.
        result = render(items, move_strings=False)
        if not _same(before, result, filename):
            raise FormatError("formatting would change the program's meaning; left unchanged")
    return result


def _same(before, text: str, filename: str) -> bool:
    """True when `text` parses to the same program as `before`."""
    from dsplang.grammar.parser import parse
    try:
        return same_program(before, parse(text, filename))
    except DspError:
        return False
