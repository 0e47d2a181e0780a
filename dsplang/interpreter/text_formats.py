"""Formatting held to the `seq_len` limit: `str.format`, `str.format_map`, the `%` operator on
strings and bytes (the `format()` builtin and an f-string check their spec with the same
`check_format_spec`).

Each width and precision is checked before anything is made, and so is the size of the
result where the values' sizes are known (strings, bytes, numbers): `"{0}{0}{0}".format(s)`
or `"%s%s" % (s, s)` is refused before it is built. A field of another value (a list, an
object) is formatted by a checking `string.Formatter`, which refuses as soon as the fields
made so far pass the limit; after `%` the result is checked.
"""

from __future__ import annotations

import functools
import math
import re
import string
from collections.abc import Callable, Mapping
from typing import Any

from dsplang.errors import Span
from dsplang.interpreter.limits import (
    CONTAINERS,
    Limits,
    check_format_spec,
    check_size,
    check_text,
    spec_width,
    too_long,
)

# The digits after a float's point when no precision asks for more (repr's 17 and then some).
FLOAT_DIGITS = 20
_PARSE = string.Formatter().parse
# The conversions whose size `value_size` knows for a string, bytes or number ('r', 'a' escape).
SIZED_CONVERSIONS = frozenset("sbdiuxXoeEfFgGc")
_PERCENT = r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d+))?[hlL]?(?P<type>.?)"
_PERCENT_STR = re.compile(_PERCENT, re.DOTALL)
_PERCENT_BYTES = re.compile(_PERCENT.encode(), re.DOTALL)


def value_size(value: Any, precision: int = 0) -> int | None:
    """At most how many characters `value` formats to (with a precision of `precision`),
    or None when that is not known without formatting it."""
    cls = value.__class__
    if cls is str or cls is bytes or cls is bytearray:
        return len(value)
    if value is None or cls is bool:
        return 5
    if isinstance(value, int):
        bits = value.bit_length()
        return bits + bits // 3 + 8             # binary digits, grouping, sign and prefix
    if isinstance(value, float):
        digits = len(str(int(abs(value)))) if math.isfinite(value) else 3
        return digits + digits // 3 + max(precision, FLOAT_DIGITS) + 8
    return None


def checking_format(fmt: str, limits: Limits, span: Span | None, mapping: bool = False) -> Callable[..., str]:
    """`fmt.format` (or `fmt.format_map`) done field by field, refusing a width, or fields
    together, longer than `seq_len`: for a format `format_fits` cannot vouch for."""
    def format(*args: Any, **kwargs: Any) -> str:
        values: Mapping[str, Any] = args[0] if mapping else kwargs
        made = _CheckingFormatter(limits, span, mapping).vformat(fmt, () if mapping else args, values)
        check_size(made, limits, span)
        return made
    format.__name__ = "format_map" if mapping else "format"
    return format


def format_fits(fmt: str, args: tuple[Any, ...], values: Any, limits: Limits, span: Span | None) -> bool:
    """Whether `fmt.format(*args, **values)` is surely within `seq_len`: a DspLimitError when a
    field's width or precision passes it; False when the values' sizes are not known."""
    fields, widest = format_fields(fmt)
    if fields < 0:
        return False
    if widest > limits.seq_len:
        raise too_long("string", widest, limits, span)
    if not fields:
        return True
    if values.__class__ is not dict:
        return False
    if _values_fit((*args, *values.values()) if values else args, (limits.seq_len - len(fmt)) // fields - widest,
                   widest):
        return True
    longest = 0
    for value in (*args, *values.values()):
        size = value_size(value, widest)
        if size is None:
            return False
        longest = max(longest, size)
    return len(fmt) + fields * (widest + longest) <= limits.seq_len


@functools.lru_cache(maxsize=256)
def format_fields(fmt: str) -> tuple[int, int]:
    """(fields, the widest width or precision) of a format string; fields is -1 when a field
    reads an attribute or item, escapes with !r or !a, or nests a field in its spec (sizes
    not known beforehand), and 0 for a malformed format (str.format gives the error)."""
    fields = widest = 0
    try:
        for _, name, spec, conversion in _PARSE(fmt):
            if name is None:
                continue
            if conversion in ("r", "a") or "." in name or "[" in name or "{" in (spec or ""):
                return -1, 0
            widest = max(widest, spec_width(spec or ""))
            fields += 1
    except ValueError:
        return 0, 0
    return fields, widest


class _CheckingFormatter(string.Formatter):
    """str.format done field by field: each spec checked, and the fields' total held to `seq_len`."""

    def __init__(self, limits: Limits, span: Span | None, mapping: bool) -> None:
        self.limits, self.span, self.mapping, self.size = limits, span, mapping, 0

    def get_value(self, key: int | str, args: Any, kwargs: Any) -> Any:
        if isinstance(key, int) and not args and self.mapping:
            raise ValueError("Format string contains positional fields")
        return super().get_value(key, args, kwargs)

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if value.__class__ in CONTAINERS:
            check_text(value, self.limits, self.span)
        return super().convert_field(value, conversion)

    def format_field(self, value: Any, format_spec: str) -> str:
        if value.__class__ in CONTAINERS:
            check_text(value, self.limits, self.span)
        if format_spec:
            check_format_spec(format_spec, self.limits, self.span)
        text = format(value, format_spec)
        self.size += len(text)
        if self.size > self.limits.seq_len:
            raise too_long("string", self.size, self.limits, self.span)
        return text


def check_percent(fmt: str | bytes | bytearray, values: Any, limits: Limits, span: Span | None) -> bool:
    """Check `fmt % values` before it runs: a DspLimitError for a width or precision (also one
    given by `*`) longer than `seq_len`, or for a result surely longer. True when the result's
    size is known to fit; False when the caller must check the result (a `%s` of a list)."""
    conversions, widest = percent_conversions(bytes(fmt) if isinstance(fmt, bytearray) else fmt)
    positional = values if values.__class__ is tuple else (values,)
    if 0 <= widest <= limits.seq_len:
        room = limits.seq_len - len(fmt) - widest * len(conversions)
        cls = values.__class__
        if cls is str and len(values) <= room or cls is int and values.bit_length() // 2 + 10 <= room \
                or _values_fit(positional, room, widest):
            return True
    keyed = values if isinstance(values, Mapping) else None
    size, known, index = len(fmt), True, 0
    for key, width, precision, kind, length in conversions:
        numbers = []
        part: Any
        for part in (width, precision):
            if part == "*":
                part = positional[index] if index < len(positional) else 0
                index += 1
                if not isinstance(part, int):
                    return True         # `%` gives the error
            numbers.append(abs(part or 0))
        if max(numbers) > limits.seq_len:
            raise too_long("string", max(numbers), limits, span)
        if key is not None and keyed is not None:
            value = keyed.get(key)
        else:
            value = positional[index] if index < len(positional) else None
            index += 1
        text = value_size(value, numbers[1]) if kind in SIZED_CONVERSIONS else None
        if value.__class__ in CONTAINERS:
            check_text(value, limits, span)
        if text is None:
            known, text = False, 0
        elif precision is not None and value.__class__ in (str, bytes, bytearray):
            text = min(text, numbers[1])
        size += max(numbers[0], text) - length
    if size > limits.seq_len:
        raise too_long("string" if isinstance(fmt, str) else type(fmt).__name__, size, limits, span)
    return known


Conversion = tuple[Any, "int | str | None", "int | str | None", str, int]


@functools.lru_cache(maxsize=256)
def percent_conversions(fmt: str | bytes) -> tuple[tuple[Conversion, ...], int]:
    """The conversions of a %-format: (mapping key, width, precision, type, length in the
    format) each, a width or precision being a number, "*" or None; `%%` left out. Then the
    largest width or precision, or -1 when a conversion takes one from the values (`*`), reads
    a mapping key or escapes (`%r`)."""
    pattern: Any = _PERCENT_STR if isinstance(fmt, str) else _PERCENT_BYTES
    out: list[Conversion] = []
    widest = 0
    for found in pattern.finditer(fmt):
        kind = _kind(found["type"])
        if kind in ("%", ""):
            continue
        parts: list[int | str | None] = [None if part is None else "*" if part in ("*", b"*") else int(part)
                                         for part in (found["width"], found["precision"])]
        out.append((found["key"], parts[0], parts[1], kind, len(found[0])))
        numbers = [part for part in parts if isinstance(part, int)]
        if "*" in parts or found["key"] is not None or kind not in SIZED_CONVERSIONS:
            widest = -1
        elif widest >= 0:
            widest = max(widest, *numbers, 0)
    return tuple(out), widest


def _values_fit(values: tuple[Any, ...], room: int, widest: int) -> bool:
    """Whether the values formatted (with a width or precision of up to `widest`) surely take
    `room` characters at most, all together (a quick bound; False when a size is not known)."""
    size = 0
    for value in values:
        cls = value.__class__
        if cls is str:
            size += len(value)
        elif cls is int:
            size += value.bit_length() // 2 + 10
        else:
            more = value_size(value, widest)
            if more is None:
                return False
            size += more
    return size <= room


def _kind(conversion: str | bytes) -> str:
    return conversion if isinstance(conversion, str) else conversion.decode("latin-1")
