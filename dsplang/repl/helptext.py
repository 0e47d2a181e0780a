"""`help(x)` in the REPL: what a value is and how to use it, as text.

A signature shows its instructions and fields; a predictor its class and signature; a module
(declaration or instance) its docstring, predictors and `forward` parameters; a `def` its
parameters and docstring; a record type its fields; an enum its members; a builtin its
one-line description (`analysis.builtin_docs`, the table hover uses) and, for the standard
library's classes and Python functions, their parameters and docstring.
"""

from __future__ import annotations

import enum
import inspect
import pydoc
from typing import Any

import pydantic

from dsplang.analysis.builtin_docs import builtin_doc
from dsplang.errors import SOURCES, Span
from dsplang.grammar import ast
from dsplang.interpreter.values import Function, ModuleClass, ModuleInstance
from dsplang.repl.introspect import predictors_of
from dsplang.stdlib.example import Example
from dsplang.stdlib.prediction import Prediction
from dsplang.stdlib.signature import Signature
from dsplang.stdlib.types import type_name

INDENT = "    "


def describe(value: Any, name: str | None = None, builtin: bool = False) -> str:
    """The help text of `value`; `name` is what the user typed when it was a plain name,
    `builtin` whether that name is one of the builtins every program sees."""
    lines = _describe(value, name)
    doc = builtin_doc(name) if builtin and name is not None else None
    if doc:  # a Python builtin's own docstring would only repeat it in Python's terms
        lines = [doc] + ([] if inspect.isbuiltin(value) else lines)
    return "\n".join(lines).rstrip()


def _describe(value: Any, name: str | None) -> list[str]:
    if isinstance(value, Signature):
        return signature_lines(value)
    if isinstance(value, ModuleClass):
        return _module_class(value)
    if isinstance(value, ModuleInstance):
        return _module_instance(value, name or "")
    if isinstance(value, Function):
        return _function(value)
    if isinstance(value, type) and issubclass(value, enum.Enum):
        return [f"enum {value.__name__}: " + ", ".join(str(m.value) for m in value)]
    if isinstance(value, type) and issubclass(value, pydantic.BaseModel):
        return _record(value)
    if isinstance(value, (Prediction, Example)):
        kind = type(value).__name__
        return [f"{kind} with fields: " + (", ".join(value.keys()) or "(none)"), repr(value)]
    if getattr(value, "signature", None) is not None and not isinstance(value, type):
        return _predictor(value)
    if callable(value):
        return _python_callable(value)
    return [f"{type(value).__name__}: {value!r}"]


def signature_lines(signature: Signature) -> list[str]:
    """`signature QA`, its instructions, then one line per field with type and description."""
    lines = [f"signature {signature.name}", _indented(signature.instructions)]
    for spec in signature.fields:
        desc = f'  "{spec.desc}"' if spec.desc else ""
        lines.append(f"{INDENT}{spec.direction:<6} {spec.name}: {spec.type_name}{desc}")
    return lines


def _module_class(cls: ModuleClass) -> list[str]:
    decl = cls.decl if isinstance(cls.decl, ast.ModuleDecl) else None
    params = _params_text(decl.params) if decl else ", ".join(cls.params.names)
    lines = [f"module {cls.name}({params})"]
    if cls.doc:
        lines.append(_indented(cls.doc))
    if decl is not None:
        if decl.attrs:
            lines.append("attributes (made per instance):")
            lines += [INDENT + _source(attr.span, attr.name) for attr in decl.attrs]
        lines += _forward_line(decl.methods)
    return lines


def _module_instance(instance: ModuleInstance, label: str) -> list[str]:
    cls = instance.cls
    lines = [f"an instance of module {cls.name}"]
    if cls.doc:
        lines.append(_indented(cls.doc))
    found = predictors_of(instance, label)
    if found:
        lines.append("predictors:")
        lines += [f"{INDENT}{path.lstrip('.')}: {_predictor_summary(pred)}" for path, pred in found]
    if isinstance(cls.decl, ast.ModuleDecl):
        lines += _forward_line(cls.decl.methods)
    return lines


def _forward_line(methods: tuple[ast.FuncDef, ...]) -> list[str]:
    forward = next((m for m in methods if m.name == "forward"), None)
    if forward is None:
        return ["(no forward method: instances cannot be called)"]
    params = _params_text(ast.method_params(forward.params))
    lines = [f"call it as: forward({params})"]
    if forward.doc:
        lines.append(_indented(forward.doc))
    return lines


def _function(function: Function) -> list[str]:
    decl = function.decl
    if isinstance(decl, ast.FuncDef):
        returns = f" -> {_source(decl.returns.span, '')}" if decl.returns is not None else ""
        head = f"def {function.name}({_params_text(decl.params)}){returns}"
    else:
        head = f"{'lambda' if function.is_lambda else 'def ' + function.name}({', '.join(function.params.names)})"
    return [head] + ([_indented(function.doc)] if function.doc else [])


def _record(cls: type[pydantic.BaseModel]) -> list[str]:
    lines = [f"type {cls.__name__}"]
    doc = cls.__doc__
    if doc and not doc.startswith("!!!") and "BaseModel" not in doc:
        lines.append(_indented(doc))
    for field_name, info in cls.model_fields.items():
        desc = f'  "{info.description}"' if info.description else ""
        lines.append(f"{INDENT}{field_name}: {type_name(info.annotation)}{desc}")
    return lines


def _predictor(predictor: Any) -> list[str]:
    lines = [f"{type(predictor).__name__} over signature {predictor.signature.name}"]
    lines += [INDENT + line for line in signature_lines(predictor.signature)]
    lines.append("call it with the inputs: " + ", ".join(f"{n}=..." for n in predictor.signature.input_names))
    demos = getattr(predictor, "demos", None)
    if isinstance(demos, list):
        lines.append(f"demos: {len(demos)}")
    return lines


def _predictor_summary(predictor: Any) -> str:
    demos = getattr(predictor, "demos", None) or []
    return f"{predictor.signature!r}, {len(demos)} demo{'s' if len(demos) != 1 else ''}"


def _python_callable(value: Any) -> list[str]:
    name = getattr(value, "__name__", type(value).__name__)
    try:
        params = str(inspect.signature(value))
    except (TypeError, ValueError):
        params = "(...)"
    lines = [f"{name}{params}"]
    doc = pydoc.getdoc(value)
    if doc:
        lines.append(_indented(doc))
    return lines


def _params_text(params: tuple[ast.Param, ...]) -> str:
    """The parameters as they were written in the source (`question: str, k: int = 3`)."""
    prefix = {"star": "*", "dstar": "**"}
    return ", ".join(_source(p.span, prefix.get(p.kind, "") + p.name) for p in params)


def _source(span: Span | None, fallback: str) -> str:
    """The source text of a one-line span, else `fallback`."""
    if span is None or span.line != span.end_line:
        return fallback
    line = SOURCES.line(span.file, span.line)
    if line is None:
        return fallback
    return line[span.col - 1:span.end_col - 1] or fallback


def _indented(text: str) -> str:
    return "\n".join(INDENT + line if line else "" for line in inspect.cleandoc(text).splitlines())
