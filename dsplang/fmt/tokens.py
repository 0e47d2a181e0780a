"""The tokens of a .dsp file as the real parser sees them, comments included.

A second Lark parser is built from the same grammar file, without the AST transformer,
and with a post-lexer that records every token the contextual lexer hands over before
indentation processing. The grammar folds comments and blank lines into `_NEWLINE`
tokens; `split_newline` takes those apart again. Whitespace and backslash continuations
are ignored by the lexer; a continuation shows as two tokens on different lines with no
`_NEWLINE` between them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lark import Lark

from dsplang.grammar.postlex import HOLDER, DspIndenter, ParseState

_GRAMMAR = Path(__file__).resolve().parent.parent / "grammar" / "dsp.lark"
_SEGMENT = re.compile(r"(#[^\n]*)?\n([\t ]*)")


@dataclass(frozen=True, slots=True)
class Tok:
    """One token: Lark's type name, its text, and its 1-based start and exclusive end."""

    kind: str
    text: str
    line: int
    col: int
    end_line: int
    end_col: int


class _Recorder(DspIndenter):
    """The grammar's post-lexer, also keeping every token it is given in `seen`."""

    def __init__(self):
        super().__init__()
        self.seen: list = []

    def process(self, stream):
        return super().process(self._tee(stream))

    def _tee(self, stream):
        for tok in stream:
            self.seen.append(tok)
            yield tok


class _Built:
    lark: Lark | None = None
    recorder: _Recorder | None = None


def _lark() -> tuple[Lark, _Recorder]:
    """The recording parser, built once per process."""
    if _Built.lark is None:
        recorder = _Recorder()
        _Built.lark = Lark(_GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                           postlex=recorder, start="start", cache=False)
        _Built.recorder = recorder
    return _Built.lark, _Built.recorder


def normalize(source: str) -> str:
    """The text the parser reads: no BOM, LF line endings, a final newline."""
    text = source.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


def lex(text: str) -> list[Tok]:
    """The tokens of normalised `text`; the text must parse (callers check with parse())."""
    lark, recorder = _lark()
    saved, HOLDER.state = HOLDER.state, ParseState("<fmt>")
    recorder.seen = []
    try:
        lark.parse(text)
        seen = recorder.seen
    finally:
        HOLDER.state = saved
        recorder.seen = []
    return [Tok(t.type, str(t), t.line, t.column, t.end_line, t.end_column) for t in seen]


@dataclass(frozen=True, slots=True)
class NewlineParts:
    """A `_NEWLINE` token taken apart.

    `trailing` is the comment ending the line the token starts on (or None). `lines` are
    the whole lines that follow before the next code: (indent width, comment or None for
    a blank line). `indent` is the indentation width of the next code line.
    """

    trailing: str | None
    lines: tuple[tuple[int, str | None], ...]
    indent: int


def split_newline(value: str) -> NewlineParts:
    """Take a `_NEWLINE` token's text apart into comments, blank lines and indentation."""
    matches = list(_SEGMENT.finditer(value))
    trailing = matches[0].group(1) if matches else None
    lines = []
    for before, match in zip(matches, matches[1:]):
        lines.append((_width(before.group(2)), match.group(1)))
    indent = _width(matches[-1].group(2)) if matches else 0
    return NewlineParts(trailing, tuple(lines), indent)


def _width(ws: str) -> int:
    return len(ws.expandtabs(8))
