"""Lark's parse errors -> DspSyntaxError with a message in words and a span on the culprit.

Messages name what was expected in a person's terms ("expected ':' after the if condition",
"expected an expression after '='", "unexpected indent") rather than Lark's terminal names.
An error that more input could fix (end of file inside a block, an open bracket, an
unterminated triple-quoted string) is marked `incomplete = True` for the REPL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import TerminalDef

from dsplang.errors import DspSyntaxError, Span
from dsplang.grammar.postlex import LAYOUT, ParseState

EXPR_START = {"NAME", "NUMBER", "STRING", "CONST", "LPAR", "LSQB", "LBRACE", "MINUS", "PLUS",
              "NOT", "LAMBDA"}
_LITERALS = {"NAME", "NUMBER", "STRING", "CONST"}
_SPECIAL = {"NAME": "a name", "NUMBER": "a number", "STRING": "a string",
            "CONST": "true, false or none", "_NEWLINE": "end of line",
            "_INDENT": "an indented block", "_DEDENT": "end of block", "$END": "end of file",
            "AUGOP": "'+=' or another augmented assignment"}
_HEADERS = {"IF": "the if condition", "ELIF": "the elif condition",
            "WHILE": "the while condition", "FOR": "the for clause",
            "DEF": "the function header", "WITH": "the with clause", "ELSE": "'else'",
            "TRY": "'try'", "EXCEPT": "the except clause", "FINALLY": "'finally'",
            "MODULE": "the module header", "SIGNATURE": "the signature name",
            "TYPE": "the type name", "ENUM": "the enum name"}
_BLOCKS = {"IF": "'if' statement", "ELIF": "'elif' clause", "ELSE": "'else' clause",
           "FOR": "'for' statement", "WHILE": "'while' statement", "DEF": "function definition",
           "TRY": "'try' statement", "EXCEPT": "'except' clause", "FINALLY": "'finally' clause",
           "WITH": "'with' statement", "MODULE": "module declaration",
           "TYPE": "type declaration", "SIGNATURE": "signature declaration",
           "ENUM": "enum declaration"}
_USAGE = {"COMPILE": "'compile' needs 'compile NAME = PROGRAM with OPTIMIZER on TRAINSET "
                     "[valset VALSET]'",
          "SAVE": "'save' needs 'save NAME to PATH'",
          "LOAD": "'load' needs 'load NAME from PATH'"}


def terminal_words(terminals: Iterable[TerminalDef]) -> dict[str, str]:
    """Readable names for a Lark parser's terminals: `RPAR` -> "')'", `IF` -> "'if'"."""
    words = dict(_SPECIAL)
    for term in terminals:
        if term.name in words:
            continue
        if term.pattern.type == "str":
            words[term.name] = f"'{term.pattern.value}'"
        else:
            m = re.match(r"[a-z_]+", term.pattern.value)
            words[term.name] = f"'{m.group(0)}'" if m else term.name.lower()
    return words


def convert(exc: UnexpectedInput, st: ParseState, text: str,
            words: dict[str, str]) -> DspSyntaxError:
    """The DspSyntaxError for a Lark exception raised while parsing `text`."""
    if isinstance(exc, UnexpectedCharacters):
        return _bad_char(exc, st, text)
    if isinstance(exc, UnexpectedToken):
        return _bad_token(exc, st, words)
    return _error("invalid syntax", st.end_span())


def _error(message: str, span: Span, incomplete: bool = False) -> DspSyntaxError:
    err = DspSyntaxError(message, span)
    err.incomplete = incomplete
    return err


def _bad_char(exc: UnexpectedCharacters, st: ParseState, text: str) -> DspSyntaxError:
    """A character no token starts with: usually an unterminated string."""
    line, col, ch = exc.line, exc.column, exc.char
    span = st.span(line, col, line, col + 1)
    if ch in "'\"":
        if text.startswith(ch * 3, exc.pos_in_stream):
            return _error("unterminated triple-quoted string", span, incomplete=True)
        return _error("unterminated string", span)
    return _error(f"unexpected character {ch!r}", span)


def _bad_token(exc: UnexpectedToken, st: ParseState, words: dict[str, str]) -> DspSyntaxError:
    """A token the grammar does not allow where it stands."""
    tok, expected = exc.token, _expected(exc)
    prev = st.prev if tok is st.cur else st.cur
    at_end = tok.type == "$END"
    span = st.end_span() if at_end else st.token_span(tok)
    unclosed = _unclosed(tok, prev, st)
    if unclosed is not None:
        return unclosed
    err = _error(_message(tok, prev, expected, st, words), span, incomplete=at_end)
    if "_INDENT" in expected and tok.type != "_INDENT" and st.header is not None:
        err.fix_line = st.pos(st.header.line, 1)[0]  # type: ignore[arg-type]  # recovery patches the block header
    return err


def _expected(exc: UnexpectedToken) -> set[str]:
    """The terminals the parser could take (the contextual lexer reports only its own)."""
    state = exc.state
    try:
        return {k for k in state.parse_conf.states[state.position] if k.isupper()}
    except (AttributeError, KeyError, TypeError):
        return set(exc.expected or ())


def _message(tok: Token, prev: Token | None, expected: set[str], st: ParseState,
             words: dict[str, str]) -> str:
    """The words of an unexpected-token error, from the most specific rule that applies."""
    kind, first = tok.type, st.line_first
    first_kind = first.type if first is not None else None
    if kind == "_INDENT":
        return "unexpected indent"
    if "_INDENT" in expected:
        header = st.header
        what = _BLOCKS.get(header.type, "':'") if header is not None else "':'"
        line = f" on line {st.pos(header.line, 1)[0]}" if header is not None else ""  # type: ignore[arg-type]
        return f"expected an indented block after {what}{line}"
    if {"NAME", "NUMBER"} <= expected and "PASS" not in expected and kind not in EXPR_START:
        if prev is None or prev.type in LAYOUT:
            return "expected an expression"
        return f"expected an expression after '{prev.value}'"
    if first_kind == "LET" and (st.eq_tok is None or st.eq_tok is tok):
        return "'let' needs a name and '= value'"
    if first_kind in _USAGE:
        return _USAGE[first_kind]
    if "COLON" in expected and not st.brackets and first_kind in _HEADERS:
        return f"expected ':' after {_HEADERS[first_kind]}"
    if kind in words and words[kind][1:-1].isalpha() and kind not in _LITERALS:
        return f"unexpected {words[kind]}"
    if prev is not None and prev.type in ("NAME", "NUMBER", "STRING", "CONST", "RPAR",
                                          "RSQB", "RBRACE") \
            and kind in _LITERALS and "PLUS" in expected:
        return f"unexpected {_what(tok)} (missing ',' or an operator before it?)"
    if kind == "$END":
        return "unexpected end of file"
    base = {"_NEWLINE": "unexpected end of line",
            "_DEDENT": "unexpected end of block"}.get(kind) or f"unexpected {_what(tok)}"
    wanted = _expected_words(expected, words)
    return f"{base}; expected {wanted}" if wanted else base


def _what(tok: Token) -> str:
    """How an error message names a token."""
    if tok.type == "NAME":
        return f"name {tok.value!r}"
    if tok.type == "NUMBER":
        return f"number {tok.value}"
    if tok.type == "STRING":
        return "string"
    return f"'{tok.value}'"


def _expected_words(expected: set[str], words: dict[str, str]) -> str:
    """'a, b or c' for a short expected set, '' for a long one."""
    names = set(expected)
    items = []
    if {"NAME", "NUMBER"} <= names:
        names -= EXPR_START
        items.append("an expression")
    items += sorted(words.get(n, n) for n in names if n != "$END")
    if not items or len(items) > 5:
        return ""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _unclosed(tok: Token, prev: Token | None, st: ParseState) -> DspSyntaxError | None:
    """An 'unclosed bracket' error when the culprit's line, inside a bracket opened on an
    earlier line, starts no further right than the bracket's line (a new statement)."""
    if not st.brackets or tok.type == "$END" or prev is None:
        return None
    opener, indent = st.brackets[-1]
    first = st.row_first if tok is st.cur else tok
    # Lark types token positions as optional; the lexer's tokens always have them.
    if prev.end_line >= tok.line and first is tok:  # type: ignore[operator]
        return None
    if first is None or first.line <= opener.line or first.column - 1 > indent:  # type: ignore[operator]
        return None
    line = st.pos(opener.line, 1)[0]  # type: ignore[arg-type]
    return _error(f"unclosed '{opener.value}' opened at line {line}", st.token_span(opener))
