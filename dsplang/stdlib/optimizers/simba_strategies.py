"""SIMBA's two ways of changing a program: append a demo, or append a self-written rule.

Both look at one *bucket*: the rollouts of one training example under several sampled
programs (`simba.Rollout`), best first. The caller has already copied the source program.

- `append_demo`: the best rollout's predictor calls become demos (one per predictor path, its
  last call; inputs cut to `maxlen` characters), appended to the predictors' demos. Skipped
  when the best score is at or below the mini-batch's 10th percentile.
- `append_rule`: the prompt model compares the best and the worst rollout of the example
  (their trajectories, outputs, rewards and any feedback the metric returned) and writes one
  piece of advice per predictor path (`OFFER_FEEDBACK`, DSPy's wording); each predictor's
  instructions get its advice appended after a blank line. Skipped when the best score is at
  or below the 10th percentile or the worst at or above the 90th.

Either returns a short description of what it did ("rule for respond.predict", "no demo (...)").
A skipped strategy still leaves a candidate (the copy, less the demos the caller dropped), as
in DSPy.
"""

from __future__ import annotations

import json

from dsplang.stdlib import program as prog
from dsplang.stdlib.example import Example
from dsplang.stdlib.optimizers import proposer
from dsplang.stdlib.signature import INPUT, OUTPUT, FieldSpec, Signature

OFFER_FEEDBACK = Signature.from_fields(
    "OfferFeedback",
    "You will be given two trajectories of an LLM-driven program's execution. Your goal is to help the "
    "program's modules build up experience on how to maximize the reward value assigned to the program's "
    "outputs if it were to receive similar inputs in the future.\n\n"
    "The module won't see its own history. It will rely on your advice balancing being concrete and being "
    "generalizable.\n\n"
    "In your advice:\n"
    "- Avoid boilerplate. Offer advice that would change the module's behavior for the better in the future.\n"
    "- Ensure that advice offered to a module M is specific to that M's specific sub-task, not the overall "
    "program.\n"
    "- Rely on contrasting the behavior of the worse trajectory against the better trajectory in making "
    "recommendations.\n"
    "- Ensure each unique module name appears exactly once as a key in the advice dictionary.",
    [FieldSpec("program_code", str, "The code of the program that we are analyzing", INPUT),
     FieldSpec("modules_defn", str, "The definition of each module in the program, including its I/O", INPUT),
     FieldSpec("program_inputs", str, "The inputs to the program that we are analyzing", INPUT),
     FieldSpec("oracle_metadata", str, "Any (hidden) metadata about the training set instance we're analyzing",
               INPUT),
     FieldSpec("worse_program_trajectory", str,
               "The trajectory of the program's execution, showing each module's I/O", INPUT),
     FieldSpec("worse_program_outputs", str, "The outputs of the program that we are analyzing", INPUT),
     FieldSpec("worse_reward_value", str, "The reward value assigned to the program's outputs", INPUT),
     FieldSpec("worse_reward_info", str,
               "Additional information that might be helpful to understanding the assigned reward value.", INPUT),
     FieldSpec("better_program_trajectory", str,
               "The trajectory of the program's execution, showing each module's I/O", INPUT),
     FieldSpec("better_program_outputs", str, "The outputs of the program that we are analyzing", INPUT),
     FieldSpec("better_reward_value", str, "The reward value assigned to the program's outputs", INPUT),
     FieldSpec("better_reward_info", str,
               "Additional information that might be helpful to understanding the assigned reward value.", INPUT),
     FieldSpec("module_names", str, "The names of the modules in the program, for which we seek advice", INPUT),
     FieldSpec("discussion", str, "Discussing blame of where each module went wrong, if it did", OUTPUT),
     FieldSpec("module_advice", dict[str, str],
               "For each module, describe very concretely: If the module receives ${description of input or "
               "patterns therein}, then it should ${description of content, behavior, or strategies to adopt "
               "and/or others to avoid}. Basically, your advice be such that if the module has access to your "
               "tip, it would be much more likely to act like the successful trajectory rather than the "
               "lower-scoring trajectory.", OUTPUT)])

TRUNCATED = "\n\t\t... <TRUNCATED FOR BREVITY>"


def append_demo(bucket: list, program, *, low: float, maxlen: int, **_ignored) -> str:
    """Append the best rollout's calls as demos (see the module docstring)."""
    good = bucket[0]
    if good.score <= low:
        return "no demo (best run in the bottom 10%)"
    by_path: dict[str, Example] = {}
    for path, inputs, outputs in good.steps:
        cut = {k: (f"{str(v)[:maxlen]}{TRUNCATED}" if maxlen and len(str(v)) > maxlen else v)
               for k, v in inputs.items()}
        by_path[path] = Example(augmented=True, **cut, **outputs)
    predictors = dict(prog.named_predictors(program))
    for path, demo in by_path.items():
        if path in predictors:
            predictors[path].demos = [*predictors[path].demos, demo]
    if not by_path:
        return "no demo (no predictor call)"
    return f"demo of example {good.index + 1}"


def append_rule(bucket: list, program, *, low: float, high: float, prompt_model, source: str,
                **_ignored) -> str:
    """Ask the prompt model for advice and append it to the instructions (see the module docstring)."""
    good, bad = bucket[0], bucket[-1]
    if good.score <= low or bad.score >= high:
        return "no rule (no clear contrast)"
    good_view, bad_view = good.view(), bad.view()
    if good.score <= bad.score:             # every run scored the same: show only one side
        if good.score > high:
            bad_view = _unavailable()
        else:
            good_view = _unavailable()
    predictors = prog.named_predictors(program)
    example = good.example
    inputs = {
        "program_code": source,
        "modules_defn": modules_definition(predictors),
        "program_inputs": _json(example.inputs().to_dict()),
        "oracle_metadata": _json(example.labels().to_dict()),
        "worse_program_trajectory": _json(bad_view["trajectory"]),
        "worse_program_outputs": _json(bad_view["outputs"]),
        "worse_reward_value": str(bad_view["score"]),
        "worse_reward_info": _json(bad_view["info"]),
        "better_program_trajectory": _json(good_view["trajectory"]),
        "better_program_outputs": _json(good_view["outputs"]),
        "better_reward_value": str(good_view["score"]),
        "better_reward_info": _json(good_view["info"]),
        "module_names": _json([path for path, _ in predictors]),
    }
    reply = proposer.ask(prompt_model, OFFER_FEEDBACK, inputs)
    advice = reply[0].get("module_advice") or {}
    changed = []
    for path, predictor in predictors:
        text = str(advice.get(path) or "").strip()
        if text:
            predictor.signature = predictor.signature.with_instructions(
                f"{predictor.signature.instructions}\n\n{text}")
            changed.append(path)
    if not changed:
        return "no rule (no predictor named)"
    return f"rule for {', '.join(changed)}"


def modules_definition(predictors: list) -> str:
    """Each predictor's path, fields and instructions, as the prompt model sees them."""
    parts = []
    for path, predictor in predictors:
        signature = predictor.signature
        parts.append(f"Module {path}\n\tInput Fields:\n{_fields(signature, INPUT)}\n\tOutput Fields:\n"
                     f"{_fields(signature, OUTPUT)}\n\tOriginal Instructions: {signature.instructions}")
    line = "-" * 80
    return "\n".join([line, *(f"{p}\n{line}" for p in parts)])


def _fields(signature, direction: str) -> str:
    return "\n".join(f"\t\t{f.name} ({f.type_name}){': ' + f.desc if f.desc else ''}"
                     for f in signature.fields if f.direction == direction)


def _unavailable() -> dict:
    return {"trajectory": [], "outputs": {"N/A": "Prediction not available"}, "score": "N/A", "info": {}}


def _json(value) -> str:
    return json.dumps(prog.plain(value), indent=2, ensure_ascii=False, default=str)
