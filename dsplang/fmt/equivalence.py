"""Comparing programs by meaning: the AST with every source position taken out."""

from __future__ import annotations

import dataclasses

from dsplang.errors import Span


def strip_spans(node: object) -> object:
    """`node` as nested tuples of (node type, fields), leaving out every Span field."""
    if isinstance(node, Span):
        return None
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        fields = tuple((f.name, strip_spans(getattr(node, f.name))) for f in dataclasses.fields(node)
                       if not isinstance(getattr(node, f.name), Span))
        return (type(node).__name__, fields)
    if isinstance(node, (tuple, list)):
        return tuple(strip_spans(item) for item in node)
    return node


def same_program(a: object, b: object) -> bool:
    """True when two ASTs are equal apart from positions."""
    return strip_spans(a) == strip_spans(b)
