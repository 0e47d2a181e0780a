"""Refine: BestOfN that learns from its failures within one call.

`Refine(module, N, reward_fn, threshold, fail_count=none)` runs tries as BestOfN does
(own `rollout_id`, temperature 1.0, first prediction reaching `threshold` wins, else the
best). After a try whose reward falls short, one LM call over the `OfferFeedback`
signature reads the program's code, its predictors, the try's inputs, predictor calls,
outputs and reward, and writes advice for each predictor. On the next try every
predictor of the module gets its advice as an extra input `hint_` ("N/A" when it is not
to blame).
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from dsplang.errors import SOURCES, Span
from dsplang.interpreter.values import Function, ModuleInstance
from dsplang.stdlib.adapters.base import jsonable
from dsplang.stdlib.modules.best_of_n import BestOfN, program_predictors
from dsplang.stdlib.modules.predict import HINT_FIELD, Predict
from dsplang.stdlib.signature import INPUT, OUTPUT, FieldSpec, Signature

NO_ADVICE = "N/A"

OFFER_FEEDBACK = Signature.from_fields("OfferFeedback", """\
In the discussion, assign blame to each module that contributed to the final reward being below
the threshold, if any. Then prescribe concrete advice on how the module should act on its future
input when we retry the process, if it were to receive the same or similar inputs. If a module is
not to blame, its advice should be N/A. The module will not see its own history, so it needs to
rely entirely on concrete and actionable advice from you to avoid the same mistake.""", [
    FieldSpec("program_code", str, "the code of the program that we are analyzing", INPUT),
    FieldSpec("modules_defn", str, "the definition of each module in the program, with its inputs and outputs",
              INPUT),
    FieldSpec("program_inputs", str, "the inputs to the program that we are analyzing", INPUT),
    FieldSpec("program_trajectory", str, "the program's execution: each module's inputs and outputs", INPUT),
    FieldSpec("program_outputs", str, "the outputs of the program that we are analyzing", INPUT),
    FieldSpec("reward_code", str, "the code of the reward function that we are analyzing", INPUT),
    FieldSpec("target_threshold", float, "the target threshold for the reward function", INPUT),
    FieldSpec("reward_value", float, "the reward value assigned to the program's outputs", INPUT),
    FieldSpec("module_names", list[str], "the names of the modules in the program, for which we seek advice",
              INPUT),
    FieldSpec("discussion", str, "discussing blame of where each module went wrong, if it did", OUTPUT),
    FieldSpec("advice", dict[str, str],
              "for each module, very concretely: the scenarios in which it made mistakes and what each "
              "mistake was, then what it should do differently in that kind of scenario in the future. "
              "If the module is not to blame, write N/A.", OUTPUT),
])


class Refine(BestOfN):
    """`Refine(module, N, reward_fn, threshold, fail_count=none)`; see the module docstring."""

    kind = "Refine"

    def __init__(self, module, N: int, reward_fn=None, threshold: float | None = None,  # noqa: N803
                 fail_count: int | None = None, *, reward=None):
        super().__init__(module, N, reward_fn, threshold, fail_count, reward=reward)
        self.feedback = Predict(OFFER_FEEDBACK)

    def next_hints(self, kwargs: dict, pred, reward: float, calls: list, span: Span | None) -> dict:
        """Advice for each predictor of the module, by predictor id, from one LM call."""
        predictors = program_predictors(self.module)
        if not predictors:
            return {}
        names = {id(p): name for name, p in predictors}
        trajectory = [{"module_name": names[id(c.predictor)],
                       "inputs": {k: v for k, v in c.inputs.items() if k != HINT_FIELD[0]},
                       "outputs": c.outputs}
                      for c in calls if id(c.predictor) in names and c.outputs is not None]
        advice = self.feedback.forward({
            "program_code": source_of(self.module),
            "modules_defn": describe_predictors(predictors),
            "program_inputs": _json(kwargs),
            "program_trajectory": _json(trajectory),
            "program_outputs": _json(pred),
            "reward_code": source_of(self.reward_fn),
            "target_threshold": float(self.threshold if self.threshold is not None else reward),
            "reward_value": reward,
            "module_names": [name for name, _ in predictors],
        }, span).advice
        return {id(p): str(advice.get(name) or NO_ADVICE) for name, p in predictors}


def source_of(value: Any) -> str:
    """The source text of a .dsp module or function, or of a Python object; else its repr."""
    decl = None
    if isinstance(value, ModuleInstance):
        decl = value.cls.decl
    elif isinstance(value, Function):
        decl = value.decl
    span = getattr(decl, "span", None)
    if span is not None:
        lines = [SOURCES.line(span.file, n) for n in range(span.line, span.end_line + 1)]
        if all(line is not None for line in lines):
            return "\n".join(lines)
    if type(value).__module__.startswith("dsplang."):
        return repr(value)  # a standard-library predictor: its signature says what it does
    try:
        return inspect.getsource(value if inspect.isroutine(value) else type(value))
    except (OSError, TypeError):
        return repr(value)


def describe_predictors(predictors: list[tuple[str, Any]]) -> str:
    """Each predictor's name, input and output fields, and instructions."""
    rule = "-" * 40
    parts = [rule]
    for name, predictor in predictors:
        signature = predictor.signature
        fields = lambda specs: "\n".join(  # noqa: E731
            f"\t\t{f.name} ({f.type_name}){': ' + f.desc if f.desc else ''}" for f in specs)
        parts += [f"Module {name}", "\tInput fields:", fields(signature.inputs),
                  "\tOutput fields:", fields(signature.outputs),
                  f"\tInstructions: {signature.instructions}", rule]
    return "\n".join(parts)


def _json(value: Any) -> str:
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    return json.dumps(jsonable(value), ensure_ascii=False, indent=2, default=str)
