"""format_source(): parse, re-lay the tokens out, and make sure the meaning is unchanged."""

from __future__ import annotations

from dsplang.errors import DspError
from dsplang.fmt.equivalence import same_meaning
from dsplang.fmt.layout import assign_blanks, assign_depths, render
from dsplang.fmt.lines import build_lines
from dsplang.fmt.tokens import normalize, parse_with_tokens
from dsplang.grammar.nesting import deep_enough
from dsplang.grammar.parser import collector_paused


class FormatError(DspError):
    """The formatter would have changed what the program means (a formatter bug)."""

    kind = "format error"


def format_source(source: str, filename: str = "<string>") -> str:
    """The formatted text of `source`. Raises DspSyntaxError for a file that does not
    parse, and FormatError (writing nothing) if the result would not mean the same.
    (The garbage collector is paused meanwhile: formatting makes no cycles, and on a long
    file its passes over the tree and the tokens took most of the time.)"""
    with deep_enough(), collector_paused():
        return _format(source, filename)


def _format(source: str, filename: str) -> str:
    before, tokens = parse_with_tokens(source, filename)
    items = build_lines(tokens)
    assign_depths(items)
    assign_blanks(items)
    text = normalize(source)
    result = render(items)
    if not same_meaning(before, text, result, filename):
        # Moving the lines of a triple-quoted string is the one change that can touch a
        # value (through the dedent rule); without it only layout between tokens changes.
        result = render(items, move_strings=False)
        if not same_meaning(before, text, result, filename):
            raise FormatError("formatting would change the program's meaning; left unchanged")
    return result
