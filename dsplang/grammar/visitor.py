"""One visitor base and one walker over the AST, as CPython's `ast.NodeVisitor` and `ast.walk`.

`NodeVisitor.visit(node)` calls `visit_<NodeName>` (e.g. `visit_Call`) when the subclass
defines it and `generic_visit` otherwise, which visits the node's children in field order.
`walk(node)` yields a node and everything inside it, for code that only looks for nodes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from dsplang.grammar.ast import Node, child_nodes

__all__ = ["NodeVisitor", "child_nodes", "walk"]


def walk(node: Node) -> Iterator[Node]:
    """`node` and every node inside it, breadth first (the order is not otherwise promised)."""
    todo = deque([node])
    while todo:
        current = todo.popleft()
        todo.extend(child_nodes(current))
        yield current


class NodeVisitor:
    """Dispatches on the node's class name; subclasses define `visit_<NodeName>` methods."""

    # Each visitor class's own {node class: method} table, made on its first visit.
    _visit_methods: ClassVar[dict[type[Node], Callable[[Any, Node], Any]]]

    def visit(self, node: Node) -> Any:
        """Call the method for `node`'s class (looked up once per visitor class and node class)."""
        cls = type(self)
        table: dict[type[Node], Callable[[Any, Node], Any]] | None = cls.__dict__.get("_visit_methods")
        if table is None:
            table = {}
            cls._visit_methods = table
        method: Any = table.get(node.__class__)
        if method is None:
            method = getattr(cls, "visit_" + node.__class__.__name__, cls.generic_visit)
            table[node.__class__] = method
        return method(self, node)

    def generic_visit(self, node: Node) -> None:
        """Visit the children of a node that has no method of its own."""
        for child in child_nodes(node):
            self.visit(child)
