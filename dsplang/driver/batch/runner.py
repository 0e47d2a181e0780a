"""`dsp batch`: a program over every row of a JSONL file, into an output JSONL file.

The program is loaded once (`batch.program`), the output's earlier rows are read
(`batch.output.previous`: a rerun skips them), and the rows left are run by one engine:

- in this process, `threads` at a time (`parallel_runner.run_parallel`) or `concurrency`
  async calls at a time (`async_runner.run_concurrent`), over chunks of rows read lazily;
- on a Ray cluster (`ray`: "local", "auto" or an address): `stdlib.ray_runner.RayPool`,
  whose workers each unpickle the program once and run their chunks on `threads` threads.

Each finished row's line is written and flushed at once, in the order rows finish. A row
that fails (its input line is bad, the program raises, the LM fails for good) gets an error
line and the batch goes on. Ctrl-C stops it: the rows written are kept, a rerun goes on
from there.
"""

from __future__ import annotations

import contextvars
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from dsplang.context.run import Run, entered
from dsplang.driver.batch.output import OutputWriter, Previous, key_ident, previous
from dsplang.driver.batch.program import RowTask, error_text, load_program
from dsplang.driver.batch.progress import BatchProgress
from dsplang.driver.batch.rows import BadRow, Row, RowFormat, count_rows, read_rows
from dsplang.driver.host import new_interpreter
from dsplang.errors import DspArgumentError, DspValueError, Span
from dsplang.stdlib.async_runner import run_concurrent
from dsplang.stdlib.parallel_runner import RunResult, run_parallel
from dsplang.stdlib.ray_runner import Done, RayPool


@dataclass(frozen=True, slots=True)
class BatchOptions:
    """What `dsp batch` was asked to do (its command-line options)."""

    program: str
    name: str
    input: str
    output: str
    key: str | None = None                    # the field that identifies a row (else its number)
    inputs: tuple[str, ...] | None = None     # the fields passed to the program (else all but the key)
    threads: int = 1                          # per worker on Ray
    concurrency: int | None = None            # async calls at once, in this process
    ray: str | None = None                    # None: this process; "local", "auto" or an address
    workers: int | None = None                # Ray workers (default: the cluster's CPUs)
    chunk_size: int | None = None             # rows sent to a Ray worker at once
    retry_errors: bool = False                # run the rows whose earlier line is an error again
    ray_env: tuple[str, ...] = ()             # more environment variables for the Ray workers


@dataclass(slots=True)
class BatchSummary:
    rows: int                 # rows in the input
    skipped: int              # already in the output
    done: int = 0             # answered in this run
    errors: int = 0           # error lines written in this run
    kept_errors: int = 0      # error lines of earlier runs, kept
    interrupted: bool = False
    seconds: float = 0.0
    engine: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.kept_errors)

    def line(self) -> str:
        """E.g. `dsp batch: 1,000 rows: 990 answered, 10 errors, 0 skipped; 41.2 rows/s (4 threads)`."""
        finished = self.done + self.errors
        rate = finished / self.seconds if self.seconds > 0 else 0.0
        parts = [f"{self.done:,} answered", f"{self.errors:,} error{'' if self.errors == 1 else 's'}",
                 f"{self.skipped:,} skipped (already in the output"
                 + (f", {self.kept_errors:,} of them errors" if self.kept_errors else "") + ")"]
        end = f"; interrupted after {finished:,} of {self.rows - self.skipped:,}" if self.interrupted else ""
        return (f"dsp batch: {self.rows:,} rows: {', '.join(parts)}{end}; {rate:.1f} rows/s, "
                f"{self.seconds:.1f} s ({self.engine})")


def run_batch(options: BatchOptions, run: Run, progress_to: TextIO | None) -> BatchSummary:
    """Run the batch in `run` (a Run of its own: the program's `use` stays inside it; its
    usage counts the LM calls of every row, on Ray workers too); progress goes to
    `progress_to`."""
    _check(options)
    return contextvars.copy_context().run(_run_batch, options, run, progress_to)


def _run_batch(options: BatchOptions, run: Run, progress_to: TextIO | None) -> BatchSummary:
    with entered(run):
        total = count_rows(options.input)
        if os.path.exists(options.output) and os.path.samefile(options.input, options.output):
            raise DspArgumentError("--output is the input file", hint="write the output to another file")
        program = load_program(new_interpreter(run.options.limits), options.program, options.name)
        earlier = previous(options.output, options.key is not None, options.retry_errors, rows=total)
        summary = BatchSummary(total, earlier.done.count, kept_errors=earlier.errors)
        writer = OutputWriter(options.output)
        progress = BatchProgress(total - summary.skipped, progress_to)
        batch = _Batch(options, earlier, writer, progress, summary)
        started = time.monotonic()
        failed = True
        try:
            batch.run(RowTask(program, options.key is not None, options.input))
            failed = False
        except KeyboardInterrupt:
            summary.interrupted = True
            failed = False
        finally:
            summary.seconds = time.monotonic() - started
            progress.close()
            writer.close(failed)
        return summary


def _check(options: BatchOptions) -> None:
    for name in ("threads", "concurrency", "workers", "chunk_size"):
        value = getattr(options, name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise DspArgumentError(f"--{name.replace('_', '-')} must be a whole number of at least 1, got {value!r}")
    if options.inputs is not None and not options.inputs:
        raise DspArgumentError("--inputs names no field", hint="give the fields to pass: --inputs question,context")
    if options.key is not None and options.inputs is not None and options.key in options.inputs:
        raise DspArgumentError(f"--inputs names the --key field {options.key!r}, which is not passed to the program",
                               hint="leave it out of --inputs, or give no --key")
    if options.concurrency is not None and options.threads != 1:
        raise DspArgumentError("give --threads or --concurrency, not both")
    if options.ray is None and (options.workers is not None or options.chunk_size is not None or options.ray_env):
        raise DspArgumentError("--workers, --chunk-size and --ray-env are for a run on Ray",
                               hint="add --ray local, --ray auto or --ray ADDRESS")
    if options.ray is not None and options.concurrency is not None:
        raise DspArgumentError("--concurrency runs rows as async calls in this process; on Ray, each worker "
                               "runs --threads rows at once")


class _Batch:
    """One batch run: reads the rows left, runs them on the chosen engine, writes their lines."""

    def __init__(self, options: BatchOptions, earlier: Previous, writer: OutputWriter, progress: BatchProgress,
                 summary: BatchSummary) -> None:
        self.options = options
        self.earlier = earlier
        self.writer = writer
        self.progress = progress
        self.summary = summary
        self.form = RowFormat(options.key, options.inputs)

    def run(self, task: RowTask) -> None:
        if self.options.ray is not None:
            self._on_ray(task)
        elif self.options.concurrency is not None:
            self.summary.engine = f"{self.options.concurrency} async calls at once"
            self._in_process(task, max(64, 4 * self.options.concurrency))
        else:
            threads = self.options.threads
            self.summary.engine = f"{threads} thread{'' if threads == 1 else 's'}"
            self._in_process(task, max(64, 16 * threads))

    def rows_left(self) -> Iterator[Row]:
        """The rows not in the output yet; a bad input line, and a row whose key an earlier row
        of the input has, get their error line here."""
        done = self.earlier.done
        keyed = self.options.key is not None
        seen: set[str] = set()          # the keys of this run's rows
        for row in read_rows(self.options.input, self.form):
            ident = key_ident(row.key) if keyed else row.index
            if ident in done:
                continue
            if isinstance(row, BadRow):
                self.write(_error_record(row, row.error, keyed))
            elif keyed and ident in seen:
                self.write(_error_record(row, _duplicate(self.options, row), keyed))
            else:
                if keyed:
                    seen.add(str(ident))
                yield row

    def write(self, record: dict[str, Any]) -> None:
        self.writer.write(record)
        failed = "error" in record
        self.summary.errors += failed
        self.summary.done += not failed
        self.progress.row(failed)

    def _in_process(self, task: RowTask, chunk_size: int) -> None:
        rows = self.rows_left()
        while True:
            chunk = [row for _, row in zip(range(chunk_size), rows)]
            if not chunk:
                return
            result = self._run_chunk(task, chunk)
            if result.interrupted:
                raise KeyboardInterrupt

    def _run_chunk(self, task: RowTask, chunk: list[Row]) -> RunResult:
        def on_done(index: int, result: RunResult) -> None:
            failure = result.errors.get(index)
            self.write(result.values[index] if failure is None else
                       _error_record(chunk[index], failure, self.options.key is not None))
        if self.options.concurrency is not None:
            return run_concurrent(task, chunk, concurrency=self.options.concurrency, on_done=on_done)
        return run_parallel(task, chunk, threads=self.options.threads, on_done=on_done)

    def _on_ray(self, task: RowTask) -> None:
        options = self.options
        address = options.ray          # "local" starts a new cluster even when RAY_ADDRESS is set
        with RayPool(task, threads=options.threads, workers=options.workers, address=address,
                     env=options.ray_env) as pool:
            threads = options.threads
            self.summary.engine = (f"Ray, {pool.workers} worker{'' if pool.workers == 1 else 's'} x "
                                   f"{threads} thread{'' if threads == 1 else 's'}")
            sent: dict[int, Row] = {}

            def indexed() -> Iterator[tuple[int, Row]]:
                for row in self.rows_left():
                    sent[row.index] = row
                    yield row.index, row
            chunk_size = options.chunk_size or max(8, 4 * threads)
            for index, outcome in pool.map(indexed(), chunk_size):
                row = sent.pop(index)
                self.write(outcome.value if isinstance(outcome, Done) else
                           _error_record(row, outcome.error, options.key is not None))


def _error_record(row: Row | BadRow, error: BaseException, keyed: bool) -> dict[str, Any]:
    record: dict[str, Any] = {"row": row.index}
    if keyed:
        record["key"] = row.key
    return {**record, "line": row.line, "error": error_text(error)}


def _duplicate(options: BatchOptions, row: Row) -> DspValueError:
    return DspValueError(f"the row's key field {options.key!r} is {key_ident(row.key)}, as an earlier row's is: "
                         "keys must be unique (this row is not run)", Span(options.input, row.line, 1, row.line, 2))
