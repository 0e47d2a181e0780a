"""Comparing programs by meaning: the AST with every source position left out.

`same_meaning` checks a formatted text against the original without parsing the whole
file again where it can: a file cut into its top-level statements (as the parser's error
recovery cuts it) means the same when each statement whose lines changed parses, alone,
to the same statements as before.
"""

from __future__ import annotations

import bisect
import dataclasses

from dsplang.errors import DspError, Span
from dsplang.grammar import ast
from dsplang.grammar.parser import parse
from dsplang.grammar.recovery import chunks

_FIELDS: dict[type, tuple[str, ...] | None] = {}     # a node class's fields but its span; None: not a node


def same_program(a: object, b: object) -> bool:
    """True when two ASTs (or parts of them) are equal apart from positions."""
    cls = a.__class__
    if cls is not b.__class__:
        return False
    if cls is tuple or cls is list:
        if len(a) != len(b):    # type: ignore[arg-type]  # (a tuple or list, as b)
            return False
        for x, y in zip(a, b):  # type: ignore[call-overload]
            if x is not y and not same_program(x, y):
                return False
        return True
    try:
        names = _FIELDS[cls]
    except KeyError:
        names = _FIELDS[cls] = (tuple(f.name for f in dataclasses.fields(a) if f.name != "span")  # type: ignore[arg-type]
                                if isinstance(a, ast.Node) else None)
    if names is None:
        return cls is Span or a == b
    for name in names:
        x, y = getattr(a, name), getattr(b, name)
        if x is not y and not same_program(x, y):
            return False
    return True


def same_meaning(before: ast.Program, old: str, new: str, filename: str) -> bool:
    """True when the text `new` parses to the program `before` (parsed from `old`, a
    normalised text ending in a newline)."""
    if new == old:
        return True
    old_lines, new_lines = old.split("\n")[:-1], new.split("\n")[:-1]
    old_parts, new_parts = chunks(old_lines), chunks(new_lines)
    if len(old_parts) == len(new_parts) and before.doc is None:
        changed = [(a, b) for a, b in zip(old_parts, new_parts)
                   if old_lines[a[0]:a[1]] != new_lines[b[0]:b[1]]]
        if len(changed) * 4 <= len(old_parts):    # else one parse of the file is quicker
            try:
                return _same_parts(before, old_lines, new_lines, changed, filename)
            except DspError:      # a changed part that does not parse alone: the whole file
                pass
    try:
        return same_program(before, parse(new, filename))
    except DspError:
        return False


def _same_parts(before, old_lines, new_lines, changed, filename: str) -> bool:
    """Compare the parts (top-level statements) whose text changed, each parsed alone."""
    starts = [stmt.span.line for stmt in before.body]
    for (a0, a1), (b0, b1) in changed:
        stmts = before.body[bisect.bisect_left(starts, a0 + 1):bisect.bisect_left(starts, a1 + 1)]
        part = parse("\n".join(new_lines[b0:b1]) + "\n", filename + "#part")
        if part.doc is not None or not same_program(tuple(stmts), part.body):
            raise DspError("a part differs")
    return True
