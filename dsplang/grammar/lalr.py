"""The loop that runs the grammar's LALR(1) tables: a lean replacement for Lark's parse loop.

Lark reads `dsp.lark` and builds the parse table and the contextual lexer's terminal sets
(one per parser state: only the terminals that state accepts). `Tables` gathers them once
per process into a read-only form; `parse` runs them, with lexing, the post-lexer's
indentation and bracket rules (`postlex`) and the parse loop in one function, so a token
costs one pass through one loop instead of three generators:

- a token is matched with the alternation of the terminals the current state accepts (as
  Lark's contextual lexer matches it), cut down to those that can start with the
  character at hand (`firsts`), in the same order: the same terminal wins and matches the
  same text, after a few attempts instead of dozens. Each state's expression for a
  character is compiled when first needed, and shared between states that keep the same
  terminals; where the state can take only one terminal of one fixed character there, no
  expression is needed;
- a reduction of a rule with one child that the tree keeps as it is (`?rule: child`; most
  of the expression ladder `test -> or_test -> ... -> atom_expr`) only changes the state,
  and a reduction's goto state with the chain of them that follows is one remembered
  look-up (`Tables.gotos`);
- a reduction calls the transformer's method for its rule directly (`Reducer`), with the
  children Lark's callbacks would pass: `None` for each absent `[optional]` part and the
  items of a repetition spliced in.

What is accepted, and every value built, are those of `Lark.parse` with the same tables,
post-lexer and transformer (tests/grammar/test_large_programs.py compares the two); errors
are Lark's own exception types (`messages.convert` words them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedToken
from lark.parsers.lalr_analysis import Shift

from dsplang.grammar.firsts import first_chars
from dsplang.grammar.nesting import MAX_BRACKETS, MAX_INDENT, too_deep_message
from dsplang.grammar.postlex import CLOSERS, OPENERS, TAB_SIZE, ParseState, close_bracket, layout_token

_new_str = str.__new__

# A state's action on a symbol: the next state (shift, an int) or (size, reducer, origin)
# (reduce). Typed Any: the loop tells them apart with `act.__class__ is int`, which is
# faster than isinstance and which mypy does not narrow on.
Action = Any
Actions = list[dict[str, Action]]      # by state (Lark numbers them from 0)
# A rule's reduction: (transformer, children) -> value.
Reducer = Callable[[Any, list[Any]], Any]
# Matches a token at a position: a compiled expression (`.match(text, pos)`), or the name
# of the one-character terminal that is the only one possible there (see Tables.pattern).
Matcher = Any
_SPACE = frozenset(" \t\f")
_NEVER = re.compile(r"(?!)")     # where no terminal of the state can start


class Tables:
    """What the loop needs from a Lark LALR parser and a transformer class, gathered once.

    Read-only once built, apart from caches that only ever gain entries computed the same
    way by any thread (the chains of single-child reductions, the terminals' first
    characters, and the states' compiled expressions for each first character), so one
    `Tables` serves every parse in the process at once.
    """

    def __init__(self, lark: Lark, transformer: type) -> None:
        frontend = lark.parser
        parser = frontend.parser.parser
        table = parser.parse_table
        self.start_states = table.start_states
        self.end_states = table.end_states
        self.expected = {state: frozenset(k for k in acts if k.isupper())
                         for state, acts in table.states.items()}
        reducers: dict[Any, Reducer | None] = {}
        if sorted(table.states) != list(range(len(table.states))):
            raise ValueError("the parse table's states are not numbered 0, 1, ...")
        self.actions: Actions = [_actions(table.states[state], transformer, reducers)
                                 for state in range(len(table.states))]
        contextual = frontend.lexer.lexer
        root = contextual.root_lexer
        # Lark's scanner of every terminal: it tells that no terminal needs a callback
        # (its "unless" keywords; the grammar writes keywords as expressions), and gives
        # the error of a token no terminal of the state matches (_no_token).
        scanner = root.scanner
        if root.callback:
            raise ValueError("the lexer has terminal callbacks, which the parse loop does not run")
        self.root_mres: tuple[re.Pattern[str], ...] = tuple(scanner._mres)
        self.flags: int = scanner.g_regex_flags
        self.newline: frozenset[str] = frozenset(root.newline_types)   # types that may hold newlines
        self.ignore: frozenset[str] = frozenset(root.ignore_types)
        # Per state, its lexer's terminals (those the state accepts, the ignored ones and
        # _NEWLINE) in the order Lark's lexer tries them: (name, expression).
        self.terminals: dict[int, tuple[tuple[str, str], ...]] = {
            state: tuple((t.name, t.pattern.to_regexp()) for t in lexer.terminals)
            for state, lexer in contextual.lexers.items()}
        # The terminals that are one fixed character: where a state can only take one of
        # them, the loop needs no expression (see pattern()).
        self.single: frozenset[str] = frozenset(
            t.name for t in root.terminals
            if t.pattern.type == "str" and not t.pattern.flags and len(t.pattern.value) == 1)
        # Per state, the matcher for each first character met so far (see pattern()).
        self.dispatch: list[dict[str, Matcher]] = [{} for _ in self.actions]
        self.firsts: dict[str, frozenset[str] | None] = {}       # see firsts.first_chars
        self.compiled: dict[tuple[str, ...], Matcher] = {}         # by the terminals' names
        self.chains: dict[tuple[int, int, str], int] = {}    # see _pass_through
        # below -> rule -> next token's type -> the state after reducing the rule over
        # `below` and then every single-child rule that follows (see _after)
        self.gotos: list[dict[str, dict[str, int]]] = [{} for _ in self.actions]

    def pattern(self, state: int, ch: str) -> Matcher:
        """The matcher of `state` for a token starting with `ch`: the alternation of the
        state's terminals that can start with `ch`, in the state's order (firsts.py); or,
        where that is a single terminal of one fixed character, its name (the token is
        that character)."""
        terms = self.terminals[state]
        if ch < "\x80":
            firsts = self.firsts
            kept = []
            for name, regexp in terms:
                if name not in firsts:
                    firsts[name] = first_chars(regexp, self.flags)
                chars = firsts[name]
                if chars is None or ch in chars:
                    kept.append((name, regexp))
            terms = tuple(kept)
            if len(terms) == 1 and terms[0][0] in self.single:
                self.dispatch[state][ch] = terms[0][0]
                return terms[0][0]
        key = tuple(name for name, _ in terms)
        found = self.compiled.get(key)
        if found is None:
            found = self.compiled[key] = _alternation(terms, self.flags)
        if ch < "\x80":        # (other characters are looked up here each time)
            self.dispatch[state][ch] = found
        return found


def _alternation(terms: tuple[tuple[str, str], ...], flags: int) -> Matcher:
    """One expression trying `terms` in order, each a named group (as Lark's scanner)."""
    if not terms:
        return _NEVER
    return re.compile("|".join(f"(?P<{name}>{regexp})" for name, regexp in terms), flags)


def _actions(acts: dict[str, Any], transformer: type, reducers: dict[Any, Reducer | None]) -> dict[str, Action]:
    """A state's actions: the next state (shift, an int) or (size, reducer, origin) (reduce;
    reducer None when the rule hands its single child on unchanged)."""
    row: dict[str, Action] = {}
    for symbol, (action, arg) in acts.items():
        if action is Shift:
            row[symbol] = arg
            continue
        if arg not in reducers:
            reducers[arg] = _reducer(arg, transformer)
        row[symbol] = (len(arg.expansion), reducers[arg], arg.origin.name)
    return row


def _reducer(rule: Any, transformer: type) -> Reducer | None:
    """The reduction of one grammar rule, as Lark's callbacks build it for a parser made with
    keep_all_tokens and maybe_placeholders: the children filtered (`None` for each absent
    optional part, the items of `_rule`s spliced in), then, for a `?rule` without an alias
    left with a single child, that child; else the transformer's method for the rule (a
    `_rule` with no method gives its children as a list, for its parent to splice in)."""
    name = rule.alias or rule.options.template_source or rule.origin.name
    expand1 = bool(rule.options.expand1) and not rule.alias
    size = len(rule.expansion)
    # Lark's maybe_create_child_filter: how many Nones go before each child, and after.
    empty = rule.options.empty_indices
    if empty:
        runs = "".join(str(int(b)) for b in empty).split("0")
        nones = [len(ones) for ones in runs]
    else:
        nones = [0] * (size + 1)
    spliced = [not sym.is_term and sym.name.startswith("_") for sym in rule.expansion]
    if size == 1 and expand1 and not nones[0] and not nones[1]:
        return None             # a single child handed on: the loop only changes the state
    method = getattr(transformer, name, None)
    if method is None:
        if not name.startswith("_"):
            raise ValueError(f"the transformer has no method for rule {name!r}")
        method = _as_list
    if any(spliced):
        build = _splicing(nones, spliced)
    elif any(nones):
        build = _placing(nones, size)
    else:
        build = None
    return _finish_reducer(method, build, expand1)


def _as_list(_transformer: Any, children: list[Any]) -> list[Any]:
    return children


def _splicing(nones: list[int], spliced: list[bool]) -> Callable[[list[Any]], list[Any]]:
    """Children with Nones placed and the items of `_rule` children spliced in."""
    plan = list(zip(range(len(spliced)), spliced, nones))
    after = nones[len(spliced)]

    def build(children: list[Any]) -> list[Any]:
        out: list[Any] = []
        for i, splice, before in plan:
            if before:
                out += [None] * before
            if splice:
                if out:
                    out += children[i]
                else:   # a left-recursive repetition: grow its list in place
                    out = children[i]
            else:
                out.append(children[i])
        if after:
            out += [None] * after
        return out
    return build


def _placing(nones: list[int], size: int) -> Callable[[list[Any]], list[Any]]:
    """Children with a None placed for each absent optional part."""
    indices: list[int] = []
    for i in range(size):
        indices += [size] * nones[i] + [i]      # index `size`: the None appended below
    indices += [size] * nones[size]
    pick = itemgetter(*indices)
    if len(indices) == 1:
        return lambda children: [None if size == indices[0] else children[0]]

    def build(children: list[Any]) -> list[Any]:
        children.append(None)
        return list(pick(children))
    return build


def _finish_reducer(method: Callable[[Any, list[Any]], Any], build: Callable[[list[Any]], list[Any]] | None,
                    expand1: bool) -> Reducer:
    if build is None and not expand1:
        return method
    if build is None:
        def single_or_method(tf: Any, children: list[Any]) -> Any:
            return children[0] if len(children) == 1 else method(tf, children)
        return single_or_method
    if expand1:
        def built_single_or_method(tf: Any, children: list[Any]) -> Any:
            filtered = build(children)
            return filtered[0] if len(filtered) == 1 else method(tf, filtered)
        return built_single_or_method

    def built(tf: Any, children: list[Any]) -> Any:
        return method(tf, build(children))
    return built


def parse(tables: Tables, text: str, start: str, st: ParseState, tf: Any,  # noqa: C901  # one loop, for speed
          seen: list[Token] | None = None) -> Any:
    """Parse `text` from rule `start`, building values with the transformer `tf`; `st` is
    the parse's state, kept up to date for the error messages. When `seen` is given, every
    token the lexer makes (before indentation tokens are added) is appended to it.

    The post-lexer's work (postlex._process, inlined): a _NEWLINE outside brackets is
    followed by _INDENT or _DEDENT tokens as the next line's indentation says; brackets
    must match; each line's first token, the first '=' and the tokens before the culprit
    are recorded in `st`."""
    states, chains, gotos = tables.actions, tables.chains, tables.gotos
    dispatch, newline, ignore = tables.dispatch, tables.newline, tables.ignore
    stack = [tables.start_states[start]]
    values: list[Any] = []
    brackets, flat = st.brackets, st.flat
    indents = [0]
    pending: list[Any] = []     # layout tokens to feed next, last first (or an error to raise)
    at_line_start = first = True
    cur: Token | None = None
    last_real: Token | None = None
    pos, line, line_start, end = 0, 1, 0, len(text)
    prev: Token | None = None
    try:        # (st.prev and st.cur, for the error messages, are kept in locals meanwhile)
        while True:
            if pending:
                tok = pending.pop()
                if not isinstance(tok, Token):      # bad indentation, after the dedents
                    raise tok
                kind = tok.type
            else:
                if pos >= end:
                    break
                # ---- lex one token, with the parser's current state
                ch = text[pos]
                if ch == " " and text[pos + 1:pos + 2] not in _SPACE:
                    pos += 1            # one space between tokens: what the ignored whitespace matches
                    continue
                mre = dispatch[stack[-1]].get(ch)
                if mre is None:
                    mre = tables.pattern(stack[-1], ch)
                end_line, end_start = line, line_start
                if mre.__class__ is str:    # a one-character terminal, the only one possible here
                    value, kind, after = ch, mre, pos + 1
                else:
                    m = mre.match(text, pos)
                    if m is None:
                        raise _no_token(tables, text, pos, line, pos - line_start + 1, stack)
                    value, kind, after = m.group(), m.lastgroup, m.end()
                    if kind in newline:
                        count = value.count("\n")
                        if count:
                            end_line, end_start = line + count, pos + value.rindex("\n") + 1
                    if kind in ignore:
                        pos, line, line_start = after, end_line, end_start
                        continue
                tok = _new_str(Token, value)      # what Token() does, once per token
                # (every terminal's expression is a named group: kind is a str)
                tok.type, tok.value, tok.start_pos = kind, value, pos
                tok.line, tok.column = line, pos - line_start + 1
                tok.end_line, tok.end_column, tok.end_pos = end_line, after - end_start + 1, after
                pos, line, line_start = after, end_line, end_start
                if seen is not None:
                    seen.append(tok)
                # ---- the post-lexer
                if kind == "_NEWLINE":
                    if brackets or flat:
                        continue
                    st.header = st.line_first
                    at_line_start = True
                    first = False
                else:
                    if at_line_start:
                        if first and tok.column > 1 and not flat:
                            raise st.error("unexpected indent", tok)
                        st.line_first = tok
                        st.eq_tok = None
                        at_line_start = first = False
                    if last_real is None or tok.line != last_real.end_line:
                        st.row_first = tok
                    if kind in OPENERS:
                        brackets.append((tok, indents[-1]))
                        if len(brackets) > MAX_BRACKETS:
                            raise st.error(too_deep_message(MAX_BRACKETS, "nested brackets"), tok)
                    elif kind in CLOSERS:
                        if not brackets or OPENERS[brackets[-1][0].type] != value:
                            close_bracket(tok, st)      # (raises: no bracket open, or another one)
                        brackets.pop()
                    elif kind == "EQUAL" and st.eq_tok is None:
                        st.eq_tok = tok
                    st.last_real = last_real = tok
            prev, cur = cur, tok
            # ---- the parser
            while True:
                try:
                    act = states[stack[-1]][kind]
                except KeyError:
                    raise UnexpectedToken(tok, set(tables.expected[stack[-1]])) from None  # type: ignore[no-untyped-call]
                if act.__class__ is int:
                    stack.append(act)
                    values.append(tok)
                    break
                size, reducer, origin = act
                if reducer is None:     # a chain of such rules: one look-up, remembered
                    key = (stack[-2], stack[-1], kind)
                    top = chains.get(key)
                    if top is None:
                        top = chains[key] = _pass_through(states, stack[-2], stack[-1], kind)
                    stack[-1] = top
                    continue
                if size:                # what _pop() does, inline: once per reduction
                    children = values[-size:]
                    del stack[-size:]
                    del values[-size:]
                else:
                    children = []
                values.append(reducer(tf, children))
                below = stack[-1]       # the state after the rule and any chain of single-child
                try:                    # rules it starts: one look-up, remembered
                    stack.append(gotos[below][origin][kind])
                except KeyError:
                    stack.append(_after(tables, below, origin, kind))
            if kind == "_NEWLINE" and (indents[-1] or tok.value != "\n"):
                _newline(tok, indents, pending, st)     # the next line's indentation, once the newline is in
    finally:
        st.prev, st.cur = prev, cur
    if brackets:
        opener = brackets[-1][0]
        at = st.pos(opener.line, 1)[0]  # type: ignore[arg-type]  # lexer tokens have positions
        raise st.error(f"unclosed '{opener.value}' opened at line {at}", opener, incomplete=True)
    last = cur
    if cur is not None:
        while len(indents) > 1:
            indents.pop()
            dedent = layout_token("_DEDENT", cur)
            st.prev, st.cur = last, dedent
            last = dedent
            _feed_at_end(tables, states, stack, values, tf, dedent)
    return _finish(tables, states, stack, values, tables.end_states[start], tf, last)


def _newline(tok: Token, indents: list[int], pending: list[Any], st: ParseState) -> None:
    """Queue (in `pending`, last first) the indent or dedent tokens the indentation after a
    newline token needs; raise on too deep an indentation, and queue the error of an
    unindent that matches no outer level after its dedents (as the post-lexer yields them)."""
    indent = len(tok.value.rsplit("\n", 1)[1].expandtabs(TAB_SIZE))
    if indent > indents[-1]:
        indents.append(indent)
        layout = layout_token("_INDENT", tok)
        if len(indents) > MAX_INDENT + 1:
            raise st.error(too_deep_message(MAX_INDENT, "levels of indentation"), layout)
        pending.append(layout)
        return
    dedents: list[Any] = []
    while indent < indents[-1]:
        indents.pop()
        dedents.append(layout_token("_DEDENT", tok))
    if indent != indents[-1]:
        dedents.append(st.error("unindent does not match any outer indentation level", layout_token("_DEDENT", tok)))
    pending.extend(reversed(dedents))


def _no_token(tables: Tables, text: str, pos: int, line: int, col: int, stack: list[int]) -> Exception:
    """What Lark's contextual lexer raises where no terminal of the state matches: an
    unexpected token when some terminal of the grammar matches there, else unexpected
    characters."""
    for mre in tables.root_mres:
        m = mre.match(text, pos)
        if m is not None:
            value = m.group()
            tok = Token(m.lastgroup, value, pos, line, col, line, col + len(value), m.end())  # type: ignore[arg-type]
            return UnexpectedToken(tok, set(tables.expected[stack[-1]]))  # type: ignore[no-untyped-call]
    return UnexpectedCharacters(text, pos, line, col,  # type: ignore[no-untyped-call]  # Lark's are unannotated
                                allowed=set(tables.expected[stack[-1]]))


def _after(tables: Tables, below: int, origin: str, kind: str) -> int:
    """The state after a reduction of rule `origin` over state `below`, with a `kind` token
    next: its goto state, passed through the single-child rules that would be reduced
    there (remembered in tables.gotos)."""
    states = tables.actions
    top = _pass_through(states, below, states[below][origin], kind)
    tables.gotos[below].setdefault(origin, {})[kind] = top
    return top


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


def _reduce(states: Actions, stack: list[int], values: list[Any], tf: Any, act: Any) -> None:
    """Carry out one reduce action."""
    size, reducer, origin = act
    if reducer is None:
        stack[-1] = states[stack[-2]][origin]
    else:
        values.append(reducer(tf, _pop(stack, values, size)))
        stack.append(states[stack[-1]][origin])


def _feed_at_end(tables: Tables, states: Actions, stack: list[int], values: list[Any], tf: Any,
                 tok: Token) -> None:
    """Feed one of the _DEDENT tokens that close the blocks still open at the end."""
    while True:
        act = states[stack[-1]].get(tok.type)
        if act is None:
            raise UnexpectedToken(tok, set(tables.expected[stack[-1]]))  # type: ignore[no-untyped-call]
        if act.__class__ is int:
            stack.append(act)
            values.append(tok)
            return
        _reduce(states, stack, values, tf, act)


def _finish(tables: Tables, states: Actions, stack: list[int], values: list[Any], end_state: int,
            tf: Any, last: Token | None) -> Any:
    """Reduce at the end of the input until the start rule is complete."""
    end = Token.new_borrow_pos("$END", "", last) if last is not None else Token("$END", "", 0, 1, 1)
    while True:
        act = states[stack[-1]].get("$END")
        if act is None or act.__class__ is int:
            raise UnexpectedToken(end, set(tables.expected[stack[-1]]))  # type: ignore[no-untyped-call]
        _reduce(states, stack, values, tf, act)
        if stack[-1] == end_state:
            return values[-1]
