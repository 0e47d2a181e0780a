"""ChainOfThought: Predict with a `reasoning` output written before the other outputs."""

from __future__ import annotations

from typing import Any

from dsplang.errors import Span
from dsplang.interpreter.values import DspCallable
from dsplang.stdlib.modules.predict import Predict, as_signature

REASONING_DESC = "Think step by step in order to produce the outputs."


class ChainOfThought(DspCallable):
    """`ChainOfThought(signature, **config)`; its learnable predictor is `.predict`."""

    def __init__(self, signature, /, *, rationale_desc: str | None = None, **config: Any):
        base = as_signature(signature)
        extended = base.prepend_output("reasoning", str, rationale_desc or REASONING_DESC)
        self.signature = base
        self.predict = Predict(extended, **config)

    def named_predictors(self) -> list[tuple[str, Predict]]:
        return [("predict", self.predict)]

    def set_path_hint(self, path: str) -> None:
        self.predict.set_path_hint(f"{path}.predict")

    def clone(self) -> "ChainOfThought":
        new = object.__new__(ChainOfThought)
        new.signature = self.signature
        new.predict = self.predict.clone()
        return new

    def call(self, args: tuple, kwargs: dict, span: Span | None):
        return self.predict.call(args, kwargs, span)

    def __repr__(self) -> str:
        return f"ChainOfThought({self.signature.name})"
