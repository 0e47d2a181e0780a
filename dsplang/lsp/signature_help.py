"""Signature help: inside the parentheses of a call, what the callee takes, with the argument
being typed highlighted.

The callee is resolved through the scope model (`infer.resolve_chain`, as hover and completion
do) and described by what it is:

- a predictor (`qa(` where `qa = Predict(QA)`, `self.respond(` for a module's predictor): its
  signature's input fields with their types and descriptions, its outputs after `->`, and
  its instructions; a predictor takes keyword arguments only, so the active parameter is the
  keyword being typed, or else the first input not given yet;
- a `.dsp` `def` or method, a `lambda`, a module's constructor (`RAG(`), a module instance
  (`rag(`: its `forward`), a record (`Answer(`): their parameters or fields, with types,
  defaults and docstrings; the active parameter by keyword, else by position;
- a builtin: the parameters written in its one-line description (`builtin_docs`), one
  signature per form (`range(stop)` / `range(start, stop[, step])`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from lsprotocol import types
from pygls.workspace import PositionCodec

from dsplang.analysis.builtin_docs import builtin_doc
from dsplang.analysis.infer import Shape, resolve_chain, shape_of
from dsplang.analysis.model import Binding
from dsplang.grammar import ast, names
from dsplang.lsp.analysis import Analysis, typing_view
from dsplang.lsp.describe import type_text
from dsplang.lsp.positions import UTF16, to_pos
from dsplang.lsp.text import IDENT, CallSite, call_site, in_comment_or_string, keyword_of, span_text, split_arguments

TRIGGERS = ["(", ","]
RETRIGGERS = ["="]


@dataclass
class Param:
    """One parameter as shown: its label, its name, kind (normal, star, dstar) and docs."""

    label: str
    name: str
    kind: str = "normal"
    doc: str | None = None


@dataclass
class Form:
    """One way to call the callee: `head(params)tail`, its docs, and whether every argument
    must be given by keyword (a predictor's)."""

    head: str
    params: list[Param]
    tail: str = ""
    doc: str | None = None
    keyword_only: bool = False


def signature_help(analysis: Analysis, position: types.Position,
                   codec: PositionCodec = UTF16) -> types.SignatureHelp | None:
    """The signature help at `position`, or None outside a call whose callee is known."""
    pos = to_pos(analysis.lines, position, codec)
    if in_comment_or_string(analysis.lines, pos):
        return None
    site = call_site(analysis.lines, pos)
    if site is None:
        return None
    forms = call_forms(analysis, site, pos)
    if not forms and analysis.syntax_errors:      # the call being typed may hide its block
        forms = call_forms(typing_view(analysis, pos[0]), site, pos)
    if not forms:
        return None
    chosen = _choose(forms, site)
    signatures = [_information(form, codec) for form in forms]
    active = active_parameter(forms[chosen], site)
    return types.SignatureHelp(signatures=signatures, active_signature=chosen,
                               active_parameter=active if active is not None else len(forms[chosen].params))


def call_forms(analysis: Analysis, site: CallSite, pos: tuple[int, int]) -> list[Form]:
    """The ways the callee of `site` can be called, as far as the source tells."""
    callee = ".".join(site.callee)
    target = resolve_chain(analysis.model, site.callee, pos)
    if target is None:
        if len(site.callee) == 1 and analysis.model.lookup(site.callee[0], pos) is None:
            return builtin_forms(site.callee[0])
        return []
    shape = shape_of(target)
    if shape is not None and shape.kind == "predictor":    # its inputs, when its signature is known
        return [_predictor_form(callee, shape)] if shape.fields else []
    if shape is not None and shape.kind == "module" and isinstance(shape.node, ast.ModuleDecl):
        forward = next((m for m in shape.node.methods if m.name == "forward"), None)
        if forward is None:
            return []
        return [_function_form(callee, forward, ast.method_params(forward.params), _lines_of(shape),
                               _join(f"runs `{shape.node.name}.forward`", forward.doc or shape.node.doc))]
    home = target.home
    node, lines = home.node, _lines_of(home)
    if home.kind == "method" and isinstance(node, ast.FuncDef):
        return [_function_form(callee, node, ast.method_params(node.params), lines, node.doc)]
    if home.kind == "decl" and isinstance(node, ast.FuncDef):
        return [_function_form(callee, node, node.params, lines, node.doc)]
    if home.kind == "decl" and isinstance(node, ast.ModuleDecl):
        return [Form(callee, [_param(p, lines) for p in node.params],
                     doc=_join(f"a new instance of module `{node.name}`", node.doc))]
    if home.kind == "decl" and isinstance(node, ast.TypeDecl):
        return [Form(callee, [_field_param(f, lines) for f in node.fields], f" -> {node.name}",
                     _join(f"a new `{node.name}` record", node.doc))]
    if isinstance(home.value, ast.Lambda):
        return [Form(callee, [_param(p, lines) for p in home.value.params], doc="lambda")]
    return []


def _lines_of(what: Binding | Shape) -> list[str]:
    model = what.model
    return (model.lines or []) if model is not None else []


def _join(*parts: str | None) -> str | None:
    text = "\n\n".join(p for p in parts if p)
    return text or None


def _predictor_form(callee: str, shape: Shape) -> Form:
    """A predictor: its signature's inputs as parameters, its outputs after `->`."""
    inputs = [f for f in shape.fields if f.direction == "input"]
    outputs = [f for f in shape.fields if f.direction == "output"]
    params = [Param(f"{f.name}: {type_text(f.type)}", f.name, doc=f.desc) for f in inputs]
    tail = " -> " + ", ".join(f"{f.name}: {type_text(f.type)}" for f in outputs) if outputs else ""
    label = shape.label or "?"
    doc = _join(f"{shape.cls} predictor on signature `{label}`; keyword arguments only",
                _instructions(shape))
    return Form(callee, params, tail, doc, keyword_only=True)


def _instructions(shape: Shape) -> str | None:
    """The docstring of the signature a predictor is built on, when it is a declaration."""
    if shape.model is None or not shape.label or not IDENT.fullmatch(shape.label.split(".")[-1]):
        return None
    found = shape.model.top.names.get(shape.label.split(".")[-1])
    node = found.home.node if found is not None else None
    return node.doc if isinstance(node, ast.SignatureDecl) else None


def _function_form(callee: str, func: ast.FuncDef, params: Sequence[ast.Param], lines: list[str],
                   doc: str | None) -> Form:
    tail = f" -> {type_text(func.returns)}" if func.returns is not None else ""
    return Form(callee, [_param(p, lines) for p in params], tail, doc)


def _param(param: ast.Param, lines: list[str]) -> Param:
    """`*rest`, `k: int = 3`, `name`."""
    label = {"star": "*", "dstar": "**"}.get(param.kind, "") + param.name
    if param.type is not None:
        label += f": {type_text(param.type)}"
    if param.default is not None:
        default = span_text(lines, param.default.span, 30) if lines else "..."
        label += f" = {default}" if param.type is not None else f"={default}"
    return Param(label, param.name, param.kind)


def _field_param(field: ast.FieldDecl, lines: list[str]) -> Param:
    label = f"{field.name}: {type_text(field.type)}"
    if field.default is not None:
        label += " = " + (span_text(lines, field.default.span, 30) if lines else "...")
    return Param(label, field.name, doc=field.desc)


# ------------------------------------------------------------------ builtins

_FORM = re.compile(r"^([^\W\d]\w*)\((.*)\)$")
_PARAM_NAME = re.compile(r"(\*{0,2})([^\W\d]\w*)")


def builtin_forms(name: str) -> list[Form]:
    """The forms written in a builtin's description: `sorted(iterable, key=none, reverse=false)`."""
    if name not in names.GLOBAL_NAMES:
        return []
    doc = builtin_doc(name) or ""
    written, _, what = doc.partition(" — ")
    forms = []
    for alternative in written.split(" / "):
        match = _FORM.match(alternative.strip())
        if match is None or match.group(1) != name:
            continue
        params = []
        for piece in split_arguments(re.sub(r"\[,\s*", ", [", match.group(2))):
            text = piece.strip()
            optional = "[" in text or "]" in text
            text = text.replace("[", "").replace("]", "").strip()
            found = _PARAM_NAME.match(text)
            if found is None:
                continue
            kind = {"*": "star", "**": "dstar"}.get(found.group(1), "normal")
            params.append(Param(f"[{text}]" if optional else text, found.group(2), kind))
        forms.append(Form(name, params, doc=what.strip() or None))
    return forms


# ------------------------------------------------------------------ choosing

def _choose(forms: list[Form], site: CallSite) -> int:
    """The form that fits the arguments written: the first with room for them all."""
    given = len(site.args)
    for index, form in enumerate(forms):
        if any(p.kind != "normal" for p in form.params) or len(form.params) >= given:
            return index
    return len(forms) - 1


def active_parameter(form: Form, site: CallSite) -> int | None:
    """The index of the parameter the argument being typed fills, or None when none does."""
    params = form.params
    current, earlier = site.args[-1], site.args[:-1]
    index = {p.name: i for i, p in enumerate(params) if p.kind == "normal"}
    dstar = next((i for i, p in enumerate(params) if p.kind == "dstar"), None)
    star = next((i for i, p in enumerate(params) if p.kind == "star"), None)
    keyword = keyword_of(current)
    if keyword is not None:
        return index.get(keyword, dstar)
    stripped = current.strip()
    if stripped.startswith("**"):
        return dstar
    if stripped.startswith("*"):
        return star
    used = {k for k in map(keyword_of, earlier) if k is not None}
    if form.keyword_only or used:
        free = [p.name for p in params if p.kind == "normal" and p.name not in used]
        if stripped and IDENT.fullmatch(stripped):
            return next((index[n] for n in free if n.startswith(stripped)), None)
        return index[free[0]] if free and not stripped else None
    positional = []                      # the parameters before `*rest`
    for i, p in enumerate(params):
        if p.kind != "normal":
            break
        positional.append(i)
    at = len(earlier)
    return positional[at] if at < len(positional) else star


def _information(form: Form, codec: PositionCodec) -> types.SignatureInformation:
    """The LSP signature: its label, with each parameter as [start, end) offsets into it."""
    label = form.head + "("
    parameters = []
    for i, param in enumerate(form.params):
        if i:
            label += ", "
        start = codec.client_num_units(label)
        label += param.label
        doc = types.MarkupContent(kind=types.MarkupKind.Markdown, value=param.doc) if param.doc else None
        parameters.append(types.ParameterInformation(label=(start, codec.client_num_units(label)),
                                                     documentation=doc))
    label += ")" + form.tail
    doc = types.MarkupContent(kind=types.MarkupKind.Markdown, value=form.doc) if form.doc else None
    return types.SignatureInformation(label=label, documentation=doc, parameters=parameters)
