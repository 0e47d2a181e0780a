"""Runtime values the interpreter creates: functions, module classes and instances, namespaces.

Everything else a program touches is a plain Python value (list, dict, str, pydantic
record, StrEnum member) or a stdlib object (Predict, LM, Example, ...).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from dsplang.errors import (
    DspArgumentError,
    DspAttributeError,
    DspRuntimeError,
    DspTypeError,
    Span,
    did_you_mean,
)
from dsplang.interpreter import awaiting
from dsplang.interpreter.limits import raise_hint
from dsplang.interpreter.portable import CodeSource, blank, incoming, outgoing
from dsplang.interpreter.scope import Code, Scope


class _Missing:
    """The 'no default' marker of a parameter; pickled as this module's MISSING."""

    __slots__ = ()

    def __reduce__(self) -> str:
        return "MISSING"

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Return:
    """The signal a `return` statement hands up to its function."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class _LoopSignal:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


BREAK = _LoopSignal("break")
CONTINUE = _LoopSignal("continue")


class DspCallable:
    """A callable that wants the call site: `call(args, kwargs, span)`.

    Python code may call it like any function; it then has no span.
    """

    def call(self, args: tuple[Any, ...], kwargs: dict[str, Any], span: Span | None) -> Any:
        raise NotImplementedError

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.call(args, kwargs, None)

    async def acall(self, *args: Any, **kwargs: Any) -> Any:
        """`await f.acall(...)`: the call with its LM requests awaited on the running event
        loop (`awaiting.run_sync`), so many calls run at once without a thread each."""
        return await awaiting.run_sync(self.call, args, kwargs, None)


class FieldValues:
    """A value whose named fields a program reads as attributes (Example, Prediction): there a
    field hides a method of the same name, except where the attribute is called (`ex.labels()`)."""

    __slots__ = ()

    def dsp_fields(self) -> dict[str, Any]:
        """The fields by name (the live dict, not a copy)."""
        raise NotImplementedError


class Learnable:
    """Marker base of predictors: the parameters an optimizer rewrites (instructions, demos)."""


class ParamSpec:
    """A parameter list evaluated at definition time: names, defaults, star/double-star."""

    __slots__ = ("names", "defaults", "star", "dstar", "required", "positional")

    def __init__(self, names: tuple[str, ...], defaults: tuple[Any, ...], star: str | None, dstar: str | None):
        self.names = names
        self.defaults = defaults          # same length as names; MISSING when required
        self.star = star
        self.dstar = dstar
        self.required = tuple(n for n, d in zip(names, defaults) if d is MISSING)
        self.positional = len(names)

    def bind(self, owner: str, args: tuple[Any, ...], kwargs: dict[str, Any], span: Span | None) -> dict[str, Any]:
        """Match call arguments to parameters, returning the new local variables."""
        names = self.names
        if not kwargs and len(args) == self.positional and self.star is None and self.dstar is None:
            return dict(zip(names, args))
        out: dict[str, Any] = {}
        if len(args) > len(names):
            if self.star is None:
                raise DspArgumentError(
                    f"{owner}() takes {_count(len(names), 'argument')} but {len(args)} were given", span)
            out[self.star] = tuple(args[len(names):])
        elif self.star is not None:
            out[self.star] = ()
        for name, value in zip(names, args):
            out[name] = value
        extra: dict[str, Any] = {}
        for key, value in kwargs.items():
            if key in out and key in names:
                raise DspArgumentError(f"{owner}() got several values for argument {key!r}", span)
            if key in names:
                out[key] = value
            elif self.dstar is not None:
                extra[key] = value
            else:
                raise DspArgumentError(f"{owner}() got an unknown keyword argument {key!r}", span,
                                       hint=did_you_mean(key, names) or _params_hint(names))
        if self.dstar is not None:
            out[self.dstar] = extra
        for name, default in zip(names, self.defaults):
            if name not in out:
                if default is MISSING:
                    raise DspArgumentError(f"{owner}() is missing the argument {name!r}", span,
                                           hint=_params_hint(names))
                out[name] = default
        return out


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _params_hint(names: Iterable[str]) -> str:
    return "its parameters are: " + (", ".join(names) if names else "(none)")


class Function(DspCallable):
    """A `def` or `lambda`: parameters, a compiled body and the scope it closes over.

    Pickled as its declaration node (`decl`) and `source`, from which the receiving process
    compiles the body again (see `portable`); a Function with no source does not pickle."""

    __slots__ = ("name", "params", "body", "closure", "doc", "decl", "is_lambda", "source")

    def __init__(self, name: str, params: ParamSpec, body: Code, closure: Scope,
                 doc: str | None = None, decl: object = None, is_lambda: bool = False,
                 source: CodeSource | None = None) -> None:
        self.name = name
        self.params = params
        self.body = body
        self.closure = closure
        self.doc = doc
        self.decl = decl
        self.is_lambda = is_lambda
        self.source = source

    def __reduce__(self) -> tuple[Any, ...]:
        if self.source is None or self.decl is None:
            raise TypeError(f"cannot pickle {self!r}: it was not made from a program's source")
        return (blank, (Function,), (self.name, self.params, self.decl, self.closure, self.doc,
                                     self.is_lambda, self.source))

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.name, self.params, self.decl, self.closure, self.doc, self.is_lambda, self.source = state
        self.body = self.source.code(self.decl)  # type: ignore[arg-type]  # (a FuncDef or Lambda)

    # A property so Python tooling (and tool descriptions) see the docstring.
    @property
    def __doc__(self) -> str | None:  # type: ignore[override]
        return self.doc

    @property
    def __name__(self) -> str:
        return self.name

    def call(self, args: tuple[Any, ...], kwargs: dict[str, Any], span: Span | None) -> Any:
        scope = Scope(self.closure, self.params.bind(self.name, args, kwargs, span))
        try:
            result = self.body(scope)
        except RecursionError:
            raise DspRuntimeError(f"maximum recursion depth exceeded in {self.name}()", span,
                                  hint=raise_hint("depth")) from None
        if self.is_lambda:
            return result
        if result.__class__ is Return:
            return result.value
        return None

    def rebind(self, closure: Scope) -> Function:
        return Function(self.name, self.params, self.body, closure, self.doc, self.decl, self.is_lambda,
                        self.source)

    def __repr__(self) -> str:
        return f"<function {self.name}>"


class ModuleClass(DspCallable):
    """A `module NAME(params):` declaration; calling it makes a ModuleInstance.

    Pickled, like a Function, as its declaration node and `source` (the attributes' and
    methods' code is compiled again by the receiver)."""

    def __init__(self, name: str, params: ParamSpec, attrs: list[tuple[str, Code]],
                 methods: Sequence[tuple[str, ParamSpec, Code, str | None, object]],
                 closure: Scope, doc: str | None, decl: object = None,
                 source: CodeSource | None = None, host: Any = None) -> None:
        self.name = name
        self.params = params
        self.attrs = attrs
        self.methods = methods
        self.closure = closure
        self.doc = doc
        self.decl = decl
        self.source = source
        self.host = host        # opens a span around each call of an instance (None: no spans)

    def __reduce__(self) -> tuple[Any, ...]:
        if self.source is None or self.decl is None:
            raise TypeError(f"cannot pickle {self!r}: it was not made from a program's source")
        methods = [(name, params, doc, node) for name, params, _, doc, node in self.methods]
        return (blank, (ModuleClass,), (self.name, self.params, methods, self.closure, self.doc,
                                        self.decl, self.source, self.host))

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.name, self.params, methods, self.closure, self.doc, self.decl, self.source = state[:7]
        self.host = state[7] if len(state) > 7 else None
        code = self.source.code
        self.attrs = [(attr.name, code(attr)) for attr in self.decl.attrs]  # type: ignore[attr-defined]
        self.methods = [(name, params, code(node), doc, node) for name, params, doc, node in methods]

    def call(self, args: tuple[Any, ...], kwargs: dict[str, Any], span: Span | None) -> Any:
        scope = Scope(self.closure, self.params.bind(self.name, args, kwargs, span))
        instance = ModuleInstance(self, scope)
        scope.vars["self"] = instance
        for name, params, body, doc, decl in self.methods:
            scope.vars[name] = Function(name, params, body, scope, doc, decl, source=self.source)
        for name, value in self.attrs:
            made = value(scope)
            scope.vars[name] = made
            hint = getattr(made, "set_path_hint", None)
            if hint is not None and not isinstance(made, type):
                hint(name)
        return instance

    def __repr__(self) -> str:
        """`<module RAG(k=3): retrieve, respond>`: its parameters and attributes."""
        params = ", ".join(name if default is MISSING else f"{name}={default!r}"
                           for name, default in zip(self.params.names, self.params.defaults))
        attrs = ", ".join(name for name, _ in self.attrs)
        return f"<module {self.name}({params})" + (f": {attrs}>" if attrs else ">")


class ModuleInstance(DspCallable):
    """An instance of a .dsp module: its names live in its own scope, which its methods close over."""

    def __init__(self, cls: ModuleClass, scope: Scope):
        object.__setattr__(self, "cls", cls)
        object.__setattr__(self, "scope", scope)

    def call(self, args: tuple[Any, ...], kwargs: dict[str, Any], span: Span | None) -> Any:
        forward = self.scope.vars.get("forward")
        if forward is None:
            raise DspTypeError(f"module {self.cls.name} has no forward method, so it cannot be called", span)
        host = self.cls.host
        if host is None:
            return forward.call(args, kwargs, span)
        opened = host.open_span("module", self.cls.name, span)    # the parent of the calls inside
        try:
            result = forward.call(args, kwargs, span)
        except BaseException as err:
            host.close_span(opened, err)
            raise
        host.close_span(opened, None)
        return result

    def __getattr__(self, name: str) -> Any:
        vars = object.__getattribute__(self, "scope").vars
        if name in vars:
            return vars[name]
        raise DspAttributeError(f"{self.cls.name} has no attribute {name!r}",
                                hint=did_you_mean(name, [n for n in vars if n != "self"]))

    def __setattr__(self, name: str, value: Any) -> None:
        self.scope.vars[name] = value

    def __dir__(self) -> list[str]:
        return [n for n in self.scope.vars if n != "self"]

    def __reduce__(self) -> tuple[Any, ...]:
        return (blank, (ModuleInstance,), (self.cls, self.scope))

    def __setstate__(self, state: tuple[ModuleClass, Scope]) -> None:
        object.__setattr__(self, "cls", state[0])
        object.__setattr__(self, "scope", state[1])

    def named_predictors(self) -> list[tuple[str, object]]:
        """Every predictor reachable from this instance, with its stable dotted path."""
        out: list[tuple[str, object]] = []
        seen: set[int] = {id(self)}
        for name, value in self.scope.vars.items():
            if name == "self" or isinstance(value, Function):
                continue
            _collect(name, value, out, seen)
        return out

    def clone(self) -> ModuleInstance:
        """A deep copy of the learnable state: predictors and sub-modules are copied, methods rebound."""
        return _clone_instance(self, {})

    def __repr__(self) -> str:
        """`RAG(` then a line per predictor, `respond.predict = Predict(QA(question -> answer))`, then `)`."""
        lines = [f"    {path} = {_predictor_text(predictor)}," for path, predictor in self.named_predictors()]
        return f"{self.cls.name}(\n" + "\n".join(lines) + "\n)" if lines else f"{self.cls.name}()"

    def _repr_html_(self) -> str:
        """In a notebook: the module's predictors (path, what it is, its demos and instructions)."""
        rows = []
        for path, predictor in self.named_predictors():
            signature = getattr(predictor, "signature", None)
            instructions = getattr(signature, "instructions", "") or ""
            rows.append("<tr>" + "".join(f"<td style='text-align:left'>{html.escape(str(cell))}</td>" for cell in (
                path, repr(predictor), len(getattr(predictor, "demos", None) or ()), instructions)) + "</tr>")
        head = "".join(f"<th style='text-align:left'>{h}</th>" for h in ("predictor", "", "demos", "instructions"))
        return (f"<table><caption style='text-align:left'>{html.escape(self.cls.name)} instance</caption>"
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _predictor_text(predictor: object) -> str:
    """`Predict(QA(question -> answer), 3 demos)`: its kind, signature and demos, where it has them."""
    signature = getattr(predictor, "signature", None)
    if signature is None:
        return repr(predictor)
    demos = len(getattr(predictor, "demos", None) or ())
    more = f", {demos} demo{'' if demos == 1 else 's'}" if demos else ""
    return f"{type(predictor).__name__}({signature!r}{more})"


def _collect(path: str, value: Any, out: list[tuple[str, object]], seen: set[int]) -> None:
    if id(value) in seen:
        return
    if isinstance(value, Learnable):
        seen.add(id(value))
        out.append((path, value))
        for sub, pred in getattr(value, "named_sub_predictors", lambda: [])():
            out.append((f"{path}.{sub}", pred))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _collect(f"{path}[{i}]", item, out, seen)
    elif isinstance(value, dict):
        for key, item in value.items():
            _collect(f"{path}[{key!r}]", item, out, seen)
    elif hasattr(value, "named_predictors") and not isinstance(value, type):
        seen.add(id(value))
        for sub, pred in value.named_predictors():
            out.append((f"{path}.{sub}", pred))


def _clone_value(value: Any, memo: dict[int, Any]) -> Any:
    if id(value) in memo:
        return memo[id(value)]
    if isinstance(value, ModuleInstance):
        return _clone_instance(value, memo)
    if isinstance(value, list):
        return [_clone_value(v, memo) for v in value]
    if isinstance(value, tuple):
        return tuple(_clone_value(v, memo) for v in value)
    if isinstance(value, dict):
        return {k: _clone_value(v, memo) for k, v in value.items()}
    clone = getattr(value, "clone", None)
    if callable(clone) and not isinstance(value, type):
        copied = clone()
        memo[id(value)] = copied
        return copied
    return value


def _clone_instance(inst: ModuleInstance, memo: dict[int, Any]) -> ModuleInstance:
    scope = Scope(inst.scope.parent, {})
    new = ModuleInstance(inst.cls, scope)
    memo[id(inst)] = new
    for name, value in inst.scope.vars.items():
        if name == "self":
            scope.vars[name] = new
        elif isinstance(value, Function) and value.closure is inst.scope:
            scope.vars[name] = value.rebind(scope)
        else:
            scope.vars[name] = _clone_value(value, memo)
    return new


class Namespace:
    """The names of a loaded file: `import "x.dsp" as n`, and `dsplang.load()`'s result."""

    def __init__(self, name: str, vars: dict[str, Any]):
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_vars", vars)

    def __getattr__(self, name: str) -> Any:
        vars = object.__getattribute__(self, "_vars")
        if name in vars:
            return vars[name]
        raise DspAttributeError(f"{self._name} has no name {name!r}", hint=did_you_mean(name, vars))

    def __getitem__(self, name: str) -> Any:
        return self._vars[name]

    def __contains__(self, name: str) -> bool:
        return name in self._vars

    def __iter__(self) -> Iterator[str]:
        return iter(self._vars)

    def __dir__(self) -> list[str]:
        return list(self._vars)

    def names(self) -> list[str]:
        return list(self._vars)

    def __reduce__(self) -> tuple[Any, ...]:
        return (blank, (Namespace,), (self._name, outgoing(self._vars)))

    def __setstate__(self, state: tuple[str, dict[str, Any]]) -> None:
        object.__setattr__(self, "_name", state[0])
        object.__setattr__(self, "_vars", incoming(state[1]))

    def __repr__(self) -> str:
        return f"<namespace {self._name}>"
