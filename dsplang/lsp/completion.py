"""Completion: keywords, the names in scope at the cursor, attributes after `x.`, and a
call's parameter names as `name=` inside its parentheses.

While the file does not parse, the line being typed is replaced by `pass` and the file
analysed again, so a half-written call (an unclosed `(`) does not hide the block around it.
"""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace import PositionCodec

from dsplang.analysis.builtin_docs import builtin_doc
from dsplang.analysis.infer import call_parameters, members, resolve_chain, shape_of
from dsplang.analysis.model import DECL_WORDS, Binding
from dsplang.grammar import ast, names
from dsplang.lsp.analysis import Analysis, typing_view
from dsplang.lsp.positions import UTF16, to_pos
from dsplang.lsp.text import Pos, chain_before, in_comment_or_string, line_at, open_call, prefix_at

C = types.CompletionItemKind
KEYWORDS = names.KEYWORDS + names.COMPLETION_CONSTANTS
_KINDS = {
    "method": C.Method, "attr": C.Property, "import": C.Module, "namespace": C.Module,
    "field": C.Field, "output": C.Field, "member": C.EnumMember,
}
_DECL_KINDS = {"signature": C.Interface, "type": C.Struct, "enum": C.Enum, "module": C.Class,
               "def": C.Function}


def completion(analysis: Analysis, position: types.Position,
               codec: PositionCodec = UTF16) -> types.CompletionList:
    """The completion items at `position`."""
    pos = to_pos(analysis.lines, position, codec)
    if in_comment_or_string(analysis.lines, pos):
        return types.CompletionList(is_incomplete=False, items=[])
    analysis = typing_view(analysis, pos[0])
    prefix = prefix_at(analysis.lines, pos)
    before = line_at(analysis.lines, pos[0])[:max(pos[1] - 1 - len(prefix), 0)]
    chain, dotted = chain_before(before)
    if dotted:
        items = _attributes(analysis, chain, pos) if chain else []
    else:
        items = _keyword_arguments(analysis, pos) + _names(analysis, pos)
    return types.CompletionList(is_incomplete=False, items=items)


def kind_of(binding: Binding) -> types.CompletionItemKind:
    """The completion kind that shows what a binding is."""
    binding = binding.home
    if binding.kind == "decl":
        return _DECL_KINDS.get(DECL_WORDS.get(type(binding.node), "def"), C.Function)
    return _KINDS.get(binding.kind, C.Variable)


def _item(binding: Binding, sort: str) -> types.CompletionItem:
    return types.CompletionItem(label=binding.name, kind=kind_of(binding),
                                detail=_detail(binding.home), sort_text=sort + binding.name)


def _detail(binding: Binding) -> str:
    if binding.kind == "decl":
        return DECL_WORDS.get(type(binding.node), "declaration")
    if isinstance(binding.node, ast.ImportDsp):   # `import "x.dsp" as n`, found or not
        return "namespace"
    return binding.kind


def _attributes(analysis: Analysis, chain: list[str], pos: Pos) -> list[types.CompletionItem]:
    """The members of what `chain` names (module attributes, fields, enum members, ...)."""
    owner = resolve_chain(analysis.model, chain, pos)
    return [_item(d, "1") for d in members(shape_of(owner)).values()]


def _names(analysis: Analysis, pos: Pos) -> list[types.CompletionItem]:
    """Names in scope, then builtins, then keywords."""
    visible = analysis.model.visible(pos)
    items = [_item(d, "2") for d in visible.values()]
    for name in sorted(names.GLOBAL_NAMES - visible.keys()):
        kind = C.Class if name[:1].isupper() else C.Function
        items.append(types.CompletionItem(label=name, kind=kind, detail=builtin_doc(name),
                                          sort_text="3" + name))
    for word in KEYWORDS:
        if word not in visible:
            items.append(types.CompletionItem(label=word, kind=C.Keyword, sort_text="4" + word))
    return items


def _keyword_arguments(analysis: Analysis, pos: Pos) -> list[types.CompletionItem]:
    """`name=` items for the parameters of the call around the cursor."""
    call = open_call(analysis.lines, pos)
    if call is None:
        return []
    callee, used = call
    target = resolve_chain(analysis.model, callee, pos)
    items = []
    for name, detail in call_parameters(target):
        if name not in used:
            items.append(types.CompletionItem(label=f"{name}=", kind=C.Variable, detail=detail,
                                              insert_text=f"{name}=", sort_text="0" + name))
    return items
