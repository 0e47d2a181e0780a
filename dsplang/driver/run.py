"""Running a program the way `dsp run` and the Python API do: a fresh Run, trace, usage summary."""

from __future__ import annotations

import contextvars
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from dsplang.context import trace
from dsplang.context.run import Options, Run, current, entered
from dsplang.driver.artifacts import run_compile_only
from dsplang.driver.host import new_interpreter
from dsplang.driver.preview import render_preview
from dsplang.errors import DspFileError
from dsplang.interpreter.values import Namespace

T = TypeVar("T")


# The options of a run: `context.run.Options` is their one definition (this name is what the
# CLI and the REPL have always passed).
RunOptions = Options


def new_run(options: Options) -> Run:
    """A fresh Run with the options' settings: nothing from an earlier run is in it."""
    return Run(options)


def run_file(path: str, options: Options | None = None, run: Run | None = None) -> Namespace:
    """Run a .dsp file in `run`, or in a fresh Run with `options` (the caller keeps a Run it
    gives to see what the run did, e.g. `run.compiled.written`; a given Run brings its own
    options); prints the LM usage summary unless quiet."""
    if run is None:
        run = new_run(options if options is not None else Options())
    elif options is not None and options != run.options:
        raise ValueError("run_file: give the options or a Run made with them, not both")
    return contextvars.copy_context().run(_run_file, path, run)


def in_new_run(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in a copied context, in a new Run that keeps only the caller's LM and
    retriever (the Python API: a program's `use` does not leak back to the caller)."""
    caller = current()
    fresh = Run(Options(lm=caller.lm or caller.options.lm), retriever=caller.retriever)

    def call() -> T:
        with entered(fresh):
            return fn(*args)
    return contextvars.copy_context().run(call)


def _run_file(path: str, run: Run) -> Namespace:
    """Runs inside a copied context, so `use` in the program does not leak to the caller.
    The trace file is opened before the program runs, so a path that cannot be written
    stops the run before any LM call is spent. The trace is collected by the Run itself, so
    it ends with the run's root span, recorded when the run ends (`context/records.py`)."""
    options = run.options
    trace_file = open_output(options.trace_path, "the trace") if options.trace_path else None
    interp = new_interpreter(options.limits)
    used = run.usage
    collected = trace.Trace()
    try:
        with entered(replace(run, traces=(*run.traces, collected))):
            try:
                if options.compile_only:
                    return run_compile_only(interp, path)
                return interp.run_file(path)
            finally:
                sys.stdout.flush()
    finally:
        if trace_file is not None:
            _write_trace(collected, trace_file)
        if not options.quiet and (used.calls or used.failed_calls):
            print(used.summary(), file=sys.stderr)


def open_output(path: str, what: str):
    """`path` opened for writing (text, UTF-8), or a DspFileError naming `what` goes there."""
    try:
        return open(path, "w", encoding="utf-8")
    except (OSError, ValueError) as err:          # ValueError: a NUL in the path
        reason = getattr(err, "strerror", None) or str(err)
        raise DspFileError(f"cannot write {what} to {path}: {reason}",
                           hint="the program was not run") from None


def _write_trace(collected, out) -> None:
    """Write the trace as JSON lines to the open file `out`, then close it."""
    try:
        with out:
            collected.write_jsonl(out)
    except OSError as err:
        raise DspFileError(f"cannot write the trace to {out.name}: {err.strerror}") from None


def preview(path: str, name: str, inputs: dict) -> str:
    """The messages the signature or predictor `name` of the file would send, rendered as text."""
    return render_preview(new_interpreter().declare_file(path), name, inputs)
