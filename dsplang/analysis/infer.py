"""What a name holds, as far as the source tells without running it.

A `Shape` is the static kind of a value, the type the scope model's bindings are inferred to
hold: an instance of a `module`, a record of a `type`, an `enum`, an imported file's
namespace, a predictor built on a signature, the prediction a predictor returns, or a
declaration itself. Shapes give hover its details and completion
the attributes after `x.`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dsplang.analysis.messages import signature_label
from dsplang.analysis.model import Binding, Model
from dsplang.analysis.source import Pos
from dsplang.errors import Span
from dsplang.grammar import ast, names
from dsplang.grammar.parser import parse_sigspec

Fields = tuple[ast.SigField, ...]

_MAX_DEPTH = 12
REASONING = "reasoning"


@dataclass(frozen=True, eq=False)
class Shape:
    """kind: module, record, enum, namespace, predictor, prediction or decl."""

    kind: str
    node: object = None
    model: Model | None = None
    fields: Fields = ()
    cls: str = ""
    label: str = ""
    signature: str = ""   # a predictor's (or its prediction's) signature's name at run time, if known


def shape_of(binding: Binding | None, depth: int = 0) -> Shape | None:
    """The shape of what `binding` binds, or None when it cannot be told."""
    if binding is None or depth > _MAX_DEPTH:
        return None
    binding = binding.home
    model, kind, node = binding.model, binding.kind, binding.node
    if model is None or binding.rebound or (kind == "attr" and binding.name in model.assigned_attrs):
        return None   # assigned again somewhere (`x = e`, `self.x = e`): its value is not known
    if kind == "decl":
        return _decl_shape(node, model)
    if kind == "self":
        return Shape("module", node, model)
    if kind == "namespace":
        return Shape("namespace", node, binding.file) if binding.file is not None else None
    module = _explicit_self(binding) if kind == "param" else None
    if module is not None:
        return Shape("module", module, model)
    if kind == "param" and isinstance(node, ast.Param) and node.type is not None:
        return _annotation_shape(node.type, model, binding.pos, depth)
    if binding.value is not None:
        return shape_of_expr(binding.value, model, binding.pos, depth + 1)
    return None


def _explicit_self(binding: Binding) -> ast.ModuleDecl | None:
    """The module of a method whose explicit leading `self` parameter (`def forward(self,
    question)`) `binding` is: that parameter is the instance."""
    scope = binding.scope
    outer = scope.parent if scope is not None else None
    method = scope.node if scope is not None else None
    if outer is None or not isinstance(outer.node, ast.ModuleDecl) or not isinstance(method, ast.FuncDef):
        return None
    params = method.params
    explicit = bool(params) and params[0] is binding.node and len(ast.method_params(params)) < len(params)
    return outer.node if explicit else None


def _decl_shape(node: object, model: Model) -> Shape:
    if isinstance(node, ast.EnumDecl):
        return Shape("enum", node, model)
    return Shape("decl", node, model)


def _annotation_shape(texpr: ast.Node, model: Model, pos: Pos, depth: int) -> Shape | None:
    """A parameter annotated with a record or module type holds an instance of it."""
    if isinstance(texpr, ast.TypeOptional):
        texpr = texpr.inner
    if not isinstance(texpr, ast.TypeName):
        return None
    target = resolve_chain(model, texpr.name.split("."), pos, depth + 1)
    return instance_of(shape_of(target, depth + 1))


def instance_of(shape: Shape | None) -> Shape | None:
    """Calling (or annotating with) a declaration: a module instance or a record."""
    if shape is None or shape.kind != "decl":
        return None
    if isinstance(shape.node, ast.ModuleDecl):
        return Shape("module", shape.node, shape.model)
    if isinstance(shape.node, ast.TypeDecl):
        return Shape("record", shape.node, shape.model)
    return None


def shape_of_expr(expr: ast.Node, model: Model, pos: Pos, depth: int = 0) -> Shape | None:
    """The shape of an expression evaluated at `pos`."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, ast.Name):
        return shape_of(model.lookup(expr.id, pos), depth + 1)
    if isinstance(expr, ast.Attribute):
        owner = shape_of_expr(expr.value, model, pos, depth + 1)
        return shape_of(members(owner).get(expr.attr), depth + 1)
    if isinstance(expr, ast.Call):
        return _call_shape(expr, model, pos, depth)
    return None


def _call_shape(call: ast.Call, model: Model, pos: Pos, depth: int) -> Shape | None:
    """`Predict(Sig)` is a predictor; calling a predictor gives a prediction; calling a
    module or type declaration gives an instance."""
    func = call.func
    if isinstance(func, ast.Name) and func.id in names.PREDICTORS and model.lookup(func.id, pos) is None:
        spec = _signature_arg(call)
        label, fields, home = signature_fields(spec, model, pos, depth)
        if func.id == "ChainOfThought" and fields:
            fields = _with_reasoning(fields)
        name = signature_name(spec, model, pos, depth) if fields else ""
        return Shape("predictor", call, home, fields, func.id, label, name)
    callee = shape_of_expr(func, model, pos, depth + 1)
    if callee is not None and callee.kind == "predictor":
        outputs = tuple(f for f in callee.fields if f.direction == "output")
        return Shape("prediction", callee.node, callee.model, outputs, callee.cls, callee.label,
                     callee.signature)
    return instance_of(callee)


def _signature_arg(call: ast.Call) -> ast.Node | None:
    """The signature argument of a predictor call: the first positional or `signature=`."""
    if call.args:
        return call.args[0]
    return next((kw.value for kw in call.keywords if kw.name == "signature"), None)


def _with_reasoning(fields: Fields) -> Fields:
    """ChainOfThought adds a `reasoning` output before the signature's outputs (or moves the
    signature's own there)."""
    inputs = tuple(f for f in fields if f.direction == "input")
    outputs = tuple(f for f in fields if f.direction == "output")
    reasoning = next((f for f in outputs if f.name == REASONING), None) or \
        ast.SigField(fields[0].span, "output", REASONING, None, "step-by-step reasoning")
    return inputs + (reasoning,) + tuple(f for f in outputs if f is not reasoning)


def signature_fields(expr: ast.Node | None, model: Model, pos: Pos, depth: int = 0) -> tuple[str, Fields, Model]:
    """(label, SigFields, Model of the file declaring them) of a signature given by name,
    dotted name or string."""
    if isinstance(expr, ast.Const) and isinstance(expr.value, str):
        return repr(expr.value), _sigspec(expr.value, expr.span), model
    names = _dotted(expr)
    target = resolve_chain(model, names, pos, depth + 1) if names else None
    if target is None or target.kind != "decl" or target.model is None:
        return ".".join(names), (), model
    return ".".join(names), decl_fields(target.node), target.model


def signature_name(expr: ast.Node | None, model: Model, pos: Pos, depth: int = 0) -> str:
    """The name a run gives the signature `expr` stands for: a declaration's name, or a short-form
    string's text with its spaces collapsed; "" when it cannot be told."""
    if isinstance(expr, ast.Const) and isinstance(expr.value, str):
        return signature_label(expr.value)
    names = _dotted(expr)
    target = resolve_chain(model, names, pos, depth + 1) if names else None
    if target is None or target.kind != "decl":
        return ""
    node = target.node
    return node.name if isinstance(node, ast.SignatureDecl | ast.SignatureAlias) else ""


def decl_fields(node: object) -> Fields:
    """The SigFields of a signature declaration (block or short form)."""
    if isinstance(node, ast.SignatureDecl):
        return node.fields
    if isinstance(node, ast.SignatureAlias):
        return _sigspec(node.spec, node.spec_span)
    return ()


def _sigspec(spec: str, span: Span) -> Fields:
    try:
        return tuple(parse_sigspec(spec, span).fields)
    except Exception:   # a malformed string is reported by diagnostics, not here
        return ()


def _dotted(expr: ast.Node | None) -> list[str]:
    """`a.b.c` as ["a", "b", "c"]; [] for anything else."""
    if isinstance(expr, ast.Name):
        return [expr.id]
    if isinstance(expr, ast.Attribute):
        head = _dotted(expr.value)
        return head + [expr.attr] if head else []
    return []


def resolve_chain(model: Model, names: Sequence[str], pos: Pos, depth: int = 0) -> Binding | None:
    """The binding `a.b.c` refers to at `pos` (in the file that declares it): `a` looked up,
    then members."""
    if not names:
        return None
    found = model.lookup(names[0], pos)
    binding = found.home if found is not None else None
    for attr in names[1:]:
        binding = members(shape_of(binding, depth + 1)).get(attr)
        if binding is None:
            return None
    return binding


def members(shape: Shape | None) -> dict[str, Binding]:
    """The attributes `x.` offers for a value of this shape."""
    if shape is None or shape.model is None:
        return {}
    model, node = shape.model, shape.node
    if shape.kind == "module":
        scope = model.scope_of(node)
        if scope is None:
            return {}
        return {name: b for name, b in scope.names.items() if b.kind != "self"}
    if shape.kind == "namespace":
        return model.exports()
    if isinstance(node, ast.TypeDecl) and shape.kind == "record":
        return {f.name: Binding(f.name, "field", f.span.line, f, f.span, model=model) for f in node.fields}
    if isinstance(node, ast.EnumDecl) and shape.kind == "enum":
        return {m: Binding(m, "member", node.span.line, node, node.span, True, model=model)
                for m in node.members}
    if shape.kind == "prediction":
        return {f.name: field_binding(f, model) for f in shape.fields}
    return {}


def field_binding(field: ast.SigField, model: Model) -> Binding:
    """A signature field as a binding (its span: the field's name)."""
    return Binding(field.name, field.direction, field.span.line, field, field.span, model=model)


def call_parameters(target: Binding | None) -> list[tuple[str, str]]:
    """(name, what) for each argument a call of `target` accepts by keyword: a predictor's
    input fields, a def's or module's parameters, a module instance's `forward` parameters."""
    shape = shape_of(target)
    if shape is not None and shape.kind == "predictor":
        return [(f.name, "input field") for f in shape.fields if f.direction == "input"]
    node = target.home.node if target is not None else None
    params: Sequence[ast.Param] = ()
    if shape is not None and shape.kind == "module" and isinstance(shape.node, ast.ModuleDecl):
        forward = next((m for m in shape.node.methods if m.name == "forward"), None)
        params = ast.method_params(forward.params) if forward is not None else ()
    elif isinstance(node, ast.FuncDef | ast.ModuleDecl):
        params = node.params
    return [(p.name, "parameter") for p in params if p.kind == "normal"]
