"""`dsp test -k EXPR`: which tests run, as pytest's -k picks them.

EXPR is words joined with `and`, `or`, `not` and parentheses; a word matches a test when it
occurs (case-insensitively) in the test's name or in its file's name: `-k "capital and not
slow"`, `-k test_qa.dsp`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from dsplang.errors import DspArgumentError

Matcher = Callable[[list[str]], bool]
_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")
_OPERATORS = ("and", "or", "not")


def keyword_matcher(expr: str) -> Matcher:
    """A function of a test's names (its name, its file's name) that says whether `expr`
    selects it; a DspArgumentError when `expr` cannot be read."""
    tokens = _tokens(expr)
    if not tokens:
        raise DspArgumentError("-k needs an expression, such as -k capital or -k 'qa and not slow'")
    parser = _Parser(tokens, expr)
    matcher = parser.either()
    if parser.pos != len(tokens):
        raise parser.error(f"unexpected {tokens[parser.pos]!r}")
    return matcher


def _tokens(expr: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(expr):
        match = _TOKEN.match(expr, pos)
        if match is None:       # only trailing blanks are left
            break
        tokens.append(match.group(1))
        pos = match.end()
    return tokens


class _Parser:
    """either := both ('or' both)*; both := negated ('and' negated)*;
    negated := 'not' negated | '(' either ')' | WORD."""

    def __init__(self, tokens: list[str], expr: str) -> None:
        self.tokens = tokens
        self.expr = expr
        self.pos = 0

    def error(self, what: str) -> DspArgumentError:
        return DspArgumentError(f"-k {self.expr!r}: {what}",
                                hint="words joined with and, or, not and parentheses")

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def either(self) -> Matcher:
        parts = [self.both()]
        while self._peek() == "or":
            self.pos += 1
            parts.append(self.both())
        return parts[0] if len(parts) == 1 else (lambda names: any(p(names) for p in parts))

    def both(self) -> Matcher:
        parts = [self.negated()]
        while self._peek() == "and":
            self.pos += 1
            parts.append(self.negated())
        return parts[0] if len(parts) == 1 else (lambda names: all(p(names) for p in parts))

    def negated(self) -> Matcher:
        token = self._peek()
        if token is None:
            raise self.error("the expression ends too soon")
        self.pos += 1
        if token == "not":
            inner = self.negated()
            return lambda names: not inner(names)
        if token == "(":
            inner = self.either()
            if self._peek() != ")":
                raise self.error("a '(' is not closed")
            self.pos += 1
            return inner
        if token == ")" or token in _OPERATORS:
            raise self.error(f"unexpected {token!r}")
        word = token.lower()
        return lambda names: any(word in name.lower() for name in names)
