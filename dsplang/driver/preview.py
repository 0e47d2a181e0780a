"""`dsp preview FILE NAME`: the messages a signature or predictor would send, without an LM call."""

from __future__ import annotations

from dsplang.errors import DspNameError, DspTypeError, a_type, did_you_mean
from dsplang.interpreter.scope import Scope
from dsplang.interpreter.values import ModuleClass
from dsplang.stdlib.adapters import ChatAdapter
from dsplang.stdlib.modules.predict import Predict
from dsplang.stdlib.signature import Signature


def find(scope: Scope, name: str):
    """The value at a dotted path such as `qa.respond` (module classes are instantiated with defaults)."""
    first, *rest = name.split(".")
    if first not in scope.visible_names():
        raise DspNameError(f"no declaration {first!r} in the file", hint=did_you_mean(first, _public(scope))
                           or "preview does not run the program: name a signature, or a module's "
                              "predictor such as MultiHop.respond")
    value = scope.lookup(first)
    for part in rest:
        value = _instantiate(value)
        try:
            value = getattr(value, part)
        except AttributeError:
            raise DspNameError(f"{name!r}: no attribute {part!r}") from None
    return value


def _public(scope: Scope) -> list[str]:
    return list(scope.vars)


def _instantiate(value):
    if isinstance(value, ModuleClass):
        return value.call((), {}, None)
    return value


def signature_and_demos(value) -> tuple[Signature, list, object]:
    """The signature, demos and adapter a value would use when called."""
    if isinstance(value, Signature):
        return value, [], None
    if isinstance(value, Predict):
        return value.signature, value.demos, value.adapter
    predict = getattr(value, "predict", None)
    if isinstance(predict, Predict):
        return predict.signature, predict.demos, predict.adapter
    raise DspTypeError(f"cannot preview {a_type(value)}: name a signature or a predictor",
                       hint="for a module, name one of its predictors, e.g. qa.respond")


def render_preview(scope: Scope, name: str, inputs: dict) -> str:
    """The rendered messages, with `{field}` placeholders for inputs not given."""
    value = _instantiate(find(scope, name))
    signature, demos, adapter = signature_and_demos(value)
    unknown = [k for k in inputs if k not in signature.input_names]
    if unknown:
        raise DspNameError(f"{signature.name} has no input {unknown[0]!r}",
                           hint=did_you_mean(unknown[0], signature.input_names))
    values = {f: inputs.get(f, "{" + f + "}") for f in signature.input_names}
    messages = (adapter or ChatAdapter()).format(signature, demos, values)
    return "\n\n".join(f"----- {m['role']} -----\n{m['content']}" for m in messages)
