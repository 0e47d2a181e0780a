"""`majority(predictions, field=none, normalize=default)`: the most common answer wins.

`predictions` is a list of Predictions (or dicts), or one Prediction holding several
completions (`Predict(sig, n=5)`). Each value of `field` (default: the last field, which
for a predictor is its last output) is normalised — by default with the `normalize`
metric, DSPy's answer normalisation; `normalize=none` compares values as they are — and
counted. Values that normalise to nothing are ignored, unless all do. Ties go to the value
seen first. The result is the first prediction holding the winning value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dsplang.errors import DspArgumentError, DspKeyError, DspTypeError, DspValueError, a_type, did_you_mean
from dsplang.interpreter.values import DspCallable
from dsplang.stdlib.metrics import normalize as normalize_text
from dsplang.stdlib.prediction import Prediction


def default_normalize(value: Any) -> str | None:
    """DSPy's default: the normalised text, or None when nothing is left."""
    return normalize_text(value) or None


_DEFAULT = object()


def majority(predictions: Any, field: str | None = None, normalize: Any = _DEFAULT) -> Prediction:
    """The prediction whose `field` value is the most common one; see the module docstring."""
    candidates = _candidates(predictions)
    if not candidates:
        raise DspValueError("majority() needs at least one prediction")
    name = field if field is not None else list(_fields(candidates[0]))[-1]
    norm = _normalizer(normalize)
    values = [norm(_value(c, name)) for c in candidates]
    counted = [v for v in values if v is not None] or values
    counts: dict = {}
    for value in counted:
        counts[value] = counts.get(value, 0) + 1
    winner = max(counts, key=counts.get)  # max keeps the first of equal counts
    chosen = candidates[values.index(winner)]
    return chosen if isinstance(chosen, Prediction) else Prediction(dict(chosen))


def _candidates(predictions: Any) -> list:
    if isinstance(predictions, Prediction):
        return [Prediction(dict(c)) for c in predictions.completions]
    if isinstance(predictions, (list, tuple)):
        for item in predictions:
            if not isinstance(item, (Prediction, dict)):
                raise DspTypeError(f"majority(): each item must be a Prediction, got {a_type(item)}")
        return list(predictions)
    raise DspTypeError(f"majority() takes a list of predictions or a Prediction, got a "
                       f"{type(predictions).__name__}")


def _fields(candidate) -> list[str]:
    names = list(candidate.keys())
    if not names:
        raise DspValueError("majority(): the predictions have no fields")
    return names


def _value(candidate, name: str) -> Any:
    if name not in candidate:
        raise DspKeyError(f"majority(): a prediction has no field {name!r}",
                          hint=did_you_mean(name, list(candidate.keys())))
    return candidate[name]


def _normalizer(normalize: Any) -> Callable[[Any], Any]:
    if normalize is _DEFAULT:
        return default_normalize
    if normalize is None:
        return _hashable
    if isinstance(normalize, DspCallable):
        return lambda value: _hashable(normalize.call((value,), {}, None))
    if callable(normalize):
        return lambda value: _hashable(normalize(value))
    raise DspArgumentError(f"majority(): normalize must be a function or none, got {normalize!r}")


def _hashable(value: Any) -> Any:
    """Values are counted in a dict: unhashable ones (lists, dicts) by their repr."""
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value
