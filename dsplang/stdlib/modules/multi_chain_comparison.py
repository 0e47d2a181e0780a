"""MultiChainComparison: read M reasoning attempts and write one corrected answer.

`MultiChainComparison(signature, M=3, temperature=0.7)` is called with the attempts and
the signature's inputs: `mcc(attempts, question=q)`. The attempts are M predictions (a
list of Predictions or dicts, or one Prediction holding M completions, e.g. from
`ChainOfThought(sig, n=3)`), each with a `reasoning` (or `rationale`) and the signature's
last output. They reach the model as the inputs `reasoning_attempt_1` .. `reasoning_attempt_M`;
it writes a `rationale` comparing them, then the signature's outputs.
"""

from __future__ import annotations

from typing import Any

from dsplang.errors import DspArgumentError, DspTypeError, DspValueError, Span, a_type
from dsplang.interpreter.values import DspCallable
from dsplang.stdlib.modules.one_predictor import OnePredictor
from dsplang.stdlib.modules.predict import Predict, as_signature
from dsplang.stdlib.prediction import Prediction

ATTEMPT_DESC = "a student's reasoning attempt and the prediction it led to"
RATIONALE_DESC = ("the corrected reasoning: compare the attempts holistically, say which parts "
                  "hold up and which do not, then reason to the right outputs")


class MultiChainComparison(OnePredictor, DspCallable):
    """`MultiChainComparison(signature, M=3, temperature=0.7, **config)`; its predictor is `.predict`."""

    takes_signature = True   # a string literal as first argument is read as a signature, in the caller's types

    def __init__(self, signature, /, M: int = 3, temperature: float = 0.7, **config: Any):  # noqa: N803
        if not isinstance(M, int) or isinstance(M, bool) or M < 1:
            raise DspArgumentError(f"M must be a whole number of at least 1, got {M!r}")
        base = as_signature(signature)
        self.signature = base
        self.M = M
        self.last_key = base.output_names[-1]
        extended = base
        for index in range(1, M + 1):
            extended = extended.append_input(f"reasoning_attempt_{index}", str, ATTEMPT_DESC)
        extended = extended.prepend_output("rationale", str, RATIONALE_DESC)
        self.predict = Predict(extended, temperature=temperature, **config)

    def named_predictors(self) -> list[tuple[str, Predict]]:
        return [("predict", self.predict)]

    def set_path_hint(self, path: str) -> None:
        self.predict.set_path_hint(f"{path}.predict")

    def clone(self) -> MultiChainComparison:
        new = object.__new__(MultiChainComparison)
        new.__dict__.update(self.__dict__)
        new.predict = self.predict.clone()
        return new

    def call(self, args: tuple, kwargs: dict, span: Span | None):
        kwargs = dict(kwargs)
        if len(args) > 1:
            raise DspArgumentError("MultiChainComparison takes the attempts as its only positional "
                                   "argument; the inputs go by keyword", span)
        if args:
            attempts = args[0]
        elif "completions" in kwargs:
            attempts = kwargs.pop("completions")
        else:
            raise DspArgumentError("MultiChainComparison needs the attempts to compare", span,
                                   hint="call it as mcc(attempts, question=...)")
        texts = [self._attempt_text(a, span) for a in _as_attempts(attempts, span)]
        if len(texts) != self.M:
            raise DspValueError(f"MultiChainComparison was made for M={self.M} attempts but got "
                                f"{len(texts)}", span, hint=f"pass {self.M} attempts, or set M={len(texts)}")
        for index, text in enumerate(texts, 1):
            kwargs[f"reasoning_attempt_{index}"] = text
        return self.predict.call((), kwargs, span)

    def _attempt_text(self, attempt: dict, span: Span | None) -> str:
        reasoning = attempt.get("rationale", attempt.get("reasoning"))
        if reasoning is None or self.last_key not in attempt:
            raise DspValueError(f"each attempt needs a `reasoning` and a `{self.last_key}`; one has "
                                f"the fields {', '.join(attempt) or '(none)'}", span)
        reasoning = _first_line(reasoning)
        answer = _first_line(attempt[self.last_key])
        return f"«I'm trying to {reasoning} I'm not sure but my prediction is {answer}»"

    def __repr__(self) -> str:
        return f"MultiChainComparison({self.signature.name}, M={self.M})"


def _as_attempts(value: Any, span: Span | None) -> list[dict]:
    """The attempts as dicts: from a Prediction's completions, or a list of predictions/dicts."""
    if isinstance(value, Prediction):
        return [dict(c) for c in value.completions]
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            if isinstance(item, Prediction):
                out.append(item.to_dict())
            elif isinstance(item, dict):
                out.append(item)
            else:
                raise DspTypeError(f"an attempt must be a Prediction or a dict, got {a_type(item)}", span)
        return out
    raise DspTypeError(f"the attempts must be a list of predictions, got {a_type(value)}", span)


def _first_line(value: Any) -> str:
    text = str(value).strip()
    return text.split("\n", 1)[0].strip()
