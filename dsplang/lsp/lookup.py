"""From a cursor position to the definition of the name under it.

Shared by hover and go to definition: the word under the cursor, the dotted names before
it (`qa.respond`, `self.make_query`, `common.Answer`), resolved through the scope model: a
plain name by what the walk resolved it to where it is written, else by position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dsplang.analysis.infer import field_binding, resolve_chain, shape_of
from dsplang.analysis.model import Binding
from dsplang.grammar import ast
from dsplang.lsp.analysis import Analysis
from dsplang.lsp.text import Pos, chain_before, line_at, open_call, word_at

_KEYWORD_ARG = re.compile(r"\s*=(?!=)")


@dataclass
class Target:
    """The word at the cursor: where it is, the names before it, and what it means."""

    word: str
    line: int
    start: int
    end: int
    chain: list[str]
    dotted: bool
    definition: Binding | None


def keyword_target(analysis: Analysis, pos: Pos, word: str) -> Binding | None:
    """What `word=` inside a call means: a predictor's input field or a parameter."""
    call = open_call(analysis.lines, pos)
    if call is None:
        return None
    callee = resolve_chain(analysis.model, call[0], pos)
    shape = shape_of(callee)
    if shape is not None and shape.kind == "predictor":
        field = next((f for f in shape.fields if f.direction == "input" and f.name == word), None)
        return field_binding(field, shape.model) if field is not None and shape.model is not None else None
    if shape is not None and shape.kind == "module" and shape.model is not None and \
            isinstance(shape.node, ast.ModuleDecl):
        scope = shape.model.scope_of(next((m for m in shape.node.methods if m.name == "forward"), None))
    else:
        scope = callee.model.scope_of(callee.node) if callee is not None and callee.model is not None else None
    param = scope.names.get(word) if scope is not None else None
    return param if param is not None and param.kind == "param" else None


def target_at(analysis: Analysis, pos: Pos) -> Target | None:
    """The identifier at `pos` and its definition (None if it is not a name)."""
    found = word_at(analysis.lines, pos)
    if found is None:
        return None
    start, end, word = found
    text = line_at(analysis.lines, pos[0])
    chain, dotted = chain_before(text[:start - 1])
    keyword = _KEYWORD_ARG.match(text, end - 1) is not None and not dotted
    if keyword:
        definition = keyword_target(analysis, (pos[0], start), word)
    elif dotted:
        definition = resolve_chain(analysis.model, chain + [word], pos) if chain else None
    else:
        bound = analysis.model.binding_at((pos[0], start)) or analysis.model.lookup(word, pos)
        definition = bound.home if bound is not None else None
    return Target(word, pos[0], start, end, chain, dotted, definition)
