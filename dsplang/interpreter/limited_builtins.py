"""Builtin functions that can grow a value, made for one `Limits` and held to its `seq_len`:
`format(value, spec)` (its width and precision), `sum(lists, start)` (the concatenation),
`print(*values, sep=...)` (the joined line, and the text of a list or dict printed),
`repr(value)` (of a list or dict: `[s] * 1000` repeats a long `s`), `getattr(obj, "ljust")` (a growing method read by
name is checked when called, as `obj.ljust` is) and `json_dumps(value, indent=...)` (the
indentation). The driver puts them in the builtins table (`driver/builtins.py`).
"""

from __future__ import annotations

import builtins as py
import json
import sys
from collections.abc import Callable
from typing import Any

from dsplang.interpreter.growth import GROWING, checked_attribute
from dsplang.interpreter.limits import CONTAINERS, Limits, check_format_spec, check_size, check_text, too_long

_NO_DEFAULT: Any = object()


def limited_builtins(limits: Limits) -> dict[str, Callable[..., Any]]:
    """The growing builtins by name, each refusing a result longer than `limits.seq_len`."""
    made = {"format": _format(limits), "sum": _sum(limits), "print": _print(limits),
            "getattr": _getattr(limits), "json_dumps": _json_dumps(limits), "repr": _repr(limits)}
    for name, function in made.items():
        original = json.dumps if name == "json_dumps" else getattr(py, name)
        function.__name__, function.__doc__ = name, original.__doc__
    return made


def _format(limits: Limits) -> Callable[..., str]:
    def format_(value: Any, format_spec: str = "") -> str:
        if format_spec.__class__ is str and format_spec:
            check_format_spec(format_spec, limits, None)
        return format(value, format_spec)
    return format_


def _sum(limits: Limits) -> Callable[..., Any]:
    def sum_(items: Any, /, start: Any = 0) -> Any:
        if isinstance(start, (list, tuple, bytes, bytearray)):
            items = list(items)
            try:
                size = len(start) + sum(map(len, items))
            except TypeError:           # not all sequences: sum gives the error
                size = 0
            if size > limits.seq_len:
                raise too_long(type(start).__name__, size, limits, None)
        return sum(items, start)
    return sum_


def _print(limits: Limits) -> Callable[..., None]:
    def print_(*values: Any, sep: str | None = " ", end: str | None = "\n") -> None:
        sep = " " if sep is None else sep
        for value in values:
            if value.__class__ in CONTAINERS:
                check_text(value, limits, None)
        texts = [str(value) for value in values]
        if len(texts) > 1 and isinstance(sep, str):
            size = sum(map(len, texts)) + len(sep) * (len(texts) - 1)
            if size > limits.seq_len:
                raise too_long("string", size, limits, None)
        sys.stdout.write(sep.join(texts) + ("\n" if end is None else end))
    return print_


def _repr(limits: Limits) -> Callable[..., str]:
    def repr_(value: Any) -> str:
        if value.__class__ in CONTAINERS:
            check_text(value, limits, None)
        return repr(value)
    return repr_


def _getattr(limits: Limits) -> Callable[..., Any]:
    def getattr_(obj: Any, name: str, default: Any = _NO_DEFAULT) -> Any:
        value = getattr(obj, name) if default is _NO_DEFAULT else getattr(obj, name, default)
        return checked_attribute(obj, name, value, limits) if name in GROWING else value
    return getattr_


def _json_dumps(limits: Limits) -> Callable[..., str]:
    def json_dumps(value: Any, *args: Any, **kwargs: Any) -> str:
        indent = kwargs.get("indent")
        step = indent if isinstance(indent, int) else len(indent) if isinstance(indent, str) else 0
        if step > limits.seq_len:
            raise too_long("string", step, limits, None)
        if value.__class__ in CONTAINERS:
            check_text(value, limits, None)
        if step > 0:
            size = indented_size(value, step, limits.seq_len)
            if size > limits.seq_len:
                raise too_long("string", size, limits, None)
        made = json.dumps(value, *args, **kwargs)
        check_size(made, limits, None)
        return made
    return json_dumps


def indented_size(value: Any, step: int, most: int) -> int:
    """The characters of indentation `json.dumps(value, indent=step)` writes, counted until
    they pass `most` (each item of a list or dict starts a line indented one step deeper)."""
    total = 0
    stack = [(value, 1)]
    while stack and total <= most:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, (list, tuple)) else ()
        for child in children:
            total += depth * step + 1
            stack.append((child, depth + 1))
        if children:
            total += (depth - 1) * step + 1
    return total
