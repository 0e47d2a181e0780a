"""Which ASCII characters a terminal's regular expression can start a match with.

The lexer's expression for a parser state is an alternation of every terminal the state
accepts, tried in order; Python's `re` tries the alternatives one by one at each position,
so a name at the end of seventy alternatives costs seventy failed attempts. Knowing each
terminal's first characters, the parse loop (`lalr.Tables.pattern`) matches with the
alternation of only the terminals that can start with the character at hand, in the same
order: the alternatives left out cannot match there, so the first alternative that
matches, and the text it matches, are the same.

The answer is a superset: an expression this module cannot read (a back-reference, a
case-insensitive flag, an unknown construct) or one that can match the empty string may
start with anything (`None`). Only ASCII characters are told apart; a token starting with
another character is matched with every terminal of the state.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

# Python's own reader of regular expressions (what `re.compile` parses with; Lark uses it
# too, to measure its terminals' widths). Imported by name: it is not a public module.
_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

ASCII = frozenset(chr(i) for i in range(128))
_CATEGORIES = {_c.CATEGORY_DIGIT: r"\d", _c.CATEGORY_NOT_DIGIT: r"\D", _c.CATEGORY_WORD: r"\w",
               _c.CATEGORY_NOT_WORD: r"\W", _c.CATEGORY_SPACE: r"\s", _c.CATEGORY_NOT_SPACE: r"\S"}
_ZERO_WIDTH = (_c.AT, _c.ASSERT, _c.ASSERT_NOT)
_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT)


class _Unreadable(Exception):
    """A construct whose first characters this module does not work out."""


def first_chars(regexp: str, flags: int) -> frozenset[str] | None:
    """The ASCII characters a match of `regexp` (compiled with `flags`) can start with, or
    None when it may start with any character (or match the empty string)."""
    if flags & (re.IGNORECASE | re.LOCALE | re.VERBOSE):
        return None
    try:
        chars, nullable = _first(_parser.parse(regexp, flags), flags)
    except (_Unreadable, re.error, RecursionError):
        return None
    return None if nullable else frozenset(chars)


def _first(items: Any, flags: int) -> tuple[set[str], bool]:
    """(first characters, whether the sequence `items` can match the empty string)."""
    chars: set[str] = set()
    for op, arg in items:
        one = _one_character(op, arg, flags)
        if one is not None:
            return chars | one, False
        if op in _ZERO_WIDTH:       # lookarounds and anchors only narrow: leaving them out
            continue                # gives a superset
        if op is _c.SUBPATTERN:
            _group, add_flags, del_flags, sub = arg
            if add_flags or del_flags:
                raise _Unreadable("inline flags")
            more, nullable = _first(sub, flags)
        elif op is _c.ATOMIC_GROUP:
            more, nullable = _first(arg, flags)
        elif op is _c.BRANCH:
            more, nullable = set(), False
            for alternative in arg[1]:
                got, empty = _first(alternative, flags)
                more |= got
                nullable = nullable or empty
        elif op in _REPEATS:
            low, _high, sub = arg
            more, nullable = _first(sub, flags)
            nullable = nullable or low == 0
        else:
            raise _Unreadable(str(op))
        chars |= more
        if not nullable:
            return chars, False
    return chars, True


def _one_character(op: Any, arg: Any, flags: int) -> set[str] | None:
    """The ASCII characters an item matching one character matches (None for other items)."""
    if op is _c.LITERAL:
        return {chr(arg)} if arg < 128 else set()
    if op is _c.NOT_LITERAL:
        return set(ASCII - {chr(arg)})
    if op is _c.ANY:
        return set(ASCII)
    if op is _c.IN:
        return _charset(arg, flags)
    return None


def _charset(items: Any, flags: int) -> set[str]:
    """The ASCII characters of a `[...]` set."""
    negate, chars = False, set()
    for op, arg in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            if arg < 128:
                chars.add(chr(arg))
        elif op is _c.RANGE:
            chars.update(chr(i) for i in range(arg[0], min(arg[1], 127) + 1))
        elif op is _c.CATEGORY and arg in _CATEGORIES:
            one = re.compile(_CATEGORIES[arg], flags)
            chars.update(ch for ch in ASCII if one.match(ch))
        else:
            raise _Unreadable(str(op))
    return set(ASCII - chars) if negate else chars
