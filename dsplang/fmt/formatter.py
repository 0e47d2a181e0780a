"""format_source(): parse, re-lay the tokens out, and make sure the meaning is unchanged."""

from __future__ import annotations

from dsplang.errors import DspError
from dsplang.fmt.equivalence import same_program
from dsplang.fmt.layout import assign_blanks, assign_depths, render
from dsplang.fmt.lines import build_lines
from dsplang.fmt.tokens import lex, normalize


class FormatError(DspError):
    """The formatter would have changed what the program means (a formatter bug)."""

    kind = "format error"


def format_source(source: str, filename: str = "<string>") -> str:
    """The formatted text of `source`. Raises DspSyntaxError for a file that does not
    parse, and FormatError (writing nothing) if the result would not mean the same."""
    from dsplang.grammar.parser import parse
    before = parse(source, filename)
    items = build_lines(lex(normalize(source)))
    assign_depths(items)
    assign_blanks(items)
    result = render(items)
    try:
        after = parse(result, filename)
    except DspError as err:
        raise FormatError(f"formatting would break the file ({err.message}); left unchanged") from None
    if not same_program(before, after):
        raise FormatError("formatting would change the program's meaning; left unchanged")
    return result
