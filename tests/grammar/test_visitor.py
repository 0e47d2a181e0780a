"""The shared visitor and walker (grammar/visitor.py)."""

from __future__ import annotations

from dsplang.grammar import ast
from dsplang.grammar.parser import parse
from dsplang.grammar.visitor import NodeVisitor, walk

SOURCE = '''
def f(x):
    let y = [x + 1 for x in range(3)]
    return g(y, k=lambda z: z * 2)
'''


def test_walk_reaches_every_node_once():
    program = parse(SOURCE)
    found = list(walk(program))
    assert found[0] is program
    assert len({id(n) for n in found}) == len(found)
    names = sorted(n.id for n in found if isinstance(n, ast.Name))
    assert names == ["g", "range", "x", "x", "y", "y", "z"]
    assert sum(isinstance(n, ast.Lambda) for n in found) == 1


def test_visit_dispatches_by_class_name_and_falls_back_to_the_children():
    class Calls(NodeVisitor):
        def __init__(self):
            self.seen = []

        def visit_Call(self, node):
            self.seen.append(node.func.id)
            self.generic_visit(node)

    visitor = Calls()
    visitor.visit(parse(SOURCE))
    assert visitor.seen == ["range", "g"]


def test_a_method_stops_the_descent_unless_it_asks_for_it():
    class Outer(NodeVisitor):
        def __init__(self):
            self.lambdas = 0
            self.names = []

        def visit_Lambda(self, node):
            self.lambdas += 1

        def visit_Name(self, node):
            self.names.append(node.id)

    visitor = Outer()
    visitor.visit(parse(SOURCE))
    assert visitor.lambdas == 1 and "z" not in visitor.names
