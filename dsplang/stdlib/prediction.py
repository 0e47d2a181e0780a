"""Prediction: what a predictor returns — its output fields, and every completion when n > 1."""

from __future__ import annotations

from typing import Any

from dsplang.analysis import messages
from dsplang.stdlib.fields import Fields
from dsplang.stdlib.notebook import html_table


class Prediction(Fields):
    """Output fields by attribute (`pred.answer`); `completions` holds all n completions."""

    __slots__ = ("_data", "completions")
    _what = "the prediction"

    def _missing_hint(self, name: str) -> str | None:
        return messages.prediction_field_hint(name, self._data)   # `dsp check` gives it too

    def __init__(self, data: dict | None = None, completions: list[dict] | None = None, **fields: Any):
        merged = dict(data or {})
        merged.update(fields)
        object.__setattr__(self, "_data", merged)
        object.__setattr__(self, "completions", completions if completions is not None else [merged])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Prediction) and self._data == other._data

    __hash__ = None  # mutable

    def __repr__(self) -> str:
        if not self._data:
            return "Prediction()"
        lines = [f"    {k}={_show(v)}," for k, v in self._data.items()]
        more = f"\n    ({len(self.completions)} completions)" if len(self.completions) > 1 else ""
        return "Prediction(\n" + "\n".join(lines) + more + "\n)"

    __str__ = __repr__

    def _repr_html_(self) -> str:
        more = f" ({len(self.completions)} completions)" if len(self.completions) > 1 else ""
        return html_table(("field", "value"), self._data.items(), "Prediction" + more)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."
