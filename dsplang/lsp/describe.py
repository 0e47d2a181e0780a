"""Markdown descriptions of definitions, for hover (and completion details).

A signature shows its instructions and fields; a predictor its class and signature; a
`def` its parameters and docstring; a `type` or `enum` its fields or members; a module its
parameters, attributes and methods; a builtin its one-line description.
"""

from __future__ import annotations

import json

from dsplang.analysis.builtin_docs import builtin_doc
from dsplang.analysis.infer import Shape, decl_fields, shape_of
from dsplang.analysis.model import Binding
from dsplang.grammar import ast
from dsplang.lsp.text import span_text


def type_text(texpr) -> str:
    """A type expression written back as source: `list[str]`, `Passage?`, `literal["a"]`."""
    if texpr is None:
        return "str"
    if isinstance(texpr, ast.TypeName):
        return texpr.name
    if isinstance(texpr, ast.TypeOptional):
        return type_text(texpr.inner) + "?"
    if isinstance(texpr, ast.TypeLiteral):
        return "literal[" + ", ".join(_literal(v) for v in texpr.values) + "]"
    if isinstance(texpr, ast.TypeGeneric):
        return f"{texpr.name}[" + ", ".join(type_text(a) for a in texpr.args) + "]"
    return "?"


def _literal(value) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if value is None or isinstance(value, bool):
        return {None: "none", True: "true", False: "false"}[value]
    return str(value)


def params_text(params) -> str:
    """`(question: str, k: int = 3, *rest)`"""
    parts = []
    for p in params:
        prefix = {"star": "*", "dstar": "**"}.get(p.kind, "")
        text = prefix + p.name + (f": {type_text(p.type)}" if p.type is not None else "")
        if p.default is not None:
            text += " = ..." if p.type is not None else "=..."
        parts.append(text)
    return "(" + ", ".join(parts) + ")"


def code(text: str) -> str:
    return f"```dsp\n{text}\n```"


def field_lines(fields) -> list[str]:
    """One markdown bullet per signature field."""
    out = []
    for f in fields:
        line = f"- `{f.direction} {f.name}: {type_text(f.type)}`"
        out.append(line + (f" — {f.desc}" if f.desc else ""))
    return out


def _lines(binding: Binding) -> list[str]:
    """The source lines of the file that binds `binding`."""
    model = binding.model
    return (model.lines or []) if model is not None else []


def describe(definition: Binding) -> str:
    """The hover text of a binding."""
    definition = definition.home
    node, kind = definition.node, definition.kind
    if kind in ("decl", "method"):
        return describe_decl(node)
    shape = shape_of(definition)
    if shape is not None and shape.kind in ("predictor", "prediction"):
        return describe_shape(definition, shape)
    head = _head(definition, shape)
    doc = _member_doc(definition)
    return code(head) + (f"\n\n{doc}" if doc else "")


def _head(definition: Binding, shape: Shape | None) -> str:
    """The one-line code header for names that are not declarations."""
    node, kind, name = definition.node, definition.kind, definition.name
    lines = _lines(definition)
    if kind == "param" and isinstance(node, ast.Param):
        return "(parameter) " + params_text((node,))[1:-1]
    if kind in ("let", "attr", "compile") and definition.value is not None:
        word = {"let": "let ", "attr": "", "compile": "compile "}[kind]
        head = f"{word}{name} = {span_text(lines, definition.value.span)}"
        if shape is not None and shape.kind in ("module", "record"):
            head += f"\n# {_shape_words(shape)}"
        return head
    if kind == "field" and isinstance(node, ast.FieldDecl):
        return f"(field) {name}: {type_text(node.type)}"
    if kind == "member" and isinstance(node, ast.EnumDecl):
        return f"(enum member) {node.name}.{name}"
    if kind in ("input", "output") and isinstance(node, ast.SigField):
        return f"({kind} field) {name}: {type_text(node.type)}"
    if kind == "self" and isinstance(node, ast.ModuleDecl):
        return f"self  # this instance of module {node.name}"
    if kind in ("import", "namespace") and isinstance(node, ast.Node):
        return span_text(lines, node.span)
    return f"({kind}) {name}"


def _member_doc(definition: Binding) -> str | None:
    node = definition.node
    if definition.kind == "namespace":
        shape = shape_of(definition)
        if shape is not None and shape.model is not None:
            names = ", ".join(f"`{n}`" for n in shape.model.exports())
            return f"declares {names}" if names else "declares nothing"
    if definition.kind in ("field", "input", "output"):
        return getattr(node, "desc", None)
    return None


def _shape_words(shape: Shape) -> str:
    name = getattr(shape.node, "name", "?")
    if shape.kind == "module":
        return f"an instance of module {name}"
    return f"a {name} record"


def describe_shape(definition: Binding, shape: Shape) -> str:
    """A predictor (or the prediction it returns) with its signature's fields."""
    lines = _lines(definition)
    value = definition.value
    head = f"{definition.name} = {span_text(lines, value.span)}" if value is not None \
        else definition.name
    if shape.kind == "predictor":
        what = f"{shape.cls} predictor on signature {shape.label or '?'}"
    else:
        what = f"prediction of {shape.cls}({shape.label or '?'})"
    parts = [code(head), what]
    fields = field_lines(shape.fields)
    if fields:
        parts.append("\n".join(fields))
    return "\n\n".join(parts)


def describe_decl(node) -> str:
    """A declaration: signature, type, enum, module or def."""
    if isinstance(node, ast.SignatureDecl | ast.SignatureAlias):
        doc = node.doc if isinstance(node, ast.SignatureDecl) else None
        parts = [code(f"signature {node.name}")]
        if isinstance(node, ast.SignatureAlias):
            parts[0] = code(f'signature {node.name} = "{node.spec}"')
        if doc:
            parts.append(doc)
        parts.append("\n".join(field_lines(decl_fields(node))) or "(no fields)")
        return "\n\n".join(parts)
    if isinstance(node, ast.TypeDecl):
        rows = [f"- `{f.name}: {type_text(f.type)}`" + (f" — {f.desc}" if f.desc else "")
                for f in node.fields]
        return "\n\n".join(x for x in (code(f"type {node.name}"), node.doc, "\n".join(rows)) if x)
    if isinstance(node, ast.EnumDecl):
        return code(f"enum {node.name}: " + ", ".join(node.members))
    if isinstance(node, ast.ModuleDecl):
        return _describe_module(node)
    if isinstance(node, ast.FuncDef):
        returns = f" -> {type_text(node.returns)}" if node.returns is not None else ""
        head = code(f"def {node.name}{params_text(node.params)}{returns}")
        return head + (f"\n\n{node.doc}" if node.doc else "")
    return ""


def _describe_module(node: ast.ModuleDecl) -> str:
    parts = [code(f"module {node.name}{params_text(node.params)}")]
    if node.doc:
        parts.append(node.doc)
    if node.attrs:
        parts.append("attributes: " + ", ".join(f"`{a.name}`" for a in node.attrs))
    if node.methods:
        parts.append("methods: " + ", ".join(f"`{m.name}{params_text(m.params)}`"
                                             for m in node.methods))
    return "\n\n".join(parts)


def describe_builtin(name: str) -> str | None:
    """The hover text of a builtin name, or None."""
    doc = builtin_doc(name)
    return f"{code(name)}\n\n{doc}" if doc else None
