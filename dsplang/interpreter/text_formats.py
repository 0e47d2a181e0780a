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

import math
import re
import string
from collections.abc import Callable, Mapping
from typing import Any

from dsplang.errors import Span
from dsplang.interpreter.limits import Limits, check_format_spec, check_size, too_long

# The digits after a float's point when no precision asks for more (repr's 17 and then some).
FLOAT_DIGITS = 20
_PARSE = string.Formatter().parse
_SPEC_NUMBER = re.compile(r"\d+")
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


def spec_width(spec: str) -> int:
    """The largest number in a format spec (its width or precision); checked beforehand."""
    return max(map(int, _SPEC_NUMBER.findall(spec)), default=0)


def checked_format(fmt: str, limits: Limits, span: Span | None, mapping: bool = False) -> Callable[..., str]:
    """`fmt.format` (or `fmt.format_map`), refusing a width or result longer than `seq_len`."""
    def format(*args: Any, **kwargs: Any) -> str:
        values: Mapping[str, Any] = args[0] if mapping else kwargs
        if _fits(fmt, () if mapping else args, values, limits, span):
            return fmt.format_map(values) if mapping else fmt.format(*args, **kwargs)
        made = _CheckingFormatter(limits, span, mapping).vformat(fmt, () if mapping else args, values)
        check_size(made, limits, span)
        return made
    format.__name__ = "format_map" if mapping else "format"
    return format


def _fits(fmt: str, args: tuple[Any, ...], values: Mapping[str, Any], limits: Limits, span: Span | None) -> bool:
    """Whether `fmt` formatted with these values is surely within `seq_len` (a field's spec is
    checked on the way: a DspLimitError for too wide a one)."""
    fields = widest = 0
    try:
        for _, name, spec, conversion in _PARSE(fmt):
            if name is None:
                continue
            spec = spec or ""
            if conversion in ("r", "a") or "." in name or "[" in name or "{" in spec:
                return False
            if spec:
                check_format_spec(spec, limits, span)
                widest = max(widest, spec_width(spec))
            fields += 1
    except ValueError:          # a malformed format: str.format gives the error
        return True
    if not fields:
        return True
    if not isinstance(values, dict):
        return False
    longest = 0
    for value in (*args, *values.values()):
        size = value_size(value, widest)
        if size is None:
            return False
        longest = max(longest, size)
    return len(fmt) + fields * (widest + longest) <= limits.seq_len


class _CheckingFormatter(string.Formatter):
    """str.format done field by field: each spec checked, and the fields' total held to `seq_len`."""

    def __init__(self, limits: Limits, span: Span | None, mapping: bool) -> None:
        self.limits, self.span, self.mapping, self.size = limits, span, mapping, 0

    def get_value(self, key: int | str, args: Any, kwargs: Any) -> Any:
        if isinstance(key, int) and not args and self.mapping:
            raise ValueError("Format string contains positional fields")
        return super().get_value(key, args, kwargs)

    def format_field(self, value: Any, format_spec: str) -> str:
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
    pattern: Any = _PERCENT_STR if isinstance(fmt, str) else _PERCENT_BYTES
    positional = list(values) if values.__class__ is tuple else [values]
    keyed = values if isinstance(values, Mapping) else None
    size, known, index = len(fmt), True, 0
    for found in pattern.finditer(fmt):
        kind = _kind(found["type"])
        if kind in ("%", ""):
            continue
        numbers = []
        for part in (found["width"], found["precision"]):
            if part in ("*", b"*"):
                number = positional[index] if index < len(positional) else 0
                index += 1
            else:
                number = int(part) if part else 0
            if not isinstance(number, int):
                return True             # `%` gives the error
            if abs(number) > limits.seq_len:
                raise too_long("string", abs(number), limits, span)
            numbers.append(abs(number))
        if found["key"] is not None and keyed is not None:
            value = keyed.get(found["key"])
        else:
            value = positional[index] if index < len(positional) else None
            index += 1
        text = value_size(value, numbers[1]) if kind in SIZED_CONVERSIONS else None
        if text is None:
            known, text = False, 0
        elif found["precision"] and value.__class__ in (str, bytes, bytearray):
            text = min(text, numbers[1])
        size += max(numbers[0], text) - len(found[0])
    if size > limits.seq_len:
        raise too_long("string" if isinstance(fmt, str) else type(fmt).__name__, size, limits, span)
    return known


def _kind(conversion: str | bytes) -> str:
    return conversion if isinstance(conversion, str) else conversion.decode("latin-1")
