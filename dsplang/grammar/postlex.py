"""The post-lexer: Python-style indentation and bracket tracking, plus per-parse state.

`DspIndenter` turns `_NEWLINE` tokens into `_INDENT`/`_DEDENT` tokens (as Lark's `Indenter`
does) but keeps its state in the `ParseState` of one parse, handed to it, so parses can
nest (an f-string's `{expr}` is parsed while its file is being parsed). Indentation is
measured like Python measures it: a tab advances to the next multiple of 8 columns.

The parse loop (`lalr.parse`) does this same work inline, token by token; the generator
here is what Lark's own loop runs (tests/grammar/test_large_programs.py holds the two
equal), and the Lark parser that gives the tables is made with a `DspIndenter` so that its
contextual lexer matches `_NEWLINE` in every state.

`ParseState` also records what error messages need (the last tokens seen, the open brackets,
the first token of the current and previous logical lines) and maps token positions of a
sub-parse (a string's contents) to positions in the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from lark import Token
from lark.indenter import Indenter

from dsplang.errors import DspSyntaxError, Span
from dsplang.grammar.nesting import MAX_BRACKETS, MAX_INDENT, too_deep_message

OPENERS = {"LPAR": ")", "LSQB": "]", "LBRACE": "}"}
CLOSERS = {"RPAR": "(", "RSQB": "[", "RBRACE": "{"}
LAYOUT = frozenset({"_NEWLINE", "_INDENT", "_DEDENT"})
TAB_SIZE = 8


class ParseState:
    """What one parse knows: its file, its position offset, and what the lexer has seen.

    `line0`/`col0` shift positions when the text parsed starts inside a file (line0 lines
    down; col0 columns right on its first line). `flat` parses ignore newlines (expressions
    inside f-strings, signature strings, type strings).
    """

    __slots__ = ("file", "line0", "col0", "flat", "brackets", "prev", "cur", "last_real",
                 "line_first", "header", "eq_tok", "row_first")

    def __init__(self, file: str, line0: int = 0, col0: int = 0, flat: bool = False):
        self.file = file
        self.line0 = line0
        self.col0 = col0
        self.flat = flat
        self.brackets: list[tuple[Token, int]] = []   # open bracket, indentation of its line
        self.prev: Token | None = None                 # token before `cur`
        self.cur: Token | None = None                  # last token handed to the parser
        self.last_real: Token | None = None            # last token that is not layout
        self.line_first: Token | None = None           # first token of the current line
        self.header: Token | None = None               # first token of the previous line
        self.eq_tok: Token | None = None               # first '=' of the current line
        self.row_first: Token | None = None            # first token of the physical line

    def pos(self, line: int, col: int) -> tuple[int, int]:
        """File position of a (line, col) position in the parsed text."""
        if line == 1:
            return self.line0 + 1, col + self.col0
        return line + self.line0, col

    def span(self, line: int, col: int, end_line: int, end_col: int) -> Span:
        """A Span in the file for a region of the parsed text."""
        if not self.line0 and not self.col0:      # a whole file: positions are the file's
            return Span(self.file, line, col, end_line, end_col)
        l1, c1 = self.pos(line, col)
        l2, c2 = self.pos(end_line, end_col)
        return Span(self.file, l1, c1, l2, c2)

    def token_span(self, tok: Token) -> Span:
        """The file span of a token (at least one column wide)."""
        line, col, end_line, end_col = tok.line, tok.column, tok.end_line, tok.end_column
        if (not self.line0 and not self.col0 and end_line and end_col and tok.type != "_NEWLINE"
                and (end_line > line or end_col > col)):    # type: ignore[operator]
            return Span(self.file, line, col, end_line, end_col)  # type: ignore[arg-type]  # the usual token
        # Lark types token positions as optional; the lexer's tokens always have them.
        end_line = tok.end_line or tok.line
        end_col = tok.end_column or tok.column + 1  # type: ignore[operator]
        if tok.type == "_NEWLINE" or (end_line, end_col) <= (tok.line, tok.column):
            end_line, end_col = tok.line, tok.column + 1  # type: ignore[operator]
        return self.span(tok.line, tok.column, end_line, end_col)  # type: ignore[arg-type]

    def end_span(self) -> Span:
        """A one-column span just after the last real token (where end of input is)."""
        tok = self.last_real
        if tok is None:
            return self.span(1, 1, 1, 2)
        end_line, end_col = tok.end_line, tok.end_column
        return self.span(end_line, end_col, end_line, end_col + 1)  # type: ignore[arg-type, operator]

    def error(self, message: str, tok: Token, incomplete: bool = False) -> DspSyntaxError:
        """A DspSyntaxError at `tok`; `incomplete` marks errors that more input could fix."""
        err = DspSyntaxError(message, self.token_span(tok))
        err.incomplete = incomplete
        return err


def layout_token(kind: str, at: Token, value: str = "") -> Token:
    """An _INDENT/_DEDENT token placed where the next line's first token starts."""
    return Token(kind, value, at.end_pos, at.end_line, at.end_column,
                 at.end_line, at.end_column, at.end_pos)


class DspIndenter(Indenter):
    """Lark post-lexer producing _INDENT/_DEDENT tokens, with the state of one parse
    (`state`; None in the parser that only gives the tables, whose loop never runs)."""

    NL_type = "_NEWLINE"
    OPEN_PAREN_types = list(OPENERS)
    CLOSE_PAREN_types = list(CLOSERS)
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = TAB_SIZE

    def __init__(self, state: ParseState | None = None) -> None:
        self.state = state

    def process(self, stream: Iterable[Token]) -> Iterator[Token]:
        """Post-lex one token stream with this parse's ParseState."""
        if self.state is None:
            raise ValueError("DspIndenter.process needs the ParseState of a parse")
        return _process(stream, self.state)


def _process(stream: Iterable[Token], st: ParseState) -> Iterator[Token]:
    """Yield the tokens of `stream` with layout tokens added; raise on bad layout."""
    indents = [0]
    at_line_start = True
    first = True
    for tok in stream:
        kind = tok.type
        if kind == "_NEWLINE":
            if st.brackets or st.flat:
                continue
            st.header = st.line_first
            yield from _newline(tok, indents, st)
            at_line_start = True
            first = False
            continue
        if at_line_start:
            if first and tok.column > 1 and not st.flat:  # type: ignore[operator]  # lexer tokens have positions
                raise st.error("unexpected indent", tok)
            st.line_first = tok
            st.eq_tok = None
            at_line_start = first = False
        if st.last_real is None or tok.line != st.last_real.end_line:
            st.row_first = tok
        if kind in OPENERS:
            st.brackets.append((tok, indents[-1]))
            if len(st.brackets) > MAX_BRACKETS:
                raise st.error(too_deep_message(MAX_BRACKETS, "nested brackets"), tok)
        elif kind in CLOSERS:
            close_bracket(tok, st)
        elif kind == "EQUAL" and st.eq_tok is None:
            st.eq_tok = tok
        st.prev, st.cur, st.last_real = st.cur, tok, tok
        yield tok
    if st.brackets:
        opener = st.brackets[-1][0]
        line = st.pos(opener.line, 1)[0]  # type: ignore[arg-type]  # lexer tokens have positions
        raise st.error(f"unclosed '{opener.value}' opened at line {line}",
                       opener, incomplete=True)
    last = st.cur
    while len(indents) > 1 and last is not None:
        indents.pop()
        dedent = layout_token("_DEDENT", last)
        st.prev, st.cur = st.cur, dedent
        yield dedent


def close_bracket(tok: Token, st: ParseState) -> None:
    """Pop the bracket `tok` closes; raise if it closes nothing or the wrong bracket."""
    if not st.brackets:
        raise st.error(f"unmatched '{tok.value}'", tok)
    opener = st.brackets.pop()[0]
    if OPENERS[opener.type] != tok.value:
        line = st.pos(opener.line, 1)[0]  # type: ignore[arg-type]  # lexer tokens have positions
        raise st.error(f"closing '{tok.value}' does not match '{opener.value}' opened at "
                       f"line {line}", tok)


def _newline(tok: Token, indents: list[int], st: ParseState) -> Iterator[Token]:
    """Yield the newline token and the indent/dedent tokens the next line's indentation needs."""
    st.prev, st.cur = st.cur, tok
    yield tok
    indent = len(tok.value.rsplit("\n", 1)[1].expandtabs(TAB_SIZE))
    if indent > indents[-1]:
        indents.append(indent)
        layout = layout_token("_INDENT", tok)
        if len(indents) > MAX_INDENT + 1:
            raise st.error(too_deep_message(MAX_INDENT, "levels of indentation"), layout)
        st.prev, st.cur = st.cur, layout
        yield layout
        return
    while indent < indents[-1]:
        indents.pop()
        layout = layout_token("_DEDENT", tok)
        st.prev, st.cur = st.cur, layout
        yield layout
    if indent != indents[-1]:
        raise st.error("unindent does not match any outer indentation level", layout_token("_DEDENT", tok))
