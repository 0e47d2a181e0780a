"""Checks of how the standard library's values are used, where the source tells their types:
the mistakes a run would report, reported before it, in the run's own words
(`analysis.messages`).

- A predictor (`Predict`, `ChainOfThought`) over a known signature called with positional
  arguments, with a keyword that is not one of its inputs, or without a required input.
- A field read from its prediction (`pred.anwser`) that the signature does not output.
- A record (`type`) made with an unknown field name, too many values, a field twice, or a
  literal of the wrong type for a field (pydantic, which validates records at run time, judges).
- An optimizer made with a keyword its constructor does not take, and a ReAct with a keyword
  close to one of its own (any other goes to the LM as a request setting).

Anything whose type is not known is left alone: a value assigned again (`x = e`), a signature
made at run time, a call with `*args`/`**kwargs`, a name imported from Python. Records and
optimizers are checked as each call is walked; predictor calls and prediction fields once the
whole file is walked (`finish_usage`), when every assignment that could change a value is known.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

from dsplang.analysis import messages
from dsplang.analysis.imports import DspFiles
from dsplang.analysis.infer import Shape, shape_of, shape_of_expr
from dsplang.analysis.model import Binding, Model
from dsplang.analysis.source import Pos
from dsplang.analysis.stdlib_tables import (
    CALL_CONFIG,
    OPTIMIZER_PARAMS,
    PREDICTION_ATTRIBUTES,
    PREDICTOR_KEYWORDS,
    SIGNATURE_PREDICTORS,
)
from dsplang.analysis.types import TypeChecks
from dsplang.grammar import ast, names

# The builtin types a literal is checked against, and the literals each takes as they are
# (any other pair is judged by pydantic, which may still accept it: "5" for an int).
_SCALARS: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,)}
_PY_TYPES: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}


def _pos(node: ast.Node) -> Pos:
    return (node.span.line, node.span.col)


def _plain(call: ast.Call) -> bool:
    """No `*args` or `**kwargs` in the call: every argument it passes is written out."""
    return not any(isinstance(a, ast.Starred) for a in call.args) and all(k.name is not None for k in call.keywords)


class UsageChecks(TypeChecks):
    """The checks above; `exprs.ExprChecks` calls them from its `visit_Call`/`visit_Attribute`."""

    def __init__(self, model: Model, dsp_files: DspFiles | None = None):
        super().__init__(model, dsp_files)
        # Predictor calls and attribute reads to check once the walk is done, and the
        # positions of the names used as a callee or before a dot (`qa(...)`, `qa.x`).
        self.calls: list[ast.Call] = []
        self.reads: list[ast.Attribute] = []
        self.direct_uses: set[Pos] = set()

    # ------------------------------------------------------------ during the walk

    def check_optimizer_call(self, node: ast.Call, name: str) -> None:
        """`BootstrapFewShot(max_bootstraped_demos=4)`: a keyword its constructor does not take."""
        params = OPTIMIZER_PARAMS[name]
        for kw in node.keywords:
            if kw.name is not None and kw.name not in params:
                message, hint = messages.unknown_keyword(name, kw.name, params)
                self.report("argument error", message, kw.span, hint)

    def check_predictor_keywords(self, node: ast.Call, name: str) -> None:
        """`ReAct(QA, tool=[...])`: a keyword close to one of the constructor's own."""
        params = PREDICTOR_KEYWORDS[name]
        for kw in node.keywords:
            typo = messages.keyword_typo(name, kw.name, params) if kw.name and kw.name not in params else None
            if typo is not None:
                self.report("argument error", typo[0], kw.span, typo[1])

    def check_record_call(self, node: ast.Call, decl: ast.TypeDecl) -> None:
        """Making a record: as many values as fields, known field names, literals of the right type."""
        if not _plain(node):
            return
        fields = [f.name for f in decl.fields]
        if len(node.args) > len(fields):
            self.report("argument error", messages.record_too_many_values(decl.name, len(fields), len(node.args)),
                        node.span)
            return
        given: dict[str, ast.Node] = dict(zip(fields, node.args))
        for kw in node.keywords:
            key = kw.name or ""
            if key in given:
                self.report("argument error", messages.record_field_twice(decl.name, key), kw.span)
            elif key not in fields:
                message, hint = messages.record_has_no_field(decl.name, key, fields)
                self.report("type error", message, kw.span, hint)
            else:
                given[key] = kw.value
        types = {f.name: f.type for f in decl.fields}
        for key, value in given.items():
            problem = _literal_problem(types[key], value)
            if problem is not None:
                self.report("type error", messages.record_field_problem(decl.name, key, problem), value.span)

    def note_call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            self.direct_uses.add(_pos(func))
        self.calls.append(node)

    def note_read(self, node: ast.Attribute) -> None:
        if isinstance(node.value, ast.Name):
            self.direct_uses.add(_pos(node.value))
        self.reads.append(node)

    # ------------------------------------------------------------ after the walk

    def finish_usage(self) -> None:
        """Check the predictor calls and prediction reads noted during the walk."""
        for call in self.calls:
            shape = self._shape(call.func)
            if shape is not None and shape.kind == "predictor" and shape.cls in SIGNATURE_PREDICTORS \
                    and shape.fields and shape.signature:
                self._predictor_call(call, shape)
        for read in self.reads:
            if read.attr in PREDICTION_ATTRIBUTES or read.attr in self.model.assigned_attrs:
                continue
            shape = self._shape(read.value)
            if shape is not None and shape.kind == "prediction" and shape.cls in SIGNATURE_PREDICTORS \
                    and shape.fields:
                outputs = [f.name for f in shape.fields]
                if read.attr not in outputs:
                    message, hint = messages.prediction_has_no_field(read.attr, outputs)
                    self.report("attribute error", message, read.span, hint)

    def _shape(self, expr: ast.Node) -> Shape | None:
        """The shape of `expr`, unless an attribute on its way is assigned somewhere in the file."""
        probe = expr
        while isinstance(probe, ast.Attribute | ast.Call):
            if isinstance(probe, ast.Attribute):
                if probe.attr in self.model.assigned_attrs:
                    return None
                probe = probe.value
            else:
                probe = probe.func
        return shape_of_expr(expr, self.model, _pos(expr))

    def _predictor_call(self, call: ast.Call, shape: Shape) -> None:
        inputs = [f.name for f in shape.fields if f.direction == "input"]
        if call.args:
            name = self._predictor_name(call.func, shape)
            if name:
                message, hint = messages.positional_predictor_call(name, inputs)
                self.report("argument error", message, call.span, hint)
            return
        if not _plain(call):
            return
        unknown = False
        for kw in call.keywords:
            key = kw.name or ""
            if key not in inputs and key != CALL_CONFIG:
                message, hint = messages.unknown_input(shape.signature, key, inputs)
                self.report("argument error", message, kw.span, hint)
                unknown = True
        given = {kw.name for kw in call.keywords}
        missing = [f.name for f in shape.fields
                   if f.direction == "input" and f.name not in given and not _allows_none(f.type)]
        if missing and not unknown:
            message, hint = messages.missing_inputs(shape.signature, missing, inputs)
            self.report("argument error", message, call.span, hint)

    def _predictor_name(self, func: ast.Node, shape: Shape) -> str:
        """The name a run gives the predictor `func` calls, when the source tells it: a module
        attribute's path (`p`, or `cot.predict` for a ChainOfThought), or its signature's name
        when it is made where it is called or bound by `let` and only ever called; "" otherwise
        (a predictor passed around may be renamed by a module it is put in)."""
        suffix = ".predict" if shape.cls == "ChainOfThought" else ""
        if isinstance(func, ast.Call):
            return shape.signature
        binding = self._binding_of(func)
        if binding is None or not _made_here(binding.value):
            return ""
        if binding.kind == "attr":
            return binding.name + suffix
        if binding.kind == "let" and all((u.line, u.col) in self.direct_uses for u in binding.uses):
            return shape.signature
        return ""

    def _binding_of(self, func: ast.Node) -> Binding | None:
        """The binding a callee names: a name, or an attribute of a module instance."""
        if isinstance(func, ast.Name):
            found = self.model.lookup(func.id, _pos(func))
            return found.home if found is not None else None
        if isinstance(func, ast.Attribute):
            owner = shape_of_expr(func.value, self.model, _pos(func.value))
            if owner is not None and owner.kind == "module" and owner.model is not None:
                scope = owner.model.scope_of(owner.node)
                member = scope.names.get(func.attr) if scope is not None else None
                if member is not None and member.kind == "attr" and shape_of(member) is not None:
                    return member
        return None


def _made_here(value: ast.Node | None) -> bool:
    """`Predict(...)` or `ChainOfThought(...)` itself (a new predictor, not one from elsewhere)."""
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in names.PREDICTORS


def _allows_none(texpr: ast.Node | None) -> bool:
    """Whether an input of this type may be left out of a predictor call (`optional[T]`, `any`)."""
    if texpr is None:
        return False
    if isinstance(texpr, ast.TypeOptional):
        return True
    if isinstance(texpr, ast.TypeGeneric):
        return texpr.name == "optional"
    return isinstance(texpr, ast.TypeName) and texpr.name == "any"


def _literal(node: ast.Node) -> tuple[bool, Any]:
    """(True, value) for a literal number, string, bool or none (`-5` included)."""
    if isinstance(node, ast.Const):
        return True, node.value
    if isinstance(node, ast.UnaryOp) and node.op == "-" and isinstance(node.operand, ast.Const):
        value = node.operand.value
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return True, -value
    return False, None


def _literal_problem(texpr: ast.Node | None, node: ast.Node) -> str | None:
    """What pydantic says of the literal `node` as a value of a builtin scalar type (optional or
    not), or None when it is fine or either is not known."""
    known, value = _literal(node)
    optional = isinstance(texpr, ast.TypeOptional) or \
        (isinstance(texpr, ast.TypeGeneric) and texpr.name == "optional" and len(texpr.args) == 1)
    inner = texpr.inner if isinstance(texpr, ast.TypeOptional) else \
        texpr.args[0] if optional and isinstance(texpr, ast.TypeGeneric) else texpr
    if not known or not isinstance(inner, ast.TypeName) or inner.name not in _SCALARS:
        return None
    if value is None and optional:
        return None
    accepted = _SCALARS[inner.name]
    if isinstance(value, accepted) and (inner.name == "bool" or not isinstance(value, bool)):
        return None
    return _pydantic_problem(_PY_TYPES[inner.name], optional, value)


def _pydantic_problem(py_type: type, optional: bool, value: object) -> str | None:
    """pydantic's words for `value` as a field of this type (imported only when a literal
    looks wrong: a check of a file that has none never loads it)."""
    import pydantic

    annotation: Any = py_type | None if optional else py_type
    model = pydantic.create_model("Probe", value=(annotation, ...))
    try:
        model(value=value)
    except pydantic.ValidationError as err:
        problems: Sequence[Any] = err.errors()
        return str(problems[0].get("msg", "invalid value")) if problems else None
    return None
