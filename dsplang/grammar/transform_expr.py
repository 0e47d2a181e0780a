"""Transformer rules for expressions and types (mixed into transform.DspTransformer)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from lark import Token

from dsplang.errors import DspSyntaxError, Span
from dsplang.grammar import ast
from dsplang.grammar.helpers import Op, number, span_of, string_node, with_span
from dsplang.grammar.postlex import ParseState

_CONSTS = {"true": True, "True": True, "false": False, "False": False, "none": None,
           "None": None}


# A rule's children as Lark passes them: nodes, tokens and None for absent optional parts.
Children = Sequence[Any]


def items(c: Children, kind: type[Any] | tuple[type[Any], ...] = ast.Node) -> tuple[Any, ...]:
    """The children of type `kind` (punctuation tokens and placeholders dropped)."""
    return tuple([x for x in c if isinstance(x, kind)])




class ExpressionRules:
    """One method per expression or type rule; `self.st` is the parse's state and
    `self.parse_expr` parses f-string fields."""

    st: ParseState
    parse_expr: Callable[[str, int, int], ast.Expr]
    # The file, and whether token positions are the file's (a whole file, not a piece of
    # one): then the usual rules build their spans directly, as span_of() would.
    file: str
    whole: bool

    def _desc(self, tok: Token | None) -> str | None:
        """The text of a field description string, or None."""
        if tok is None:
            return None
        node = string_node((tok,), self.st, self.parse_expr)
        if not isinstance(node, ast.Const):
            raise DspSyntaxError("a field description cannot be an f-string", node.span)
        return cast(str, node.value)        # a plain string token gives a str

    # ------------------------------------------------------------ types

    def type_name(self, c: Children) -> ast.TypeName:
        return ast.TypeName(span_of(c, self.st), c[0].name)

    def type_opt(self, c: Children) -> ast.TypeOptional:
        return ast.TypeOptional(span_of(c, self.st), c[0])

    def neg_number(self, c: Children) -> ast.Const:
        return ast.Const(span_of(c, self.st), -number(c[1], self.st))

    def type_generic(self, c: Children) -> ast.TypeGeneric | ast.TypeLiteral:
        name, args = c[0].name, [x for x in c[2:-1] if x is not None and not _is_comma(x)]
        if name == "literal":
            return ast.TypeLiteral(span_of(c, self.st), tuple(self._literal_arg(a) for a in args))
        for arg in args:
            if not isinstance(arg, (ast.TypeName, ast.TypeGeneric, ast.TypeOptional,
                                    ast.TypeLiteral)):
                raise DspSyntaxError(f"expected a type in {name}[...]", span_of((arg,), self.st))
        return ast.TypeGeneric(span_of(c, self.st), name, tuple(args))

    def _literal_arg(self, arg: object) -> object:
        """The value of one `literal[...]` argument (a string, number, boolean or none)."""
        if isinstance(arg, ast.Const):
            return arg.value
        if isinstance(arg, Token) and arg.type in ("STRING", "NUMBER", "CONST"):
            return self.const((arg,)).value if arg.type == "CONST" else (
                number(arg, self.st) if arg.type == "NUMBER" else self._desc(arg))
        raise DspSyntaxError("literal[...] takes constant values such as \"a\" or 1",
                             span_of((arg,), self.st))

    # ------------------------------------------------------------ expressions

    def tuple_bare(self, c: Children) -> ast.TupleExpr:
        return ast.TupleExpr(span_of(c, self.st), items(c))

    def ifexp(self, c: Children) -> ast.IfExp:
        a, b = c[0].span, c[4].span
        return ast.IfExp(Span(self.file, a.line, a.col, b.end_line, b.end_col), c[2], c[0], c[4])

    def lambdef(self, c: Children) -> ast.Lambda:
        return ast.Lambda(span_of(c, self.st), c[1] or (), c[3])

    def or_op(self, c: Children) -> ast.BoolOp:
        return ast.BoolOp(span_of(c, self.st), "or", items(c))

    def and_op(self, c: Children) -> ast.BoolOp:
        return ast.BoolOp(span_of(c, self.st), "and", items(c))

    def not_op(self, c: Children) -> ast.UnaryOp:
        return ast.UnaryOp(span_of(c, self.st), "not", c[1])

    def compare(self, c: Children) -> ast.Compare:
        ops = tuple(x.text for x in c[1::2])
        return ast.Compare(span_of(c, self.st), c[0], ops, tuple(c[2::2]))

    def comp_op(self, c: Children) -> Any:
        return Op(" ".join(t.value for t in c), span_of(c, self.st))

    def binop(self, c: Children) -> ast.BinOp:
        a, b = c[0].span, c[2].span       # (both operands are nodes: the span between them)
        return ast.BinOp(Span(self.file, a.line, a.col, b.end_line, b.end_col), c[1].value, c[0], c[2])

    def unary(self, c: Children) -> ast.UnaryOp:
        return ast.UnaryOp(span_of(c, self.st), c[0].value, c[1])

    def call(self, c: Children) -> ast.Call:
        args, keywords = c[2] if c[2] is not None else ((), ())
        if self.whole:
            a, close = c[0].span, c[3]
            span = Span(self.file, a.line, a.col, close.end_line, close.end_column)
        else:
            span = span_of(c, self.st)
        return ast.Call(span, c[0], args, keywords)

    def arguments(self, c: Children) -> Any:
        args, keywords, seen = [], [], set()
        for item in items(c):
            if isinstance(item, ast.Keyword):
                if item.name is not None and item.name in seen:
                    raise DspSyntaxError(f"keyword argument {item.name!r} repeated", item.span)
                seen.add(item.name)
                keywords.append(item)
            elif keywords and not isinstance(item, ast.Starred):
                raise DspSyntaxError("positional argument follows keyword argument", item.span)
            else:
                args.append(item)
        return tuple(args), tuple(keywords)

    def genexp_arg(self, c: Children) -> Any:
        comp = ast.ListComp(span_of(c, self.st), c[0], items(c[1:], ast.Comprehension))
        return (comp,), ()

    def kwarg(self, c: Children) -> ast.Keyword:
        return ast.Keyword(span_of(c, self.st), c[0].value, c[2])

    def star_arg(self, c: Children) -> ast.Starred:
        return ast.Starred(span_of(c, self.st), c[1])

    def dstar_arg(self, c: Children) -> ast.Keyword:
        return ast.Keyword(span_of(c, self.st), None, c[1])

    def getitem(self, c: Children) -> ast.Index:
        if self.whole:
            a, close = c[0].span, c[3]
            return ast.Index(Span(self.file, a.line, a.col, close.end_line, close.end_column), c[0], c[2])
        return ast.Index(span_of(c, self.st), c[0], c[2])

    def tuple_sub(self, c: Children) -> ast.TupleExpr:
        return ast.TupleExpr(span_of(c, self.st), items(c))

    def slice(self, c: Children) -> ast.Slice:
        parts: list[Any] = [None, None, None]     # lower, upper, step: an expression or None
        slot = 0
        for x in c:
            if isinstance(x, Token) and x.type == "COLON":
                slot += 1
            elif isinstance(x, ast.Node):
                parts[slot] = x
        return ast.Slice(span_of(c, self.st), *parts)

    def getattr(self, c: Children) -> ast.Attribute:
        if self.whole:
            a, attr = c[0].span, c[2]
            return ast.Attribute(Span(self.file, a.line, a.col, attr.end_line, attr.end_column), c[0], attr.value)
        return ast.Attribute(span_of(c, self.st), c[0], c[2].value)

    def name(self, c: Children) -> ast.Name:
        tok = c[0]
        if self.whole:      # (what token_span gives a whole file's token that is not empty)
            return ast.Name(Span(self.file, tok.line, tok.column, tok.end_line, tok.end_column), tok.value)
        return ast.Name(self.st.token_span(tok), tok.value)

    def number(self, c: Children) -> ast.Const:
        tok = c[0]
        text = tok.value
        value = int(text) if text.isdecimal() and len(text) <= 4000 else number(tok, self.st)
        if self.whole:
            return ast.Const(Span(self.file, tok.line, tok.column, tok.end_line, tok.end_column), value)
        return ast.Const(self.st.token_span(tok), value)

    def const(self, c: Children) -> ast.Const:
        return ast.Const(self.st.token_span(c[0]), _CONSTS[c[0].value])

    def string(self, c: Children) -> Any:
        return string_node(c, self.st, self.parse_expr)

    def paren(self, c: Children) -> Any:
        """A parenthesised expression: the node itself, its span widened to the parentheses
        (so an enclosing node starts at the '(')."""
        return with_span(c[1], span_of(c, self.st))

    def tuple_lit(self, c: Children) -> ast.TupleExpr:
        return ast.TupleExpr(span_of(c, self.st), items(c))

    def list_lit(self, c: Children) -> ast.ListExpr:
        return ast.ListExpr(span_of(c, self.st), items(c))

    def dict_lit(self, c: Children) -> ast.DictExpr:
        pairs = [x for x in c if isinstance(x, tuple)]
        return ast.DictExpr(span_of(c, self.st), tuple(k for k, _ in pairs), tuple(v for _, v in pairs))

    def dict_item(self, c: Children) -> Any:
        return (c[0], c[2])

    def dict_spread(self, c: Children) -> Any:
        """`**mapping` in a dict display: the key None, as in Python's ast."""
        return (None, c[1])

    def listcomp(self, c: Children) -> ast.ListComp:
        return ast.ListComp(span_of(c, self.st), c[1], items(c[2:], ast.Comprehension))

    def dictcomp(self, c: Children) -> ast.DictComp:
        return ast.DictComp(span_of(c, self.st), c[1], c[3], items(c[4:], ast.Comprehension))

    def comp_for(self, c: Children) -> ast.Comprehension:
        return ast.Comprehension(span_of(c, self.st), c[1], c[3], tuple(c[4:]))

    def comp_if(self, c: Children) -> Any:
        return c[1]


def _is_comma(x: object) -> bool:
    return isinstance(x, Token) and x.type == "COMMA"

