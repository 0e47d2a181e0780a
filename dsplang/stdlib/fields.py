"""Fields: the read-and-write mapping behaviour that Example and Prediction share.

Values are reached as attributes (`ex.question`) or keys (`ex["question"]`); a missing one is
an attribute/key error with "did you mean". Subclasses keep their values in `_data` and name
themselves in messages with `_what`.
"""

from __future__ import annotations

from typing import Any

from dsplang.errors import DspAttributeError, DspKeyError, did_you_mean
from dsplang.interpreter.values import FieldValues
from dsplang.stdlib.notebook import json_ready


class Fields(FieldValues):
    __slots__ = ()
    _what = "the value"

    def dsp_fields(self) -> dict:
        return self._data

    def _missing_hint(self, name: str) -> str | None:
        return did_you_mean(name, self._data)

    def __getattr__(self, name: str) -> Any:
        data = object.__getattribute__(self, "_data")
        if name in data:
            return data[name]
        if name.startswith("__"):
            raise AttributeError(name)
        raise DspAttributeError(f"{self._what} has no field {name!r}", hint=self._missing_hint(name))

    def __setattr__(self, name: str, value: Any) -> None:
        self._data[name] = value

    def __setstate__(self, state: Any) -> None:
        """copy, deepcopy and pickle restore the slots directly (`__setattr__` writes fields)."""
        slots = state[1] if isinstance(state, tuple) else state
        for name, value in (slots or {}).items():
            object.__setattr__(self, name, value)

    def __getitem__(self, key: str) -> Any:
        try:
            return self._data[key]
        except KeyError:
            raise DspKeyError(f"{self._what} has no field {key!r}", hint=self._missing_hint(key)) from None

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value

    def __contains__(self, key: str) -> bool:
        return key in self._data

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def keys(self) -> list[str]:
        return list(self._data)

    def values(self) -> list:
        return list(self._data.values())

    def items(self) -> list[tuple[str, Any]]:
        return list(self._data.items())

    def to_dict(self, json: bool = False) -> dict:
        """The fields as a dict; `json=True`: as JSON data (records as dicts, enums as strings)."""
        if json:
            return json_ready(self._data)
        return dict(self._data)

    toDict = to_dict
