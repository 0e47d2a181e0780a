"""Positions in source text, for the scope model: `(line, col)` tuples, 1-based like `Span`
(col counts code points), and the span of a name written inside a node."""

from __future__ import annotations

import re

from dsplang.errors import Span

Pos = tuple[int, int]

IDENT = re.compile(r"[^\W\d]\w*")


def split_lines(source: str) -> list[str]:
    """The lines of a document, line endings dropped (a final empty line is kept)."""
    return source.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def span_start(span: Span) -> Pos:
    return (span.line, span.col)


def span_end(span: Span) -> Pos:
    return (span.end_line, span.end_col)


def find_word(lines: list[str], span: Span, word: str, skip_first: bool = False) -> Span:
    """The span of the first whole-word `word` inside `span` (the whole span if absent).

    `skip_first` skips the span's first word (a keyword such as `def` or `input`).
    """
    pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)")
    for line in range(span.line, min(span.end_line, len(lines)) + 1):
        text = lines[line - 1]
        start = span.col - 1 if line == span.line else 0
        if skip_first and line == span.line:
            first = IDENT.match(text, start)
            if first is not None:
                start = first.end()
        match = pattern.search(text, start)
        if match is not None:
            return Span(span.file, line, match.start() + 1, line, match.end() + 1)
    return Span(span.file, span.line, span.col, span.line, span.col + max(len(word), 1))
