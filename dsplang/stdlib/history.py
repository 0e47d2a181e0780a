"""History: a conversation so far, as an input field type (DSPy's `dspy.History`).

`History(messages=[{"question": "Hi?", "answer": "Hello."}, ...])`: each turn holds values of
the signature's fields, inputs and outputs alike. A signature with an `input history: History`
field is sent as a real conversation: the adapters write each turn as a user message (the
turn's inputs, as field blocks) followed by an assistant message (its outputs, in the reply
format), between the demos and the request (`adapters.base.Adapter.format`). The current
request's own user message then holds the other inputs. A history in a demo is shown as JSON
inside the demo, as DSPy does.

A conversation grows by appending turns: `history.messages.append({"question": q, "answer":
pred.answer})`. A turn may be a dict, an Example or a Prediction; it is checked when the
history is built and again when it is sent (turns appended since).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from dsplang.errors import DspTypeError, a_type
from dsplang.stdlib.fields import Fields

__all__ = ["History", "as_history", "check_history", "turn_fields"]

TURN_HINT = 'each turn is a dict of the signature\'s fields, e.g. {"question": "Hi?", "answer": "Hello."}'


class History:
    """`History(messages=[turn, ...])` (or `History([turn, ...])`, or `History()`: no turns yet)."""

    __slots__ = ("messages",)

    def __init__(self, messages: Iterable[Any] | None = None) -> None:
        if messages is None:
            turns: list = []
        elif isinstance(messages, (list, tuple)):
            turns = list(messages)
        else:
            raise DspTypeError(f"History(messages=...) takes a list of turns, not {a_type(messages)}",
                               hint=TURN_HINT)
        for index, turn in enumerate(turns, 1):
            turn_fields(turn, index)
        self.messages = turns

    def turns(self) -> list[dict[str, Any]]:
        """Every turn as a dict of field values (checked: a turn must be a dict, Example or Prediction)."""
        return [turn_fields(turn, index) for index, turn in enumerate(self.messages, 1)]

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        """`{"messages": [...]}`, each turn a plain dict (how a demo shows a history)."""
        return {"messages": self.turns()}

    def __len__(self) -> int:
        return len(self.messages)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.messages)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, History) and self.turns() == other.turns()

    __hash__ = None  # type: ignore[assignment]  # mutable: turns are appended

    def __repr__(self) -> str:
        text = repr(self.turns())
        if len(text) > 300:
            text = text[:297] + "..."
        return f"History(messages={text})"


def turn_fields(turn: Any, index: int) -> dict[str, Any]:
    """Turn number `index` (1-based) of a history as a dict; a DspTypeError if it is no mapping."""
    if isinstance(turn, Mapping):
        return dict(turn)
    if isinstance(turn, Fields):
        return dict(turn.items())
    raise DspTypeError(f"turn {index} of the History is {a_type(turn)}", hint=TURN_HINT)


def check_history(value: Any, field: str, names: Iterable[str]) -> History | None:
    """`as_history(value, field)`, with every turn holding at least one of the fields `names`
    (the signature's other fields); a DspTypeError names the first turn that does not."""
    history = as_history(value, field)
    if history is None:
        return None
    names = [name for name in names if name != field]
    for index, turn in enumerate(history.turns(), 1):
        if not any(name in turn for name in names):
            raise DspTypeError(f"turn {index} of the History has none of the fields {', '.join(names)}",
                               hint=f"its keys are: {', '.join(map(str, turn)) or 'none'}")
    return history


def as_history(value: Any, field: str) -> History | None:
    """The value of input `field` (of type History) as a History: a list of turns is wrapped,
    none means no turns; anything else is a DspTypeError."""
    if value is None or isinstance(value, History):
        return value
    if isinstance(value, (list, tuple)):
        return History(list(value))
    raise DspTypeError(f"input {field!r} is a History, not {a_type(value)}",
                       hint='build one with History(messages=[{"question": "Hi?", "answer": "Hello."}])')
