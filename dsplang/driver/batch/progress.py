"""The progress of `dsp batch` on stderr: a rich bar on a terminal, else a line every few
seconds (a log file or CI gets `dsp batch: 1,200/10,000 rows, 3 errors, 41.5 rows/s`)."""

from __future__ import annotations

import time
from typing import Any, TextIO

_EVERY_SECONDS = 5.0


class BatchProgress:
    """Counts finished rows and shows them; `close()` ends the display."""

    def __init__(self, total: int, stream: TextIO | None, *, every: float = _EVERY_SECONDS) -> None:
        self.total = total
        self.done = 0
        self.errors = 0
        self.started = time.monotonic()
        self.stream = stream
        self.every = every
        self._last_line = self.started
        self._bar: Any = None
        if stream is not None and total > 0 and stream.isatty():
            self._bar = _rich_bar(stream, total)

    def row(self, failed: bool) -> None:
        self.done += 1
        self.errors += failed
        if self._bar is not None:
            bar, task = self._bar
            bar.update(task, completed=self.done, status=self._status())
            return
        now = time.monotonic()
        if self.stream is not None and now - self._last_line >= self.every:
            self._last_line = now
            print(f"dsp batch: {self.done:,}/{self.total:,} rows, {self._status()}", file=self.stream, flush=True)

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def _status(self) -> str:
        errors = f"{self.errors:,} error{'' if self.errors == 1 else 's'}, " if self.errors else ""
        return f"{errors}{self.rate:.1f} rows/s"

    def close(self) -> None:
        if self._bar is not None:
            self._bar[0].stop()
            self._bar = None


def _rich_bar(stream: TextIO, total: int) -> tuple[Any, Any]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("batch"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[status]}"),
                   TimeRemainingColumn(), console=Console(file=stream), transient=False)
    task = bar.add_task("batch", total=total, status="")
    bar.start()
    return bar, task
