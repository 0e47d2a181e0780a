"""How an optimizer reports: live progress on stderr while it works, then a summary table.

On a terminal the progress is a rich bar (phase, done/total, best score so far, LM calls,
tokens, cost); otherwise each phase is one plain line. `verbose=False` prints nothing.
The final `CompileReport` lists every candidate tried, its score, the chosen one, and what
the compile cost (LM calls, tokens, cost, cache hits, wall time); it also goes to the run's
traces as a `CompileRecord` (kind "compile_report", read by `dsp report`).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any

from dsplang.context import trace


@dataclass(slots=True)
class CandidateRow:
    """One candidate program in the report."""

    label: str                 # e.g. "zero-shot", "bootstrap seed 3 (2 demos)"
    score: float | None        # percentage over the examples it was scored on
    evaluated: int = 0         # how many validation examples it was scored on
    note: str = ""             # "chosen", "dropped after 8 examples", ...

    def to_json(self) -> dict:
        return {"label": self.label, "score": self.score, "evaluated": self.evaluated, "note": self.note}


@dataclass(slots=True)
class CompileReport:
    """What a compile did and cost. `scores_json()` is the reproducible part saved in artifacts."""

    optimizer: str
    program: str
    rows: list[CandidateRow] = field(default_factory=list)
    chosen: int | None = None
    stopped: str | None = None          # why the search stopped early (a budget), if it did
    usage: dict = field(default_factory=dict)
    wall_time: float = 0.0
    valset_size: int = 0

    @property
    def best_score(self) -> float | None:
        return self.rows[self.chosen].score if self.chosen is not None and self.rows else None

    def scores_json(self) -> dict:
        """Candidates, scores and the choice: the same for the same seed, data and LM."""
        return {"best": self.best_score, "chosen": self.chosen, "valset_size": self.valset_size,
                "stopped": self.stopped, "candidates": [r.to_json() for r in self.rows]}

    def run_json(self) -> dict:
        """How this compile ran: LM usage and wall time (these differ from run to run)."""
        return {**self.usage, "wall_time": round(self.wall_time, 3)}

    @classmethod
    def from_json(cls, optimizer: str, program: str, scores: dict | None, run: dict | None) -> CompileReport:
        """The report saved as `scores_json()` and `run_json()` (in a compile artifact), read back;
        entries of the wrong type are left out."""
        scores = scores if isinstance(scores, dict) else {}
        run = run if isinstance(run, dict) else {}
        rows = [CandidateRow(str(r.get("label", "")), r.get("score"), int(r.get("evaluated") or 0),
                             str(r.get("note", ""))) for r in scores.get("candidates") or [] if isinstance(r, dict)]
        chosen = scores.get("chosen") if isinstance(scores.get("chosen"), int) and rows else None
        return cls(optimizer, program, rows, chosen, scores.get("stopped"),
                   {k: v for k, v in run.items() if k != "wall_time"}, float(run.get("wall_time") or 0.0),
                   int(scores.get("valset_size") or 0))

    def usage_line(self) -> str:
        u = self.usage
        cost = f", ${u['cost']:.4f}" if u.get("cost") is not None else ""
        failed = f"{u['failed_calls']:,} failed, " if u.get("failed_calls") else ""
        return (f"{u.get('calls', 0):,} LM calls ({u.get('cache_hits', 0):,} cached), {failed}"
                f"{u.get('prompt_tokens', 0) + u.get('completion_tokens', 0):,} tokens{cost}, "
                f"{self.wall_time:.1f} s")

    def text(self) -> str:
        """The report as plain text (the rows, then the choice and the cost)."""
        lines = [f"{self.optimizer} on {self.program}:"]
        width = max([len(r.label) for r in self.rows] + [9])
        for i, row in enumerate(self.rows):
            mark = "*" if i == self.chosen else " "
            lines.append(f"  {mark} {row.label:<{width}}  {_score(row.score):>7}  "
                         f"{row.evaluated:>5} ex  {row.note}".rstrip())
        if self.stopped:
            lines.append(f"  stopped early: {self.stopped}")
        lines.append(f"  {self.usage_line()}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


@dataclass(slots=True)
class CompileRecord:
    """A finished compile in the trace: its candidates in the order they were tried, their
    scores, the choice and the cost; `time` is when it ended (seconds since the epoch)."""

    report: CompileReport
    time: float

    def to_json(self) -> dict[str, Any]:
        r = self.report
        return {"kind": "compile_report", "optimizer": r.optimizer, "program": r.program,
                **r.scores_json(), "usage": dict(r.usage), "wall_time": round(r.wall_time, 3),
                "time": self.time}


def plural(n: int, word: str) -> str:
    """`1 instruction`, `3 instructions`."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def _score(score: float | None) -> str:
    return "-" if score is None else f"{score:.1f}%"


class Reporter:
    """Progress for one compile. Methods are called from the compiling thread only."""

    def __init__(self, name: str, verbose: bool, tracker) -> None:
        self.name = name
        self.verbose = verbose
        self.tracker = tracker
        self.best: float | None = None
        self._progress = None
        self._task = None
        self._rich = verbose and sys.stderr.isatty()

    def phase(self, text: str, total: int | None = None) -> None:
        """Start a phase of `total` units of work (a progress bar on a terminal)."""
        if not self.verbose:
            return
        if not self._rich:
            return      # plain output: only notes and the final report
        progress = self._ensure_progress()
        if self._task is not None:
            progress.remove_task(self._task)
        self._task = progress.add_task(text, total=total, status=self._status())

    def advance(self, amount: int = 1) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=amount, status=self._status())

    def score(self, score: float | None) -> None:
        """Note a candidate's score (keeps the best so far for the status line)."""
        if score is not None and (self.best is None or score > self.best):
            self.best = score
        self.advance(0)

    def note(self, text: str) -> None:
        if not self.verbose:
            return
        if self._progress is not None:
            self._progress.console.print(f"{self.name}: {text}", highlight=False, markup=False)
        else:
            print(f"{self.name}: {text}", file=sys.stderr, flush=True)

    def finish(self, report: CompileReport) -> None:
        """Stop the live progress, put the report in the run's traces and print it."""
        self.close()
        trace.record(CompileRecord(report, time.time()))
        if not self.verbose:
            return
        if self._rich:
            _print_rich(report)
        else:
            print(report.text(), file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def _ensure_progress(self):
        if self._progress is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
            self._progress = Progress(
                SpinnerColumn(), TextColumn(f"[bold]{self.name}[/] {{task.description}}"), BarColumn(),
                MofNCompleteColumn(), TextColumn("{task.fields[status]}"),
                console=Console(stderr=True), transient=True)
            self._progress.start()
        return self._progress

    def _status(self) -> str:
        t = self.tracker.to_dict()
        best = "" if self.best is None else f"best {self.best:.1f}% · "
        cost = "" if t["cost"] is None else f" · ${t['cost']:.4f}"
        tokens = t["prompt_tokens"] + t["completion_tokens"]
        return f"{best}{t['calls']:,} calls · {tokens:,} tokens{cost}"


def _print_rich(report: CompileReport) -> None:
    from rich.console import Console
    from rich.table import Table
    table = Table(title=f"{report.optimizer} on {report.program}", title_justify="left")
    for column, justify in (("", "left"), ("candidate", "left"), ("score", "right"),
                            ("examples", "right"), ("", "left")):
        table.add_column(column, justify=justify)
    for i, row in enumerate(report.rows):
        chosen = i == report.chosen
        table.add_row("*" if chosen else "", row.label, _score(row.score), str(row.evaluated), row.note,
                      style="bold green" if chosen else None)
    console = Console(stderr=True, highlight=False)
    console.print(table)
    if report.stopped:
        console.print(f"stopped early: {report.stopped}", markup=False)
    console.print(report.usage_line(), markup=False)
