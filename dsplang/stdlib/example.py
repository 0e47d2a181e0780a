"""Example: a row of data — named fields, some of them marked as the program's inputs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dsplang.errors import DspKeyError, DspTypeError, did_you_mean
from dsplang.stdlib.fields import Fields
from dsplang.stdlib.notebook import html_table


class Example(Fields):
    """Fields in insertion order; `with_inputs("a", "b")` marks which are inputs."""

    __slots__ = ("_data", "_inputs")
    _what = "Example"

    def __init__(self, base: dict | Example | None = None, /, *extra: Any, **fields: Any):
        if extra or not isinstance(base, (Example, dict, type(None))):
            raise DspTypeError("Example() takes its fields by name, or one dict or Example to copy",
                               hint='e.g. Example(question="What is 2+2?", answer="4")')
        data: dict = {}
        if isinstance(base, Example):
            data.update(base._data)
        elif isinstance(base, dict):
            data.update(base)
        data.update(fields)
        object.__setattr__(self, "_data", data)
        object.__setattr__(self, "_inputs", base._inputs if isinstance(base, Example) else None)

    def with_inputs(self, *names: str) -> Example:
        unknown = [n for n in names if n not in self._data]
        if unknown:
            raise DspKeyError(f"with_inputs: no field {unknown[0]!r} in this example",
                              hint=did_you_mean(unknown[0], self._data))
        new = Example(self._data)
        object.__setattr__(new, "_inputs", tuple(names))
        return new

    @property
    def input_keys(self) -> tuple[str, ...] | None:
        return self._inputs

    def inputs(self) -> Example:
        """A copy holding only the input fields."""
        if self._inputs is None:
            raise DspKeyError("this example has no inputs marked; use .with_inputs(\"field\", ...)")
        new = Example({k: v for k, v in self._data.items() if k in self._inputs})
        object.__setattr__(new, "_inputs", self._inputs)
        return new

    def labels(self) -> Example:
        """A copy holding only the fields that are not inputs."""
        keep = self._inputs or ()
        return Example({k: v for k, v in self._data.items() if k not in keep})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Example) and self._data == other._data and self._inputs == other._inputs

    def __hash__(self) -> int:
        return hash(tuple((k, repr(v)) for k, v in self._data.items()))

    def copy(self, **changes: Any) -> Example:
        new = Example(self, **changes)
        return new

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={_short(v)}" for k, v in self._data.items())
        marked = f" (inputs: {', '.join(self._inputs)})" if self._inputs else ""
        return f"Example({fields}){marked}"

    __str__ = __repr__

    def _repr_html_(self) -> str:
        inputs = self._inputs or ()
        rows = [(k, "input" if k in inputs else "", v) for k, v in self._data.items()]
        return html_table(("field", "", "value"), rows, "Example")


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def examples(rows: Iterable[dict], inputs: Iterable[str]) -> list[Example]:
    names = tuple(inputs)
    return [Example(row).with_inputs(*names) for row in rows]
