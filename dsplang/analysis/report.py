"""`dsp check --format json`: the problems of the checked files as one JSON document, for CI
and editors. The schema (docs/language.md, "Checking a program") is versioned:

    {"version": 1,
     "files": [{"file": "qa.dsp", "ok": false, "problems": 1}],
     "problems": [{"file": "qa.dsp", "line": 6, "col": 12, "end_line": 6, "end_col": 25,
                   "severity": "error", "code": "argument-error", "kind": "argument error",
                   "message": "signature QA has no input 'questoin'",
                   "hint": "did you mean 'question'?"}],
     "count": 1}

Lines and columns count from 1, as in the text report; `end_col` is one past the last
character. A problem with no position (a file that cannot be read) has them null. `hint` is
null when there is none. Every problem `dsp check` finds is an error (each is one a run would
stop on), so `severity` is always "error" today; it is there so that warnings can be added
without changing the schema.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from dsplang.errors import DspError

SCHEMA_VERSION = 1


def problem_record(path: str, err: DspError) -> dict[str, object]:
    """One problem as a JSON-ready dict."""
    span = err.span
    return {
        "file": span.file if span is not None and span.file else path,
        "line": span.line if span is not None else None,
        "col": span.col if span is not None else None,
        "end_line": span.end_line if span is not None else None,
        "end_col": span.end_col if span is not None else None,
        "severity": "error",
        "code": err.kind.replace(" ", "-"),
        "kind": err.kind,
        "message": err.message,
        "hint": err.hint,
    }


def json_report(checked: Sequence[tuple[str, Sequence[DspError]]]) -> str:
    """The report of `(path, problems)` for each checked file, as JSON text."""
    problems = [problem_record(path, err) for path, found in checked for err in found]
    files = [{"file": path, "ok": not found, "problems": len(found)} for path, found in checked]
    return json.dumps({"version": SCHEMA_VERSION, "files": files, "problems": problems,
                       "count": len(problems)}, indent=2, ensure_ascii=False)
