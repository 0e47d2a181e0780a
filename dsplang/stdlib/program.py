"""What optimizers need to know about a program: its predictors, copies, calls, and hashes.

A *program* is anything `compile` accepts: an instance of a .dsp module, a lone predictor
(`Predict`), or a predictor wrapper such as `ChainOfThought` (anything with
`named_predictors()` and `clone()`). Its predictors are `Predict` objects reached by stable
dotted paths; a lone `Predict` is the path `self` (as in DSPy).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import inspect
import math
import numbers
from typing import Any

from dsplang.errors import SOURCES, DspError, DspPythonError, DspTypeError, DspValueError, a_type
from dsplang.grammar import ast
from dsplang.interpreter.values import DspCallable, Function, Learnable, ModuleInstance, Namespace
from dsplang.lm.cache import canonical_json
from dsplang.lm.secrets import without_secrets
from dsplang.stdlib.example import Example
from dsplang.stdlib.parallel_runner import StopRun
from dsplang.stdlib.prediction import Prediction


def named_predictors(program) -> list[tuple[str, object]]:
    """Every learnable predictor of `program` with its dotted path."""
    if isinstance(program, Learnable):
        return [("self", program)]
    method = getattr(program, "named_predictors", None)
    if callable(method) and not isinstance(program, type):
        return list(method())
    raise DspTypeError(f"{a_type(program)} is not a program: compile, save and load need "
                       "a module instance or a predictor",
                       hint="for example: compile qa = MyModule() with BootstrapFewShot(...) on train")


def original_predictor(predictor):
    """The program's own predictor that a traced call's predictor stands for: itself, or, for a
    copy made per call (KNNFewShot compiles one per set of neighbours), the predictor it was
    copied from (its `stands_for`)."""
    return getattr(predictor, "stands_for", None) or predictor


def lm_settings(lm) -> dict:
    """An LM's model and parameters, without secrets."""
    params = without_secrets({k: plain(v) for k, v in sorted(getattr(lm, "kwargs", {}).items())})
    return {"model": lm.model, **params}


def predictor_state(predictor) -> dict:
    """The learnable parameters of one predictor as JSON."""
    signature = predictor.signature
    return {
        "signature": signature.name,
        "instructions": signature.instructions,
        "fields": {f.name: {"direction": f.direction, "type": f.type_name, "desc": f.desc}
                   for f in signature.fields},
        "demos": [plain(prog_demo(d)) for d in predictor.demos],
        "lm": lm_settings(predictor.lm) if predictor.lm is not None else None,
        "config": without_secrets({k: plain(v) for k, v in sorted(predictor.config.items())}),
    }


def prog_demo(demo) -> dict:
    return demo.to_dict() if hasattr(demo, "to_dict") else dict(demo)


def program_state(program) -> dict[str, dict]:
    return {path: predictor_state(p) for path, p in named_predictors(program)}


def plain(value: Any) -> Any:
    """`value` as JSON data: records as dicts, enum members as their values."""
    if value is None or isinstance(value, (bool, int, float, str)) and not isinstance(value, enum.Enum):
        return value
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if hasattr(value, "to_dict"):
        return plain(value.to_dict())
    return str(value)


def check_program(program) -> list[tuple[str, object]]:
    """`named_predictors(program)`, refusing a program without any predictor."""
    found = named_predictors(program)
    if not found:
        raise DspValueError(f"{describe(program)} has no predictors, so there is nothing to compile",
                            hint="give the module an attribute such as `respond = Predict(...)`")
    return found


def clone(program):
    """A copy whose predictors can be changed without touching the original."""
    copy = getattr(program, "clone", None)
    if not callable(copy):
        raise DspTypeError(f"a {type(program).__name__} cannot be copied, so it cannot be compiled")
    return copy()


def reset_copy(program):
    """A copy with every predictor's demos removed (DSPy's `reset_copy`)."""
    copy = clone(program)
    for _, predictor in named_predictors(copy):
        predictor.demos = []
    return copy


def describe(program) -> str:
    """A short name for reports: the module's name or the predictor's repr."""
    if isinstance(program, ModuleInstance):
        return program.cls.name
    return repr(program)


# ------------------------------------------------------------------ calling


def call(f, *args, **kwargs):
    """Call a .dsp callable (module, predictor, function) or a Python callable."""
    if isinstance(f, DspCallable):
        return f.call(args, kwargs, None)
    return f(*args, **kwargs)


def run_on(program, example: Example):
    """Run `program` on an example's inputs."""
    return call(program, **example.inputs().to_dict())


def accepts(f, count: int) -> bool | None:
    """Whether `f` can be called with `count` positional arguments (None when that cannot be told)."""
    if isinstance(f, Function):
        params = f.params
        return len(params.required) <= count and (count <= params.positional or params.star is not None)
    if isinstance(f, (DspCallable, type)):
        return None
    try:
        return _python_accepts(f, count)
    except TypeError:               # an unhashable callable: not remembered
        return _python_accepts.__wrapped__(f, count)


@functools.lru_cache(maxsize=256)
def _python_accepts(f, count: int) -> bool | None:
    """`accepts` for a Python callable, remembered: a metric is asked on every example."""
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(*range(count))
    except TypeError:
        return False
    return True


def call_metric(metric, example, prediction, trace=None):
    """`metric(example, prediction, trace)`. The trace is left out for a metric that does not
    take one; a metric that needs it gets `none` outside bootstrapping."""
    if (trace is not None and accepts(metric, 3) is not False) or accepts(metric, 2) is False:
        return call(metric, example, prediction, trace)
    return call(metric, example, prediction)


class MetricError(Exception):
    """What a metric raised on one example, told apart from a failure of the program it scored."""

    def __init__(self, error: Exception, metric) -> None:
        super().__init__(str(error))
        self.error = error
        self.metric = metric
        self.message = getattr(error, "message", None) or f"{type(error).__name__}: {error}"

    def __reduce__(self) -> tuple[Any, ...]:      # back from a Ray worker whole
        return (MetricError, (self.error, self.metric))

    def everywhere(self, count: int, who: str) -> DspError:
        """The error for a metric that raised on every one of the `count` examples `who` gave
        it: what it raised, where it raised it (a Python metric: at its declaration, if known)."""
        said = f"{who} called {metric_name(self.metric)} on {count} example{'s' if count != 1 else ''}, " \
               "and it failed on every one"
        error = self.error
        if not isinstance(error, DspError):
            error = DspPythonError(f"{metric_name(self.metric)} raised {self.message}", _declared_at(self.metric),
                                   original=self.error)
            error.__cause__ = self.error          # its traceback, for --debug
        if said not in error.notes:
            error.notes.append(said)
        return error


def score(metric, example, prediction, trace=None) -> float:
    """The metric's value on one prediction, as a number (`as_score`). What the metric raises
    comes out as a MetricError; a value that is not a bool or a number stops the whole run it
    is part of (`StopRun`): it is a mistake in the metric, not a property of one example."""
    try:
        value = call_metric(metric, example, prediction, trace)
    except Exception as err:  # noqa: BLE001 - the metric's own failure, whatever it is
        raise MetricError(err, metric) from err
    try:
        return as_score(value, metric)
    except DspError as err:
        raise StopRun(err) from None


def metric_name(metric) -> str:
    """The metric as messages name it: `the metric NAME`, or `the metric` for a lambda."""
    name = getattr(metric, "__name__", None)
    return f"the metric {name}" if isinstance(name, str) and name and not name.startswith("<") else "the metric"


def as_score(value, metric=None) -> float:
    """A metric's value as a number: bools count 1/0, a result with `score` gives its score."""
    if isinstance(value, numbers.Real):
        if math.isnan(value):
            raise DspValueError(f"{metric_name(metric)} returned nan; a metric must return a bool or a number",
                                _declared_at(metric), hint="a division by zero somewhere, or a mean of nothing?")
        return float(value)
    if isinstance(value, (Prediction, dict)) and "score" in value:
        return as_score(value["score"], metric)
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    what = "none" if value is None else f"{type(value).__name__} {shown}"
    raise DspTypeError(f"{metric_name(metric)} returned {what}; a metric must return a bool or a number",
                       _declared_at(metric), hint="for example: return example.answer == pred.answer")


def _declared_at(metric):
    """Where a .dsp metric is declared (its `def` line or its lambda), so a bad return value is
    reported there rather than at the statement that called it; None for a Python metric."""
    span = getattr(getattr(metric, "decl", None), "span", None) if isinstance(metric, Function) else None
    return None if span is None else dataclasses.replace(span, end_line=span.line,
                                                         end_col=len(SOURCES.line(span.file, span.line) or "") + 1)


def passes(value, threshold: float | None, metric=None) -> bool:
    """Whether a metric value accepts a bootstrapped trace (DSPy: `>= threshold`, else truthy)."""
    if threshold is not None:
        return as_score(value, metric) >= threshold
    return bool(as_score(value, metric))


# ------------------------------------------------------------------ identity and hashes


def check_examples(data, what: str) -> list[Example]:
    """`data` as a list of Examples with inputs marked, or a clear error naming `what`."""
    if not isinstance(data, (list, tuple)):
        raise DspTypeError(f"the {what} must be a list of Examples, got a {type(data).__name__}")
    for i, example in enumerate(data):
        if not isinstance(example, Example):
            raise DspTypeError(f"item {i + 1} of the {what} is a {type(example).__name__}, not an Example")
        if example.input_keys is None:
            raise DspValueError(f"example {i + 1} of the {what} has no inputs marked",
                                hint='mark them with .with_inputs("question"), or load(path, inputs=[...])')
    return list(data)


def sha256(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def data_hash(*datasets) -> str:
    """A hash of the examples (fields, values and input marks) of every dataset given."""
    rows = [[(ex.to_dict(), list(ex.input_keys or ())) for ex in data or []] for data in datasets]
    return sha256(canonical_json(rows))


def source_hash(program) -> str:
    """A hash of what defines the program: the source text of its module declarations (and of
    the modules nested in it) and each predictor's path, signature and settings."""
    parts = [declaration_text(cls) for cls in _module_classes(program)]
    for item in program if isinstance(program, (list, tuple)) else [program]:
        for path, predictor in named_predictors(item):
            parts.append(canonical_json([path, predictor.signature.to_json(), sorted(predictor.config)]))
    return sha256("\n".join(parts))


def declaration_text(decl_owner) -> str:
    """The source lines of a module class's (or function's) declaration, if known."""
    decl = getattr(decl_owner, "decl", None)
    span = getattr(decl, "span", None)
    if span is None:
        return getattr(decl_owner, "name", "")
    lines = (SOURCES.line(span.file, n) for n in range(span.line, span.end_line + 1))
    return "\n".join(line for line in lines if line is not None)


def function_source_hash(function: Function) -> str:
    """A hash of what a .dsp function (a lambda too) computes with: its source, the source of the
    .dsp functions it reads by name or through an imported file (`lib.norm`), theirs in turn,
    and the values of plain constants it reads (`let LIMIT = 0.5`). Editing a helper or a
    constant a metric uses changes the metric's hash."""
    parts, seen, todo = [], set(), [function]
    while todo:
        f = todo.pop()
        if id(f) in seen:
            continue
        seen.add(id(f))
        parts.append(declaration_text(f))
        for name, attr in sorted(_reads(f.decl), key=lambda pair: (pair[0], pair[1] or "")):
            scope = f.closure.find(name) if f.closure is not None else None
            value = scope.vars.get(name) if scope is not None else None
            if attr is not None:
                value = object.__getattribute__(value, "_vars").get(attr) if isinstance(value, Namespace) else None
            if isinstance(value, Function):
                todo.append(value)
            elif _plain(value):
                parts.append(f"{name}.{attr}={canonical_json(value)}" if attr else f"{name}={canonical_json(value)}")
    return sha256("\n".join(parts))


def _reads(node) -> set[tuple[str, str | None]]:
    """What an AST node reads: (name, None) for every `Name` below it, and (name, attr) for
    every `name.attr`."""
    found: set[tuple[str, str | None]] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Name):
            found.add((item.id, None))
        elif isinstance(item, ast.Attribute) and isinstance(item.value, ast.Name):
            found.add((item.value.id, item.attr))
            found.add((item.value.id, None))
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif hasattr(item, "__dataclass_fields__"):
            stack.extend(getattr(item, name) for name in item.__dataclass_fields__)
    return found


def _plain(value, depth: int = 0) -> bool:
    """A constant worth hashing: none, a bool, number or string, or a small list or dict of them."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if depth < 3 and isinstance(value, (list, tuple)) and len(value) <= 100:
        return all(_plain(v, depth + 1) for v in value)
    if depth < 3 and isinstance(value, dict) and len(value) <= 100:
        return all(isinstance(k, str) and _plain(v, depth + 1) for k, v in value.items())
    return False


def _module_classes(program) -> list:
    """The module classes of `program` and of every module instance inside it, first seen first."""
    found, seen = [], set()

    def visit(value) -> None:
        if isinstance(value, ModuleInstance) and id(value) not in seen:
            seen.add(id(value))
            if value.cls not in found:
                found.append(value.cls)
            for name, item in value.scope.vars.items():
                if name != "self":
                    visit(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                visit(item)
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)
        elif hasattr(value, "programs") and isinstance(value.programs, list):
            visit(value.programs)
    visit(program)
    return found
