"""Checking an optimizer's arguments when it is made, before any LM call is spent.

A wrong argument (`k="4"`, `eta=1`, a metric taking one parameter, `embedder="tfidf"`) is
refused by the constructor with an argument error that names the optimizer, the setting, what
it must be and what it got, with a hint; the interpreter adds the call's `file:line:col`.

    check = Checker("BootstrapFewShot")
    self.max_rounds = check("max_rounds", max_rounds, whole(at_least=1), "1")   # "1": the hint's example
    self.metric = check("metric", metric, optional(METRIC))

A `Rule` says what a value must be (`text`, for the message) and what is wrong with a value
(`problem(value)`: None when it is fine). Rules: `whole`, `number`, `one_of`, `optional`,
`callable_with` and the constants `FLAG`, `NAME`, `METRIC`, `LM`, `PROGRAM`, `EMBEDDER`,
`TEACHER_SETTINGS`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dsplang.errors import DspArgumentError, DspError, a_type
from dsplang.interpreter.values import Function, ModuleClass
from dsplang.lm.client import LM as LMClass
from dsplang.stdlib import program as prog


def shown(value: Any) -> str:
    """A value as a message shows it: literals as written in .dsp, anything else by its kind."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (numbers.Real, str)):
        text = repr(value)
        return text if len(text) <= 40 else text[:37] + "..."
    if isinstance(value, Function):
        return "a lambda" if value.is_lambda else f"the function {value.name}"
    if isinstance(value, ModuleClass):
        return f"the module {value.name} itself, not an instance of it"
    if isinstance(value, type):
        return f"the class {value.__name__}"
    name = getattr(value, "__name__", None)
    if callable(value) and isinstance(name, str) and not name.startswith("<"):
        return f"the function {name}"
    return a_type(value)


@dataclass(frozen=True)
class Rule:
    """What a setting must be (`text`, as in "k must be TEXT"). `test(value)` is True when the
    value is fine, else False (the message then shows the value) or a text saying what is wrong."""

    text: str
    test: Callable[[Any], bool | str]
    hint: str | None = None

    def problem(self, value: Any) -> str | None:
        verdict = self.test(value)
        if verdict is True:
            return None
        return verdict if isinstance(verdict, str) else shown(value)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def whole(*, at_least: int | None = None) -> Rule:
    """A whole number (not a bool), at least `at_least`."""
    text = "a whole number" + ("" if at_least is None else f" of at least {at_least}")
    return Rule(text, lambda v: _is_int(v) and (at_least is None or v >= at_least))


def number(*, at_least: float | None = None, above: float | None = None, at_most: float | None = None) -> Rule:
    """A finite number (an int or a float, not a bool) in the given range."""
    bounds = []
    if at_least is not None:
        bounds.append(f"of at least {at_least}")
    if above is not None:
        bounds.append(f"above {above}")
    if at_most is not None:
        bounds.append(f"at most {at_most}")
    text = "a number" + (" " + " and ".join(bounds) if bounds else "")
    return Rule(text, lambda v: _is_number(v) and (at_least is None or v >= at_least)
                and (above is None or v > above) and (at_most is None or v <= at_most))


def one_of(*choices) -> Rule:
    """One of `choices` (compared with `==`, and of the same type: 1 is not true)."""
    text = ", ".join(shown(c) for c in choices[:-1]) + f" or {shown(choices[-1])}"
    return Rule(text, lambda v: any(v == c and type(v) is type(c) for c in choices))


def optional(rule: Rule) -> Rule:
    """`rule`, or none."""
    def test(value) -> bool | str:
        problem = None if value is None else rule.problem(value)
        return True if problem is None else problem
    return Rule(f"{rule.text}, or none", test, rule.hint)


def callable_with(*counts: int, text: str, hint: str | None = None) -> Rule:
    """A function (or other callable) that can be called with one of `counts` positional
    arguments; a callable whose parameters cannot be read is taken on trust."""
    def test(value) -> bool | str:
        if not callable(value) or isinstance(value, type):
            return False
        found = [prog.accepts(value, n) for n in counts]
        if any(ok is not False for ok in found):
            return True
        numbers_ = " or ".join(str(n) for n in counts)
        return f"{shown(value)}, which cannot be called with {numbers_} arguments"
    return Rule(text, test, hint)


def _is_lm(value) -> bool:
    return isinstance(value, LMClass) or isinstance(value, str) and bool(value.strip())


def _is_program(value) -> bool:
    try:
        prog.named_predictors(value)
    except DspError:
        return False
    return True


def _is_embedder(value) -> bool:
    return (callable(getattr(value, "embed", None)) or callable(value)) and not isinstance(value, (type, str))


def _teacher_settings(value) -> bool | str:
    if not isinstance(value, dict):
        return False
    unknown = [k for k in value if k != "lm"]
    if unknown:
        return f"a dict with the entry {shown(unknown[0])}"
    if "lm" in value and value["lm"] is not None and not _is_lm(value["lm"]):
        return f"a dict whose lm is {shown(value['lm'])}"
    return True


FLAG = Rule("true or false", lambda v: isinstance(v, bool))
NAME = Rule("the name of a field of the training examples", lambda v: isinstance(v, str) and bool(v))
METRIC = callable_with(2, 3, text="a function taking (example, pred) or (example, pred, trace)",
                       hint="for example: def right(example, pred, trace=none): return example.answer == pred.answer")
LM = Rule("an LM or a model name", _is_lm, 'for example: LM("openai/gpt-4o-mini")')
PROGRAM = Rule("a program (a module instance or a predictor)", _is_program,
               "for example: teacher=MyModule() (call the module to make an instance)")
EMBEDDER = Rule("a function texts -> vectors, or an object with an embed(texts) method", _is_embedder,
                'for example: embedder=TfIdf([ex.question for ex in train]), or Embeddings("corpus.jsonl")')
TEACHER_SETTINGS = Rule('a dict with an "lm" entry', _teacher_settings,
                        'for example: teacher_settings={"lm": LM("openai/gpt-4o")}')


class Checker:
    """Checks the arguments of one optimizer: `check(name, value, rule, example=...)` returns
    the value, or raises DspArgumentError naming `owner` and the setting. `example` is a
    value written as in .dsp, shown in the hint (the rule's own hint when not given)."""

    def __init__(self, owner: str) -> None:
        self.owner = owner

    def __call__(self, name: str, value: Any, rule: Rule, example: str | None = None) -> Any:
        problem = rule.problem(value)
        if problem is None:
            return value
        hint = f"for example: {name}={example}" if example is not None else rule.hint
        raise DspArgumentError(f"{self.owner}: {name} must be {rule.text}, got {problem}", hint=hint)
