"""Tools for agents: a function's name, description and JSON argument schema.

`Tool.from_callable(f)` reads a .dsp `def` (its docstring and typed parameters) or a
Python function (`inspect.signature`, type hints and docstring). The arguments are
validated with a pydantic model built from the parameters, so the schema a model is
shown and the check its arguments pass are the same thing.

Running a tool never raises for the model's mistakes: `Tool.run(args)` returns the
observation text — the result, or a sentence saying what went wrong (bad arguments, an
error inside the tool), which the model reads on its next turn.
"""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Callable
from typing import Any

from dsplang.errors import DspError, DspTypeError, DspUserError, DspValueError, Span, a_type
from dsplang.interpreter.values import MISSING, DspCallable, Function
from dsplang.stdlib.adapters.base import jsonable
from dsplang.stdlib.types import annotation_from_typeexpr, describe_validation_error

__all__ = ["Tool", "as_tools", "format_observation"]

_OBSERVATION_LIMIT = 4000


class Tool:
    """A callable the model may use: `name`, `desc`, and `params` as (name, annotation, default)."""

    def __init__(self, func: Callable, name: str, desc: str,
                 params: list[tuple[str, object, object]]):
        self.func = func
        self.name = name
        self.desc = desc
        self.params = params
        import pydantic  # on first use: importing it would slow every run's start
        fields = {p: (ann, ... if default is MISSING else default) for p, ann, default in params}
        self.model = pydantic.create_model(
            f"{name}_arguments", __config__=pydantic.ConfigDict(extra="forbid",
                                                                arbitrary_types_allowed=True),
            **fields)

    # ------------------------------------------------------------ building

    @classmethod
    def from_callable(cls, func: Any, span: Span | None = None) -> Tool:
        """A tool from a .dsp function, a Python function or callable, or a Tool."""
        if isinstance(func, Tool):
            return func
        if isinstance(func, Function):
            return cls._from_dsp(func, span)
        if callable(func) and not isinstance(func, DspCallable):
            return cls._from_python(func, span)
        raise DspTypeError(f"a tool must be a function, got {a_type(func)}", span,
                           hint="pass a `def` from this program or an imported Python function")

    @classmethod
    def _from_dsp(cls, func: Function, span: Span | None) -> Tool:
        if func.is_lambda or func.decl is None:
            raise DspTypeError("a tool needs a name and a docstring: use a `def`, not a lambda", span)
        defaults = dict(zip(func.params.names, func.params.defaults))
        lookup = _scope_lookup(func.closure)
        params = []
        for param in func.decl.params:
            if param.kind != "normal":
                continue  # *args / **kwargs take no part in the schema
            annotation = Any if param.type is None else annotation_from_typeexpr(param.type, lookup)
            params.append((param.name, annotation, defaults.get(param.name, MISSING)))
        return cls(func, _checked_name(func.name, span), (func.doc or "").strip(), params)

    @classmethod
    def _from_python(cls, func: Callable, span: Span | None) -> Tool:
        name = getattr(func, "__name__", None) or type(func).__name__
        try:
            signature = inspect.signature(func)
        except (TypeError, ValueError):
            raise DspTypeError(f"cannot read the parameters of {name}() to use it as a tool",
                               span) from None
        try:
            hints = typing.get_type_hints(func)
        except Exception:  # noqa: BLE001 - unresolvable annotations: fall back to the raw ones
            hints = {}
        params = []
        for param in signature.parameters.values():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            annotation = hints.get(param.name, param.annotation)
            if annotation is inspect.Parameter.empty or isinstance(annotation, str):
                annotation = Any
            default = MISSING if param.default is inspect.Parameter.empty else param.default
            params.append((param.name, annotation, default))
        desc = inspect.getdoc(func) or ""
        return cls(func, _checked_name(name, span), desc.strip(), params)

    # ------------------------------------------------------------ describing

    def schema(self) -> dict:
        """The JSON schema of the arguments (an object; titles removed)."""
        return _without_titles(self.model.model_json_schema())

    @property
    def args(self) -> dict:
        """The JSON schema of each argument, by name."""
        return self.schema().get("properties", {})

    def describe(self) -> str:
        """One line for the text-format instructions."""
        args = json.dumps(self.args, ensure_ascii=False)
        return f"{self.name}, whose description is <desc>{self.desc}</desc>. It takes arguments {args}."

    def openai_schema(self) -> dict:
        """The `tools=` entry of a native function-calling request."""
        return {"type": "function",
                "function": {"name": self.name, "description": self.desc, "parameters": self.schema()}}

    # ------------------------------------------------------------ running

    def validate(self, args: Any) -> dict:
        """The arguments checked and converted; DspValueError saying what is wrong otherwise."""
        if isinstance(args, str):
            try:
                args = json.loads(args) if args.strip() else {}
            except ValueError:
                raise DspValueError(f"the arguments are not a JSON object: {args[:200]}") from None
        if args is None:
            args = {}
        if not isinstance(args, dict):
            raise DspValueError(f"the arguments must be a JSON object, got {json.dumps(args, default=str)[:200]}")
        import pydantic  # loaded by then (__init__ imports it)
        try:
            checked = self.model.model_validate(args)
        except pydantic.ValidationError as err:
            raise DspValueError(describe_validation_error(err)) from None
        return {name: getattr(checked, name) for name, _, _ in self.params}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if isinstance(self.func, DspCallable):
            return self.func.call(args, kwargs, None)
        return self.func(*args, **kwargs)

    def run(self, args: Any) -> str:
        """The observation for a call with `args`: the result as text, or what went wrong."""
        try:
            checked = self.validate(args)
        except DspValueError as err:
            return (f"Invalid arguments for {self.name}: {err.message}. "
                    f"It takes arguments {json.dumps(self.args, ensure_ascii=False)}.")
        try:
            result = self(**checked)
        except DspUserError as err:  # the tool's own `raise Error("...")`
            return f"Execution error in {self.name}: {err.message}"
        except DspError as err:
            return f"Execution error in {self.name}: {err.kind}: {err.message}"
        except Exception as err:  # noqa: BLE001 - the model sees any failure of the tool
            return f"Execution error in {self.name}: {type(err).__name__}: {err}"
        return format_observation(result)

    def __repr__(self) -> str:
        return f"Tool({self.name})"


def as_tools(tools: Any, span: Span | None = None) -> dict[str, Tool]:
    """Tools by name from a list of functions (or Tools); a repeated name is an error."""
    if tools is None:
        return {}
    if not isinstance(tools, (list, tuple)):
        raise DspTypeError(f"tools must be a list of functions, got {a_type(tools)}", span)
    table: dict[str, Tool] = {}
    for item in tools:
        tool = Tool.from_callable(item, span)
        if tool.name in table:
            raise DspValueError(f"two tools are called {tool.name!r}", span)
        table[tool.name] = tool
    return table


def format_observation(value: Any) -> str:
    """A tool's result as the text the model reads (structured values as JSON)."""
    if isinstance(value, str):
        text = value
    else:
        data = jsonable(value)
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, default=str)
    if len(text) > _OBSERVATION_LIMIT:
        text = text[:_OBSERVATION_LIMIT] + f" ... ({len(text) - _OBSERVATION_LIMIT} more characters)"
    return text


def _checked_name(name: str, span: Span | None) -> str:
    if not name or not all(ch.isalnum() or ch in "_-" for ch in name):
        raise DspValueError(f"{name!r} cannot be a tool name (letters, digits, _ and - only)", span)
    return name


def _scope_lookup(scope) -> Callable[[str, Span], object]:
    """Record and enum names in a tool's parameter types, resolved where the def was written."""
    def lookup(name: str, span: Span):
        first, *rest = name.split(".")
        value = scope.lookup(first, span)
        for part in rest:
            value = getattr(value, part)
        return value if isinstance(value, type) else None
    return lookup


def _without_titles(node: Any) -> Any:
    """A JSON schema without pydantic's generated `title` entries (noise for a model)."""
    if isinstance(node, dict):
        return {k: _without_titles(v) for k, v in node.items()
                if not (k == "title" and isinstance(v, str))}
    if isinstance(node, list):
        return [_without_titles(v) for v in node]
    return node
