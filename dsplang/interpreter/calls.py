"""The calling convention, and the boundary with Python code.

A `DspCallable` gets the call's span. A plain Python callable is called with its
arguments; an exception it raises becomes a DspError at the .dsp line of the call
(the original is kept for `--debug`). Raised inside one of the interpreter's builtins
(`len(5)`, `Predict(3)`) it is the user's mistake, worded as such; raised inside other
Python code it is a `DspPythonError` naming where. Which callables are builtins is the
interpreter's to say (`Interpreter.builtin_callables`: the callables of its builtins
table), passed to each call: nothing here is process-wide.
"""

from __future__ import annotations

import inspect
import os
import re
import traceback
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from dsplang.errors import (
    DspArgumentError,
    DspError,
    DspKeyError,
    DspPythonError,
    DspRuntimeError,
    DspTypeError,
    DspValueError,
    DspZeroDivisionError,
    Span,
    a_type,
    did_you_mean,
)
from dsplang.interpreter.limits import conversion_error
from dsplang.interpreter.values import DspCallable

# Builtin callables by id; `builtins.get(id(f)) is f` (the mapping keeps them alive, so an id
# is never one of another object).
Builtins = Mapping[int, object]
NO_BUILTINS: Builtins = MappingProxyType({})


def builtin_callables(table: Mapping[str, object]) -> dict[int, object]:
    """The callables of a builtins table, by id: an error raised inside one is the user's mistake."""
    return {id(value): value for value in table.values() if callable(value)}


def call_value(f: Any, args: tuple[Any, ...], kwargs: dict[str, Any], span: Span,
               builtins: Builtins = NO_BUILTINS) -> Any:
    """`f(*args, **kwargs)` called from .dsp code at `span`; `builtins` are the callables whose
    errors are the user's mistakes (see the module doc)."""
    if isinstance(f, DspCallable):
        return f.call(args, kwargs, span)
    try:
        return f(*args, **kwargs)
    except DspError as err:
        raise err.with_span(span)
    except RecursionError:
        raise
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        if not callable(f):
            raise DspTypeError(f"{a_type(f)} value is not callable", span) from None
        raise python_error(exc, f, span, builtins) from exc


def python_error(exc: Exception, f: object, span: Span, builtins: Builtins = NO_BUILTINS) -> DspError:
    """Turn an exception raised by Python code into a DspError at the call's span."""
    limit = conversion_error(exc, span)
    if limit is not None:
        return limit
    name = getattr(f, "__name__", None) or type(f).__name__
    if builtins.get(id(f)) is f or isinstance(f, type) and f.__module__ == "builtins":
        return _builtin_error(exc, f, name, span)
    err = DspPythonError(f"{type(exc).__name__} in {name}(): {exc}", span, original=exc)
    where = _raise_site(exc)
    if where:
        err.notes.append(f"raised at {where}")
    return err


def _builtin_error(exc: Exception, f: object, name: str, span: Span) -> DspError:
    text = re.sub(r"^(\w+\.)?__init__\(\)", f"{name}()", str(exc))
    message = text if text.startswith(f"{name}(") else f"{name}(): {text}"
    if isinstance(exc, TypeError):
        if "argument" in text:
            return DspArgumentError(message, span, hint=_keyword_hint(f, text))
        return DspTypeError(message, span)
    if isinstance(exc, ZeroDivisionError):
        return DspZeroDivisionError(message, span)
    if isinstance(exc, KeyError):
        return DspKeyError(message, span)
    if isinstance(exc, ValueError):
        return DspValueError(message, span)
    return DspRuntimeError(message, span)


def _keyword_hint(f: Any, text: str) -> str | None:
    """"did you mean ...?" for an unknown keyword argument of a Python callable."""
    found = re.search(r"unexpected keyword argument '(\w+)'", text)
    if not found:
        return None
    try:
        params = inspect.signature(f).parameters
    except (TypeError, ValueError):
        return None
    return did_you_mean(found.group(1), [p for p in params if not p.startswith("_")])


def _raise_site(exc: BaseException) -> str | None:
    """`file.py:LINE in func` of the innermost frame of the exception, if known."""
    tb = traceback.extract_tb(exc.__traceback__)
    if not tb:
        return None
    frame = tb[-1]
    return f"{os.path.basename(frame.filename)}:{frame.lineno} in {frame.name}"
