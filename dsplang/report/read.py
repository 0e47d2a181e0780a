"""Reading a JSONL trace file into typed records, with every problem at its `file:line:col`.

A line that is not JSON, or is JSON but not an object, stops the reading with a DspFileError
at that line and column, except the last line of a file that does not end in a newline:
that is a trace cut off while it was written (the run was killed), so it is left out with a
warning. A record of a kind `dsp report` does not know, or one whose fields have the wrong
types, is left out with a warning too; the rest of the trace is still reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import BinaryIO

from pydantic import ValidationError

from dsplang.errors import DspFileError, Span
from dsplang.report.records import KINDS, PredictorCallRecord, Record

_MAX_WARNINGS = 20      # then one line counts the rest
KEPT_PROMPTS = 500      # predictor calls whose messages and replies are kept as read (the calls table's)


@dataclass(slots=True)
class TraceFile:
    """The records of one trace file, in file order, and what was left out of them."""

    path: str
    records: list[Record] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: int = 0
    calls: int = 0
    # where the calls past the first KEPT_PROMPTS start in the file (line -> byte offset): their
    # messages and replies are dropped once read (a trace of 100,000 calls held every prompt),
    # and read again for the few the page shows (`full`)
    offsets: dict[int, int] = field(default_factory=dict)

    def full(self, call: PredictorCallRecord) -> PredictorCallRecord:
        """`call` with its messages and replies (read again when they were dropped)."""
        offset = self.offsets.get(call.line)
        if offset is None:
            return call
        try:
            with open(self.path, "rb") as fh:
                fh.seek(offset)
                data = json.loads(fh.readline().decode("utf-8"))
            return PredictorCallRecord.model_validate({**data, "line": call.line})
        except (OSError, ValueError, RecursionError):     # the file changed since: the call as it is
            return call

    def of(self, cls: type[Record]) -> list:
        return [r for r in self.records if isinstance(r, cls)]

    def warn(self, line: int, col: int, message: str) -> None:
        self.skipped += 1
        if len(self.warnings) < _MAX_WARNINGS:
            self.warnings.append(f"{self.path}:{line}:{col}: {message}; skipped")
        elif len(self.warnings) == _MAX_WARNINGS:
            self.warnings.append(f"{self.path}: more records skipped (see the count above the tables)")


def read_trace(path: str) -> TraceFile:
    """The records of the trace at `path` (see the module docstring for what is an error).
    The file is read a line at a time: a trace can be hundreds of megabytes."""
    trace = TraceFile(path)
    with _opened(path) as fh:
        seekable = fh.seekable()
        offset = 0
        for number, raw in enumerate(fh, start=1):
            start, offset = offset, offset + len(raw)
            line = _decoded(raw, path, number).rstrip("\r\n")      # columns count from the line's start
            if not line.strip():
                continue
            data = _parse_line(path, number, line, not raw.endswith(b"\n"), trace)
            if data is not None:
                _add(trace, number, data, start if seekable else None)
    return trace


def _opened(path: str) -> BinaryIO:
    if "\x00" in path:
        raise DspFileError(f"a file path cannot contain a NUL character: {path!r}")
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise DspFileError(f"no such file: {path}", hint="give the file `dsp run --trace PATH` wrote") from None
    except IsADirectoryError:
        raise DspFileError(f"{path} is a folder, not a trace file") from None
    except OSError as err:
        raise DspFileError(f"cannot read {path}: {err.strerror or err}") from None


def _decoded(raw: bytes, path: str, number: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        col = len(raw[:err.start].decode("utf-8", "replace")) + 1
        raise DspFileError(f"{path} is not UTF-8 text: byte 0x{raw[err.start]:02x} at line {number}, "
                           f"column {col} ({err.reason})", Span(path, number, col, number, col + 1)) from None


def _parse_line(path: str, number: int, line: str, truncated: bool, trace: TraceFile) -> dict | None:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as err:
        if truncated:
            trace.warn(number, 1, "the last line is cut off (was the run stopped while writing the trace?)")
            return None
        where = Span(path, number, err.colno, number, err.colno + 1)
        raise DspFileError(f"not a JSON line: {err.msg}", where,
                           hint="a trace has one JSON object per line, as `dsp run --trace PATH` writes it") from None
    except RecursionError:
        raise DspFileError("a JSON value nested too deeply", Span(path, number, 1, number, 2)) from None
    if not isinstance(data, dict):
        raise DspFileError(f"not a trace record: a JSON {_json_type(data)}, not an object",
                           Span(path, number, 1, number, 2),
                           hint="a trace has one JSON object per line, as `dsp run --trace PATH` writes it")
    return data


def _add(trace: TraceFile, number: int, data: dict, offset: int | None = None) -> None:
    kind = data.get("kind")
    cls = KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        what = "a record without a kind" if kind is None else f"a record of unknown kind {str(kind)[:60]!r}"
        trace.warn(number, 1, what)
        return
    try:
        record = cls.model_validate({**data, "line": number})
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the record"
        trace.warn(number, 1, f"a {kind} record whose {where!r} is wrong ({first['msg']})")
        return
    if isinstance(record, PredictorCallRecord):
        trace.calls += 1
        if trace.calls > KEPT_PROMPTS and offset is not None and (record.messages or record.replies):
            trace.offsets[number] = offset
            record = record.model_copy(update={"messages": [], "replies": []})
    trace.records.append(record)


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"
