"""What the REPL can learn about values in scope: attribute names, call parameters, and the
predictors a value holds. Used by the completer and by `:preview`; imports no prompt_toolkit."""

from __future__ import annotations

import enum
import inspect

import pydantic

from dsplang.interpreter.scope import Scope
from dsplang.interpreter.values import Function, ModuleClass, ModuleInstance, Namespace
from dsplang.stdlib.example import Example
from dsplang.stdlib.modules.predict import Predict
from dsplang.stdlib.prediction import Prediction
from dsplang.stdlib.signature import Signature


def resolve(path: str, scope: Scope):
    """The value of a dotted name like `qa.respond` in `scope`; raises LookupError if any part
    is missing. Only names and attributes are followed: nothing is called."""
    first, *rest = [part.strip() for part in path.split(".")]
    if scope.find(first) is None:
        raise LookupError(path)
    value = scope.lookup(first)
    for part in rest:
        try:
            value = getattr(value, part)
        except Exception:  # any failing attribute simply means "nothing to complete"
            raise LookupError(path) from None
    return value


# What a signature offers after `Sig.`: its parts, then the ways to derive a new one.
SIGNATURE_MEMBERS = ("name", "instructions", "inputs", "outputs", "fields", "input_names", "output_names",
                     "with_instructions", "with_name", "append_input", "append_output", "prepend_output",
                     "with_field_desc")
# Methods of the standard library's objects that are machinery, not for programs.
INTERNAL = frozenset({"set_path_hint", "takes_signature", "cached", "output_model", "validate_inputs"})


def attributes_of(value) -> list[str]:
    """The names worth completing after `value.`: data fields first, then the rest. A record
    type or instance offers its fields only, an enum its members only, a signature its parts
    (not the Python machinery of the classes behind them)."""
    if isinstance(value, Signature):
        return list(SIGNATURE_MEMBERS)
    fields = _fields(value)
    if _only_fields(value):
        return fields
    rest = sorted(n for n in _public_dir(value) if n not in fields and n not in INTERNAL)
    return fields + rest


def _only_fields(value) -> bool:
    """A record (type or instance) or an enum type: its fields or members are all it offers."""
    cls = value if isinstance(value, type) else type(value)
    if issubclass(cls, pydantic.BaseModel):
        return True
    return isinstance(value, type) and issubclass(value, enum.Enum)


def _fields(value) -> list[str]:
    """Data fields: a module instance's names, a Prediction's/Example's fields, a record's fields."""
    if isinstance(value, ModuleInstance):
        return [n for n in dir(value) if n != "self"]
    if isinstance(value, Namespace):
        return value.names()
    if isinstance(value, (Prediction, Example)):
        return list(value.keys())
    model_fields = getattr(type(value) if not isinstance(value, type) else value, "model_fields", None)
    if isinstance(model_fields, dict):
        return list(model_fields)
    members = getattr(value, "__members__", None) if isinstance(value, type) else None
    if members:
        return list(members)
    return []


def _public_dir(value) -> list[str]:
    """Public attribute names of a Python object (none for the REPL's own value types)."""
    if isinstance(value, (ModuleInstance, Namespace)):
        return []
    try:
        names = dir(value)
    except Exception:
        return []
    return [n for n in names if not n.startswith("_") and not n.startswith("model_")]


def parameter_names(value) -> list[str]:
    """Keyword names a call of `value` accepts: a predictor's signature inputs, a function's or
    module's parameters, or a Python callable's keyword-capable parameters."""
    signature = getattr(value, "signature", None) if not isinstance(value, type) else None
    names = getattr(signature, "input_names", None)
    if isinstance(names, tuple):
        return list(names)
    if isinstance(value, ModuleInstance):
        forward = value.scope.vars.get("forward")
        return list(forward.params.names) if isinstance(forward, Function) else []
    if isinstance(value, (Function, ModuleClass)):
        return list(value.params.names)
    return _python_parameters(value)


def _python_parameters(value) -> list[str]:
    if not callable(value):
        return []
    try:
        params = inspect.signature(value).parameters.values()
    except (TypeError, ValueError):
        return []
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [p.name for p in params if p.kind in kinds and p.name != "self"]


def predictors_of(value, path: str) -> list[tuple[str, Predict]]:
    """The Predict objects `value` holds, with their dotted paths (itself when it is one)."""
    if isinstance(value, Predict):
        return [(path, value)]
    inner = getattr(value, "predict", None)
    if isinstance(inner, Predict):
        return [(f"{path}.predict", inner)]
    named = getattr(value, "named_predictors", None)
    if not callable(named) or isinstance(value, type):
        return []
    found, seen = [], set()
    for sub, pred in named():
        for item in predictors_of(pred, f"{path}.{sub}"):
            if id(item[1]) not in seen:
                seen.add(id(item[1]))
                found.append(item)
    return found
