"""`evaluate(program, data, metric=...)`: run a program over examples and score it.

Each example's inputs go to the program as keyword arguments
(``program(**example.inputs().to_dict())``); the metric gets ``(example, prediction)`` and
returns a bool or a number (or a Prediction with a ``score`` field). Examples run in parallel
on ``threads`` threads (DSPy's ``num_threads`` is the same setting; default 1: deterministic,
and kind to scripted LMs and rate limits)
through :func:`dsplang.stdlib.parallel_runner.run_parallel`, so results keep the data's order;
with ``concurrency=N`` they run instead as up to N async calls on one event loop
(:mod:`dsplang.stdlib.async_runner`: an LM call in flight holds no thread, so N can be in the
hundreds), and ``await aevaluate(...)`` does the same from a coroutine. With
``backend="ray"`` the examples run on a Ray cluster's workers, ``threads`` at a time on
each (:mod:`dsplang.stdlib.ray_runner`: the cluster of ``RAY_ADDRESS`` or the one this
process already joined, else a new local one; the program and metric travel pickled).

- A failure — any error raised by the program or the metric — scores ``failure_score`` and is
  remembered in ``result.errors`` with its message. At ``max_errors`` failures (default 10,
  DSPy's setting) the run stops and raises ``TooManyErrors`` quoting the first one.
- Mistakes in the metric are errors, not scores: a metric that failed on every example it was
  given raises what it raised (where it raised it, with a note), and a metric returning
  something other than a bool or a number (or nan) stops the run at once with an error at its
  `def` line.
- Ctrl-C stops cleanly: the finished rows are returned with ``interrupted=True``.
- A rich progress bar is drawn on stderr when ``display_progress`` and stderr is a terminal,
  and in a Jupyter notebook (rich draws it as a widget there, which needs ``ipywidgets``).
- The result's ``score`` is a percentage (0-100, rounded to 2 places, as DSPy) over the rows
  that finished; ``str(result)`` is the score line plus a plain-text table of the
  ``display_table`` worst rows (``True``: all, ``0``/``False``: none). Predictions are always
  kept in ``results`` (DSPy's removed ``return_outputs`` is not accepted).
"""

from __future__ import annotations

import io
import json
import math
import numbers
import operator
import os
import shutil
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dsplang.context import trace
from dsplang.context.spans import opened as opened_span
from dsplang.context.trace import json_default
from dsplang.errors import DspArgumentError, DspError, DspFileError, DspTypeError, DspValueError, a_type
from dsplang.stdlib import program as program_api
from dsplang.stdlib.async_runner import arun_concurrent, check_concurrency, run_concurrent
from dsplang.stdlib.example import Example
from dsplang.stdlib.fields import Fields
from dsplang.stdlib.notebook import html_table, json_ready
from dsplang.stdlib.parallel_runner import RunResult, TooManyErrors, run_parallel
from dsplang.stdlib.ray_runner import run_on_ray
from dsplang.stdlib.scored_example import ScoredExample, calls_made
from dsplang.stdlib.thread_count import thread_count

_CELL_CHARS = 80
_HTML_ROWS = 200        # rows of a result drawn in a notebook


@dataclass(frozen=True, slots=True)
class EvaluationError:
    """One example whose program or metric call failed."""

    index: int            # 0-based position in the data
    example: Example
    message: str          # the error as the user would see it
    error: BaseException


def evaluate(program, data, metric=None, *, threads: int = 1, num_threads: int | None = None,
             concurrency: int | None = None, display_progress: bool = True, max_errors: int | None = 10,
             failure_score: float = 0.0,
             display_table: bool | int = 5, backend: str = "local") -> EvaluationResult:
    """Run `program` on every example of `data`, score it with `metric`; see the module docstring."""
    threads = thread_count(threads, num_threads, "evaluate()")
    examples = _check_args(program, data, metric, failure_score)
    if concurrency is not None:
        _one_engine(threads, concurrency)
    _check_backend(backend, concurrency)
    task = _Task(program, metric)
    with _progress_bar(display_progress, len(examples)) as on_done, _span(program, metric, examples):
        try:
            if backend == "ray":
                run = run_on_ray(task, examples, threads=threads, max_errors=max_errors, on_done=on_done)
            elif concurrency is None:
                run = run_parallel(task, examples, threads=threads, max_errors=max_errors, on_done=on_done)
            else:
                run = run_concurrent(task, examples, concurrency=concurrency, max_errors=max_errors,
                                     on_done=on_done)
        except TooManyErrors as err:
            _check_metric_ran(err.result)
            raise TooManyErrors(f"evaluate() {err.message}", err.result, hint=err.hint) from err.__cause__
    _check_metric_ran(run)
    return _build_result(examples, run, failure_score, display_table, _name_of(metric))


async def aevaluate(program, data, metric=None, *, concurrency: int = 16, display_progress: bool = True,
                    max_errors: int | None = 10, failure_score: float = 0.0,
                    display_table: bool | int = 5) -> EvaluationResult:
    """`evaluate` from a coroutine: up to `concurrency` examples at once as async calls on the
    running event loop (a notebook's, say), which it does not block."""
    examples = _check_args(program, data, metric, failure_score)
    check_concurrency(concurrency)
    task = _Task(program, metric)
    with _progress_bar(display_progress, len(examples)) as on_done, _span(program, metric, examples):
        try:
            run = await arun_concurrent(task, examples, concurrency=concurrency, max_errors=max_errors,
                                        on_done=on_done)
        except TooManyErrors as err:
            _check_metric_ran(err.result)
            raise TooManyErrors(f"aevaluate() {err.message}", err.result, hint=err.hint) from err.__cause__
    _check_metric_ran(run)
    return _build_result(examples, run, failure_score, display_table, _name_of(metric))


def _span(program, metric, examples: list):
    """The evaluation's span: the parent of its examples' calls (their module and predictor spans)."""
    return opened_span("evaluate", program_api.describe(program),
                       attributes={"dsp.metric": _name_of(metric), "dsp.examples": len(examples)})


def _one_engine(threads: Any, concurrency: Any) -> None:
    """`threads=` (a thread pool) and `concurrency=` (async calls) are two engines: one at a time."""
    check_concurrency(concurrency)
    if threads != 1:
        raise DspArgumentError("evaluate(): give threads= or concurrency=, not both",
                               hint="concurrency=N runs N examples at once as async calls, without a thread "
                                    "each; threads=N runs them on N threads")


def _check_backend(backend: Any, concurrency: int | None) -> None:
    """`backend="local"` (this process) or `"ray"` (the Ray cluster's workers, `threads` each)."""
    if backend not in ("local", "ray"):
        raise DspArgumentError(f"evaluate(): backend must be \"local\" or \"ray\", got {backend!r}")
    if backend == "ray" and concurrency is not None:
        raise DspArgumentError("evaluate(): concurrency= runs async calls in this process; with "
                               "backend=\"ray\" each worker runs threads= examples at once")


def _check_metric_ran(run: RunResult) -> None:
    """A metric that failed on every example it was given is an error, not a 0% score (a
    failure of the program itself stays a failed row)."""
    if run.interrupted:
        return
    failures = [e.metric for e in run.errors.values() if isinstance(e, _RowFailure)]
    done = sum(run.finished)
    if done and all(f is not None for f in failures) and len(failures) == done:
        first = run.errors[min(run.errors)].metric
        raise first.everywhere(done, "evaluate()")


# ------------------------------------------------------------------ running one example


class _RowFailure(Exception):
    """Carries a program or metric error out of a worker, with the prediction if there was one."""

    def __init__(self, error: Exception, prediction: Any, metric: program_api.MetricError | None = None,
                 calls: list[str | None] | None = None):
        super().__init__(str(error))
        self.error = error
        self.prediction = prediction
        self.metric = metric               # set when the metric failed, not the program
        self.calls = calls or []           # span ids of the predictor calls made on the example
        self.message = _message(error)     # what the max_errors message quotes

    def __reduce__(self) -> tuple[Any, ...]:      # back from a Ray worker whole
        return (_RowFailure, (self.error, self.prediction, self.metric, self.calls))


class _Task:
    """Run the program on one example and score it; what `run_parallel` calls per item."""

    def __init__(self, program, metric) -> None:
        self.program = program
        self.metric = metric

    def __call__(self, example: Example) -> tuple[Any, float, list[str | None]]:
        if not trace.active():          # no ScoredExample will be recorded: nothing to collect
            return self._scored(example, None)
        with trace.collecting() as seen:       # the example's calls, for its ScoredExample record
            return self._scored(example, seen)

    def _scored(self, example: Example, seen: trace.Trace | None) -> tuple[Any, float, list[str | None]]:
        try:
            prediction = program_api.run_on(self.program, example)
        except Exception as err:  # noqa: BLE001 - any failure of user code scores failure_score
            raise _RowFailure(err, None, calls=_calls(seen)) from err
        try:
            score = program_api.score(self.metric, example, prediction)
        except program_api.MetricError as err:
            shown = _not_a_prediction(err.error, prediction)     # then the program is at fault
            raise _RowFailure(shown, prediction, err if shown is err.error else None,
                              calls=_calls(seen)) from err.error
        return prediction, score, _calls(seen)


def _calls(seen: trace.Trace | None) -> list[str | None]:
    return [] if seen is None else calls_made(seen)


def _not_a_prediction(error: Exception, prediction: Any) -> Exception:
    """A metric that could not read a field because the program returned a plain value (a
    string, say) instead of a Prediction: say so, rather than only "str has no attribute"."""
    if prediction is None or isinstance(prediction, Fields) or not isinstance(error, AttributeError):
        return error      # (DspAttributeError, from .dsp code, is an AttributeError too)
    what = type(prediction).__name__
    plain = error.message if isinstance(error, DspError) else str(error)
    return DspTypeError(f"the program returned a {what}, not a Prediction, so the metric could not read it "
                        f"({plain})", getattr(error, "span", None),
                        hint="return a Prediction from forward(), e.g. return Prediction(answer=text)")


def _check_args(program, data, metric, failure_score) -> list[Example]:
    if not callable(program):
        raise DspTypeError(f"evaluate(): the program must be callable, got {a_type(program)}")
    if metric is None:
        raise DspArgumentError("evaluate() needs a metric", hint="e.g. evaluate(program, dev, metric=exact_match)")
    if not callable(metric):
        raise DspTypeError(f"evaluate(): the metric must be a function, got {a_type(metric)}")
    if isinstance(failure_score, bool) or not isinstance(failure_score, (int, float)):
        raise DspArgumentError(f"evaluate(): failure_score must be a number, got {failure_score!r}")
    examples = list(data) if isinstance(data, (list, tuple)) else None
    if examples is None:
        raise DspTypeError(f"evaluate(): the data must be a list of Examples, got {a_type(data)}")
    for i, example in enumerate(examples):
        if not isinstance(example, Example):
            raise DspTypeError(f"evaluate(): item {i + 1} of the data is {a_type(example)}, "
                               "not an Example")
        if example.input_keys is None:
            raise DspValueError(f"evaluate(): example {i + 1} has no inputs marked",
                                hint='mark them with .with_inputs("question"), or load(path, inputs=[...])')
    return examples


def _name_of(f) -> str:
    return getattr(f, "name", None) or getattr(f, "__name__", None) or type(f).__name__


# ------------------------------------------------------------------ progress


def in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel that can show rich's live widgets (ipywidgets)."""
    if "ipykernel" not in sys.modules:
        return False
    import importlib.util

    from rich.console import Console
    return Console(stderr=True).is_jupyter and importlib.util.find_spec("ipywidgets") is not None


class _progress_bar:
    """A rich progress bar on stderr (only when it is a terminal); yields the on_done callback."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled = bool(enabled) and total > 0 and (sys.stderr.isatty() or in_notebook())
        self.total = total
        self.progress = None

    def __enter__(self) -> Callable[[int, RunResult], None] | None:
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("evaluate"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[status]}"), TimeElapsedColumn(),
                                 console=Console(stderr=True), transient=False)
        self.task = self.progress.add_task("evaluate", total=self.total, status="")
        self.progress.start()
        self.scores: dict[int, float] = {}
        return self._update

    def _update(self, index: int, run: RunResult) -> None:
        if run.ok(index):
            self.scores[index] = run.values[index][1]
        done = run.done_count
        score = 100 * sum(self.scores.values()) / done if done else 0.0
        errors = f", {_plural(len(run.errors), 'error')}" if run.errors else ""
        self.progress.update(self.task, completed=done, status=f"score {score:.1f}%{errors}")

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.stop()


# ------------------------------------------------------------------ the result


def _build_result(examples: list[Example], run: RunResult, failure_score: float,
                  display_table: bool | int, metric_name: str) -> EvaluationResult:
    rows, errors, indices = [], [], []
    evaluation = uuid.uuid4().hex[:12]
    for i, example in enumerate(examples):
        if not run.finished[i]:
            continue
        indices.append(i)
        if i in run.errors:
            failure = run.errors[i]
            error = failure.error if isinstance(failure, _RowFailure) else failure
            prediction = failure.prediction if isinstance(failure, _RowFailure) else None
            calls = failure.calls if isinstance(failure, _RowFailure) else []
            errors.append(EvaluationError(i, example, _message(error), error))
            rows.append((example, prediction, float(failure_score)))
            _record_row(evaluation, metric_name, i, rows[-1], calls, errors[-1].message)
        else:
            prediction, score, calls = run.values[i]
            rows.append((example, prediction, score))
            _record_row(evaluation, metric_name, i, rows[-1], calls, None)
    return EvaluationResult(rows, errors, len(examples), run.interrupted, display_table, metric_name,
                            indices)


def _record_row(evaluation: str, metric_name: str, index: int, row: tuple, calls: list, error: str | None) -> None:
    """Put one finished example into the run's traces (`dsp report` shows the worst)."""
    if not trace.active():
        return
    example, prediction, score = row
    trace.record(ScoredExample(evaluation, metric_name, index, example.to_dict(), list(example.input_keys or ()),
                               _prediction_dict(prediction), float(score), error, calls))


def _message(error: BaseException) -> str:
    if isinstance(error, DspError):
        return str(error)
    return f"{type(error).__name__}: {error}"


class EvaluationResult:
    """The outcome of `evaluate`: `.score` (0-100), `.results` rows, `.errors`, `.interrupted`.

    `float(result)` is the score, and results compare with numbers and with each other by score.
    """

    def __init__(self, results: list[tuple], errors: list[EvaluationError], total: int,
                 interrupted: bool = False, display_table: bool | int = 5, metric_name: str = "score",
                 indices: list[int] | None = None):
        self.results = results
        self.indices = indices if indices is not None else list(range(len(results)))
        self.errors = errors
        self.total = total
        self.interrupted = interrupted
        self.display_table = display_table
        self.metric_name = metric_name
        points = sum(score for *_, score in results)
        self.points = points
        self.score = round(100 * points / len(results), 2) if results else 0.0

    def __float__(self) -> float:
        return float(self.score)

    def _compare(self, other, op) -> bool:
        """Compare scores with another result or a number."""
        if isinstance(other, EvaluationResult):
            return op(self.score, other.score)
        if isinstance(other, numbers.Real) and not isinstance(other, bool):
            return op(self.score, other)
        return NotImplemented

    def __lt__(self, other):
        return self._compare(other, operator.lt)

    def __le__(self, other):
        return self._compare(other, operator.le)

    def __gt__(self, other):
        return self._compare(other, operator.gt)

    def __ge__(self, other):
        return self._compare(other, operator.ge)

    def __format__(self, spec: str) -> str:
        return format(self.score, spec) if spec else str(self)

    def summary(self) -> str:
        """The score line, e.g. `score: 66.7% (4/6), 1 error`."""
        line = f"score: {self.score:.1f}% ({_number(self.points)}/{len(self.results)})"
        if self.errors:
            line += f", {_plural(len(self.errors), 'error')}"
            if len(self.errors) == len(self.results):
                line += f" (every example failed; the first: {_short(self.errors[0].message.splitlines()[0], 200)})"
        if self.interrupted:
            line += f", interrupted after {len(self.results)} of {self.total} examples"
        return line

    def table(self, rows: bool | int | None = None) -> str:
        """A plain-text table of the `rows` worst results (lowest score first)."""
        limit = self.display_table if rows is None else rows
        if limit is False or not self.results:
            return ""
        count = len(self.results) if limit is True else max(0, int(limit))
        if count == 0:
            return ""
        return _render_table(self._worst(count), len(self.results), self.metric_name)

    def _worst(self, count: int) -> list[tuple[int, Example, Any, float, str | None]]:
        failed = {e.index: e.message for e in self.errors}
        rows = sorted(zip(self.indices, self.results), key=lambda r: (r[1][2], r[0]))
        return [(i, ex, pred, score, failed.get(i)) for i, (ex, pred, score) in rows[:count]]

    def __str__(self) -> str:
        parts = [self.summary()]
        table = self.table()
        if table:
            parts.append(table.rstrip("\n"))
        return "\n".join(parts)

    __repr__ = __str__

    def save(self, path: str | os.PathLike) -> None:
        """Write one JSON object per row (`.json`: one JSON list) with inputs, prediction, score, error."""
        if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
            raise DspTypeError(f"save() needs a file path, got {path!r}", hint='e.g. result.save("results.jsonl")')
        path = os.path.expanduser(os.fspath(path))
        if not path.lower().endswith((".jsonl", ".json")):
            raise DspValueError(f"save() writes .jsonl (one object per row) or .json (one list), not {path!r}",
                                hint="give the path one of those extensions")
        records = [self._record(i, row) for i, row in zip(self.indices, self.results)]
        try:
            folder = os.path.dirname(path)
            if folder:
                os.makedirs(folder, exist_ok=True)
            with open(path, "w", encoding="utf-8") as fh:
                if path.lower().endswith(".json"):
                    json.dump(records, fh, ensure_ascii=False, default=json_default, indent=2)
                else:
                    for record in records:
                        fh.write(json.dumps(record, ensure_ascii=False, default=json_default) + "\n")
        except (OSError, ValueError) as err:     # ValueError: a NUL in the path
            reason = getattr(err, "strerror", None) or str(err)
            if isinstance(err, FileExistsError):
                reason = "a part of the path is a file, not a folder"
            raise DspFileError(f"cannot write {path!r}: {reason}") from None

    def to_records(self) -> list[dict]:
        """One flat dict per finished row, for `pandas.DataFrame(result.to_records())` or a CSV:
        `index`, the example's fields by name, the prediction's fields as `pred_NAME`,
        `score` and `error` (None, or the message); values as JSON data."""
        failed = {e.index: e.message for e in self.errors}
        records = []
        for index, (example, prediction, score) in zip(self.indices, self.results):
            record: dict[str, Any] = {"index": index}
            record.update(json_ready(example.to_dict()))
            if prediction is not None:
                fields = prediction.to_dict() if isinstance(prediction, Fields) else {"output": prediction}
                record.update({f"pred_{k}": v for k, v in json_ready(fields).items()})
            record.update(score=score, error=failed.get(index))
            records.append(record)
        return records

    def _repr_html_(self) -> str:
        records = self.to_records()
        shown = records[:_HTML_ROWS]
        columns = list(dict.fromkeys(k for r in shown for k in r))
        more = f" (the first {_HTML_ROWS} of {len(records)} rows)" if len(records) > _HTML_ROWS else ""
        return html_table(columns, ([r.get(c, "") for c in columns] for r in shown), self.summary() + more)

    def _record(self, index: int, row: tuple) -> dict:
        example, prediction, score = row
        error = next((e.message for e in self.errors if e.index == index), None)
        return {"index": index, "inputs": list(example.input_keys or ()), "example": example.to_dict(),
                "prediction": _prediction_dict(prediction), "score": score, "error": error}


def _prediction_dict(prediction: Any) -> Any:
    if prediction is None:
        return None
    to_dict = getattr(prediction, "to_dict", None)
    return to_dict() if callable(to_dict) else prediction


# ------------------------------------------------------------------ table text


def _render_table(rows: list, total: int, metric_name: str) -> str:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    title = f"worst {len(rows)} of {total} examples" if len(rows) < total else (
        "the one example" if total == 1 else f"all {total} examples")
    table = Table(title=title, box=box.SIMPLE_HEAD, show_lines=True, title_justify="left")
    for name, justify in (("#", "right"), ("inputs", "left"), ("expected", "left"),
                          ("predicted", "left"), (metric_name, "right")):
        table.add_column(name, justify=justify, overflow="fold")
    for index, example, prediction, score, error in rows:
        predicted = f"error: {_short(error.splitlines()[0] if error else '', _CELL_CHARS)}" if error \
            else _fields(prediction)
        table.add_row(str(index + 1), _fields(example.inputs()), _fields(example.labels()),
                      predicted, _number(score))
    width = max(60, min(120, shutil.get_terminal_size((100, 24)).columns))
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=False, color_system=None,
                      highlight=False, emoji=False, markup=False)
    console.print(table)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()).strip("\n") + "\n"


def _fields(record: Any) -> str:
    """`name: value` lines of an Example or Prediction (values shortened)."""
    if record is None:
        return "-"
    items = record.items() if hasattr(record, "items") else [("value", record)]
    return "\n".join(f"{k}: {_short(v, _CELL_CHARS)}" for k, v in items) or "-"


def _short(value: Any, limit: int) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _number(value: float) -> str:
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return str(int(value))
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")
