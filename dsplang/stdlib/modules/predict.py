"""Predict: one LM call for one signature — format, send, parse, trace.

Its learnable parameters are the signature's instructions and field descriptions and
its demos; optimizers rewrite them. `await predictor.acall(**inputs)` (`DspCallable.acall`)
makes the same call with the LM request awaited; under a stream listener (`streamify`,
`dsp run --stream`) the reply's output fields are delivered as they arrive (`streaming`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from dsplang.analysis.messages import positional_predictor_call
from dsplang.context import feedback, trace
from dsplang.context.lm import current_lm
from dsplang.context.run import current, derived
from dsplang.errors import DspArgumentError, DspError, DspOutputParseError, DspTypeError, Span, a_type
from dsplang.interpreter.values import DspCallable, Learnable
from dsplang.lm.vision import content_text
from dsplang.stdlib import streaming
from dsplang.stdlib.adapters import ChatAdapter, JSONAdapter
from dsplang.stdlib.fields import Fields
from dsplang.stdlib.prediction import Prediction
from dsplang.stdlib.signature import Signature

FEEDBACK_FIELDS = (
    ("previous_answer", "your previous answer, which did not pass a check"),
    ("feedback", "what was wrong with the previous answer; fix it this time"),
)
HINT_FIELD = ("hint_", "a hint to the module from an earlier run")
_NONE = object()

@contextmanager
def trying(request: dict, hints: dict | None = None) -> Iterator[None]:
    """Set by BestOfN and Refine around one try of a program (the Run's `attempt`): inside,
    every predictor call adds `request` to its LM request parameters (its own config wins;
    rollout_id, temperature), and a predictor whose id is in `hints` gets that text as a
    `hint_` input (Refine's advice)."""
    outer_request, outer_hints = current().attempt
    with derived(attempt=({**outer_request, **request}, {**outer_hints, **(hints or {})})):
        yield


def current_try() -> tuple[dict, dict]:
    """The (request parameters, hints by predictor id) set by the enclosing `trying` blocks."""
    return current().attempt


def as_signature(value, span: Span | None = None) -> Signature:
    """A Signature from a Signature or the short string form."""
    if isinstance(value, Signature):
        return value
    if isinstance(value, str):
        return Signature.from_string(value)
    raise DspTypeError(f"expected a signature, got {a_type(value)}", span,
                       hint='declare one with `signature NAME:` or write "question -> answer"')


class Predict(Learnable, DspCallable):
    """`Predict(signature, **config)`: call with the signature's inputs as keyword arguments."""

    takes_signature = True   # a string literal as first argument is read as a signature, in the caller's types

    def __init__(self, signature, /, *, adapter=None, lm=None, demos=None, **config: Any):
        self.signature = as_signature(signature)
        self.adapter = adapter
        self.lm = lm
        self.demos = [] if demos is None else demos
        self.config = config
        self.name = self.signature.name

    @property
    def demos(self) -> list:
        """The examples shown before each call: Examples (or dicts) of the signature's fields."""
        return self._demos

    @demos.setter
    def demos(self, value) -> None:
        if not isinstance(value, (list, tuple)):
            raise DspTypeError(f"a predictor's demos must be a list of Examples, not {a_type(value)}",
                               hint='for example: demos=[Example(question="2 + 2?", answer="4")]')
        bad = next((item for item in value if not isinstance(item, (Fields, Mapping))), _NONE)
        if bad is not _NONE:
            raise DspTypeError(f"a predictor's demos must be a list of Examples; one of them is {a_type(bad)}",
                               hint='for example: demos=[Example(question="2 + 2?", answer="4")]')
        self._demos = list(value)

    # ---------------------------------------------------------- learnable state

    def clone(self) -> Predict:
        new = Predict(self.signature, adapter=self.adapter, lm=self.lm, demos=list(self.demos), **self.config)
        new.name = self.name
        return new

    def set_path_hint(self, path: str) -> None:
        self.name = path

    # ---------------------------------------------------------- calling

    def call(self, args: tuple, kwargs: dict, span: Span | None):
        if args:
            message, hint = positional_predictor_call(self.name, self.signature.input_names)
            raise DspArgumentError(message, span, hint=hint)
        config = {}
        if "config" in kwargs and "config" not in self.signature.input_names:
            config = kwargs.pop("config") or {}
        return self.forward(kwargs, span, config)

    def forward(self, inputs: dict, span: Span | None, config: dict | None = None) -> Prediction:
        signature = self.signature
        signature.validate_inputs(inputs, span)
        run = current()
        pending = feedback.feedback_for(self)
        if pending is not None:
            signature, inputs = _with_feedback(signature, inputs, pending)
        request, hints = run.attempt
        if id(self) in hints:
            signature = signature.append_input(HINT_FIELD[0], str, HINT_FIELD[1])
            inputs = {**inputs, HINT_FIELD[0]: hints[id(self)]}
        lm = self._lm(span)
        options = {**request, **self.config, **(config or {})}
        outputs, completions = self._run(lm, signature, inputs, options, span, run.options)
        feedback.note_call(self, outputs)
        return Prediction(outputs, completions)

    def _lm(self, span):
        if self.lm is not None:
            return self.lm
        try:
            return current_lm()
        except DspError as err:
            raise err.with_span(span)

    def _run(self, lm, signature: Signature, inputs: dict, options: dict, span, settings):
        adapter = self.adapter or ChatAdapter()
        try:
            return self._attempt(lm, adapter, signature, inputs, options, span, settings)
        except DspOutputParseError as first:
            if isinstance(adapter, JSONAdapter) or self.adapter is not None:
                raise first.with_span(span)
            try:
                return self._attempt(lm, JSONAdapter(), signature, inputs, options, span, settings)
            except DspOutputParseError as second:
                first.notes.append(f"a retry asking for JSON failed too: {second.message}")
                raise first.with_span(span) from None

    def _attempt(self, lm, adapter, signature, inputs, options, span, settings):
        """One request; `settings` are the run's options (show_prompts, cache)."""
        messages = adapter.format(signature, self.demos, inputs)
        if settings.show_prompts:
            _show(self.name, messages)
        request = {**adapter.request_kwargs(lm, signature), **options}
        stream = streaming.listener(self.name, signature, adapter)
        if stream is not None:
            request["on_delta"] = stream
        started = time.perf_counter()
        try:
            response = lm.request(messages, use_cache=settings.cache, **request)
        except DspError as err:
            if stream is not None:
                stream.void()           # a stream that broke: what it delivered is not the outputs
            raise err.with_span(span)
        record = trace.PredictorCall(
            path=self.name, signature=signature.name, inputs=dict(inputs), messages=messages,
            replies=list(response.texts), outputs=None, model=response.model,
            prompt_tokens=response.usage.prompt_tokens, completion_tokens=response.usage.completion_tokens,
            cost=response.usage.cost, cache_hit=response.cache_hit,
            latency=max(0.0, time.perf_counter() - started - response.import_seconds),   # not litellm's import
            adapter=adapter.name, span=span, predictor=self)
        try:
            thoughts = response.reasoning or [None] * len(response.texts)
            completions = [adapter.parse_reply(signature, text, thought)
                           for text, thought in zip(response.texts, thoughts)]
        except DspOutputParseError as err:
            record.error = err.message
            trace.record(record)
            if stream is not None:
                stream.void()           # before the JSON retry streams the fields again
            raise
        record.outputs = completions[0]
        trace.record(record)
        if stream is not None:
            stream.done(completions[0])
        return completions[0], completions

    def __repr__(self) -> str:
        return f"Predict({self.signature.name})"


def _with_feedback(signature: Signature, inputs: dict, feedback) -> tuple[Signature, dict]:
    """The signature and inputs of a retry after a failed `ensure`/`require`."""
    for name, desc in FEEDBACK_FIELDS:
        signature = signature.append_input(name, str, desc)
    previous = "\n".join(f"{k}: {v}" for k, v in feedback.previous.items())
    return signature, {**inputs, "previous_answer": previous, "feedback": feedback.message}


def _show(name: str, messages: list[dict]) -> None:
    out = sys.stderr
    out.write(f"----- prompt of {name} -----\n")
    for message in messages:
        out.write(f"[{message['role']}]\n{content_text(message['content'])}\n\n")
    out.flush()
