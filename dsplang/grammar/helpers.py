"""Helpers of the transformer: spans from children, literals, targets, parameter checks.

Everything here reads positions through the `ParseState` of the parse it serves (handed to
it), so the same code serves whole files and pieces of files (f-string fields).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from lark import Token

from dsplang.errors import DspSyntaxError, Span
from dsplang.grammar import ast, strings
from dsplang.grammar.postlex import LAYOUT, ParseState

# The longest integer literal (decimal digits); also the default of the interpreter's
# int_digits limit (interpreter/limits.py).
LITERAL_DIGITS = 100_000


@dataclass(frozen=True, slots=True)
class Clause:
    """An `else:` or `finally:` clause before it is folded into its statement."""

    kind: str
    body: tuple[ast.Stmt, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Doc:
    """A docstring line of a module, type or signature body."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Dotted:
    """A dotted name (`os.path`, `common.Answer`)."""

    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Op:
    """A comparison operator (`<`, `not in`, `is not`)."""

    text: str
    span: Span


def _start(x: object, st: ParseState) -> tuple[int, int] | None:
    """(line, col) in the file where x starts (a token, node, helper or sequence)."""
    if isinstance(x, Token):
        if x.type in LAYOUT:
            return None
        if x.line == 1:
            return st.line0 + 1, x.column + st.col0  # type: ignore[operator]
        # Lark types token positions as optional; the lexer's tokens always have them.
        return x.line + st.line0, x.column  # type: ignore[operator, return-value]
    if isinstance(x, (list, tuple)):
        for y in x:
            p = _start(y, st)
            if p is not None:
                return p
        return None
    sp = x if isinstance(x, Span) else getattr(x, "span", None)
    return None if sp is None else (sp.line, sp.col)


def _end(x: object, st: ParseState) -> tuple[int, int] | None:
    """(line, col) in the file just after x ends."""
    if isinstance(x, Token):
        if x.type in LAYOUT:
            return None
        if x.end_line == 1:
            return st.line0 + 1, x.end_column + st.col0  # type: ignore[operator]
        return x.end_line + st.line0, x.end_column  # type: ignore[operator, return-value]  # (as in _start)
    if isinstance(x, (list, tuple)):
        for y in reversed(x):
            p = _end(y, st)
            if p is not None:
                return p
        return None
    sp = x if isinstance(x, Span) else getattr(x, "span", None)
    return None if sp is None else (sp.end_line, sp.end_col)


def span_of(children: Sequence[Any], st: ParseState) -> Span:
    """The span from the start of the first positioned child to the end of the last."""
    start = end = None
    for child in children:
        # (a token or a node first: the usual children, looked at without a call)
        if child.__class__ is Token and child.type not in LAYOUT:
            if child.line == 1 or st.line0:
                start = _start(child, st)
            else:
                start = child.line, child.column  # type: ignore[assignment]  # lexer tokens have positions
            break
        if isinstance(child, ast.Node):
            sp = child.span
            start = sp.line, sp.col
            break
        start = _start(child, st)
        if start is not None:
            break
    else:
        return st.end_span()
    for child in reversed(children):
        if child.__class__ is Token and child.type not in LAYOUT:
            if child.end_line == 1 or st.line0:
                end = _end(child, st)
            else:
                end = child.end_line, child.end_column  # type: ignore[assignment]  # (as above)
            break
        if isinstance(child, ast.Node):
            sp = child.span
            end = sp.end_line, sp.end_col
            break
        end = _end(child, st)
        if end is not None:
            break
    else:
        return st.end_span()
    return Span(st.file, start[0], start[1], end[0], end[1])  # type: ignore[index]  # set by the loops


_FIELDS_AFTER_SPAN: dict[type, tuple[str, ...]] = {}


def with_span(node: ast.Node, span: Span) -> ast.Node:
    """`node` with another span (what dataclasses.replace(node, span=span) gives, sooner)."""
    cls = node.__class__
    names = _FIELDS_AFTER_SPAN.get(cls)
    if names is None:
        names = _FIELDS_AFTER_SPAN[cls] = tuple(f.name for f in dataclasses.fields(node))[1:]
    return cls(span, *[getattr(node, name) for name in names])


def number(tok: Token, st: ParseState) -> int | float:
    """The value of a NUMBER token; an integer may have up to LITERAL_DIGITS digits."""
    if tok.value.isdecimal() and len(tok.value) <= 4000:
        return int(tok.value)       # the usual number: what the lines below give, sooner
    text = tok.value.replace("_", "")
    try:
        if text[:2].lower() in ("0x", "0o", "0b"):
            return int(text, 0)
        if any(ch in text for ch in ".eE"):
            return float(text)
        if len(text) > 4000:          # past Python's own default for str -> int
            return _long_int(text, tok, st)
        return int(text)
    except ValueError:
        shown = tok.value if len(tok.value) <= 40 else tok.value[:20] + "..."
        raise DspSyntaxError(f"invalid number {shown!r}", st.token_span(tok)) from None


def _long_int(text: str, tok: Token, st: ParseState) -> int:
    """A decimal integer literal of more than 4000 digits (at most LITERAL_DIGITS)."""
    if len(text) > LITERAL_DIGITS:
        raise DspSyntaxError(f"integer literal too long: {len(text):,} digits, more than "
                             f"{LITERAL_DIGITS:,}", st.token_span(tok))
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return int(text)
    finally:
        sys.set_int_max_str_digits(old)


def _offset_span(tok_span: Span, text: str, start: int, end: int) -> Span:
    """The file span of text[start:end], where text is a token starting at tok_span."""
    def pos(i: int) -> tuple[int, int]:
        nl = text.count("\n", 0, i)
        if nl == 0:
            return tok_span.line, tok_span.col + i
        return tok_span.line + nl, i - text.rfind("\n", 0, i)
    (l1, c1), (l2, c2) = pos(start), pos(max(end, start + 1))
    return Span(tok_span.file, l1, c1, l2, c2)


def string_node(tokens: Sequence[Token], st: ParseState,
                parse_expr: Callable[[str, int, int], ast.Expr]) -> ast.Node:
    """A Const (plain strings) or FString for adjacent STRING tokens (implicitly joined)."""
    text = tokens[0].value
    if len(tokens) == 1 and text[0] in "'\"" and "\\" not in text and text[1:2] != text[0]:
        # A plain one-line string with no escapes (not '' nor a triple quote): its body.
        return ast.Const(st.token_span(tokens[0]), text[1:-1])
    parts: list[str | ast.FormattedValue] = []
    for tok in tokens:
        parts.extend(_string_parts(tok, st, parse_expr))
    first, last = st.token_span(tokens[0]), st.token_span(tokens[-1])
    span = Span(first.file, first.line, first.col, last.end_line, last.end_col)
    if all(isinstance(p, str) for p in parts):
        return ast.Const(span, "".join(cast(list[str], parts)))
    merged: list[str | ast.FormattedValue] = []
    for p in parts:
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] += p
        elif p != "":
            merged.append(p)
    return ast.FString(span, tuple(merged))


def _string_parts(tok: Token, st: ParseState,
                  parse_expr: Callable[[str, int, int], ast.Expr]) -> list[str | ast.FormattedValue]:
    """The literal text and FormattedValues of one STRING token."""
    where = st.token_span(tok)
    text = tok.value
    try:
        lit = strings.split(text)
        if not lit.fmt:
            return [strings.value(lit)]
        pieces = strings.fstring_pieces(lit)
    except strings.StringError as exc:
        raise DspSyntaxError(exc.message, _offset_span(where, text, exc.index,
                                                       exc.index + 1)) from None
    out: list[str | ast.FormattedValue] = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
            continue
        at = _offset_span(where, text, piece.expr_start, piece.expr_start)
        expr = parse_expr(piece.expr, at.line, at.col)
        out.append(ast.FormattedValue(_offset_span(where, text, piece.start, piece.end),
                                      expr, piece.conversion, piece.spec))
    return out


_KINDS = {ast.Call: "a function call", ast.Const: "a literal", ast.FString: "an f-string",
          ast.BinOp: "an operator expression", ast.UnaryOp: "an operator expression",
          ast.BoolOp: "an 'and'/'or' expression", ast.Compare: "a comparison",
          ast.IfExp: "a conditional expression", ast.Lambda: "a lambda",
          ast.ListExpr: "a list", ast.DictExpr: "a dict", ast.ListComp: "a comprehension",
          ast.DictComp: "a comprehension", ast.TupleExpr: "this tuple",
          ast.Slice: "a slice", ast.Starred: "a starred expression"}


def describe(node: object) -> str:
    """A few words naming an expression, for error messages."""
    return _KINDS.get(type(node), "this expression")


def target(node: ast.Node, verb: str,
           augmented: bool = False) -> ast.Name | ast.Attribute | ast.Index | ast.TupleTarget:
    """Check an assignment target; a tuple of names becomes a TupleTarget."""
    if isinstance(node, (ast.Name, ast.Attribute, ast.Index)):
        return node
    if (isinstance(node, ast.TupleExpr) and not augmented and node.items
            and all(isinstance(i, ast.Name) for i in node.items)):
        return ast.TupleTarget(node.span, cast(tuple[ast.Name, ...], node.items))
    raise DspSyntaxError(f"cannot {verb} {describe(node)}", node.span)


def doc_and_body(body: tuple[ast.Stmt, ...]) -> tuple[str | None, tuple[ast.Stmt, ...]]:
    """Split a leading string-literal statement (the docstring) off a body."""
    if body and isinstance(body[0], ast.ExprStmt):
        expr = body[0].expr
        if isinstance(expr, ast.Const) and isinstance(expr.value, str):
            return expr.value, body[1:]
    return None, body


def check_params(params: tuple[ast.Param, ...]) -> tuple[ast.Param, ...]:
    """Reject duplicate names, a required parameter after a default, and anything after **."""
    seen: set[str] = set()
    defaulted = starred = False
    for i, p in enumerate(params):
        if p.name in seen:
            raise DspSyntaxError(f"duplicate parameter {p.name!r}", p.span)
        seen.add(p.name)
        if i and params[i - 1].kind == "dstar":
            raise DspSyntaxError("no parameter may follow '**" + params[i - 1].name + "'",
                                 p.span)
        if p.kind == "star":
            starred = True
        elif p.kind == "normal" and p.default is not None:
            defaulted = True
        elif p.kind == "normal" and defaulted and not starred:
            raise DspSyntaxError(f"parameter {p.name!r} without a default follows one with "
                                 "a default", p.span)
    return params
