"""From tokens to the lines of a file: logical code lines, own-line comments and blanks.

A `CodeLine` is one logical line (a statement or a block header) with everything inside
it: its tokens, and a `Break` wherever the original text went on to a new physical line
(inside brackets, or after a backslash), with the comments found there. A `CommentLine`
stands alone; blank lines are counted in front of each item (`blank_before`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dsplang.fmt.tokens import Tok, split_newline

_LAYOUT = frozenset({"_NEWLINE", "_INDENT", "_DEDENT"})
_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")
_BRACKETS = _OPENING | _CLOSING


@dataclass
class Comment:
    """A comment's text and the original column where it started (1-based)."""

    text: str
    col: int


@dataclass
class Break:
    """A line break inside a logical line: a trailing comment before it, own-line
    comments after it, and whether it was a backslash continuation."""

    trailing: Comment | None = None
    comments: list[str] = field(default_factory=list)
    blank: bool = False
    backslash: bool = False


@dataclass
class CodeLine:
    parts: list = field(default_factory=list)     # Tok and Break, in order
    indent: int = 0                               # original indentation width
    trailing: Comment | None = None
    blank_before: int = 0
    depth: int = 0

    @property
    def tokens(self) -> list[Tok]:
        return [p for p in self.parts if isinstance(p, Tok)]


@dataclass
class CommentLine:
    text: str
    indent: int
    blank_before: int = 0
    depth: int = 0


def build_lines(tokens: list[Tok]) -> list:
    """Group the tokens of a file into CodeLines and CommentLines."""
    builder = _LineBuilder()
    newline, code = builder._newline, builder._code
    for tok in tokens:          # what builder.feed() does, without a call per token
        kind = tok.kind
        if kind == "_NEWLINE":
            newline(tok)
        elif kind not in _LAYOUT:
            prev, current = builder.prev, builder.current
            if (current is not None and prev is not None and prev.end_line >= tok.line
                    and tok.text not in _BRACKETS):
                current.parts.append(tok)       # (what _code does with such a token)
                builder.prev = tok
            else:
                code(tok)
    builder.finish()
    return builder.items


class _LineBuilder:
    def __init__(self):
        self.items: list = []
        self.current: CodeLine | None = None
        self.depth = 0          # bracket depth
        self.blanks = 0         # blank lines seen since the last item
        self.prev: Tok | None = None
        self.indent: int | None = None     # indentation the last _NEWLINE ended with

    def feed(self, tok: Tok) -> None:
        if tok.kind == "_NEWLINE":
            self._newline(tok)
        elif tok.kind not in _LAYOUT:
            self._code(tok)

    def _code(self, tok: Tok) -> None:
        if self.current is None:
            # The parser measures indentation at the newline (a line may go on with `\`).
            indent = self.indent if self.indent is not None else tok.col - 1
            self.current = CodeLine(indent=indent, blank_before=self.blanks)
            self.blanks = 0
        elif self.prev is not None and self.prev.end_line < tok.line:
            self.current.parts.append(Break(backslash=self.depth == 0))
        self.current.parts.append(tok)
        text = tok.text
        if text in _OPENING:
            self.depth += 1
        elif text in _CLOSING:
            self.depth = max(self.depth - 1, 0)
        self.prev = tok

    def _newline(self, tok: Tok) -> None:
        parts = split_newline(tok.text)
        trailing = Comment(parts.trailing, tok.col) if parts.trailing else None
        own_line = self.prev is None or self.prev.end_line < tok.line
        if self.current is not None and self.depth > 0:
            self._break_inside(trailing, parts, own_line)
            return
        if trailing is not None and own_line:
            self._comment(trailing.text, tok.col - 1)
        elif self.current is not None:
            self.current.trailing = trailing
        if self.current is not None:
            self.items.append(self.current)
            self.current = None
        for indent, comment in parts.lines:
            if comment is None:
                self.blanks += 1
            else:
                self._comment(comment, indent)
        self.prev = None
        self.indent = parts.indent

    def _break_inside(self, trailing, parts, own_line: bool) -> None:
        """A newline inside brackets: the statement goes on; keep its comments."""
        brk = Break()
        if trailing is not None and own_line:
            brk.comments.append(trailing.text)
        else:
            brk.trailing = trailing
        for _indent, comment in parts.lines:
            if comment is None:
                brk.blank = True
            else:
                brk.comments.append(comment)
        self.current.parts.append(brk)
        self.prev = None

    def _comment(self, text: str, indent: int) -> None:
        self.items.append(CommentLine(text.rstrip(), indent, self.blanks))
        self.blanks = 0

    def finish(self) -> None:
        if self.current is not None:
            self.items.append(self.current)
            self.current = None
