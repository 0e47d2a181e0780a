"""Bookkeeping for `ensure` / `require`: which predictor ran last, and pending feedback.

Predictors call `note_call(self, outputs)` after each successful call. When an assertion
fails, the evaluator stores feedback for the most recent predictor and re-runs the
statements from the one that called it; the predictor then reads `feedback_for(self)`
and adds the feedback and its previous answer to its inputs. State is per thread, so
parallel calls do not see each other's feedback.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

DEFAULT_RETRIES = 2


@dataclass(slots=True)
class Feedback:
    message: str
    previous: dict          # the outputs the predictor gave last time


class _State(threading.local):
    def __init__(self) -> None:
        self.calls = 0
        self.last = None            # the predictor called most recently
        self.last_outputs: dict = {}
        self.feedback: dict[int, Feedback] = {}


_state = _State()


def note_call(predictor, outputs: dict) -> None:
    _state.calls += 1
    _state.last = predictor
    _state.last_outputs = outputs


def call_count() -> int:
    return _state.calls


def last_call() -> tuple[object, dict]:
    return _state.last, _state.last_outputs


def feedback_for(predictor) -> Feedback | None:
    if not _state.feedback:
        return None
    return _state.feedback.get(id(predictor))


@contextmanager
def giving_feedback(predictor, message: str, previous: dict) -> Iterator[None]:
    """While inside, `predictor` sees `message` as feedback on its previous answer."""
    key = id(predictor)
    old = _state.feedback.get(key)
    _state.feedback[key] = Feedback(message, dict(previous))
    try:
        yield
    finally:
        if old is None:
            _state.feedback.pop(key, None)
        else:
            _state.feedback[key] = old
