"""`dsp report`: a trace file in, one self-contained HTML file out."""

from __future__ import annotations

import os
import stat
import tempfile

from dsplang.errors import DspArgumentError, DspFileError
from dsplang.report.page import render_page
from dsplang.report.read import read_trace
from dsplang.report.summary import Summary, summarize


def write_report(trace_path: str, out_path: str, source: str | None = None) -> Summary:
    """Read the trace at `trace_path` and write its report to `out_path` (whole or not at all:
    the page is written next to it and renamed into place); the page names `source` (the
    program run, for `--report`) or else the trace. Returns what the page shows."""
    _check_not_the_trace(trace_path, out_path)
    summary = summarize(read_trace(trace_path))
    page = render_page(summary, source or trace_path)
    _write_whole(out_path, page)
    return summary


def check_writable(path: str) -> None:
    """A DspFileError now, before a run spends LM calls, when the report could not be written
    to `path` afterwards (no such folder, a folder in its place, no permission)."""
    if "\x00" in path:
        raise DspFileError(f"a file path cannot contain a NUL character: {path!r}")
    folder = os.path.dirname(os.path.abspath(path))
    reason = ("no such folder" if not os.path.isdir(folder) else "it is a folder" if os.path.isdir(path)
              else "permission denied" if not os.access(folder, os.W_OK) else None)
    if reason:
        raise DspFileError(f"cannot write the report to {path}: {reason}", hint="the program was not run")


def _write_whole(path: str, text: str) -> None:
    """Write `text` to `path`: a regular file (or a link to one: the file it names) through a
    temporary file renamed into place; a device or a pipe (`/dev/stdout`) is written to as
    it is, never replaced."""
    if "\x00" in path:
        raise DspFileError(f"a file path cannot contain a NUL character: {path!r}")
    if os.path.exists(path) and not os.path.isdir(path) and not stat.S_ISREG(os.stat(path).st_mode):
        _write_into(path, text)
        return
    target = os.path.realpath(path)
    folder = os.path.dirname(target)
    try:
        fd, temp = tempfile.mkstemp(prefix=".dsp-report-", suffix=".html", dir=folder)
    except OSError as err:
        raise DspFileError(f"cannot write the report to {path}: {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except OSError as err:
        os.unlink(temp)
        raise DspFileError(f"cannot write the report to {path}: {err.strerror or err}") from None


def _write_into(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as err:
        raise DspFileError(f"cannot write the report to {path}: {err.strerror or err}") from None


def _check_not_the_trace(trace_path: str, out_path: str) -> None:
    """The report must not replace its own trace (by the same name, a link or another path)."""
    try:
        same = os.path.exists(out_path) and os.path.samefile(trace_path, out_path)
    except OSError:
        same = False
    if same:
        raise DspArgumentError(f"the report would overwrite its trace {trace_path}", hint="give another -o PATH")
