"""`Feedback(score, text, predictor=none)`: a metric's score with a text saying what was wrong.

A metric may return a bool, a number, or a `Feedback`:

    def graded(example, pred, trace=none):
        if pred.answer == example.answer:
            return Feedback(score=1.0, text="Correct.")
        return Feedback(score=0.0, text="Wrong: the answer must name the capital city, not the country.")

Everything that reads a metric's value (`evaluate`, every optimizer) reads its `score`, so a
feedback metric works wherever a plain one does. GEPA also reads the `text`: it shows it, with
the predictor's inputs and outputs, to the reflection LM that rewrites the instructions.

The text may be meant for one predictor of a program with several:

- `Feedback(score=0.0, text="...", predictor="draft")`: only the predictor at `draft` (or under
  it: `draft` names `draft.predict`, `inner` names `inner.cot.predict`) is shown the text; the
  others are shown the score alone;
- `Feedback(score=0.5, text={"draft": "...", "polish": "..."})`: a text per predictor (a key
  names predictors as `predictor=` does; predictors no key names are shown the score alone).

DSPy's way of returning feedback, `Prediction(score=..., feedback="...")` (or a dict with those
keys), is read the same way as `Feedback(score=..., text=...)`.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from dsplang.errors import DspArgumentError, DspTypeError
from dsplang.stdlib.prediction import Prediction, _show


class Feedback(Prediction):
    """See the module docstring. Fields: `score` (a number or bool), `text` (a str or a dict
    predictor -> str), `predictor` (a predictor path or none)."""

    __slots__ = ()
    _what = "the feedback"

    def __init__(self, score: Any = None, text: Any = "", predictor: Any = None) -> None:
        if score is None:
            raise DspArgumentError("Feedback() needs a score",
                                   hint='for example: Feedback(score=0.0, text="the answer must be a city")')
        if isinstance(score, bool):
            score = float(score)
        if not isinstance(score, numbers.Real) or not math.isfinite(score):
            raise DspTypeError(f"Feedback(): score must be a number or a bool, got {_what_is(score)}",
                               hint="for example: Feedback(score=0.5, text=...)")
        text = "" if text is None else text
        if isinstance(text, dict):
            bad = [k for k, v in text.items() if not isinstance(k, str) or not k or not isinstance(v, str)]
            if bad:
                raise DspTypeError(f"Feedback(): a text dict maps predictor names to texts; its entry "
                                   f"{bad[0]!r} is not a name and a str",
                                   hint='for example: text={"draft": "too long", "polish": "fine"}')
            if predictor is not None:
                raise DspArgumentError("Feedback(): give predictor= or a dict of texts, not both",
                                       hint='text={"draft": "..."} already says which predictor each text is for')
        elif not isinstance(text, str):
            raise DspTypeError(f"Feedback(): text must be a str or a dict of predictor -> str, "
                               f"got {_what_is(text)}", hint='for example: text="the answer must be a city"')
        if predictor is not None and (not isinstance(predictor, str) or not predictor.strip()):
            raise DspTypeError(f"Feedback(): predictor must be the path of a predictor, got {_what_is(predictor)}",
                               hint='for example: predictor="respond" (an attribute of the module)')
        super().__init__(score=float(score), text=text, predictor=predictor)

    def text_for(self, path: str) -> str | None:
        """The text meant for the predictor at `path`, or None when it is meant for others."""
        text, predictor = self._data["text"], self._data["predictor"]
        if isinstance(text, dict):
            found = [t for key, t in text.items() if names(key, path)]
            return "\n".join(found) if found else None
        if predictor is not None and not names(predictor, path):
            return None
        return text or None

    def __repr__(self) -> str:
        shown = f"score={self._data['score']!r}, text={_show(self._data['text'])}"
        if self._data["predictor"] is not None:
            shown += f", predictor={self._data['predictor']!r}"
        return f"Feedback({shown})"

    __str__ = __repr__


def names(key: str, path: str) -> bool:
    """Whether `key` (as a metric writes it) names the predictor at `path`: the path itself, or
    a module or predictor attribute it lies under (`respond` names `respond.predict`)."""
    key = key.strip()
    return path == key or path.startswith(key + ".") or key == "self" and path == "self"


def feedback_text(value: Any, path: str) -> str | None:
    """The text a metric's return `value` holds for the predictor at `path`: a Feedback's, the
    `feedback` of a Prediction or dict (DSPy's way); None for a plain bool or number."""
    if isinstance(value, Feedback):
        return value.text_for(path)
    if isinstance(value, (Prediction, dict)) and "feedback" in value:
        text = value["feedback"]
        if isinstance(text, dict):
            found = [str(t) for key, t in text.items() if isinstance(key, str) and names(key, path)]
            return "\n".join(found) or None
        return None if text is None else str(text) or None
    return None


def _what_is(value: Any) -> str:
    if value is None:
        return "none"
    shown = repr(value)
    return f"{type(value).__name__} {shown if len(shown) <= 40 else shown[:37] + '...'}"
