"""How deeply a program may nest, and the checks that hold every stage to it.

Three limits, each a located DspSyntaxError ("nesting too deep: ..."), like CPython's
"too many nested parentheses" and "too many levels of indentation":

- MAX_BRACKETS brackets open at once (the post-lexer counts them as they open);
- MAX_INDENT levels of indentation (the post-lexer, at each indent);
- MAX_DEPTH levels of the syntax tree (`check_depth`, after a parse): operators, calls,
  attributes, blocks, `elif` chains. Chains nest without brackets: `- - - x`,
  `a + b + c + ...`, `x.a.b.c...`, `... else ... if ... else ...`.

The stages after the parser (checker, compiler and evaluator, formatter, language server)
walk the tree recursively; they run under `deep_enough()`, a Python recursion limit that
holds MAX_DEPTH levels.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from dsplang.errors import DspSyntaxError
from dsplang.grammar import ast

MAX_BRACKETS = 200
MAX_INDENT = 100
MAX_DEPTH = 1000
# Python frames a stage may use: a few per tree level, and room for its callers.
STAGE_RECURSION = 12 * MAX_DEPTH


def too_deep_message(count: int, what: str) -> str:
    return f"nesting too deep: more than {count} {what}"


def check_depth(result: object) -> None:
    """Raise a DspSyntaxError at the first node nested more than MAX_DEPTH levels deep in
    `result` (a node or a sequence of statements)."""
    roots = result if isinstance(result, (tuple, list)) else (result,)
    node = _too_deep([r for r in roots if isinstance(r, ast.Node)], MAX_DEPTH)
    if node is not None:
        raise DspSyntaxError(too_deep_message(MAX_DEPTH, "levels"), node.span,
                             hint="split it up, for example with a `let` for each part")


def _too_deep(roots: list[ast.Node], limit: int) -> ast.Node | None:
    """The first node (depth first, left to right) at level limit + 1, or None.

    A node on one line cannot be nested deeper than twice its width in characters (each
    level adds at least one token), so such a node is only entered when it could reach the
    limit: a statement of ordinary lines costs one look per line."""
    stack = [(node, 1) for node in reversed(roots)]
    while stack:
        node, level = stack.pop()
        if level > limit:
            return node
        span = node.span
        if span.end_line == span.line and level + 2 * (span.end_col - span.col) <= limit:
            continue
        stack.extend((child, level + 1) for child in reversed(list(ast.child_nodes(node))))
    return None


@contextmanager
def deep_enough() -> Iterator[None]:
    """Run a stage with a recursion limit that holds MAX_DEPTH levels of the tree."""
    old = sys.getrecursionlimit()
    if old < STAGE_RECURSION:
        sys.setrecursionlimit(STAGE_RECURSION)
    try:
        yield
    finally:
        if old < STAGE_RECURSION:
            sys.setrecursionlimit(old)
