"""Prediction: what a predictor returns — its output fields, and every completion when n > 1."""

from __future__ import annotations

from typing import Any

from dsplang.errors import DspAttributeError, DspKeyError, did_you_mean


class Prediction:
    """Output fields by attribute (`pred.answer`); `completions` holds all n completions."""

    __slots__ = ("_data", "completions")

    def __init__(self, data: dict | None = None, completions: list[dict] | None = None, **fields: Any):
        merged = dict(data or {})
        merged.update(fields)
        object.__setattr__(self, "_data", merged)
        object.__setattr__(self, "completions", completions if completions is not None else [merged])

    def __getattr__(self, name: str) -> Any:
        data = object.__getattribute__(self, "_data")
        if name in data:
            return data[name]
        if name.startswith("__"):
            raise AttributeError(name)
        raise DspAttributeError(f"the prediction has no field {name!r}",
                                hint=did_you_mean(name, data) or f"its fields are: {', '.join(data)}")

    def __setattr__(self, name: str, value: Any) -> None:
        self._data[name] = value

    def __getitem__(self, key: str) -> Any:
        try:
            return self._data[key]
        except KeyError:
            raise DspKeyError(f"the prediction has no field {key!r}", hint=did_you_mean(key, self._data)) from None

    def __contains__(self, key: str) -> bool:
        return key in self._data

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Prediction) and self._data == other._data

    __hash__ = None  # mutable

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def keys(self) -> list[str]:
        return list(self._data)

    def values(self) -> list:
        return list(self._data.values())

    def items(self) -> list[tuple[str, Any]]:
        return list(self._data.items())

    def to_dict(self) -> dict:
        return dict(self._data)

    toDict = to_dict

    def __repr__(self) -> str:
        if not self._data:
            return "Prediction()"
        lines = [f"    {k}={_show(v)}," for k, v in self._data.items()]
        more = f"\n    ({len(self.completions)} completions)" if len(self.completions) > 1 else ""
        return "Prediction(\n" + "\n".join(lines) + more + "\n)"

    __str__ = __repr__


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."
