"""The input of `dsp batch`: a JSONL file, one row a line, read lazily.

Each non-blank line is a JSON object: its fields are the keyword arguments the program is
called with (`{"question": "..."}`), less the `--key` field, and only the `--inputs` fields
when those are named. Rows are numbered from 0 in file order, blank lines not counted. A
line that is not a JSON object, or lacks a field the row needs, is a `BadRow` whose error
says where: `data.jsonl:17:5: value error: ...` (it becomes that row's error line in the
output; the batch goes on).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from dsplang.errors import DspFileError, DspValueError, Span


@dataclass(frozen=True, slots=True)
class Row:
    index: int              # 0-based among the file's non-blank lines
    line: int               # 1-based line number
    key: Any                # the --key field's value, or None
    inputs: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BadRow:
    index: int
    line: int
    key: Any
    error: DspValueError


@dataclass(frozen=True, slots=True)
class RowFormat:
    """How a line becomes a row: the key field, and the input fields (None: all the others)."""

    key: str | None = None
    inputs: tuple[str, ...] | None = None


def open_input(path: str):
    """The input file opened for reading (bytes: each line is decoded alone, so an error
    names its line), or a DspFileError."""
    try:
        if os.path.exists(path) and not os.path.isdir(path) and not stat.S_ISREG(os.stat(path).st_mode):
            # it is read twice (rows are counted, then run) and again by a rerun: a pipe is empty
            # the second time (and opening one with no writer waits)
            raise DspFileError(f"the input {path} is not a regular file (a pipe or a device)",
                               hint="save the rows to a file and give its path to --input; nothing was run")
        fh = open(path, "rb")
    except FileNotFoundError:
        hint = "dsp batch reads a file, not standard input: save the rows to a file" if path == "-" else None
        raise DspFileError(f"no such input file: {path}", hint=hint) from None
    except IsADirectoryError:
        raise DspFileError(f"{path} is a folder, not a JSONL file") from None
    except (OSError, ValueError) as err:
        raise DspFileError(f"cannot read {path}: {getattr(err, 'strerror', None) or err}") from None
    return fh


def read_rows(path: str, form: RowFormat) -> Iterator[Row | BadRow]:
    """Every row of the file, in order, read as they are needed. Text that is not UTF-8 is
    an error at its line: the file is not a JSONL file."""
    index = 0
    with open_input(path) as fh:
        for number, raw in enumerate(fh, start=1):
            text = _check_utf8(path, number, raw)
            if text.strip():
                yield parse_row(path, number, index, text, form)
                index += 1


def parse_row(path: str, number: int, index: int, text: str, form: RowFormat) -> Row | BadRow:
    """Line `number` of the file as a row (or what is wrong with it)."""
    try:
        value = json.loads(text.rstrip("\r\n"))
    except json.JSONDecodeError as err:
        return _bad(path, number, index, None, err.colno, f"the line is not valid JSON: {err.msg}")
    except RecursionError:
        return _bad(path, number, index, None, 1, "the line's JSON is nested too deeply")
    if not isinstance(value, dict):
        return _bad(path, number, index, None, _first_char(text),
                    f"a row must be a JSON object of the program's inputs, got {_json_kind(value)}")
    key = None
    if form.key is not None:
        if form.key not in value:
            return _bad(path, number, index, None, _first_char(text), f"the row has no key field {form.key!r}")
        key = value.pop(form.key)
        if key is None:
            return _bad(path, number, index, None, _first_char(text), f"the row's key field {form.key!r} is null")
    if form.inputs is None:
        return Row(index, number, key, value)
    missing = [name for name in form.inputs if name not in value]
    if missing:
        return _bad(path, number, index, key, _first_char(text),
                    f"the row has no input field {missing[0]!r} (its fields: {', '.join(value) or 'none'})")
    return Row(index, number, key, {name: value[name] for name in form.inputs})


def count_rows(path: str) -> int:
    """How many non-blank lines the file has (a quick pass over its bytes, for progress).
    Text that is not UTF-8 is an error at its line now, before any row runs: the file is
    not a JSONL file (a compressed or binary file given by mistake)."""
    count = 0
    try:
        with open_input(path) as fh:
            for number, raw in enumerate(fh, start=1):
                if not raw.isascii():
                    _check_utf8(path, number, raw)
                count += bool(raw.strip())
    except OSError as err:
        raise DspFileError(f"cannot read {path}: {err.strerror}") from None
    return count


def _check_utf8(path: str, number: int, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig" if number == 1 else "utf-8")     # a BOM is not JSON
    except UnicodeDecodeError as err:
        raise DspFileError(f"the input is not UTF-8 text ({err.reason})",
                           Span(path, number, err.start + 1, number, err.start + 2),
                           hint="a JSONL file has one JSON object per line, in UTF-8; nothing was run") from None


def _bad(path: str, number: int, index: int, key: Any, col: int, message: str) -> BadRow:
    return BadRow(index, number, key, DspValueError(message, Span(path, number, col, number, col + 1)))


def _first_char(text: str) -> int:
    return len(text) - len(text.lstrip()) + 1


def _json_kind(value: Any) -> str:
    names = {list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
