"""ReAct: an agent loop — think, pick a tool, read its observation — then extract the outputs.

`ReAct(signature, tools=[...], max_iters=10)`. Each turn the `react` predictor sees the
signature's inputs and the trajectory so far and writes `next_thought`, `next_tool_name`
(one of the tools, or `finish`) and `next_tool_args` (a JSON object). The tool runs and
its result — or a sentence saying what went wrong: an unknown tool, bad arguments, an
error inside the tool — is the step's observation. The loop ends at `finish` or after
`max_iters` turns; the `extract` predictor (a ChainOfThought over the original
signature with the trajectory as an extra input) then fills the outputs.

With a model that supports native function calling (or `function_calling=true`), the
turn is one request with `tools=`: the model writes `next_thought` and calls a tool.

When a request fails because the prompt no longer fits the model's context window, the
oldest steps are left out of the prompt and the request is retried. The whole trajectory
is `pred.trajectory` (`thought_0`, `tool_name_0`, `tool_args_0`, `observation_0`, ...),
and every step is a `ToolStep` record in the trace.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any, Literal

from dsplang.analysis import messages
from dsplang.analysis.stdlib_tables import PREDICTOR_KEYWORDS
from dsplang.context import feedback, trace
from dsplang.context.run import current
from dsplang.errors import DspArgumentError, DspError, DspOutputParseError, Span
from dsplang.interpreter.values import DspCallable
from dsplang.lm.client import is_context_window_error, quiet_litellm
from dsplang.lm.scripted import ScriptedLM
from dsplang.stdlib.adapters import ChatAdapter, JSONAdapter
from dsplang.stdlib.adapters.base import field_block
from dsplang.stdlib.modules.chain_of_thought import ChainOfThought
from dsplang.stdlib.modules.predict import HINT_FIELD, Predict, as_signature, current_try
from dsplang.stdlib.modules.tools import Tool, as_tools
from dsplang.stdlib.prediction import Prediction
from dsplang.stdlib.signature import INPUT, OUTPUT, FieldSpec, Signature

FINISH = "finish"
TRAJECTORY_DESC = "the thoughts, tool calls and observations so far"


@dataclass(slots=True)
class Step:
    """One turn of the loop."""

    thought: str
    tool_name: str
    tool_args: Any
    observation: str = ""


@dataclass(slots=True)
class ToolStep:
    """Trace record: one tool call made by a ReAct agent."""

    path: str
    index: int
    thought: str
    tool_name: str
    tool_args: Any
    observation: str
    latency: float
    span: Span | None = None

    def to_json(self) -> dict:
        data = asdict(self)
        data["span"] = str(self.span) if self.span else None
        data["kind"] = "tool_step"
        return data


class ReAct(DspCallable):
    """`ReAct(signature, tools=[...], max_iters=10)`; learnable predictors `react` and `extract.predict`."""

    takes_signature = True   # a string literal as first argument is read as a signature, in the caller's types

    def __init__(self, signature, /, *, tools=None, max_iters: int = 10,
                 function_calling: bool | None = None, **config: Any):
        base = as_signature(signature)
        for key in config:  # other keywords are LM request parameters; catch typos of ours (dsp check too)
            typo = messages.keyword_typo("ReAct", key, PREDICTOR_KEYWORDS["ReAct"])
            if typo is not None:
                raise DspArgumentError(typo[0], hint=typo[1])
        if not isinstance(max_iters, int) or max_iters < 1:
            raise DspArgumentError(f"max_iters must be a whole number of at least 1, got {max_iters!r}")
        self.signature = base
        self.max_iters = max_iters
        self.function_calling = function_calling
        self.tools = as_tools(tools)
        if FINISH in self.tools:
            raise DspArgumentError("a tool may not be called 'finish': ReAct adds that one itself")
        self.tools[FINISH] = _finish_tool(base)
        self.react = Predict(_react_signature(base, self.tools), **config)
        self.extract = ChainOfThought(base.append_input("trajectory", str, TRAJECTORY_DESC), **config)
        self.set_path_hint("react")  # until a module names it after its attribute

    # ---------------------------------------------------------- learnable state

    def named_predictors(self) -> list[tuple[str, Predict]]:
        return [("react", self.react), ("extract.predict", self.extract.predict)]

    def set_path_hint(self, path: str) -> None:
        self.name = path
        self.react.set_path_hint(f"{path}.react")
        self.extract.set_path_hint(f"{path}.extract")

    def clone(self) -> ReAct:
        new = object.__new__(ReAct)
        new.__dict__.update(self.__dict__)
        new.react = self.react.clone()
        new.extract = self.extract.clone()
        return new

    # ---------------------------------------------------------- calling

    def call(self, args: tuple, kwargs: dict, span: Span | None):
        if args:
            raise DspArgumentError("ReAct takes keyword arguments, not positional ones", span,
                                   hint="its inputs are: " + ", ".join(self.signature.input_names))
        inputs = dict(kwargs)
        max_iters = self.max_iters
        if "max_iters" in inputs and "max_iters" not in self.signature.input_names:
            max_iters = inputs.pop("max_iters")
        self.signature.validate_inputs(inputs, span)
        return self.forward(inputs, span, max_iters)

    def forward(self, inputs: dict, span: Span | None, max_iters: int | None = None) -> Prediction:
        steps: list[Step] = []
        window = [0]  # index of the oldest step still shown; grows when the context overflows
        for index in range(max_iters or self.max_iters):
            step = self._fit(lambda text: self._decide(inputs, text, span), steps, window)
            if step is None:
                break
            started = time.perf_counter()
            step.observation = self._run_tool(step)
            steps.append(step)
            trace.record(ToolStep(self.name, index, step.thought, step.tool_name, step.tool_args,
                                  step.observation, time.perf_counter() - started, span))
            if step.tool_name == FINISH:
                break
        extracted = self._fit(lambda text: self.extract.call((), {**inputs, "trajectory": text}, span),
                              steps, window)
        return Prediction({"trajectory": trajectory_dict(steps), **extracted.to_dict()})

    def _fit(self, attempt, steps: list[Step], window: list[int]):
        """`attempt(trajectory_text)`, leaving out the oldest steps while the prompt is too long."""
        while True:
            try:
                return attempt(format_trajectory(steps, window[0]))
            except DspError as err:
                if not is_context_window_error(err):
                    raise
                if window[0] >= len(steps):
                    err.notes.append("the prompt is too long even with no trajectory steps in it")
                    raise
                window[0] += 1

    def _run_tool(self, step: Step) -> str:
        tool = self.tools.get(step.tool_name)
        if tool is None:
            names = ", ".join(self.tools)
            return f"Unknown tool {step.tool_name!r}. The tools are: {names}."
        return tool.run(step.tool_args)

    # ---------------------------------------------------------- one turn

    def _decide(self, inputs: dict, trajectory: str, span: Span | None) -> Step | None:
        """The model's next step, or None when its reply cannot be read as one."""
        call_inputs = {**inputs, "trajectory": trajectory}
        lm = self.react._lm(span)
        if self._native(lm):
            return self._decide_native(lm, call_inputs, span)
        try:
            pred = self.react.forward(call_inputs, span)
        except DspOutputParseError as err:
            return self._recover(err)
        return Step(pred.next_thought, str(pred.next_tool_name), pred.next_tool_args)

    def _recover(self, err: DspOutputParseError) -> Step | None:
        """A step from a reply whose tool name or arguments are not valid: the tool runner
        turns them into an observation. Any other unreadable reply ends the loop."""
        raw = getattr(err, "raw_reply", None) or getattr(err, "raw", None)
        if getattr(err, "field", None) not in ("next_tool_name", "next_tool_args") or not raw:
            return None
        loose = _loose_signature(self.react.signature)
        for adapter in (ChatAdapter(), JSONAdapter()):
            try:
                values = adapter.parse(loose, raw)
            except DspOutputParseError:
                continue
            return Step(values["next_thought"], values["next_tool_name"].strip(),
                        _json_or_text(values["next_tool_args"]))
        return None

    def _native(self, lm) -> bool:
        if self.function_calling is not None:
            return bool(self.function_calling)
        return not isinstance(lm, ScriptedLM) and _supports_function_calling(lm.model)

    def _decide_native(self, lm, inputs: dict, span: Span | None) -> Step:
        """One request with `tools=`: the reply's text is the thought, its first tool call the action."""
        predictor = self.react
        adapter = predictor.adapter or ChatAdapter()
        signature = _thought_signature(predictor.signature)
        overrides, hints = current_try()
        if id(predictor) in hints:  # Refine's advice, as Predict adds it
            signature = signature.append_input(HINT_FIELD[0], str, HINT_FIELD[1])
            inputs = {**inputs, HINT_FIELD[0]: hints[id(predictor)]}
        messages = adapter.format(signature, predictor.demos, inputs)
        request = {**overrides, **predictor.config,
                   "tools": [tool.openai_schema() for tool in self.tools.values()]}
        started = time.perf_counter()
        try:
            response = lm.request(messages, use_cache=current().options.cache, **request)
        except DspError as err:
            raise err.with_span(span)
        thought = _lenient_thought(adapter, signature, response.text)
        name, args = _first_tool_call(response.tool_calls)
        outputs = {"next_thought": thought, "next_tool_name": name, "next_tool_args": args}
        trace.record(trace.PredictorCall(
            path=predictor.name, signature=signature.name, inputs=dict(inputs), messages=messages,
            replies=list(response.texts), outputs=outputs, model=response.model,
            prompt_tokens=response.usage.prompt_tokens, completion_tokens=response.usage.completion_tokens,
            cost=response.usage.cost, latency=time.perf_counter() - started,
            cache_hit=response.cache_hit, adapter=adapter.name, span=span, predictor=predictor))
        feedback.note_call(predictor, outputs)
        return Step(thought, name, args)

    def __repr__(self) -> str:
        tools = ", ".join(name for name in self.tools if name != FINISH)
        return f"ReAct({self.signature.name}, tools=[{tools}])"


# -------------------------------------------------------------- signatures and formatting


def _finish_tool(signature: Signature) -> Tool:
    outputs = ", ".join(f"`{name}`" for name in signature.output_names)

    def finish() -> str:
        return "Completed."

    desc = (f"Marks the task as complete. That is, signals that all information for producing "
            f"the outputs, i.e. {outputs}, are now available to be extracted.")
    return Tool(finish, FINISH, desc, [])


def _react_signature(base: Signature, tools: dict[str, Tool]) -> Signature:
    inputs = ", ".join(f"`{name}`" for name in base.input_names)
    outputs = ", ".join(f"`{name}`" for name in base.output_names)
    lines = [base.instructions + "\n"] if base.instructions else []
    lines += [
        f"You are an Agent. In each episode, you will be given the fields {inputs} as input, "
        "and you can see your past trajectory so far.",
        f"Your goal is to use one or more of the supplied tools to collect any necessary "
        f"information for producing {outputs}.\n",
        "To do this, in each turn you will write next_thought, then choose next_tool_name and "
        "its next_tool_args; you do this also when finishing the task. After each tool call "
        "you receive an observation, which gets appended to your trajectory.\n",
        "When writing next_thought, you may reason about the current situation and plan for "
        "future steps. When selecting the next_tool_name and its next_tool_args, the tool must "
        "be one of:\n",
    ]
    lines += [f"({i}) {tool.describe()}" for i, tool in enumerate(tools.values(), 1)]
    lines.append("When providing `next_tool_args`, the value inside the field must be in JSON format.")
    fields = [*base.inputs, FieldSpec("trajectory", str, TRAJECTORY_DESC, INPUT),
              FieldSpec("next_thought", str, None, OUTPUT),
              FieldSpec("next_tool_name", Literal[tuple(tools)], None, OUTPUT),
              FieldSpec("next_tool_args", dict[str, Any], None, OUTPUT)]
    return Signature.from_fields(f"{base.name}_react", "\n".join(lines), fields)


def _loose_signature(signature: Signature) -> Signature:
    """The react signature with the tool name and arguments read as plain text."""
    return signature.cached("react_loose", lambda: signature.with_outputs(tuple(
        FieldSpec(name, str, None, OUTPUT) for name in ("next_thought", "next_tool_name", "next_tool_args"))))


def _thought_signature(signature: Signature) -> Signature:
    """The react signature for native function calling: the tool call comes separately."""
    return signature.cached("react_thought", lambda: signature.with_outputs(signature.outputs[:1]))


def _lenient_thought(adapter, signature: Signature, text: str) -> str:
    if not text.strip():
        return ""
    try:
        return adapter.parse(signature, text)["next_thought"]
    except DspOutputParseError:
        return text.strip()


def _first_tool_call(calls: list | None) -> tuple[str, Any]:
    """(name, arguments) of the first native tool call; no call at all means `finish`."""
    if not calls:
        return FINISH, {}
    function = calls[0].get("function") or {}
    return str(function.get("name") or ""), _json_or_text(function.get("arguments") or "{}")


def _json_or_text(args: Any) -> Any:
    """Arguments decoded from JSON text; text that is not JSON is kept for the tool runner to report."""
    if not isinstance(args, str):
        return args
    try:
        return json.loads(args)
    except ValueError:
        return args


def format_trajectory(steps: list[Step], start: int = 0) -> str:
    """The steps from `start` on as `[[ ## thought_0 ## ]]` blocks (numbered as in the run)."""
    blocks = []
    for index, step in enumerate(steps[start:], start):
        args = step.tool_args if isinstance(step.tool_args, str) else json.dumps(
            step.tool_args, ensure_ascii=False, default=str)
        blocks += [field_block(f"thought_{index}", step.thought),
                   field_block(f"tool_name_{index}", step.tool_name),
                   field_block(f"tool_args_{index}", args),
                   field_block(f"observation_{index}", step.observation)]
    return "\n\n".join(blocks)


def trajectory_dict(steps: list[Step]) -> dict:
    """The trajectory as `pred.trajectory` holds it."""
    out: dict = {}
    for index, step in enumerate(steps):
        out[f"thought_{index}"] = step.thought
        out[f"tool_name_{index}"] = step.tool_name
        out[f"tool_args_{index}"] = step.tool_args
        out[f"observation_{index}"] = step.observation
    return out


@lru_cache(maxsize=64)
def _supports_function_calling(model: str) -> bool:
    """Whether litellm says `model` takes `tools=` (False when it cannot tell)."""
    try:
        with quiet_litellm() as litellm:  # heavy: only for a real model
            try:
                return bool(litellm.supports_function_calling(model=model))
            except Exception:  # noqa: BLE001 - litellm raises for models it does not know
                return False
    except ImportError:
        return False
