"""`dsp compile --estimate FILE`: what each compile statement would cost, without calling the LM.

The file runs as `dsp compile` runs it (imports, declarations, top-level statements up to the
last `compile`), with a host whose `compile` statement prints an estimate instead of compiling
(`stdlib/optimizers/estimate.py`: calls and tokens from the optimizer's plan, the data and the
rendered prompts) and binds the name to the program as given, so later statements still run.
Every LM the program sets (`use`, `with`, `--lm`) is replaced by one that refuses to be
called: a statement that would call the LM before the last `compile` is an error at its line.
The price comes from litellm's local price table (`LITELLM_LOCAL_MODEL_COST_MAP=True`); a model
it does not list is said to have no known price. Nothing is written to the build folder.
"""

from __future__ import annotations

import contextvars
import sys
from contextlib import contextmanager

from dsplang.context import lm as run_lm
from dsplang.context.run import Options, Run, entered
from dsplang.driver import statements
from dsplang.driver.builtins import build
from dsplang.driver.host import StdlibHost
from dsplang.errors import DspError, DspLMError, DspTypeError, DspValueError, a_type
from dsplang.grammar import ast
from dsplang.interpreter.evaluator import Interpreter
from dsplang.interpreter.limits import Limits
from dsplang.lm.client import LM, _import_litellm
from dsplang.stdlib import program as prog
from dsplang.stdlib.optimizers.estimate import Estimate, estimate


class NoCallLM(LM):
    """An LM's settings (model, parameters) that refuses every request."""

    def __init__(self, lm: LM) -> None:          # noqa: D107 - a copy of lm's settings, never calls super
        self.__dict__.update(lm.__dict__)
        self.wrapped = lm

    def request(self, messages, **kwargs):
        raise DspLMError("dsp compile --estimate calls no LM, but this statement would (before the last "
                         "`compile`)", hint="move it after the last compile statement, or run dsp compile "
                                            "without --estimate")


def refusing(value):
    """`value` with its LM replaced by a NoCallLM (other values as they are)."""
    if isinstance(value, LM) and not isinstance(value, NoCallLM):
        return NoCallLM(value)
    return value


class EstimateHost(StdlibHost):
    """The standard host, but `compile` prints an estimate and LMs are never called."""

    def __init__(self, out) -> None:
        self.out = out
        self.estimates: list[tuple[str, Estimate]] = []

    @staticmethod
    def use(value, span) -> None:
        statements.use(refusing(value), span)

    @staticmethod
    @contextmanager
    def entering(value, span):
        with statements.entering(refusing(value), span) as inside:
            yield inside

    def compile_program(self, node, program, optimizer, trainset, valset):
        if not callable(getattr(optimizer, "compile", None)) or not hasattr(optimizer, "empty_result"):
            raise DspTypeError(f"`compile ... with` needs an optimizer, not {a_type(optimizer)}", node.span)
        try:
            trainset = prog.check_examples(trainset, "trainset")
            valset = prog.check_examples(valset, "valset") if valset is not None else None
            found = estimate(optimizer, program, trainset, valset)
            self.estimates.append((node.name, found))
            self.out.write(render(node, optimizer, found, trainset, valset) + "\n")
            self.out.flush()
            return optimizer.empty_result(program, trainset)
        except DspError as err:
            raise err.with_span(node.span)


def estimate_file(path: str, lm: str | None = None, limits: Limits | None = None, out=None) -> list:
    """Run `path` up to its last compile with an EstimateHost; the (name, Estimate) pairs."""
    out = out or sys.stdout
    host = EstimateHost(out)
    run = Run(Options(lm=None if lm is None else NoCallLM(run_lm.as_lm(lm))))
    interp = Interpreter(build(limits or Limits.from_settings()), host, limits or Limits.from_settings())

    def go():
        with entered(run):
            program = interp.parse_file(path)
            last = max((i for i, node in enumerate(program.body) if isinstance(node, ast.CompileStmt)),
                       default=None)
            if last is None:
                raise DspValueError(f"{path} has no top-level `compile` statement, so there is nothing to estimate",
                                    hint="use `dsp run` to run it")
            interp.run_through(program, path, last)
    contextvars.copy_context().run(go)
    return host.estimates


# ------------------------------------------------------------------ printing


def render(node, optimizer, found: Estimate, trainset: list, valset: list | None) -> str:
    """The estimate of one compile statement as text."""
    data = f"{len(trainset)} training" + (f", {len(valset)} validation" if valset else "") + " examples"
    model = _model()
    lines = [f"{node.name} (line {node.span.line}): {found.optimizer} on {data}; "
             f"model {model or 'none configured'}"]
    width = max([len(p.what) for p in found.phases] + [20])
    for phase in found.phases:
        if phase.seconds and not phase.calls:
            lines.append(f"  {phase.what:<{width}}  about {duration(phase.seconds)}, no LM calls")
            continue
        lines.append(f"  {phase.what:<{width}}  {round(phase.calls):>7,} calls  {round(phase.prompt_tokens):>11,} "
                     f"prompt  {round(phase.completion_tokens):>9,} completion tokens")
    total = (f"  total: about {found.calls:,} LM calls, {found.prompt_tokens:,} prompt and "
             f"{found.completion_tokens:,} completion tokens")
    lines.append(total + ", " + _cost(model, found)
                 + (f"; and about {duration(found.seconds)} of fine-tuning" if found.seconds else ""))
    for note in found.notes:
        lines.append(f"  ({note})")
    return "\n".join(lines)


def duration(seconds: float) -> str:
    """`45 s`, `12 min`, `2.5 h`."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _model() -> str | None:
    try:
        return run_lm.current_lm().model
    except DspError:
        return None


def price(model: str | None) -> tuple[float, float] | None:
    """Dollars per prompt and per completion token from litellm's local price table, or None."""
    if not model:
        return None
    table = _import_litellm().model_cost
    for key in (model, model.split("/", 1)[-1]):
        entry = table.get(key)
        if entry and entry.get("input_cost_per_token") is not None:
            return float(entry["input_cost_per_token"]), float(entry.get("output_cost_per_token") or 0.0)
    return None


def _cost(model: str | None, found: Estimate) -> str:
    if not found.calls:
        return "$0"
    rates = price(model)
    if rates is None:
        return f"cost unknown (litellm has no price for {model or 'an unconfigured model'})"
    cost = found.prompt_tokens * rates[0] + found.completion_tokens * rates[1]
    return (f"about ${cost:,.4f} (${rates[0] * 1e6:.2f} / ${rates[1] * 1e6:.2f} per million prompt / "
            f"completion tokens)")
