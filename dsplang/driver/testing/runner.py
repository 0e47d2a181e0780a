"""Running test files: the file's top-level statements once (its setup), then each selected
`def test_*()` in a Run of its own, with the file's cassette (docs/testing.md).

A test fails when it raises an error (a failed `require`, any runtime error), when the
cassette had no reply for one of its LM requests (even one that `evaluate` or a `try`
swallowed), or when an `ensure`/`require` written in the test function's body failed or held
only after retrying the predictor with its message as feedback (the language retries an
assertion that follows a predictor call in its block; a test's check must hold on the first
answer, or the feedback would hand the LM the expected answer). Assertions elsewhere (the
program, helpers, the setup) behave as in `dsp run`. A file whose setup fails reports one
error and runs none of its tests.

With a trace path in the run options (`dsp test --report PATH`), every run of the session
(each file's setup, each test) records into one trace, written as JSON lines at the end: each
run's spans under its root span, which names the test (`dsp.test`, `file::test_name`).
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import os
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Protocol, TextIO

from dsplang.context import trace
from dsplang.context.run import Options, Run, current, entered
from dsplang.driver import cassettes
from dsplang.driver.host import new_interpreter
from dsplang.driver.run import open_output
from dsplang.driver.testing.find import find_tests
from dsplang.driver.testing.keywords import Matcher
from dsplang.errors import DspArgumentError, DspError, DspFileError, DspTypeError, Span
from dsplang.grammar import ast
from dsplang.interpreter.evaluator import Interpreter
from dsplang.interpreter.scope import Scope
from dsplang.interpreter.values import Function
from dsplang.lm import cassette, usage
from dsplang.lm.cassette import Cassette
from dsplang.lm.usage import UsageTotals

SETUP = "<setup>"         # the name (and cassette section) of a file's top-level statements
PASSED, FAILED, ERROR = "passed", "failed", "error"


class DspEnsureFailed(DspError):
    """An `ensure` in a test's body that still failed after its retries."""

    kind = "ensure failed"


class DspRetriedCheck(DspError):
    """An `ensure`/`require` in a test's body that held only after retrying the predictor."""

    kind = "check failed"


@dataclass(slots=True)
class TestResult:
    """What became of one test (or of a file's setup, `name == SETUP`)."""

    file: str
    name: str
    outcome: str                    # PASSED, FAILED or ERROR
    seconds: float = 0.0
    error: DspError | None = None   # why it failed
    internal: str | None = None     # an internal error (a bug in dsplang), as text
    traceback: str | None = None    # ... and its Python traceback (shown with --debug)
    output: str = ""                # what it printed (captured)

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"


@dataclass(frozen=True, slots=True)
class TestOptions:
    """The choices of `dsp test`: the run options, the -k matcher, the cassette mode, -x, -s."""

    run: Options = Options()
    keyword: Matcher | None = None
    cassettes: str = "auto"         # cassettes.MODES
    exitfirst: bool = False
    capture: bool = True
    traces: tuple[trace.Trace, ...] = ()    # what every run of the session records into (`run_tests` sets it)


class Listener(Protocol):
    """Told about the progress of a session (the text report's dots)."""

    def file_started(self, path: str, tests: int) -> None: ...

    def result(self, result: TestResult) -> None: ...

    def file_finished(self, path: str) -> None: ...


@dataclass(slots=True)
class Session:
    """The results of a `dsp test` run, with its LM usage and duration."""

    results: list[TestResult]
    usage: UsageTotals
    seconds: float
    files: int

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def ok(self) -> bool:
        return all(r.outcome == PASSED for r in self.results)


def run_tests(files: list[str], options: TestOptions, listener: Listener) -> Session:
    """Run the tests of `files` in order; stop after the first failure with `exitfirst`."""
    started = time.perf_counter()
    results: list[TestResult] = []
    totals = UsageTotals()
    if options.cassettes == "record" and not options.run.recompile:
        # a recording holds the calls of every compile, so a replay on a machine without
        # the compiled programs (CI) finds them
        options = replace(options, run=replace(options.run, recompile=True))
    # opened first: a path that cannot be written stops the session before any LM call
    out = open_output(options.run.trace_path, "the trace") if options.run.trace_path else None
    collected = trace.Trace()
    if out is not None:
        options = replace(options, traces=(*options.traces, collected))
    try:
        with usage.track(totals):
            for path in files:
                file_results = contextvars.copy_context().run(_run_file, path, options, listener)
                results.extend(file_results)
                if options.exitfirst and any(r.outcome != PASSED for r in file_results):
                    break
    finally:
        if out is not None:
            _write_trace(collected, out)
    return Session(results, totals, time.perf_counter() - started, len(files))


def _write_trace(collected: trace.Trace, out: TextIO) -> None:
    try:
        with out:
            collected.write_jsonl(out)
    except OSError as err:
        raise DspFileError(f"cannot write the trace to {getattr(out, 'name', '?')}: {err.strerror}") from None


def _run_file(path: str, options: TestOptions, listener: Listener) -> list[TestResult]:
    interp = new_interpreter(options.run.limits)
    try:
        program = interp.parse_file(path)
    except DspError as err:
        return _file_error(path, err, listener)
    tests = find_tests(program)
    names = [os.path.basename(path), path]
    selected = [t for t in tests if options.keyword is None or options.keyword([t.name, *names])]
    if not selected:
        return []
    try:
        keep = {t.name for t in tests} - {t.name for t in selected}
        tape = cassettes.for_test_file(path, options.cassettes, keep)
    except DspError as err:
        return _file_error(path, err, listener)
    listener.file_started(path, len(selected))
    results: list[TestResult] = []
    try:
        scope = interp.new_globals()
        setup, after = _setup(interp, program, path, scope, options, tape)
        if setup.outcome != PASSED:
            results.append(setup)
            listener.result(setup)
            return results
        for node in selected:
            result = contextvars.copy_context().run(_one_test, interp, path, scope, node, after, options, tape)
            results.append(result)
            listener.result(result)
            if options.exitfirst and result.outcome != PASSED:
                break
    finally:
        listener.file_finished(path)
        if tape is not None:
            cassettes.finish(tape)
    return results


def _file_error(path: str, err: DspError, listener: Listener) -> list[TestResult]:
    result = TestResult(path, SETUP, ERROR, error=err)
    listener.file_started(path, 0)
    listener.result(result)
    listener.file_finished(path)
    return [result]


def _setup(interp: Interpreter, program: ast.Program, path: str, scope: Scope, options: TestOptions,
           tape: Cassette | None) -> tuple[TestResult, Run]:
    """Run the file's top-level statements; the result, and the Run they left (its `use`)."""
    after: list[Run] = []

    def body() -> None:
        with interp.importer.running(path):
            try:
                interp.execute(program, path, scope)
            finally:
                after.append(current())
    result = _attempt(path, SETUP, Run(options.run, traces=options.traces), body, options, tape, None)
    if result.outcome == FAILED:        # a setup that fails is an error of the file, as in pytest
        result = replace(result, outcome=ERROR)
    return result, after[0] if after else Run(options.run)


def _one_test(interp: Interpreter, path: str, scope: Scope, node: ast.FuncDef, after: Run,
              options: TestOptions, tape: Cassette | None) -> TestResult:
    """One test, in a fresh Run with the LM and retriever the setup left."""
    fn = scope.vars.get(node.name)

    def body() -> None:
        if not isinstance(fn, Function):
            raise DspTypeError(f"{node.name} no longer holds the test function: the file's "
                               f"statements bound it to something else", node.span)
        if fn.params.required:
            raise DspArgumentError(f"a test function takes no arguments, but {node.name} needs "
                                   f"{', '.join(fn.params.required)}", node.span)
        with interp.limits.applied(), interp.importer.running(path):
            fn.call((), {}, node.span)
    run = Run(options.run, lm=after.lm, retriever=after.retriever, traces=options.traces)
    return _attempt(path, node.name, run, body, options, tape, node.span)


def _attempt(path: str, name: str, run: Run, body: Callable[[], None], options: TestOptions,
             tape: Cassette | None, checks: Span | None) -> TestResult:
    """Run `body` in `run` (and the cassette's section `name`), output captured; its result.
    `checks` is where the test's own assertions are (the test function)."""
    missed = len(tape.misses) if tape is not None else 0
    run.ids.attributes["dsp.test"] = f"{path}::{name}"
    error: DspError | None = None
    internal: str | None = None
    stack: str | None = None
    started = time.perf_counter()
    with _captured(options.capture) as output, entered(run), trace.collecting() as collected, \
            _section(tape, name):
        try:
            body()
        except DspError as err:
            error = err
        except Exception as exc:  # noqa: BLE001 - a bug in dsplang fails this test, not the session
            internal = f"internal error: {type(exc).__name__}: {exc}"
            stack = traceback.format_exc()
    seconds = time.perf_counter() - started
    misses = tape.misses[missed:] if tape is not None else []
    error = (misses[0] if misses else None) or error or _failed_check(collected, checks)
    outcome = ERROR if internal else FAILED if error is not None else PASSED
    return TestResult(path, name, outcome, seconds, error, internal, stack, output.getvalue())


def _failed_check(collected: trace.Trace, checks: Span | None) -> DspError | None:
    """The first assertion in `checks` that failed softly or held only after retries."""
    if checks is None:
        return None
    for record in collected.records:
        if not (isinstance(record, trace.AssertionRecord) and _inside(record.span, checks)):
            continue
        retries = f"{record.retries} {'retry' if record.retries == 1 else 'retries'}"
        if not record.passed and record.kind == "ensure":
            return DspEnsureFailed(record.message + (f" (after {retries})" if record.retries else ""),
                                   record.span)
        if record.passed and record.retries:
            return DspRetriedCheck(
                f"{record.kind} {record.message!r} failed on the first answer; it held only after "
                f"{retries} of the predictor with its message as feedback", record.span,
                hint="a test's check must hold on the first answer. An assertion retries the predictor "
                     "called before it in its own block; one in a helper function does not "
                     "(def expect(ok, message): require ok, message)")
    return None


def _inside(span: Span | None, region: Span) -> bool:
    return (span is not None and str(span.file) == str(region.file)
            and region.line <= span.line <= region.end_line)


@contextlib.contextmanager
def _section(tape: Cassette | None, name: str) -> Iterator[None]:
    if tape is None:
        yield
        return
    with cassette.playing(tape, name):
        yield


@contextlib.contextmanager
def _captured(capture: bool) -> Iterator[io.StringIO]:
    """What the code inside prints to stdout, kept (not shown) when `capture`."""
    buffer = io.StringIO()
    if not capture:
        yield buffer
        return
    with contextlib.redirect_stdout(buffer):
        yield buffer
