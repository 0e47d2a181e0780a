"""What `dsp test` shows: a line per file with a mark per test (`.` passed, `F` failed, `E`
error), then each failure with its `file:line:col`, the source line and what the test
printed, then `N failed, M passed in X.XXs`; or the whole session as JSON (`--format json`)."""

from __future__ import annotations

import json
import os
from typing import Any, TextIO

from dsplang.driver.testing.runner import ERROR, FAILED, PASSED, SETUP, Session, TestResult
from dsplang.errors import render

MARKS = {PASSED: ".", FAILED: "F", ERROR: "E"}
WIDTH = 72


def shown_path(path: str) -> str:
    """`path` relative to the current folder when it is under it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


class TextProgress:
    """The progress lines: `tests/test_qa.dsp ..F.`"""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def file_started(self, path: str, tests: int) -> None:
        self.out.write(shown_path(path) + " ")
        self.out.flush()

    def result(self, result: TestResult) -> None:
        self.out.write(MARKS[result.outcome])
        self.out.flush()

    def file_finished(self, path: str) -> None:
        self.out.write("\n")
        self.out.flush()


class Silent:
    """No progress (the JSON report)."""

    def file_started(self, path: str, tests: int) -> None:
        pass

    def result(self, result: TestResult) -> None:
        pass

    def file_finished(self, path: str) -> None:
        pass


def summary_line(session: Session) -> str:
    """`1 failed, 3 passed, 1 error in 0.42s` (pytest's order), or `no tests ran in 0.01s`."""
    parts = []
    for outcome, word in ((FAILED, "failed"), (PASSED, "passed"), (ERROR, "error")):
        count = session.count(outcome)
        if count:
            parts.append(f"{count} {word}{'s' if outcome == ERROR and count != 1 else ''}")
    return f"{', '.join(parts) or 'no tests ran'} in {session.seconds:.2f}s"


def failures_text(session: Session, debug: bool = False) -> str:
    """Each failed test: a title, the error as `dsp` renders it, the captured output (and an
    internal error's Python traceback with `debug`)."""
    failed = [r for r in session.results if r.outcome != PASSED]
    if not failed:
        return ""
    out = ["", " FAILURES ".center(WIDTH, "=")]
    for result in failed:
        title = (f"setup of {shown_path(result.file)}" if result.name == SETUP
                 else f"{shown_path(result.file)}::{result.name}")
        out.append(f" {title} ".center(WIDTH, "_"))
        if result.error is not None:
            out.append(render(result.error))
        if result.internal:
            out.append(f"{shown_path(result.file)}: {result.internal}")
            if debug and result.traceback:
                out.append(result.traceback.rstrip("\n"))
            else:
                out.append("  (run again with --debug to see the Python traceback, and please report it)")
        if result.output:
            out.append("--- what it printed ---")
            out.append(result.output.rstrip("\n"))
    return "\n".join(out)


def as_json(session: Session) -> str:
    """The session as one JSON object: the tests with their outcome and error, the counts,
    the seconds and the LM usage."""
    def test(result: TestResult) -> dict[str, Any]:
        item: dict[str, Any] = {"file": shown_path(result.file), "name": result.name,
                                "outcome": result.outcome, "seconds": round(result.seconds, 4)}
        err = result.error
        if err is not None:
            item["error"] = {"kind": err.kind, "message": err.message,
                             "location": str(err.span) if err.span else None,
                             "hint": err.hint, "notes": list(err.notes), "text": render(err)}
        if result.internal:
            item["error"] = {"kind": "internal error", "message": result.internal, "location": None}
        if result.output:
            item["output"] = result.output
        return item
    data = {"tests": [test(r) for r in session.results],
            "passed": session.count(PASSED), "failed": session.count(FAILED), "errors": session.count(ERROR),
            "files": session.files, "seconds": round(session.seconds, 4), "usage": session.usage.to_dict()}
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)
