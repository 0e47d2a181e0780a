"""The interpreter's size limits, which a user can raise, and the checks that apply them.

Like CPython's limit on int<->str conversion (`sys.set_int_max_str_digits`), these stop a
program before one operation runs away with the time or memory of the process:

- `int_digits`: decimal digits of an integer that `*` or `**` makes, or that `int()`/`str()`
  convert (checked before computing: `2 ** 3 ** 22` is refused from the sizes of its
  operands, at once);
- `seq_len`: characters of a string, or items of a list, tuple, dict, set or range, that an
  operator (`+`, `*`, `%`, `|`), `range()`, a comprehension, a slice assignment or a growing
  method or builtin makes (`growth.py`, `text_formats.py`, `limited_builtins.py`), and the
  width or precision of any format spec;
- `depth`: calls of .dsp functions nested in one another (about; the interpreter gives
  Python a recursion limit that holds that many).

Raise them with `dsp run --limit NAME=N` (also `dsp compile`, `dsp repl`) or the
environment variable `DSP_LIMITS="NAME=N,NAME=N"`; a run's Interpreter holds its `Limits`
and the compiled closures read them.
"""

from __future__ import annotations

import functools
import math
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from typing import Any, SupportsIndex

from dsplang.errors import DspArgumentError, DspLimitError, Span
from dsplang.grammar.helpers import LITERAL_DIGITS
from dsplang.grammar.nesting import STAGE_RECURSION

ENV = "DSP_LIMITS"
LOG2_10 = math.log2(10)
SIZED = frozenset({str, list, tuple, dict, bytes})
REPEATABLE = (str, list, tuple, bytes)
# Python frames one nested .dsp call takes, with room for the expressions inside it.
FRAMES_PER_CALL = 12
_SPEC_NUMBER = re.compile(r"\d+")
_CONVERSION = re.compile(r"Exceeds the limit \((\d+) digits\) for integer string conversion")


@dataclass(frozen=True)
class Limits:
    int_digits: int = LITERAL_DIGITS
    seq_len: int = 10_000_000
    depth: int = 1_000

    @property
    def max_bits(self) -> int:
        """Bits of the largest integer allowed (`int_digits` decimal digits)."""
        return int(self.int_digits * LOG2_10) + 1

    @classmethod
    def from_settings(cls, items: list[str] | tuple[str, ...] = ()) -> Limits:
        """The defaults, changed by DSP_LIMITS and then by `items` ("NAME=N" each)."""
        limits = cls()
        env = os.environ.get(ENV, "")
        for item in [part for part in env.split(",") if part.strip()]:
            limits = limits.with_setting(item, ENV)
        for item in items:
            limits = limits.with_setting(item, "--limit")
        return limits

    def with_setting(self, item: str, where: str) -> Limits:
        """A copy with one "NAME=N" setting applied; a DspArgumentError for a bad one."""
        names = [f.name for f in fields(self)]
        name, sep, value = item.strip().partition("=")
        name = name.strip()
        if not sep or name not in names:
            raise DspArgumentError(f"{where}: {item.strip()!r} is not a limit setting",
                                   hint=f"write NAME=N with NAME one of {', '.join(names)}")
        try:
            number = int(value.strip().replace("_", ""))
        except ValueError:
            number = 0
        if number < 1:
            raise DspArgumentError(f"{where}: {name} must be a whole number of at least 1, "
                                   f"not {value.strip()!r}")
        return replace(self, **{name: number})

    @contextmanager
    def applied(self) -> Iterator[None]:
        """Python's own limits to match while a program runs: int<->str conversions of up to
        `int_digits` digits, and a recursion limit for `depth` nested calls."""
        old_digits, old_recursion = sys.get_int_max_str_digits(), sys.getrecursionlimit()
        sys.set_int_max_str_digits(max(self.int_digits, 640))
        sys.setrecursionlimit(max(old_recursion, STAGE_RECURSION, self.depth * FRAMES_PER_CALL))
        try:
            yield
        finally:
            sys.set_int_max_str_digits(old_digits)
            sys.setrecursionlimit(old_recursion)


def raise_hint(name: str) -> str:
    return (f"raise the limit with `--limit {name}=N` (dsp run, compile or repl) "
            f"or the environment variable {ENV}={name}=N")


def too_big(op: str, digits: float, limits: Limits, span: Span | None) -> DspLimitError:
    return DspLimitError(f"integer too large: the result of {op!r} would have about "
                         f"{_count(digits)} digits, more than the limit of {limits.int_digits:,}",
                         span, hint=raise_hint("int_digits"))


def too_long(what: str, size: int, limits: Limits, span: Span | None, at_least: bool = False) -> DspLimitError:
    """`string too long: N characters, more than the limit of M` (`at least N` when the
    count stopped once it passed the limit)."""
    what = "string" if what == "str" else what
    unit = "characters" if what == "string" else "bytes" if what in ("bytes", "bytearray") else "items"
    return DspLimitError(f"{what} too long: {'at least ' if at_least else ''}{size:,} {unit}, more than the "
                         f"limit of {limits.seq_len:,}", span, hint=raise_hint("seq_len"))


def _count(n: float) -> str:
    return f"{n:,.0f}" if n < 1e15 else f"{n:.2g}"


def conversion_error(exc: BaseException, span: Span | None) -> DspLimitError | None:
    """The DspLimitError for Python's refusal to convert a long integer to or from a
    string (its limit is `int_digits` while a program runs), else None."""
    found = _CONVERSION.search(str(exc)) if isinstance(exc, ValueError) else None
    if found is None:
        return None
    return DspLimitError(f"integer too large to convert to or from a string: more than the "
                         f"limit of {int(found.group(1)):,} digits", span, hint=raise_hint("int_digits"))


def check_power(a: Any, b: Any, limits: Limits, span: Span | None) -> None:
    """Refuse an integer `a ** b` whose result would be too large, before computing it."""
    if a.__class__ is int and b.__class__ is int and b > 1 and not -1 <= a <= 1:
        bits = b * math.log2(abs(a))
        if bits > limits.max_bits:
            raise too_big("**", bits / LOG2_10, limits, span)


def check_product(a: Any, b: Any, limits: Limits, span: Span | None) -> None:
    """Refuse `a * b` of two large integers, or a repetition of a sequence, that would
    be too large, before computing it."""
    if a.__class__ is int and b.__class__ is int:
        bits = a.bit_length() + b.bit_length() - 1
        if bits > limits.max_bits:
            raise too_big("*", bits / LOG2_10, limits, span)
        return
    seq, times = (a, b) if isinstance(b, int) else (b, a)
    if isinstance(seq, REPEATABLE) and isinstance(times, int):
        size = len(seq) * times
        if size > limits.seq_len:
            raise too_long(type(seq).__name__, size, limits, span)


def check_size(value: Any, limits: Limits, span: Span | None) -> Any:
    """`value` itself, or a DspLimitError when it is a sequence longer than `seq_len`."""
    if value.__class__ in SIZED and len(value) > limits.seq_len:
        raise too_long(type(value).__name__, len(value), limits, span)
    return value


CONTAINERS = frozenset({list, tuple, dict, set, frozenset})


def check_text(value: Any, limits: Limits, span: Span | None) -> None:
    """Refuse to write out a list, tuple, dict or set whose text (`str`, `repr`, a `{}` field,
    `%s`, JSON) would be longer than `seq_len`, before it is made: `[s] * 1000` is a short
    list, but its text repeats a long `s` a thousand times. Call it only on those types."""
    size = text_size(value, {}, limits.seq_len)
    if size > limits.seq_len:
        raise too_long("string", size, limits, span, at_least=True)


def text_size(value: Any, sizes: dict[int, int], most: int) -> int:
    """At least how many characters the text of `value` takes, counted until it passes `most`;
    `sizes` holds the containers counted so far by id (one seen again inside itself is the
    `[...]` its text shows)."""
    cls = value.__class__
    if cls is str:
        return len(value) + 2
    if cls not in CONTAINERS:
        return 1
    key = id(value)
    if key in sizes:
        return sizes[key]
    sizes[key] = 5
    total = 2
    if cls is dict:
        for k, v in value.items():
            total += text_size(k, sizes, most) + text_size(v, sizes, most) + 4
            if total > most:
                break
    else:
        for item in value:
            total += text_size(item, sizes, most) + 2
            if total > most:
                break
    sizes[key] = total
    return total


def check_format_spec(spec: str, limits: Limits, span: Span | None) -> None:
    """Refuse a format spec whose width or precision would make too long a string."""
    widest = spec_width(spec)
    if widest > limits.seq_len:
        raise too_long("string", widest, limits, span)


@functools.lru_cache(maxsize=256)
def spec_width(spec: str) -> int:
    """The largest number in a format spec: its width or precision (one of more than 18
    digits is read as its first 19)."""
    return max((int(number[:19]) for number in _SPEC_NUMBER.findall(spec)), default=0)


@functools.lru_cache(maxsize=32)
def limited_range(limits: Limits) -> Callable[..., range]:
    """`range` for programs: a range longer than `seq_len` is refused when it is made (one per
    `Limits` value, the last 32 kept)."""
    def range_(*args: SupportsIndex) -> range:
        made = range(*args)
        try:
            size = len(made)
        except OverflowError:          # more items than a C length holds
            size = (made.stop - made.start) // made.step
        if size > limits.seq_len:
            raise too_long("range", size, limits, None)
        return made
    range_.__name__ = "range"
    range_.__doc__ = range.__doc__
    return range_
