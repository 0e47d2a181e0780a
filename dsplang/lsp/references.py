"""Find references and rename: the declaration of the name at the cursor and every place the
walk resolved to it (the `uses` the scope model records), in this document.

Rename is offered only for names whose every use the model records and that no other file
can see: `let`, `for` and comprehension targets, `except ... as` / `with ... as` names,
`compile` targets, and declarations nested in a block. A top-level declaration (another
file may import it), a parameter (callers name it in keyword arguments), a module attribute
or method (used as `self.x` / `obj.x`) and an imported name are not renamed.
"""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace import PositionCodec

from dsplang.analysis.model import Binding, Scope
from dsplang.errors import Span
from dsplang.grammar import names
from dsplang.lsp.analysis import Analysis
from dsplang.lsp.definition import path_to_uri
from dsplang.lsp.positions import UTF16, to_pos, to_range
from dsplang.lsp.text import IDENT, in_comment_or_string, word_at

RENAMABLE = frozenset({"let", "for", "comp", "alias", "compile"})


def binding_at(analysis: Analysis, position: types.Position, codec: PositionCodec = UTF16) -> Binding | None:
    """The binding of the name at `position`: the one a use there resolved to, or the one
    declared there."""
    pos = to_pos(analysis.lines, position, codec)
    if in_comment_or_string(analysis.lines, pos):
        return None
    found = word_at(analysis.lines, pos)
    if found is None:
        return None
    start = (pos[0], found[0])
    model = analysis.model
    return model.binding_at(start) or model.declared_at(start)


def references(analysis: Analysis, position: types.Position, include_declaration: bool = True,
               codec: PositionCodec = UTF16) -> list[types.Location]:
    """Where the name at `position` is declared (when asked) and used in this document."""
    binding = binding_at(analysis, position, codec)
    if binding is None:
        return []
    out: list[types.Location] = []
    home = binding.home
    if include_declaration and home.model is not None:
        lines = home.model.lines or []
        out.append(types.Location(uri=path_to_uri(home.model.path), range=to_range(lines, home.span, codec)))
    uri = path_to_uri(analysis.path)
    for span in _uses(binding):
        out.append(types.Location(uri=uri, range=to_range(analysis.lines, span, codec)))
    return out


def _uses(binding: Binding) -> list[Span]:
    """The uses of a binding in its file, in order, each place once."""
    return sorted(set(binding.uses), key=lambda s: (s.line, s.col))


def renamable(binding: Binding | None, analysis: Analysis) -> bool:
    """Whether renaming `binding` in this document alone renames every reference to it."""
    if binding is None or binding.model is not analysis.model or binding.scope is None:
        return False
    if binding.kind == "decl":
        return binding.scope is not analysis.model.top
    return binding.kind in RENAMABLE


def prepare_rename(analysis: Analysis, position: types.Position,
                   codec: PositionCodec = UTF16) -> types.Range | None:
    """The range of the name to rename at `position`, or None when it cannot be renamed."""
    binding = binding_at(analysis, position, codec)
    if not renamable(binding, analysis):
        return None
    pos = to_pos(analysis.lines, position, codec)
    found = word_at(analysis.lines, pos)
    if found is None:
        return None
    return to_range(analysis.lines, Span(analysis.path, pos[0], found[0], pos[0], found[1]), codec)


def rename(analysis: Analysis, position: types.Position, new_name: str,
           codec: PositionCodec = UTF16) -> types.WorkspaceEdit | None:
    """The edits that rename the name at `position` and all its uses, or None when it cannot
    be renamed or `new_name` is not a name that may be bound."""
    binding = binding_at(analysis, position, codec)
    if binding is None or not renamable(binding, analysis) or not _bindable(new_name):
        return None
    if binding.scope is None or _clashes(binding.scope, new_name):
        return None
    spans = [binding.span] + _uses(binding)
    edits = [types.TextEdit(range=to_range(analysis.lines, span, codec), new_text=new_name)
             for span in sorted(set(spans), key=lambda s: (s.line, s.col))]
    return types.WorkspaceEdit(changes={path_to_uri(analysis.path): edits})


def _clashes(scope: Scope, name: str) -> bool:
    """Whether `name` already means something where the renamed binding is seen (the scope, the
    ones around it, the builtins) or is bound inside it, so renaming would capture or shadow."""
    if scope.lookup(name) is not None or name in names.GLOBAL_NAMES:
        return True
    todo = list(scope.children)
    while todo:
        inner = todo.pop()
        if name in inner.names:
            return True
        todo.extend(inner.children)
    return False


def _bindable(name: str) -> bool:
    """An identifier that is not a keyword or a constant (`true`, `none`, ...)."""
    return IDENT.fullmatch(name) is not None and name not in names.KEYWORDS and name not in names.CONSTANTS
