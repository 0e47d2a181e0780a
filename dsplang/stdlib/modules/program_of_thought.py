"""ProgramOfThought: the model writes Python code, the sandbox runs it, the model answers
from the code's output.

Three ChainOfThought predictors, as in DSPy: `code_generate` (inputs -> generated_code),
`code_regenerate` (inputs, previous_code, error -> generated_code), run after a failed
run, up to `max_iters` runs in all, and `generate_output` (inputs, final_generated_code,
code_output -> the signature's outputs). The code never runs in this process: see
dsplang/stdlib/sandbox and docs/sandbox.md.
"""

from __future__ import annotations

import re
from typing import Any

from dsplang.errors import DspArgumentError, DspRuntimeError, DspTypeError, DspValueError, Span, a_type, did_you_mean
from dsplang.interpreter.values import DspCallable
from dsplang.stdlib.modules.chain_of_thought import ChainOfThought
from dsplang.stdlib.modules.predict import as_signature
from dsplang.stdlib.prediction import Prediction
from dsplang.stdlib.sandbox import Limits, SandboxResult, run_code
from dsplang.stdlib.signature import INPUT, OUTPUT, FieldSpec, Signature

CODE_DESC = ("Python code that computes the answer: standard library only, no files, network or "
             "processes; print the result or end with an expression that holds it")
GENERATE = ("Write executable Python code that computes the correct {outputs} from {inputs}. "
            "The code runs in a sandbox with the Python standard library only: it cannot read or "
            "write files, use the network or start processes. Print the result, or end the code "
            "with an expression holding it.")
REGENERATE = ("The previous Python code failed with the error below. Write corrected code that "
              "computes the correct {outputs} from {inputs}, under the same rules.")
ANSWER = ("The Python code below was run to compute the answer, and code_output is what it printed "
          "or returned. Use it to give the final {outputs}.")
FENCE = re.compile(r"```[ \t]*(?:python3?|py)?[ \t]*\n(.*?)```", re.DOTALL | re.IGNORECASE)


def extract_code(text: str) -> str:
    """The code inside a reply: the first ``` fenced block if there is one, else the text."""
    text = str(text or "")
    found = FENCE.search(text)
    if found:
        return found.group(1).strip()
    return text.strip().removeprefix("```").removesuffix("```").strip()


class ProgramOfThought(DspCallable):
    """`ProgramOfThought(signature, max_iters=3, limits=None, **config)`.

    `limits` is a sandbox `Limits` or a dict of its fields (cpu_seconds, memory_mb, ...).
    """

    takes_signature = True   # a string literal as first argument is read as a signature, in the caller's types

    def __init__(self, signature, /, *, max_iters: int = 3, limits: Limits | dict | None = None,
                 **config: Any):
        if int(max_iters) < 1:
            raise DspValueError(f"ProgramOfThought: max_iters must be at least 1, got {max_iters}")
        self.signature = as_signature(signature)
        self.max_iters = int(max_iters)
        self.limits = _limits(limits)
        base = self.signature
        self.code_generate = ChainOfThought(_generate_signature(base), **config)
        self.code_regenerate = ChainOfThought(_regenerate_signature(base), **config)
        self.generate_output = ChainOfThought(_answer_signature(base), **config)

    # ---------------------------------------------------------- learnable state

    def _parts(self) -> list[tuple[str, ChainOfThought]]:
        return [("code_generate", self.code_generate), ("code_regenerate", self.code_regenerate),
                ("generate_output", self.generate_output)]

    def named_predictors(self) -> list[tuple[str, object]]:
        return [(f"{name}.{sub}", pred) for name, part in self._parts()
                for sub, pred in part.named_predictors()]

    def set_path_hint(self, path: str) -> None:
        for name, part in self._parts():
            part.set_path_hint(f"{path}.{name}")

    def clone(self) -> ProgramOfThought:
        new = object.__new__(ProgramOfThought)
        new.signature, new.max_iters, new.limits = self.signature, self.max_iters, self.limits
        new.code_generate = self.code_generate.clone()
        new.code_regenerate = self.code_regenerate.clone()
        new.generate_output = self.generate_output.clone()
        return new

    # ---------------------------------------------------------- calling

    def call(self, args: tuple, kwargs: dict, span: Span | None):
        if args:
            raise DspArgumentError("ProgramOfThought takes keyword arguments, not positional ones",
                                   span, hint="its inputs are: " + ", ".join(self.signature.input_names))
        inputs = {k: v for k, v in kwargs.items() if k != "config"}
        self.signature.validate_inputs(inputs, span)
        code = extract_code(self.code_generate.call((), dict(kwargs), span).generated_code)
        result, error = None, ""
        for attempt in range(self.max_iters):
            result = self._run(code)
            if result.ok:
                return self._answer(kwargs, code, result, span)
            error = result.error or "the code failed"
            if attempt + 1 < self.max_iters:
                retry = self.code_regenerate.call(
                    (), {**kwargs, "previous_code": code, "error": error}, span)
                code = extract_code(retry.generated_code)
        raise DspRuntimeError(
            f"ProgramOfThought: the generated code failed {self.max_iters} time"
            f"{'s' if self.max_iters != 1 else ''}; the last error was:\n{error}", span,
            hint="raise max_iters, or make the signature's instructions more specific")

    def _run(self, code: str) -> SandboxResult:
        if not code:
            return SandboxResult(False, error="no code was generated")
        return run_code(code, self.limits)

    def _answer(self, kwargs: dict, code: str, result: SandboxResult, span) -> Prediction:
        output = result.output or "(the code printed nothing and returned nothing)"
        pred = self.generate_output.call(
            (), {**kwargs, "final_generated_code": code, "code_output": output}, span)
        data = pred.to_dict()
        data.setdefault("generated_code", code)
        data.setdefault("code_output", output)
        return Prediction(data, pred.completions)

    def __repr__(self) -> str:
        return f"ProgramOfThought({self.signature.name})"


def _limits(value) -> Limits:
    if value is None or isinstance(value, Limits):
        return value or Limits()
    if not isinstance(value, dict):
        raise DspTypeError(f"ProgramOfThought: limits must be a dict, not {a_type(value)}")
    known = Limits.__dataclass_fields__
    for key in value:
        if key not in known:
            raise DspArgumentError(f"ProgramOfThought: unknown limit {key!r}",
                                   hint=did_you_mean(key, known) or "limits are: " + ", ".join(known))
    return Limits(**value)


def _names(fields) -> str:
    return ", ".join(f"`{f.name}`" for f in fields)


def _with_base(base: Signature, text: str) -> str:
    task = text.format(inputs=_names(base.inputs), outputs=_names(base.outputs))
    return f"{base.instructions}\n\n{task}"


def _code_signature(base: Signature, name: str, extra_inputs: tuple, text: str) -> Signature:
    """The base inputs (plus `extra_inputs`) -> generated_code."""
    extra = [FieldSpec(n, str, desc, INPUT) for n, desc in extra_inputs]
    code = FieldSpec("generated_code", str, CODE_DESC, OUTPUT)
    return Signature.from_fields(f"{base.name}{name}", _with_base(base, text),
                                 [*base.inputs, *extra, code])


def _generate_signature(base: Signature) -> Signature:
    return _code_signature(base, "Code", (), GENERATE)


def _regenerate_signature(base: Signature) -> Signature:
    return _code_signature(base, "Fix", (("previous_code", "previously generated Python code that failed"),
                                         ("error", "the error the previous code raised")), REGENERATE)


def _answer_signature(base: Signature) -> Signature:
    sig = base.append_input("final_generated_code", str, "the Python code that was run")
    sig = sig.append_input("code_output", str, "what the code printed or returned")
    return sig.with_name(f"{base.name}Answer").with_instructions(_with_base(base, ANSWER))
