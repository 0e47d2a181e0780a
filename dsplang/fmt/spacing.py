"""The space between two tokens of one logical line.

`Spacer` walks a logical line's tokens in order, tracking the open brackets (a call's or
a group's parentheses, a subscript's or a list's square brackets, braces) and whether a
lambda's parameters are being read, and says for each token whether a space goes before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsplang.fmt.tokens import Tok

OPENERS = {"(": ")", "[": "]", "{": "}"}
CLOSERS = frozenset(")]}")
OPERANDS = frozenset({"NAME", "NUMBER", "STRING", "CONST"})
UNARY_CAPABLE = frozenset({"+", "-", "*", "**"})


def ends_operand(tok: Tok | None) -> bool:
    """True after a token that can end an operand (so a following `(` is a call)."""
    return tok is not None and (tok.kind in OPERANDS or tok.text in CLOSERS or tok.text == "?")


@dataclass
class _Bracket:
    """An open bracket: its text, whether it subscripts, and whether `:` has been seen
    in the current argument (then `=` is spaced, as in `x: int = 1`)."""

    text: str
    subscript: bool
    annotated: bool = False


class Spacer:
    """Decides the spaces of one logical line, token by token."""

    def __init__(self):
        self.brackets: list[_Bracket] = []
        self.lambdas: list[int] = []    # bracket depths where a lambda's params are open
        self.prev: Tok | None = None
        self.prev_unary = False

    def space_before(self, tok: Tok) -> bool:
        """Whether a space separates `tok` from the token before it; then move past `tok`."""
        space = self._decide(tok) if self.prev is not None else False
        self._advance(tok)
        return space

    def _in_lambda(self) -> bool:
        return bool(self.lambdas) and self.lambdas[-1] == len(self.brackets)

    def _in_slice(self) -> bool:
        return bool(self.brackets) and self.brackets[-1].subscript and not self._in_lambda()

    def _keyword_equal(self) -> bool:
        """`=` of a keyword argument or an unannotated default: no spaces around it."""
        if self._in_lambda():
            return True
        return bool(self.brackets) and self.brackets[-1].text == "(" and not self.brackets[-1].annotated

    def _decide(self, tok: Tok) -> bool:
        prev, text = self.prev, tok.text
        if text in CLOSERS or text in (",", "?") or (text == "." and prev.kind != "NUMBER"):
            return False
        if text == ":":
            return False
        if prev.text in OPENERS or prev.text == "." or self.prev_unary:
            return False
        if prev.text == ",":
            return True
        if prev.text == ":":
            return not self._in_slice()
        if text == "=" or prev.text == "=":
            return not self._keyword_equal()
        if text in ("(", "["):
            return not ends_operand(prev)
        return True

    def _unary(self, tok: Tok) -> bool:
        """Is `tok` a prefix operator (`-x`, `*args`, `**kwargs`)?"""
        if tok.text not in UNARY_CAPABLE:
            return False
        prev = self.prev
        return prev is None or not ends_operand(prev)

    def _advance(self, tok: Tok) -> None:
        text = tok.text
        self.prev_unary = self._unary(tok)
        if text in OPENERS:
            subscript = text == "[" and ends_operand(self.prev)
            self.brackets.append(_Bracket(text, subscript))
        elif text in CLOSERS and self.brackets:
            self.brackets.pop()
            if self.lambdas and self.lambdas[-1] > len(self.brackets):
                self.lambdas.pop()
        elif text == "lambda":
            self.lambdas.append(len(self.brackets))
        elif text == ":":
            if self._in_lambda():
                self.lambdas.pop()
            elif self.brackets:
                self.brackets[-1].annotated = True
        elif text == "," and self.brackets:
            self.brackets[-1].annotated = False
        self.prev = tok
