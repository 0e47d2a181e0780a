"""Instruction proposals: the prompt-model calls COPRO and MIPROv2 make to write instructions.

Every call is an ordinary `Predict` over one of the signatures below (their wording is
DSPy's), run with the prompt model as the current LM, so it is traced, counted by the
compile's usage tracker and bounded by its budget like any other call. `ask` is the one way
an optimizer sends a request of its own (COPRO's and MIPROv2's proposals, MIPROv2's data
summary, GEPA's reflection, SIMBA's rules): each is an `optimizer_lm` span, named after its
signature, under the compile phase it was made in, so traces and OTLP tell it from the
program's own calls.

- COPRO: `BASIC_GENERATE` (the current instruction -> `n` new ones) and `GIVEN_ATTEMPTS`
  (earlier instructions with their scores, worst first -> `n` new ones).
- MIPROv2 (DSPy's grounded proposer): `DESCRIBE_PROGRAM` once per compile, `DESCRIBE_MODULE`
  once per predictor, then one `module_instruction_signature(...)` call per proposed
  instruction, grounded in the data summary, the program's source, the predictor's
  signature, example demos and a random tip (`TIPS`).
"""

from __future__ import annotations

import re
from contextlib import ExitStack, contextmanager

from dsplang.context import lm as run_lm
from dsplang.context import spans
from dsplang.interpreter.values import ModuleInstance
from dsplang.stdlib import program as prog
from dsplang.stdlib.modules.predict import Predict
from dsplang.stdlib.signature import INPUT, OUTPUT, FieldSpec, Signature

TIPS = {
    "none": "",
    "creative": "Don't be afraid to be creative when creating the new instruction!",
    "simple": "Keep the instruction clear and concise.",
    "description": "Make sure your instruction is very informative and descriptive.",
    "high_stakes": "The instruction should include a high stakes scenario in which the LM must solve the task!",
    "persona": 'Include a persona that is relevant to the task in the instruction (ie. "You are a ...")',
}
NO_DEMOS = "No task demos provided."


def _signature(name: str, instructions: str, fields: list[tuple[str, str, str]]) -> Signature:
    """A signature from (direction, name, description) triples; every field is a `str`."""
    specs = [FieldSpec(field, str, desc, INPUT if kind == "in" else OUTPUT) for kind, field, desc in fields]
    return Signature.from_fields(name, instructions, specs)


PROPOSED = ("out", "proposed_instruction", "The improved instructions for the language model")

BASIC_GENERATE = _signature(
    "BasicGenerateInstruction",
    "You are an instruction optimizer for large language models. I will give you a ``signature`` of "
    "fields (inputs and outputs) in English. Your task is to propose an instruction that will lead a "
    "good language model to perform the task well. Don't be afraid to be creative.",
    [("in", "basic_instruction", "The initial instructions before optimization"), PROPOSED])

GIVEN_ATTEMPTS = _signature(
    "GenerateInstructionGivenAttempts",
    "You are an instruction optimizer for large language models. I will give some task instructions "
    "I've tried, along with their corresponding validation scores. The instructions are arranged in "
    "increasing order based on their scores, where higher scores indicate better quality.\n\n"
    "Your task is to propose a new instruction that will lead a good language model to perform the "
    "task even better. Don't be afraid to be creative.",
    [("in", "attempted_instructions", None), PROPOSED])

_CODE = ("in", "program_code", "Pseudocode for a language model program designed to solve a particular task.")
_EXAMPLE = ("in", "program_example", "An example of the program in use.")
_PROGRAM_DESC = "Summary of the task the program is designed to solve, and how it goes about solving it."

DESCRIBE_PROGRAM = _signature(
    "DescribeProgram",
    "Below is some pseudo-code for a pipeline that solves tasks with calls to language models. Please "
    "describe what type of task this program appears to be designed to solve, and how it appears to work.",
    [_CODE, _EXAMPLE, ("out", "program_description", "Describe what task the program is designed to "
                       "solve, and how it goes about solving this task.")])

DESCRIBE_MODULE = _signature(
    "DescribeModule",
    "Below is some pseudo-code for a pipeline that solves tasks with calls to language models. Please "
    "describe the purpose of one of the specified module in this pipeline.",
    [_CODE, _EXAMPLE, ("in", "program_description", _PROGRAM_DESC),
     ("in", "module", "The module in the program that we want to describe."),
     ("out", "module_description", "Description of the module's role in the broader program.")])


def module_instruction_signature(data: bool, program: bool, tip: bool) -> Signature:
    """DSPy's GenerateSingleModuleInstruction, with the grounding fields that are switched on."""
    fields = []
    if data:
        fields.append(("in", "dataset_description", "A description of the dataset that we are using."))
    if program:
        fields += [("in", "program_code", "Language model program designed to solve a particular task."),
                   ("in", "program_description", _PROGRAM_DESC),
                   ("in", "module", "The module to create an instruction for."),
                   ("in", "module_description", "Description of the module to create an instruction for.")]
    fields += [("in", "task_demos", "Example inputs/outputs of our module."),
               ("in", "basic_instruction", "Basic instruction.")]
    if tip:
        fields.append(("in", "tip", "A suggestion for how to go about generating the new instruction."))
    fields.append(("out", "proposed_instruction",
                   "Propose an instruction that will be used to prompt a Language Model to perform this task."))
    return _signature("GenerateSingleModuleInstruction",
                      "Use the information below to learn about a task that we are trying to solve using "
                      "calls to an LM, then generate a new instruction that will be used to prompt a "
                      "Language Model to better solve the task.", fields)


# ------------------------------------------------------------------ calling the prompt model


@contextmanager
def prompt_lm(model):
    """`model` as the current LM inside the block (the current LM stays when it is None)."""
    with ExitStack() as stack:
        if model is not None:
            stack.enter_context(run_lm.using(model))
        yield


def ask(model, signature: Signature, inputs: dict, **config) -> list[dict]:
    """Every completion of one prompt-model call (`config`: n, temperature, rollout_id, ...),
    in an `optimizer_lm` span (see the module doc)."""
    attributes = {"dsp.n": config["n"]} if config.get("n", 1) != 1 else {}
    with prompt_lm(model), spans.opened("optimizer_lm", signature.name, attributes=attributes):
        prediction = Predict(signature, **config).forward(inputs, None)
    return prediction.completions


def instructions_from(completions: list[dict]) -> list[str]:
    """The proposed instructions of some completions, cleaned; empty ones left out."""
    found = [clean(str(c.get("proposed_instruction") or "")) for c in completions]
    return [text for text in found if text]


_LABEL = re.compile(r"^[\*\s]*(([\w'\-]+\s+){0,4}[\w'\-]+):\s*")


def clean(text: str) -> str:
    """A proposal without a leading "Proposed Instruction:"-style label or quotes (DSPy's strip_prefix)."""
    return _LABEL.sub("", text.strip(), count=1).strip().strip('"').strip()


# ------------------------------------------------------------------ what the proposals see


def program_source(program) -> str:
    """The .dsp source of the program's module declarations, then each predictor's signature."""
    parts, seen = [], []
    stack = [program]
    while stack:
        value = stack.pop(0)
        if isinstance(value, ModuleInstance) and value.cls not in seen:
            seen.append(value.cls)
            parts.append(prog.declaration_text(value.cls))
            stack.extend(v for k, v in value.scope.vars.items() if k != "self")
    for path, predictor in prog.named_predictors(program):
        parts.append(f"# {path}: {predictor.signature.typed()}\n#   instructions: {predictor.signature.instructions}")
    return "\n\n".join(p for p in parts if p)


def demo_text(signature: Signature, demo) -> str:
    """One demo as "field: value" lines over the predictor's fields."""
    return "\n".join(f"{f.name}: {demo.get(f.name)}" for f in signature.fields if demo.get(f.name) is not None)


def task_demos(signature: Signature, demo_sets: list[list], index: int, count: int = 3) -> str:
    """Up to `count` bootstrapped demos from set `index` and the sets after it (DSPy's rule; none for set 0)."""
    if index == 0 or not demo_sets:
        return NO_DEMOS
    ordered = demo_sets[index:] + demo_sets[:index]
    found = [demo_text(signature, d) for demos in ordered for d in demos if d.get("augmented")]
    return "\n\n".join(found[:count]) or NO_DEMOS
