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

_FIELDS: dict[type, tuple[str, ...]] = {}


def same_program(a: object, b: object) -> bool:
    """True when two ASTs (or parts of them) are equal apart from positions."""
    if a.__class__ is not b.__class__:
        return False
    if isinstance(a, ast.Node):
        names = _FIELDS.get(a.__class__)
        if names is None:
            names = _FIELDS[a.__class__] = tuple(f.name for f in dataclasses.fields(a))
        return all(same_program(getattr(a, n), getattr(b, n)) for n in names)
    if a.__class__ is tuple or a.__class__ is list:
        return len(a) == len(b) and all(map(same_program, a, b))
    return a.__class__ is Span or a == b


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
