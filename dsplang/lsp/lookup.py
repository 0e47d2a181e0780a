"""From a cursor position to the definition of the name under it.

Shared by hover and go to definition: the word under the cursor, the dotted names before
it (`qa.respond`, `self.make_query`, `common.Answer`), resolved through the static index.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

from dsplang.lsp.analysis import Analysis
from dsplang.lsp.index import Definition
from dsplang.lsp.infer import resolve_chain
from dsplang.lsp.text import Pos, chain_before, line_at, word_at


@dataclass
class Target:
    """The word at the cursor: where it is, the names before it, and what it means."""

    word: str
    line: int
    start: int
    end: int
    chain: list[str]
    dotted: bool
    definition: Definition | None

    @property
    def range(self) -> types.Range:
        return types.Range(types.Position(self.line - 1, self.start - 1),
                           types.Position(self.line - 1, self.end - 1))


def to_pos(position: types.Position) -> Pos:
    """An LSP position as a 1-based (line, col)."""
    return position.line + 1, position.character + 1


def target_at(analysis: Analysis, position: types.Position) -> Target | None:
    """The identifier at `position` and its definition (None if it is not a name)."""
    pos = to_pos(position)
    found = word_at(analysis.lines, pos)
    if found is None:
        return None
    start, end, word = found
    chain, dotted = chain_before(line_at(analysis.lines, pos[0])[:start - 1])
    if dotted:
        definition = resolve_chain(analysis.index, chain + [word], pos) if chain else None
    else:
        definition = analysis.index.lookup(word, pos)
    return Target(word, pos[0], start, end, chain, dotted, definition)
