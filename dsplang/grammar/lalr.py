"""The loop that runs the grammar's LALR(1) tables: a lean replacement for Lark's parse loop.

Lark reads `dsp.lark`, builds the parse table, the contextual lexer's regular expressions
(one per parser state: only the terminals that state accepts) and the callbacks that run
the transformer. This module drives them with less work per token than Lark's own loop:

- the lexer matches with the state's compiled expression and makes each token directly;
- a reduction of a rule with one child that the tree keeps as it is (`?rule: child`; most
  of the expression ladder `test -> or_test -> ... -> atom_expr`) only changes the state,
  without a call;
- actions are looked up in plain dicts per state (Lark hashes a Rule on every reduction).

What is accepted, and every value built, are those of `Lark.parse` with the same tables and
callbacks; errors are Lark's own exception types (`messages.convert` words them).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedToken
from lark.parse_tree_builder import ExpandSingleChild
from lark.parsers.lalr_analysis import Shift

from dsplang.grammar.postlex import ParseState, _process

_new_str = str.__new__

# A state's action on a symbol: the next state (shift, an int) or (size, callback, origin)
# (reduce). Typed Any: the loop tells them apart with `act.__class__ is int`, which is
# faster than isinstance and which mypy does not narrow on.
Action = Any
Actions = dict[int, dict[str, Action]]
# (compiled expressions, ignored types, types that may hold newlines, callbacks)
Scanner = tuple[tuple[re.Pattern[str], ...], Collection[str], Collection[str], dict[str, Callable[[Token], Token]]]
_SPACE = frozenset(" \t\f")


class Tables:
    """What the loop needs from a Lark LALR parser, gathered once."""

    def __init__(self, lark: Lark) -> None:
        frontend = lark.parser
        parser = frontend.parser.parser
        table = parser.parse_table
        self.start_states = table.start_states
        self.end_states = table.end_states
        self.expected = {state: frozenset(k for k in acts if k.isupper())
                         for state, acts in table.states.items()}
        self.actions = {state: _actions(acts, parser.callbacks) for state, acts in table.states.items()}
        contextual = frontend.lexer.lexer
        self.scanners = _Scanners(contextual.lexers)
        self._root_lexer = contextual.root_lexer
        self.chains: dict[tuple[int, int, str], int] = {}    # see _pass_through

    @functools.cached_property
    def root(self) -> Scanner:
        """The scanner of every terminal (for error messages only)."""
        return _scanner(self._root_lexer, self.scanners.made)


def _actions(acts: dict[str, Any], callbacks: dict[Any, Callable[[list[Any]], Any]]) -> dict[str, Action]:
    """A state's actions: the next state (shift, an int) or (size, callback, origin)
    (reduce; callback None when the rule hands its single child on unchanged)."""
    row: dict[str, Action] = {}
    for symbol, (action, arg) in acts.items():
        if action is Shift:
            row[symbol] = arg
            continue
        callback: Callable[[list[Any]], Any] | None
        callback, size = callbacks[arg], len(arg.expansion)
        if size == 1 and type(callback) is ExpandSingleChild:
            callback = None
        row[symbol] = (size, callback, arg.origin.name)
    return row


class _Scanners(dict[int, Scanner]):
    """The scanner of each parser state, compiled when a parse first reaches the state:
    the grammar has 170 distinct terminal sets, and compiling all of their expressions
    took most of a short program's start-up."""

    def __init__(self, lexers: dict[int, Any]) -> None:
        super().__init__()
        self.lexers = lexers
        self.made: dict[int, Scanner] = {}

    def __missing__(self, state: int) -> Scanner:
        scanner = self[state] = _scanner(self.lexers[state], self.made)
        return scanner


def _scanner(lexer: Any, made: dict[int, Scanner]) -> Scanner:
    """(compiled expressions, ignored types, types that may hold newlines, callbacks) of
    one of Lark's lexers, shared between states that accept the same terminals."""
    key = id(lexer)
    if key not in made:
        scanner = lexer.scanner
        made[key] = (tuple(scanner._mres), lexer.ignore_types, lexer.newline_types, lexer.callback)
    return made[key]


def _token(kind: str, value: str, pos: int, line: int, col: int, end_line: int, end_col: int,
           end_pos: int) -> Token:
    tok = _new_str(Token, value)
    tok.type, tok.value, tok.start_pos = kind, value, pos
    tok.line, tok.column, tok.end_line, tok.end_column, tok.end_pos = line, col, end_line, end_col, end_pos
    return tok


def lex(tables: Tables, text: str, stack: list[int]) -> Iterator[Token]:
    """The tokens of `text`, each lexed with the scanner of the parser's current state
    (`stack[-1]`, read when the token is asked for)."""
    scanners = tables.scanners
    pos, line, line_start, end = 0, 1, 0, len(text)
    while pos < end:
        if text[pos] == " " and text[pos + 1:pos + 2] not in _SPACE:
            pos += 1            # one space between tokens: what the ignored whitespace matches
            continue
        mres, ignore, newline, callbacks = scanners[stack[-1]]
        for mre in mres:
            m = mre.match(text, pos)
            if m is not None:
                break
        else:
            raise _no_token(tables, text, pos, line, pos - line_start + 1, stack)
        value, kind, after = m.group(), m.lastgroup, m.end()
        end_line, end_start = line, line_start
        if kind in newline:
            count = value.count("\n")
            if count:
                end_line, end_start = line + count, pos + value.rindex("\n") + 1
        if kind not in ignore:
            tok = _new_str(Token, value)      # what _token() does, inline: once per token
            # (every terminal's expression is a named group: kind is a str)
            tok.type, tok.value, tok.start_pos = kind, value, pos  # type: ignore[assignment]
            tok.line, tok.column = line, pos - line_start + 1
            tok.end_line, tok.end_column, tok.end_pos = end_line, after - end_start + 1, after
            yield callbacks[kind](tok) if kind in callbacks else tok
        pos, line, line_start = after, end_line, end_start


def _no_token(tables: Tables, text: str, pos: int, line: int, col: int, stack: list[int]) -> Exception:
    """What Lark's contextual lexer raises where no terminal of the state matches: an
    unexpected token when some terminal of the grammar matches there, else unexpected
    characters."""
    for mre in tables.root[0]:
        m = mre.match(text, pos)
        if m is not None:
            value = m.group()
            tok = _token(m.lastgroup, value, pos, line, col, line, col + len(value), m.end())  # type: ignore[arg-type]
            return UnexpectedToken(tok, set(tables.expected[stack[-1]]))  # type: ignore[no-untyped-call]
    return UnexpectedCharacters(text, pos, line, col,  # type: ignore[no-untyped-call]  # Lark's are unannotated
                                allowed=set(tables.expected[stack[-1]]))


def parse(tables: Tables, text: str, start: str, st: ParseState, seen: list[Token] | None = None) -> Any:
    """Parse `text` from rule `start`; `st` is the parse's state for the post-lexer. When
    `seen` is given, every token the lexer makes (before indentation tokens are added) is
    appended to it."""
    states, end_state, chains = tables.actions, tables.end_states[start], tables.chains
    stack = [tables.start_states[start]]
    values: list[Any] = []
    tokens = lex(tables, text, stack)
    if seen is not None:
        tokens = _recording(tokens, seen)
    last = None
    for last in _process(tokens, st):
        kind = last.type
        while True:
            try:
                act = states[stack[-1]][kind]
            except KeyError:
                raise UnexpectedToken(last, set(tables.expected[stack[-1]])) from None  # type: ignore[no-untyped-call]
            if act.__class__ is int:
                stack.append(act)
                values.append(last)
                break
            size, callback, origin = act
            if callback is None:        # a chain of such rules: one look-up, remembered
                key = (stack[-2], stack[-1], kind)
                top = chains.get(key)
                if top is None:
                    top = chains[key] = _pass_through(states, stack[-2], stack[-1], kind)
                stack[-1] = top
                continue
            if size:                    # what _pop() does, inline: once per reduction
                children = values[-size:]
                del stack[-size:]
                del values[-size:]
            else:
                children = []
            values.append(callback(children))
            stack.append(states[stack[-1]][origin])
    return _finish(tables, states, stack, values, end_state, last)


def _pass_through(states: Actions, below: int, top: int, kind: str) -> int:
    """The state after every single-child rule that would be reduced, one after another,
    with `top` over `below` on the stack and a `kind` token next."""
    act = states[top].get(kind)
    while act is not None and act.__class__ is not int and act[1] is None:
        top = states[below][act[2]]
        act = states[top].get(kind)
    return top


def _pop(stack: list[int], values: list[Any], size: int) -> list[Any]:
    """Take the last `size` values (and their states) off the stacks."""
    if not size:
        return []
    children = values[-size:]
    del stack[-size:]
    del values[-size:]
    return children


def _finish(tables: Tables, states: Actions, stack: list[int], values: list[Any], end_state: int,
            last: Token | None) -> Any:
    """Reduce at the end of the input until the start rule is complete."""
    end = Token.new_borrow_pos("$END", "", last) if last is not None else Token("$END", "", 0, 1, 1)
    while True:
        act = states[stack[-1]].get("$END")
        if act is None or act.__class__ is int:
            raise UnexpectedToken(end, set(tables.expected[stack[-1]]))  # type: ignore[no-untyped-call]
        size, callback, origin = act
        if callback is None:
            stack[-1] = states[stack[-2]][origin]
        else:
            values.append(callback(_pop(stack, values, size)))
            stack.append(states[stack[-1]][origin])
        if stack[-1] == end_state:
            return values[-1]


def _recording(tokens: Iterable[Token], seen: list[Token]) -> Iterator[Token]:
    for tok in tokens:
        seen.append(tok)
        yield tok
