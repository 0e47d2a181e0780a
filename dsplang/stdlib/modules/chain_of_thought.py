"""ChainOfThought: Predict with a `reasoning` output written before the other outputs.

A signature that declares its own `reasoning` output keeps it (its type and description), moved
before the other outputs, as DSPy merges the two; a `reasoning` input is an error (`dsp check`
reports it too).
"""

from __future__ import annotations

from typing import Any

from dsplang.analysis import messages
from dsplang.errors import DspValueError, Span
from dsplang.interpreter.values import DspCallable
from dsplang.stdlib.modules.one_predictor import OnePredictor
from dsplang.stdlib.modules.predict import Predict, as_signature
from dsplang.stdlib.signature import Signature

REASONING = "reasoning"
REASONING_DESC = "Think step by step in order to produce the outputs."


class ChainOfThought(OnePredictor, DspCallable):
    """`ChainOfThought(signature, **config)`; its learnable predictor is `.predict`."""

    takes_signature = True   # a string literal as first argument is read as a signature, in the caller's types

    def __init__(self, signature, /, *, rationale_desc: str | None = None, **config: Any):
        base = as_signature(signature)
        self.signature = base
        self.predict = Predict(with_reasoning(base, rationale_desc), **config)

    def named_predictors(self) -> list[tuple[str, Predict]]:
        return [("predict", self.predict)]

    def set_path_hint(self, path: str) -> None:
        self.predict.set_path_hint(f"{path}.predict")

    def clone(self) -> ChainOfThought:
        new = object.__new__(ChainOfThought)
        new.signature = self.signature
        new.predict = self.predict.clone()
        return new

    def call(self, args: tuple, kwargs: dict, span: Span | None):
        return self.predict.call(args, kwargs, span)

    def __repr__(self) -> str:
        return f"ChainOfThought({self.signature.name})"


def with_reasoning(signature: Signature, desc: str | None = None) -> Signature:
    """`signature` with `reasoning` as its first output: added, or its own moved there."""
    if REASONING in signature.input_names:
        message, hint = messages.reasoning_input(signature.name)   # `dsp check` says it too
        raise DspValueError(message, hint=hint)
    if REASONING not in signature.output_names:
        return signature.prepend_output(REASONING, str, desc or REASONING_DESC)
    own = signature.field(REASONING)
    return signature.with_outputs([own, *(f for f in signature.outputs if f is not own)])
