"""Bookkeeping for `ensure` / `require`: which predictor ran last, and pending feedback.

Predictors call `note_call(self, outputs)` after each successful call. When an assertion
fails, the evaluator stores feedback for the most recent predictor and re-runs the
statements from the one that called it; the predictor then reads `feedback_for(self)`
and adds the feedback and its previous answer to its inputs. The state belongs to the Run
and is per thread (`context.FeedbackState`), and per async call (a bridge greenlet of
`interpreter.awaiting`: many run on one thread), so parallel calls do not see each other's
feedback and two runs never share it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from dsplang.context.run import FeedbackState, current
from dsplang.interpreter import awaiting

DEFAULT_RETRIES = 2


@dataclass(slots=True)
class Feedback:
    message: str
    previous: dict[str, Any]  # the outputs the predictor gave last time


def _state() -> FeedbackState:
    """The Run's state of this thread, or of this async call."""
    own = awaiting.local()
    if own is None:
        return current().feedback
    state = own.get("feedback")
    if state is None:
        state = own["feedback"] = FeedbackState()
    return state


def note_call(predictor: object, outputs: dict[str, Any]) -> None:
    state = _state()
    state.calls += 1
    state.last = predictor
    state.last_outputs = outputs


def call_count() -> int:
    return _state().calls


def last_call() -> tuple[object, dict[str, Any]]:
    state = _state()
    return state.last, state.last_outputs


def feedback_for(predictor: object) -> Feedback | None:
    pending = _state().feedback
    if not pending:
        return None
    return pending.get(id(predictor))


@contextmanager
def giving_feedback(predictor: object, message: str, previous: dict[str, Any]) -> Iterator[None]:
    """While inside, `predictor` sees `message` as feedback on its previous answer."""
    state = _state()
    key = id(predictor)
    old = state.feedback.get(key)
    state.feedback[key] = Feedback(message, dict(previous))
    try:
        yield
    finally:
        if old is None:
            state.feedback.pop(key, None)
        else:
            state.feedback[key] = old
