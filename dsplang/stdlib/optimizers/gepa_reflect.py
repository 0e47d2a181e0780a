"""GEPA's reflective step: run a candidate on a minibatch under a trace, gather what one
predictor saw, said and was told, and ask the reflection LM for a better instruction.

1. `run_minibatch` runs the program on some training examples (in parallel, within the
   compile's budget) under a trace and calls the metric with that trace. Each `Rollout` keeps
   the score, the metric's own value (a `Feedback`, or DSPy's `Prediction(score, feedback)`),
   the predictor calls of the run and, when the program or the metric failed, the error.
2. `reflective_examples` turns the rollouts into what the reflection LM reads for the predictor
   at one path: per example, that predictor's inputs, its outputs (or why they could not be
   parsed) and the feedback meant for it (`feedback.feedback_text`; the score alone when the
   metric gave none for it, the error when the run failed).
3. `propose` makes one call of the reflection LM, an ordinary `Predict` over `REFLECT` (so it is
   traced, counted in the report and bounded by `max_calls`/`max_cost`), and returns the new
   instruction. A provider error stops the compile; a reply that cannot be parsed is None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dsplang.context import trace
from dsplang.errors import DspError, DspLMError
from dsplang.stdlib import program as prog
from dsplang.stdlib.feedback import feedback_text
from dsplang.stdlib.optimizers import proposer
from dsplang.stdlib.parallel_runner import StopRun
from dsplang.stdlib.signature import INPUT, OUTPUT, FieldSpec, Signature

_SKIPPED = object()     # a unit not started because the budget ran out


@dataclass
class Rollout:
    """One training example run by a candidate, scored, with its trace."""

    index: int                          # position in the trainset
    score: float
    value: Any = None                   # what the metric returned (None when it was not called)
    calls: list = field(default_factory=list)
    error: str | None = None            # what the program or the metric raised


def run_minibatch(run, program, metric, trainset: list, indices: list[int], *, failure_score: float,
                  max_errors: int | None) -> list[Rollout] | None:
    """Rollouts of `program` on `trainset[i]` for each of `indices`; None when the budget stopped
    it before every one was run. Failures score `failure_score` and are counted in the outcomes."""
    if run.out_of_budget():
        return None
    traces: dict[int, trace.Trace] = {}

    def one(index: int):
        if run.budget.exhausted():
            return _SKIPPED
        example = trainset[index]
        with trace.collecting() as collected:
            traces[index] = collected
            prediction = prog.run_on(program, example)
        calls = collected.predictor_calls()
        score, value = metric_value(metric, example, prediction, calls)
        return Rollout(index, score, value, calls)

    result = run.parallel(one, indices, max_errors=max_errors)
    rollouts = []
    for k, index in enumerate(indices):
        if k in result.errors:
            error = result.errors[k]
            run.outcomes.failure("training", index, error)
            calls = traces[index].predictor_calls() if index in traces else []
            rollouts.append(Rollout(index, failure_score, None, calls, _message(error)))
        elif not result.finished[k] or result.values[k] is _SKIPPED:
            run.out_of_budget()
            return None
        else:
            run.outcomes.ok()
            rollouts.append(result.values[k])
    return rollouts


def metric_value(metric, example, prediction, calls) -> tuple[float, Any]:
    """(score, what the metric returned), as `program.score` checks it: what the metric raises
    is a MetricError; a value that is not a bool, number or feedback stops the compile."""
    try:
        value = prog.call_metric(metric, example, prediction, calls)
    except Exception as err:  # noqa: BLE001 - the metric's own failure, whatever it is
        raise prog.MetricError(err, metric) from err
    try:
        return prog.as_score(value, metric), value
    except DspError as err:
        raise StopRun(err) from None


def _message(error: Exception) -> str:
    if isinstance(error, prog.MetricError):
        return f"the metric failed: {error.message}"
    return getattr(error, "message", None) or f"{type(error).__name__}: {error}"


# ------------------------------------------------------------------ what the reflection LM reads


def reflective_examples(rollouts: list[Rollout], predictor, path: str, trainset: list) -> list[dict]:
    """Per rollout in which the predictor at `path` ran: its inputs, outputs and feedback."""
    signature = predictor.signature
    found = []
    for rollout in rollouts:
        own = [c for c in rollout.calls if prog.original_predictor(c.predictor) is predictor]
        if not own:
            continue
        call = next((c for c in own if c.outputs is None), own[-1])    # a failed call says most
        inputs = {k: v for k, v in call.inputs.items() if k in signature.input_names}
        if call.outputs is None:
            outputs: dict | str = f"(the reply could not be parsed: {call.error or 'no outputs'})\n" + \
                                  "\n".join(call.replies[:1])
        else:
            outputs = {k: v for k, v in call.outputs.items() if k in signature.output_names}
        found.append({"inputs": inputs, "outputs": outputs, "feedback": _feedback(rollout, path)})
    return found


def _feedback(rollout: Rollout, path: str) -> str:
    if rollout.error is not None:
        return f"The program failed on this example ({rollout.error}); score {rollout.score:g}."
    text = feedback_text(rollout.value, path)
    if text:
        return text
    return f"This output got a score of {rollout.score:g} (the metric gave no feedback)."


def render(examples: list[dict]) -> str:
    """The examples as the markdown the reflection LM reads."""
    parts = []
    for number, example in enumerate(examples, 1):
        lines = [f"### Example {number}", "#### Inputs"]
        lines += [f"{name}: {value}" for name, value in example["inputs"].items()]
        lines.append("#### Outputs")
        outputs = example["outputs"]
        lines += [outputs] if isinstance(outputs, str) else [f"{k}: {v}" for k, v in outputs.items()]
        lines += ["#### Feedback", example["feedback"]]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


REFLECT = Signature.from_fields(
    "ProposeInstructionFromFeedback",
    "You improve the instruction that an AI assistant follows for one step of a task. You are given "
    "the current instruction and examples of that step: the inputs the assistant received, the "
    "outputs it gave, and feedback saying how the outputs could be better.\n\n"
    "Work out what the task is and what its inputs look like. Then write a new, complete instruction "
    "for the assistant: keep what already works, and add what the feedback shows is missing, above "
    "all facts, rules and conventions of the domain that the assistant cannot know on its own, and "
    "any general strategy that worked. Reply with the new instruction only.",
    [FieldSpec("current_instruction", str, "The instruction the assistant was given", INPUT),
     FieldSpec("examples_with_feedback", str, "Inputs, the assistant's outputs, and feedback on them", INPUT),
     FieldSpec("new_instruction", str, "The improved instruction, complete and ready to use", OUTPUT)])


def propose(model, current: str, examples: list[dict], rollout_id: str) -> tuple[str | None, str | None]:
    """(new instruction, None), or (None, why) when the reply could not be used."""
    try:
        completions = proposer.ask(model, REFLECT, {"current_instruction": current,
                                                    "examples_with_feedback": render(examples)},
                                   rollout_id=rollout_id)
    except DspLMError:          # the provider failed: the compile stops and says why
        raise
    except DspError as err:
        return None, err.message
    text = clean(str(completions[0].get("new_instruction") or "")) if completions else ""
    return (text, None) if text else (None, "the reply had no instruction")


def clean(text: str) -> str:
    """A proposed instruction without surrounding code fences or quotes."""
    text = text.strip()
    if text.startswith("```") and text.endswith("```") and len(text) >= 6:
        text = text[3:-3]
        first, _, rest = text.partition("\n")
        text = rest if first.strip().isalpha() and rest else text        # ```text ... ```
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text
