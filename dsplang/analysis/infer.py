"""What a name holds, as far as the source tells without running it.

A `Shape` is the static kind of a value: an instance of a `module`, a record of a `type`,
an `enum`, an imported file's namespace, a predictor built on a signature, the prediction
a predictor returns, or a declaration itself. Shapes give hover its details and completion
the attributes after `x.`.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsplang.analysis.index import Definition, Index
from dsplang.analysis.source import Pos, find_word
from dsplang.grammar import ast, names
from dsplang.grammar.parser import parse_sigspec

_MAX_DEPTH = 12
REASONING = "reasoning"


@dataclass(frozen=True, eq=False)
class Shape:
    """kind: module, record, enum, namespace, predictor, prediction or decl."""

    kind: str
    node: object = None
    index: Index | None = None
    fields: tuple = ()
    cls: str = ""
    label: str = ""


def shape_of(definition: Definition | None, depth: int = 0) -> Shape | None:
    """The shape of what `definition` binds, or None when it cannot be told."""
    if definition is None or depth > _MAX_DEPTH:
        return None
    index, kind, node = definition.index, definition.kind, definition.node
    if kind == "decl":
        return _decl_shape(node, index)
    if kind == "self":
        return Shape("module", node, index)
    if kind == "namespace":
        other = index.load(definition.target) if definition.target else None
        return Shape("namespace", definition.node, other) if other is not None else None
    if kind == "param" and isinstance(node, ast.Param) and node.type is not None:
        return _annotation_shape(node.type, index, definition.pos, depth)
    if definition.value is not None:
        return shape_of_expr(definition.value, index, definition.pos, depth + 1)
    return None


def _decl_shape(node, index: Index) -> Shape:
    if isinstance(node, ast.EnumDecl):
        return Shape("enum", node, index)
    return Shape("decl", node, index)


def _annotation_shape(texpr, index: Index, pos: Pos, depth: int) -> Shape | None:
    """A parameter annotated with a record or module type holds an instance of it."""
    if isinstance(texpr, ast.TypeOptional):
        texpr = texpr.inner
    if not isinstance(texpr, ast.TypeName):
        return None
    target = resolve_chain(index, texpr.name.split("."), pos, depth + 1)
    return instance_of(shape_of(target, depth + 1))


def instance_of(shape: Shape | None) -> Shape | None:
    """Calling (or annotating with) a declaration: a module instance or a record."""
    if shape is None or shape.kind != "decl":
        return None
    if isinstance(shape.node, ast.ModuleDecl):
        return Shape("module", shape.node, shape.index)
    if isinstance(shape.node, ast.TypeDecl):
        return Shape("record", shape.node, shape.index)
    return None


def shape_of_expr(expr, index: Index, pos: Pos, depth: int = 0) -> Shape | None:
    """The shape of an expression evaluated at `pos`."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, ast.Name):
        return shape_of(index.lookup(expr.id, pos), depth + 1)
    if isinstance(expr, ast.Attribute):
        owner = shape_of_expr(expr.value, index, pos, depth + 1)
        return shape_of(members(owner).get(expr.attr), depth + 1)
    if isinstance(expr, ast.Call):
        return _call_shape(expr, index, pos, depth)
    return None


def _call_shape(call: ast.Call, index: Index, pos: Pos, depth: int) -> Shape | None:
    """`Predict(Sig)` is a predictor; calling a predictor gives a prediction; calling a
    module or type declaration gives an instance."""
    func = call.func
    if isinstance(func, ast.Name) and func.id in names.PREDICTORS and index.lookup(func.id, pos) is None:
        label, fields, home = signature_fields(_signature_arg(call), index, pos, depth)
        if func.id == "ChainOfThought" and fields:
            fields = _with_reasoning(fields)
        return Shape("predictor", call, home, fields, func.id, label)
    callee = shape_of_expr(func, index, pos, depth + 1)
    if callee is not None and callee.kind == "predictor":
        outputs = tuple(f for f in callee.fields if f.direction == "output")
        return Shape("prediction", callee.node, callee.index, outputs, callee.cls, callee.label)
    return instance_of(callee)


def _signature_arg(call: ast.Call):
    """The signature argument of a predictor call: the first positional or `signature=`."""
    if call.args:
        return call.args[0]
    return next((kw.value for kw in call.keywords if kw.name == "signature"), None)


def _with_reasoning(fields: tuple) -> tuple:
    """ChainOfThought adds a `reasoning` output before the signature's outputs (or moves the
    signature's own there)."""
    inputs = tuple(f for f in fields if f.direction == "input")
    outputs = tuple(f for f in fields if f.direction == "output")
    reasoning = next((f for f in outputs if f.name == REASONING), None) or \
        ast.SigField(fields[0].span, "output", REASONING, None, "step-by-step reasoning")
    return inputs + (reasoning,) + tuple(f for f in outputs if f is not reasoning)


def signature_fields(expr, index: Index, pos: Pos, depth: int = 0) -> tuple[str, tuple, Index]:
    """(label, SigFields, Index of the file declaring them) of a signature given by name,
    dotted name or string."""
    if isinstance(expr, ast.Const) and isinstance(expr.value, str):
        return repr(expr.value), _sigspec(expr.value, expr.span), index
    names = _dotted(expr)
    target = resolve_chain(index, names, pos, depth + 1) if names else None
    if target is None or target.kind != "decl":
        return ".".join(names), (), index
    return ".".join(names), decl_fields(target.node), target.index


def decl_fields(node) -> tuple:
    """The SigFields of a signature declaration (block or short form)."""
    if isinstance(node, ast.SignatureDecl):
        return node.fields
    if isinstance(node, ast.SignatureAlias):
        return _sigspec(node.spec, node.spec_span)
    return ()


def _sigspec(spec: str, span) -> tuple:
    try:
        return parse_sigspec(spec, span).fields
    except Exception:   # a malformed string is reported by diagnostics, not here
        return ()


def _dotted(expr) -> list[str]:
    """`a.b.c` as ["a", "b", "c"]; [] for anything else."""
    if isinstance(expr, ast.Name):
        return [expr.id]
    if isinstance(expr, ast.Attribute):
        head = _dotted(expr.value)
        return head + [expr.attr] if head else []
    return []


def resolve_chain(index: Index, names: list[str], pos: Pos, depth: int = 0) -> Definition | None:
    """The definition `a.b.c` refers to at `pos`: `a` looked up, then members."""
    if not names:
        return None
    definition = index.lookup(names[0], pos)
    for attr in names[1:]:
        definition = members(shape_of(definition, depth + 1)).get(attr)
        if definition is None:
            return None
    return definition


def members(shape: Shape | None) -> dict[str, Definition]:
    """The attributes `x.` offers for a value of this shape."""
    if shape is None or shape.index is None:
        return {}
    index, node = shape.index, shape.node
    if shape.kind == "module":
        scope = index.scope_of(node)
        if scope is None:
            return {}
        return {name: defs[-1] for name, defs in scope.defs.items() if defs[-1].kind != "self"}
    if shape.kind == "namespace":
        return index.exports()
    if shape.kind == "record":
        return {f.name: Definition(f.name, "field", find_word(index.lines, f.span, f.name), f, index)
                for f in node.fields}
    if shape.kind == "enum":
        return {m: Definition(m, "member", find_word(index.lines, node.span, m, True), node, index)
                for m in node.members}
    if shape.kind == "prediction":
        return {f.name: field_definition(f, index) for f in shape.fields}
    return {}


def field_definition(field: ast.SigField, index: Index) -> Definition:
    """A signature field as a definition (its span: the field's name)."""
    return Definition(field.name, field.direction, find_word(index.lines, field.span, field.name),
                      field, index)
