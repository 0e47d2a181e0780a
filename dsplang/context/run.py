"""The Run: all ambient state of one run of a program, behind one contextvar.

A `Run` holds the run's options, the LM and retriever set by `use`/`with`, the active traces,
and collectors shared by everything the run derives (the history of predictor calls, what
its compile statements wrote, assertion feedback). It is entered and restored as a unit:

    with entered(Run(Options(show_prompts=True))) as run:
        ...                     # current() is run, or a Run derived from it

A block that changes one thing (`with LM:`, a trace being collected, a parallel run's stop
signal) enters `derived(field=value)`: a copy made with `dataclasses.replace`, so it shares
the collectors, restored when the block ends. `use` replaces the current Run for the rest
of the context (`replace_current`). Threads started with `contextvars.copy_context()` see
the Run of the code that started them. Outside any entered Run, `current()` is the
process's default Run (for Python code calling predictors directly), which
`dsplang.configure` changes (`replace_default`).

Spans: every Run has `ids` (its run id, which is also the trace id of everything it does, and
the id of its root span), shared by the Runs derived from it. The span open at this point of
the program (a module's forward, an evaluation, a compile phase) is `current_span()`: a
contextvar of its own beside the Run's, since a span opens on every module call and setting
a contextvar costs a tenth of copying the Run. `entered()` starts its run at its root span
(the parent of its top-level spans), which it records into the Run's traces and the OTLP
export when the outermost block ends (`context/records.py`); `context/spans.py` opens and
closes the others.
"""

from __future__ import annotations

import contextvars
import os
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, NamedTuple

from dsplang.context import ids, otel, records
from dsplang.interpreter.limits import Limits
from dsplang.lm import usage
from dsplang.lm.client import LM
from dsplang.lm.usage import UsageTotals

if TYPE_CHECKING:       # trace.py imports this module
    from dsplang.context.trace import PredictorCall, Trace

HISTORY_SIZE = 1000     # predictor calls kept for `inspect_history(n)` and the REPL


@dataclass(frozen=True, slots=True)
class Options:
    """What the caller chose for the run: the `dsp run` / `dsp compile` / `dsp repl` flags, the
    one definition of them (`driver.run.RunOptions` is this class). The Run carries them whole;
    the driver reads the ones about how a file is run (trace_path, quiet, compile_only, limits),
    the predictors and compile statements read the others."""

    show_prompts: bool = False      # print each prompt as it is sent
    recompile: bool = False         # never reuse a compile statement's saved result
    cache: bool = True              # False: no LM reply is read from or written to the cache
    lm: LM | None = None            # the LM when the program sets none (`--lm`; a model name is made an LM)
    compile_only: bool = False      # `dsp compile`: stop after the file's last compile statement, and a
                                    # compiled program that cannot be written is an error
    trace_path: str | None = None   # write the run's trace here as JSON lines
    quiet: bool = False             # no LM usage summary on stderr at the end
    limits: Limits | None = None    # the interpreter's size limits (None: the defaults and DSP_LIMITS)
    otel: bool = False              # export spans over OTLP (`--otel`; OTEL_EXPORTER_OTLP_ENDPOINT does too)

    def __post_init__(self) -> None:
        if isinstance(self.lm, str):
            object.__setattr__(self, "lm", LM(self.lm))

    @property
    def must_write(self) -> bool:
        """A compiled program that cannot be written is an error (`dsp compile`)."""
        return self.compile_only


@dataclass(slots=True)
class CompileLog:
    """What the run's compile statements wrote or reused, and which artifact paths they claimed."""

    written: list[tuple[str, str]] = field(default_factory=list)    # (name, path)
    claimed: dict[str, int | None] = field(default_factory=dict)    # path -> line of the first claim
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def wrote(self, name: str, path: str) -> None:
        with self._lock:
            self.written.append((name, path))

    def claim(self, path: str, line: int | None) -> int | None:
        """The line that first claimed `path` (this one when it is the first)."""
        with self._lock:
            return self.claimed.setdefault(path, line)


class FeedbackState(threading.local):
    """Per thread of a run: the predictor called last and the feedback pending for retries
    after a failed `ensure`/`require` (parallel calls do not see each other's)."""

    def __init__(self) -> None:
        self.calls = 0
        self.last: Any = None
        self.last_outputs: dict[str, Any] = {}
        self.feedback: dict[int, Any] = {}


class SpanContext(NamedTuple):
    """The span open at a point of the program: what a span or record opened inside takes as
    its trace and parent, and the compile phase and candidate it runs under (a tuple: one is
    made on every module call)."""

    trace_id: int
    span_id: int
    phase: str | None = None
    candidate: str | None = None


@dataclass(slots=True)
class RunIds:
    """A run's identity, shared by every Run derived from it: `run_id` (128 bits, also the
    trace id of its spans) and `root_id`, the id of its root span, the parent of the spans its
    top level opens; `name` and `attributes` are the root span's (`dsp test` names each test's
    run); `exporter` is the OTLP export while the run is entered (`context/otel.py`)."""

    run_id: int = field(default_factory=ids.new_trace_id)
    root_id: int = field(default_factory=ids.new_span_id)
    started: float = 0.0                # when it was entered (Unix seconds)
    depth: int = 0                      # how many `entered` blocks it is in
    exporter: Any = None
    name: str = records.ROOT_NAME
    attributes: dict[str, Any] = field(default_factory=dict)


NO_ATTEMPT: tuple[dict[str, Any], dict[int, Any]] = ({}, {})


@dataclass(frozen=True, slots=True)
class Run:
    """One run's options, current LM and retriever, traces and collectors (see the module doc)."""

    options: Options = field(default_factory=Options)
    lm: LM | None = None                    # set by `use` / `with`
    retriever: Any = None
    traces: tuple[Trace, ...] = ()          # the active `trace.Trace`s
    # BestOfN/Refine: (LM request parameters, hints by predictor id)
    attempt: tuple[dict[str, Any], dict[int, Any]] = NO_ATTEMPT
    stop: threading.Event | None = None     # set when the outermost parallel run is interrupted
    # Collectors, shared by every Run derived from this one:
    history: deque[PredictorCall] = field(default_factory=lambda: deque(maxlen=HISTORY_SIZE))
    usage: UsageTotals = field(default_factory=UsageTotals)
    compiled: CompileLog = field(default_factory=CompileLog)
    feedback: FeedbackState = field(default_factory=FeedbackState)
    ids: RunIds = field(default_factory=RunIds)


_DEFAULT = Run()
_default_lock = threading.Lock()
# No default of its own: outside any entered Run, `current()` is the process's default Run
# (which `replace_default` changes for every thread).
_current: contextvars.ContextVar[Run] = contextvars.ContextVar("dsplang_run")
# The span open here (None: at the top of a run, or outside any).
_span: contextvars.ContextVar[SpanContext | None] = contextvars.ContextVar("dsplang_span", default=None)


def current() -> Run:
    """The Run of this context."""
    return _current.get(_DEFAULT)


def default() -> Run:
    """The process's default Run."""
    return _DEFAULT


def replace_default(**changes: Any) -> Run:
    """`dsplang.configure`: the process's default Run — what code in no entered Run sees, in
    every thread — with `changes` (it keeps its collectors)."""
    global _DEFAULT
    with _default_lock:
        _DEFAULT = replace(_DEFAULT, **changes)
        return _DEFAULT


def current_span() -> SpanContext | None:
    """The span open at this point of the program, or None at the top of a run."""
    return _span.get()


def set_span(span: SpanContext | None) -> contextvars.Token[SpanContext | None]:
    """Make `span` the open one (`context/spans.py`); the token resets it."""
    return _span.set(span)


def reset_span(token: contextvars.Token[SpanContext | None]) -> None:
    _span.reset(token)


@contextmanager
def entered(run: Run) -> Iterator[Run]:
    """Make `run` the current Run inside the block; the previous one is back after it.
    Its usage collector counts the LM calls made inside; its spans make a trace of their own
    under its root span, exported over OTLP when `options.otel` or the OpenTelemetry
    environment says so. When the outermost block ends, the root span is recorded into the
    Run's traces (not those a block inside made active: they are gone) and the export."""
    token = _current.set(run)
    ids_ = run.ids
    span_token = _span.set(SpanContext(ids_.run_id, ids_.root_id))
    outermost = ids_.depth == 0
    ids_.depth += 1
    if outermost:
        ids_.started = time.time()
        ids_.exporter = otel.exporter_for_run(run.options.otel, os.environ)
    error: BaseException | None = None
    try:
        with usage.track(run.usage):
            yield run
    except BaseException as err:
        error = err
        raise
    finally:
        ids_.depth -= 1
        _span.reset(span_token)
        _current.reset(token)
        if outermost:
            _record_root(run, error)


def _record_root(run: Run, error: BaseException | None) -> None:
    """The end of a run: its root span into its traces and the export, which is then flushed."""
    ids_ = run.ids
    exporter, ids_.exporter = ids_.exporter, None
    if not run.traces and exporter is None:
        return
    record, stamp = records.root(ids_, time.time(), error)
    for collected in run.traces:
        collected.add(record, stamp)
    if exporter is not None:
        exporter.export(record, stamp, ids_)
        exporter.run_ended(ids_, stamp.end)


@contextmanager
def derived(**changes: Any) -> Iterator[Run]:
    """The current Run with `changes` (sharing its collectors) inside the block."""
    run = replace(current(), **changes)
    token = _current.set(run)
    try:
        yield run
    finally:
        _current.reset(token)


def replace_current(**changes: Any) -> Run:
    """`use`: the current Run with `changes` for the rest of this context."""
    run = replace(current(), **changes)
    _current.set(run)
    return run
