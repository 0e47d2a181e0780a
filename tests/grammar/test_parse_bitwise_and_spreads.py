"""`&`, `|`, `^` with Python's precedence, their augmented forms, and `*`/`**` spreads in
list and dict displays (issue 18, section 4)."""

from __future__ import annotations

import pytest

from dsplang.errors import DspSyntaxError
from dsplang.grammar import ast
from dsplang.grammar.parser import parse


def parse_expr(source: str, filename: str) -> ast.Expr:
    stmt = parse(f"let _e = {source}\n", filename).body[0]
    assert isinstance(stmt, ast.Let)
    return stmt.value


def shape(node: ast.Node) -> object:
    """A node as nested tuples of operators and constants/names."""
    if isinstance(node, ast.BinOp):
        return (node.op, shape(node.left), shape(node.right))
    if isinstance(node, ast.Compare):
        return (node.ops, shape(node.left), *(shape(c) for c in node.comparators))
    if isinstance(node, ast.Const):
        return node.value
    if isinstance(node, ast.Name):
        return node.id
    raise AssertionError(node)


@pytest.mark.parametrize(("source", "expected"), [
    ("1 | 2 & 3", ("|", 1, ("&", 2, 3))),
    ("1 & 2 | 3", ("|", ("&", 1, 2), 3)),
    ("1 ^ 2 & 3", ("^", 1, ("&", 2, 3))),
    ("1 | 2 ^ 3", ("|", 1, ("^", 2, 3))),
    ("1 & 2 + 3", ("&", 1, ("+", 2, 3))),
    ("1 * 2 ^ 3 - 4", ("^", ("*", 1, 2), ("-", 3, 4))),
    ("a ^ b == c", (("==",), ("^", "a", "b"), "c")),
    ("a == b | c", (("==",), "a", ("|", "b", "c"))),
    ("1 | 2 | 3", ("|", ("|", 1, 2), 3)),
])
def test_precedence_is_pythons(source, expected):
    assert shape(parse_expr(source, "t.dsp")) == expected


def test_bitwise_binds_tighter_than_not_and_or():
    node = parse_expr("not a | b and c", "t.dsp")
    assert isinstance(node, ast.BoolOp)
    first = node.values[0]
    assert isinstance(first, ast.UnaryOp) and first.op == "not"
    assert shape(first.operand) == ("|", "a", "b")


@pytest.mark.parametrize("op", ["&", "|", "^"])
def test_augmented_forms(op):
    stmt = parse(f"x {op}= 3\n", "t.dsp").body[0]
    assert isinstance(stmt, ast.AugAssign) and stmt.op == op


def test_binop_span_covers_both_operands():
    node = parse_expr("a  |  b", "t.dsp")
    assert (node.span.col, node.span.end_col) == (10, 17)


def test_list_spread_is_starred_items():
    node = parse_expr("[*a, 1, *b + c,]", "t.dsp")
    assert isinstance(node, ast.ListExpr) and len(node.items) == 3
    first, _, last = node.items
    assert isinstance(first, ast.Starred) and shape(first.value) == "a"
    assert isinstance(last, ast.Starred) and shape(last.value) == ("+", "b", "c")
    assert (first.span.col, first.span.end_col) == (11, 13)


def test_dict_spread_has_key_none():
    node = parse_expr('{"q": q, **outputs, **(a | b), "k": 1}', "t.dsp")
    assert isinstance(node, ast.DictExpr)
    assert [k is None for k in node.keys] == [False, True, True, False]
    assert shape(node.values[1]) == "outputs" and shape(node.values[2]) == ("|", "a", "b")


def test_list_comprehension_still_parses():
    node = parse_expr("[x | 1 for x in xs]", "t.dsp")
    assert isinstance(node, ast.ListComp) and shape(node.elt) == ("|", "x", 1)


@pytest.mark.parametrize("source", [
    "let x = [**a]\n",
    "let x = {*a}\n",
    "let x = {**a: 1}\n",
    "let x = 1 |\n",
    "let x = & 1\n",
    "let x = ~1\n",
    "let x = 1 << 2\n",
    "[*a for a in b]\n",
])
def test_malformed_uses_are_syntax_errors_with_a_position(source):
    with pytest.raises(DspSyntaxError) as caught:
        parse(source, "t.dsp")
    assert caught.value.span is not None and caught.value.span.line == 1
