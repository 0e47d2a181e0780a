"""Methods of builtin values that can grow one, held to the `seq_len` limit.

`"x".ljust(n)`, `s.replace("", t)`, `sep.join(parts)`, `fmt.format(...)`, `xs.extend(ys)`,
`xs.append(x)`, `d.update(e)`, `s.update(t)` and their kin make a string, bytes, list, dict or
set whose size follows from the receiver and the arguments: each is refused, before it
allocates, when that size is more than `seq_len`. Only the names in `GROWING` are checked, and
the compiler knows a call's method name, so the call of any other method costs nothing more.
A method read without a call (`let f = "x".ljust`, `getattr(s, "ljust")`) is wrapped so that
calling it later is checked the same way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from itertools import islice
from typing import Any

from dsplang.errors import Span
from dsplang.interpreter.calls import NO_BUILTINS, Builtins, call_value
from dsplang.interpreter.limits import Limits, too_long
from dsplang.interpreter.text_formats import checking_format, format_fits
from dsplang.interpreter.values import DspCallable

# rule(method, receiver, args, kwargs, limits, span) -> the callable and arguments to call:
# it raises a DspLimitError for too large a result, and may hand back a checking callable
# (str.format) or the arguments made into a list (an iterator given to join or extend).
Call = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]
Rule = Callable[[Any, Any, tuple[Any, ...], dict[str, Any], Limits, "Span | None"], Call]


def _refuse(receiver: Any, size: int, limits: Limits, span: Span | None) -> None:
    if size > limits.seq_len:
        raise too_long(type(receiver).__name__, size, limits, span)


def _room(receiver: Any, limits: Limits) -> int:
    return limits.seq_len - len(receiver)


# ------------------------------------------------------------------ str, bytes, bytearray

def _pad(method: Any, s: Any, args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits,
         span: Span | None) -> Call:
    """ljust, rjust, center, zfill: the result is as long as the width."""
    if args and isinstance(args[0], int) and args[0] > limits.seq_len:
        _refuse(s, args[0], limits, span)
    return method, args, kwargs


def _expandtabs(method: Any, s: Any, args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits,
                span: Span | None) -> Call:
    size = args[0] if args else kwargs.get("tabsize", 8)
    if isinstance(size, int) and size > 1:
        tab = "\t" if isinstance(s, str) else b"\t"
        tabs = s.count(tab)
        if tabs and len(s) + tabs * (size - 1) > limits.seq_len:
            _refuse(s, expanded_length(s, size), limits, span)
    return method, args, kwargs


def expanded_length(s: Any, tabsize: int) -> int:
    """len(s.expandtabs(tabsize)), computed without making it (tabsize > 0)."""
    tab, newlines = ("\t", "\r\n") if isinstance(s, str) else (b"\t", b"\r\n")
    parts = s.split(tab)
    total = column = 0
    for part in parts[:-1]:
        cut = max(part.rfind(newlines[0:1]), part.rfind(newlines[1:2]))
        column = len(part) - cut - 1 if cut >= 0 else column + len(part)
        width = tabsize - column % tabsize
        total += len(part) + width
        column += width
    return total + len(parts[-1])


def _replace(method: Any, s: Any, args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits,
             span: Span | None) -> Call:
    if len(args) < 2:
        return method, args, kwargs
    old, new = args[0], args[1]
    count = args[2] if len(args) > 2 else kwargs.get("count", -1)
    try:
        grow = len(new) - len(old)
    except TypeError:               # the method gives the error
        return method, args, kwargs
    if grow <= 0 or not isinstance(count, int):
        return method, args, kwargs
    most = len(s) // len(old) if old else len(s) + 1
    if count >= 0:
        most = min(most, count)
    if len(s) + most * grow > limits.seq_len:
        try:
            found = s.count(old)
        except TypeError:           # the method gives the error
            return method, args, kwargs
        _refuse(s, len(s) + (found if count < 0 else min(found, count)) * grow, limits, span)
    return method, args, kwargs


def _join(method: Any, sep: Any, args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits,
          span: Span | None) -> Call:
    if len(args) != 1 or kwargs:
        return method, args, kwargs
    items = args[0]
    if items.__class__ is not list and items.__class__ is not tuple:
        try:
            items = list(items)      # join makes a list of an iterator too; sized here once
        except TypeError:
            return method, args, kwargs
    try:
        size = sum(map(len, items))
    except TypeError:               # not all strings: the method gives the error
        return method, (items,), kwargs
    size += len(sep) * (len(items) - 1) if items else 0
    if size > limits.seq_len:
        _refuse(sep, size, limits, span)
    return method, (items,), kwargs


def _format(method: Any, fmt: Any, args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits,
            span: Span | None) -> Call:
    if format_fits(fmt, args, kwargs, limits, span):
        return method, args, kwargs
    return checking_format(fmt, limits, span), args, kwargs


def _format_map(method: Any, fmt: Any, args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits,
                span: Span | None) -> Call:
    if len(args) != 1 or kwargs or format_fits(fmt, (), args[0], limits, span):
        return method, args, kwargs
    return checking_format(fmt, limits, span, mapping=True), args, kwargs


def _translate(method: Any, s: Any, args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits,
               span: Span | None) -> Call:
    """str.translate with a dict may map one character to a long string."""
    table = args[0] if args else None
    if isinstance(s, str) and isinstance(table, dict):
        longest = max((len(v) for v in table.values() if isinstance(v, str)), default=1)
        if len(s) * longest > limits.seq_len:
            size = len(s) + sum(s.count(chr(k)) * (len(v) - 1) for k, v in table.items()
                                if isinstance(k, int) and 0 <= k < 0x110000 and isinstance(v, str))
            _refuse(s, size, limits, span)
    return method, args, kwargs


def _repeat(method: Any, seq: Any, args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits,
            span: Span | None) -> Call:
    """`__mul__`, `__rmul__`, `__imul__`: as the `*` operator."""
    if len(args) == 1 and isinstance(args[0], int):
        _refuse(seq, len(seq) * args[0], limits, span)
    return method, args, kwargs


def _concat(method: Any, seq: Any, args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits,
            span: Span | None) -> Call:
    """`__add__`, `__iadd__`: as the `+` operator; `list.extend` (also of an iterator)."""
    if len(args) != 1 or kwargs:
        return method, args, kwargs
    other = args[0]
    try:
        size = len(other)
    except TypeError:
        if isinstance(seq, list) and hasattr(other, "__iter__"):
            room = _room(seq, limits)
            other = list(islice(other, room + 1))   # no more than the limit leaves room for
            _refuse(seq, len(seq) + len(other), limits, span)
            return method, (other,), kwargs
        return method, args, kwargs
    _refuse(seq, len(seq) + size, limits, span)
    return method, args, kwargs


def _one_more(method: Any, seq: Any, args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits,
              span: Span | None) -> Call:
    """list.append, list.insert, set.add: one item more."""
    if len(seq) >= limits.seq_len:
        _refuse(seq, len(seq) + 1, limits, span)
    return method, args, kwargs


def slice_store(obj: Any, key: Any, value: Any, limits: Limits, span: Span | None) -> Any:
    """The value to store for `obj[key] = value`, refused when `key` is a slice of a list (or
    bytearray) and the list would grow past `seq_len` (`xs[0:0] = xs` doubles it); an iterator
    is made a list of no more than the limit leaves room for."""
    if key.__class__ is not slice or not isinstance(obj, (list, bytearray)):
        return value
    if not hasattr(value, "__len__"):
        try:
            value = list(islice(value, limits.seq_len + 1))
        except TypeError:               # the assignment gives the error
            return value
    try:
        kept = len(obj) - len(range(*key.indices(len(obj))))
    except (TypeError, ValueError):
        return value
    _refuse(obj, kept + len(value), limits, span)
    return value


# ------------------------------------------------------------------ dict, set

def _setdefault(method: Any, d: Any, args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits,
                span: Span | None) -> Call:
    if len(d) >= limits.seq_len and args:
        try:
            new = args[0] not in d
        except TypeError:
            return method, args, kwargs
        if new:
            _refuse(d, len(d) + 1, limits, span)
    return method, args, kwargs


def _merge(method: Any, target: Any, args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits,
           span: Span | None) -> Call:
    """dict.update/|/|=, set.update/union/|/|=/^: at most the receiver and the others together;
    counted exactly (the keys in common once) only when that bound passes the limit."""
    others = list(args)
    for i, other in enumerate(others):
        if not hasattr(other, "__len__") and hasattr(other, "__iter__"):
            others[i] = list(islice(other, limits.seq_len + 1))
    try:
        bound = len(target) + sum(map(len, others)) + len(kwargs)
    except TypeError:
        return method, tuple(others), kwargs
    if bound > limits.seq_len:
        keys = _keys(target, others, kwargs)
        if keys is not None:
            _refuse(target, len(keys), limits, span)
    return method, tuple(others), kwargs


def _keys(target: Any, others: list[Any], kwargs: dict[str, Any]) -> set[Any] | None:
    """The keys (or items) of the merge's result, or None when the method will refuse the
    arguments itself."""
    keys = set(target)
    try:
        for other in others:
            if isinstance(target, dict) and not isinstance(other, Mapping) and not hasattr(other, "keys"):
                keys.update(pair[0] for pair in other)
            else:
                keys.update(other)
    except (TypeError, IndexError, KeyError):
        return None
    keys.update(kwargs)
    return keys


SEQUENCE_RULES: dict[str, Rule] = {
    "__mul__": _repeat, "__rmul__": _repeat, "__imul__": _repeat,
    "__add__": _concat, "__iadd__": _concat,
}
TEXT_RULES: dict[str, Rule] = {
    **SEQUENCE_RULES,
    "ljust": _pad, "rjust": _pad, "center": _pad, "zfill": _pad,
    "expandtabs": _expandtabs, "replace": _replace, "join": _join,
}
RULES: dict[type, dict[str, Rule]] = {
    str: {**TEXT_RULES, "format": _format, "format_map": _format_map, "translate": _translate},
    bytes: TEXT_RULES,
    bytearray: {**TEXT_RULES, "extend": _concat, "append": _one_more, "insert": _one_more},
    list: {**SEQUENCE_RULES, "extend": _concat, "append": _one_more, "insert": _one_more},
    tuple: SEQUENCE_RULES,
    dict: {"update": _merge, "__or__": _merge, "__ior__": _merge, "setdefault": _setdefault},
    set: {"update": _merge, "union": _merge, "__or__": _merge, "__ior__": _merge, "add": _one_more,
          "symmetric_difference": _merge, "symmetric_difference_update": _merge, "__xor__": _merge,
          "__ixor__": _merge},
    frozenset: {"union": _merge, "__or__": _merge, "symmetric_difference": _merge, "__xor__": _merge},
}
# The method names whose calls are checked: a call of any other name goes straight through.
GROWING: frozenset[str] = frozenset(name for rules in RULES.values() for name in rules)


def rules_by_class(name: str) -> dict[type, Rule]:
    """The rule for the method `name` of each builtin type that has one."""
    return {cls: rules[name] for cls, rules in RULES.items() if name in rules}


@functools.lru_cache(maxsize=512)
def rule_for(cls: type, name: str) -> Rule | None:
    """The rule for `cls`'s method `name`: the builtin type's own, or its base's when `cls`
    (a str enum, a list subclass) inherits the method unchanged."""
    rules = RULES.get(cls)
    if rules is not None:
        return rules.get(name)
    for base in cls.__mro__[1:]:
        rules = RULES.get(base)
        if rules is not None:
            rule = rules.get(name)
            return rule if rule is not None and getattr(cls, name, None) is getattr(base, name) else None
    return None


def _type_has_rule(cls: Any, name: str) -> bool:
    return rule_for(cls, name) is not None


def prepare(obj: Any, name: str, method: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
            limits: Limits, span: Span | None) -> Call:
    """What to call for `obj.name(*args, **kwargs)` (`method` is `obj.name`, already read): a
    DspLimitError at `span` when it would make a value longer than `seq_len`. `str.ljust(s, n)`
    (the method read from the type) is checked as `s.ljust(n)`."""
    rule = rule_for(obj.__class__, name)
    if rule is not None:
        return rule(method, obj, args, kwargs, limits, span)
    if obj.__class__ is type and args and isinstance(args[0], obj) and _type_has_rule(obj, name):
        receiver: Any = args[0]
        rule = rule_for(receiver.__class__, name)
        if rule is not None:
            return rule(getattr(receiver, name), receiver, args[1:], kwargs, limits, span)
    return method, args, kwargs


def call_method(obj: Any, name: str, method: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
                limits: Limits, span: Span, builtins: Builtins = NO_BUILTINS) -> Any:
    """`obj.name(*args, **kwargs)` called from .dsp code at `span`, checked by `prepare`."""
    return call_value(*prepare(obj, name, method, args, kwargs, limits, span), span, builtins)


class CheckedMethod(DspCallable):
    """A growing method read without a call (`let pad = s.ljust`): calling it is checked."""

    __slots__ = ("obj", "name", "method", "limits")

    def __init__(self, obj: Any, name: str, method: Any, limits: Limits) -> None:
        self.obj, self.name, self.method, self.limits = obj, name, method, limits

    def call(self, args: tuple[Any, ...], kwargs: dict[str, Any], span: Span | None) -> Any:
        if span is None:        # called from Python code: no .dsp call site to report
            method, args, kwargs = prepare(self.obj, self.name, self.method, args, kwargs, self.limits, None)
            return method(*args, **kwargs)
        return call_method(self.obj, self.name, self.method, args, kwargs, self.limits, span)

    @property
    def __name__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return repr(self.method)


def checked_attribute(obj: Any, name: str, value: Any, limits: Limits) -> Any:
    """`value` (`obj.name`), wrapped so that calling it is checked when it is a growing method
    of a builtin value or type."""
    if name in GROWING and (rule_for(obj.__class__, name) is not None
                            or obj.__class__ is type and _type_has_rule(obj, name)):
        return CheckedMethod(obj, name, value, limits)
    return value
