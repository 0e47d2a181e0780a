"""Loading data sets into Examples (`load`) and splitting them (`split`).

`load(path, inputs=[...], *, fields=None, key=None, limit=None)` reads:

- ``.jsonl`` / ``.ndjson``: one JSON object per line; blank lines are skipped;
- ``.json``: a list of objects, or an object holding that list under one key (``key=`` picks
  the key when the object holds several lists);
- ``.csv``: a header row, then one row per example; values stay strings (as in DSPy).

A relative path is read from the current directory (the directory `dsp run` was started in,
not the directory of the .dsp file). Which fields are inputs is always explicit: ``inputs``
is required, and every example is marked with ``with_inputs(*inputs)``. ``fields`` keeps only
the named fields (a list), or keeps and renames them (a dict ``{"column": "field"}``).
``limit`` keeps the first N rows.

Problems name the place: a missing file is a DspFileError naming the path; a bad row is a
DspValueError whose span is the row's line in the data file, so the error shows that line
(``data/train.jsonl:17:1: value error: not a JSON object (got a list)``); an input or field
that no row has gets a "did you mean" hint.

`split(examples, ratio=0.8, *, sizes=None, seed=0)` shuffles a copy with
``random.Random(seed)`` and returns ``(train, dev)``: the first ``round(len * ratio)``
examples and the rest, or ``sizes=(n_train, n_dev)`` examples.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import random
import re
from collections.abc import Iterator
from typing import Any

from dsplang.errors import (
    DspArgumentError,
    DspFileError,
    DspKeyError,
    DspTypeError,
    DspValueError,
    Span,
    checked_path,
    did_you_mean,
)
from dsplang.stdlib.example import Example

Row = tuple[int, dict]   # (line number in the file, the row's fields)
_SPACE = re.compile(r"\s*")
_DECODER = json.JSONDecoder()


def load(path: str | os.PathLike, inputs: list[str] | str | None = None, *,
         fields: list[str] | dict[str, str] | None = None, key: str | None = None,
         limit: int | None = None) -> list[Example]:
    """Read a .jsonl, .json or .csv file into Examples whose `inputs` are marked."""
    path = os.fspath(path)
    names = _input_names(inputs)
    _check_limit(limit)
    text = _read(path)
    if not text.strip():
        raise DspValueError(f"{path} is empty")
    rows = _parse(path, text, key)
    if limit is not None:
        rows = rows[:limit]
    if not rows and limit != 0:
        raise DspValueError(f"{path} holds no rows")
    if fields is not None:
        rows = _select(path, rows, fields)
    _check_inputs(path, rows, names)
    return [Example(row).with_inputs(*names) for _, row in rows]


def split(examples: list, ratio: float | None = None, *, sizes: list[int] | tuple[int, int] | None = None,
          seed: int | None = 0) -> tuple[list, list]:
    """Shuffle a copy of `examples` with `random.Random(seed)`; return `(train, dev)`: `ratio`
    (default 0.8) of them, rounded half up, go to train, or exactly `sizes=[train, dev]`."""
    if isinstance(examples, (str, bytes, dict)) or not isinstance(examples, (list, tuple)):
        raise DspTypeError(f"split(): the examples must be a list, got {type(examples).__name__}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise DspArgumentError(f"split(): seed must be a whole number or none, got {seed!r}")
    if sizes is not None and ratio is not None:
        raise DspArgumentError("split(): give ratio or sizes, not both")
    items = list(examples)
    n_train, n_dev = _split_sizes(len(items), 0.8 if ratio is None else ratio, sizes)
    random.Random(seed).shuffle(items)
    return items[:n_train], items[n_train:n_train + n_dev]


# ------------------------------------------------------------------ arguments


def _input_names(inputs: Any) -> tuple[str, ...]:
    if inputs is None:
        raise DspArgumentError("load() needs to know which fields are inputs",
                               hint='pass inputs=["question"] (the fields the program receives)')
    names = (inputs,) if isinstance(inputs, str) else tuple(inputs)
    if not names or not all(isinstance(n, str) for n in names):
        raise DspArgumentError(f"load(): inputs must be a non-empty list of field names, got {inputs!r}")
    return names


def _check_limit(limit: Any) -> None:
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
        raise DspArgumentError(f"load(): limit must be a whole number of at least 0, got {limit!r}")


def _split_sizes(total: int, ratio: Any, sizes: Any) -> tuple[int, int]:
    if sizes is not None:
        if (len(sizes) != 2 or not all(isinstance(s, int) and s >= 0 for s in sizes)):
            raise DspArgumentError(f"split(): sizes must be two whole numbers (train, dev), got {sizes!r}")
        if sizes[0] + sizes[1] > total:
            raise DspValueError(f"split(): sizes {sizes[0]} + {sizes[1]} is more than the "
                                f"{total} examples given")
        return sizes[0], sizes[1]
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 < ratio < 1:
        raise DspArgumentError(f"split(): ratio must be a number between 0 and 1, got {ratio!r}",
                               hint="ratio is the share of examples that go to train, e.g. 0.8")
    n_train = math.floor(total * ratio + 0.5)
    return n_train, total - n_train


# ------------------------------------------------------------------ reading


def _read(path: str) -> str:
    """The file's text (UTF-8, a BOM allowed); DspFileError when it cannot be read."""
    cwd_hint = f"relative paths are read from the current directory, {os.getcwd()}"
    checked_path(path)
    if not os.path.exists(path):
        raise DspFileError(f"no such file: {path!r}",
                           hint=None if os.path.isabs(path) else cwd_hint)
    if os.path.isdir(path):
        raise DspFileError(f"{path!r} is a directory, not a data file")
    try:
        with open(path, encoding="utf-8-sig") as fh:
            return fh.read()
    except UnicodeDecodeError as err:
        raise DspFileError(f"{path!r} is not UTF-8 text ({err.reason} at byte {err.start})") from None
    except OSError as err:
        raise DspFileError(f"cannot read {path!r}: {err.strerror}") from None


def _parse(path: str, text: str, key: str | None) -> list[Row]:
    """Rows of the file, chosen by its extension."""
    ext = os.path.splitext(path)[1].lower()
    if key is not None and ext in (".csv", ".jsonl", ".ndjson"):
        raise DspArgumentError(f"load(): key= picks a list inside a .json file; {path!r} has no keys",
                               hint="leave key= out")
    if ext in (".jsonl", ".ndjson"):
        return list(_jsonl_rows(path, text))
    if ext == ".json":
        return _json_rows(path, text, key)
    if ext == ".csv":
        return list(_csv_rows(path, text))
    raise DspFileError(f"load() reads .jsonl, .json and .csv files, not {ext or 'a file without an extension'!r}: "
                       f"{path!r}")


def _row_error(path: str, lineno: int, message: str, text: str | None = None,
               col: int = 1) -> DspValueError:
    """A DspValueError pointing at a row: the whole line, or from `col` on."""
    end = len(text) + 1 if text is not None else col + 1
    return DspValueError(message, Span(path, lineno, col, lineno, max(end, col + 1)))


def _jsonl_rows(path: str, text: str) -> Iterator[Row]:
    for lineno, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as err:
            raise _row_error(path, lineno, f"invalid JSON: {err.msg}", line, err.colno) from None
        if not isinstance(value, dict):
            raise _row_error(path, lineno, f"not a JSON object (got {_kind(value)})", line)
        yield lineno, value


def _json_rows(path: str, text: str, key: str | None) -> list[Row]:
    """Rows of a JSON list, or of the list under one key of a JSON object."""
    try:
        top = json.loads(text)
    except json.JSONDecodeError as err:
        raise _row_error(path, err.lineno, f"invalid JSON: {err.msg}", _line(text, err.lineno),
                         err.colno) from None
    start = _SPACE.match(text).end()
    if isinstance(top, list):
        return _array_rows(path, text, start, key_note="")
    if isinstance(top, dict):
        name = _list_key(path, top, key)
        offset = dict((k, o) for k, o, _ in _scan_object(text, start))[name]
        return _array_rows(path, text, offset, key_note=f" (in {name!r})")
    raise DspValueError(f"{path}: expected a list of objects, or an object holding one, "
                        f"got {_kind(top)}", Span(path, 1, 1, 1, 2))


def _list_key(path: str, top: dict, key: str | None) -> str:
    """The key of `top` whose value is the list of rows."""
    lists = [k for k, v in top.items() if isinstance(v, list)]
    if key is not None:
        if key not in top:
            raise DspKeyError(f"{path} has no key {key!r}", hint=did_you_mean(key, top)
                              or f"its keys are: {', '.join(top)}")
        if not isinstance(top[key], list):
            raise DspValueError(f"{path}: the value under {key!r} is {_kind(top[key])}, not a list")
        return key
    if len(lists) == 1:
        return lists[0]
    if not lists:
        raise DspValueError(f"{path}: the JSON object holds no list of rows",
                            hint="the file should be a list of objects, or {\"key\": [objects]}")
    raise DspValueError(f"{path}: the JSON object holds several lists ({', '.join(lists)})",
                        hint=f"pick one with key=, e.g. key={lists[0]!r}")


def _array_rows(path: str, text: str, start: int, key_note: str) -> list[Row]:
    rows = []
    for offset, value in _scan_array(text, start):
        lineno = text.count("\n", 0, offset) + 1
        if not isinstance(value, dict):
            col = offset - (text.rfind("\n", 0, offset) + 1) + 1
            raise _row_error(path, lineno, f"not a JSON object{key_note} (got {_kind(value)})", None, col)
        rows.append((lineno, value))
    return rows


def _scan_array(text: str, pos: int) -> Iterator[tuple[int, Any]]:
    """(offset, value) of each element of the valid JSON array starting at `pos`."""
    pos = _SPACE.match(text, pos + 1).end()
    while text[pos] != "]":
        value, end = _DECODER.raw_decode(text, pos)
        yield pos, value
        pos = _SPACE.match(text, end).end()
        if text[pos] == ",":
            pos = _SPACE.match(text, pos + 1).end()


def _scan_object(text: str, pos: int) -> Iterator[tuple[str, int, Any]]:
    """(key, offset of the value, value) of each member of the valid JSON object at `pos`."""
    pos = _SPACE.match(text, pos + 1).end()
    while text[pos] != "}":
        key, end = _DECODER.raw_decode(text, pos)
        pos = _SPACE.match(text, end).end() + 1          # past the ':'
        pos = _SPACE.match(text, pos).end()
        value, end = _DECODER.raw_decode(text, pos)
        yield key, pos, value
        pos = _SPACE.match(text, end).end()
        if text[pos] == ",":
            pos = _SPACE.match(text, pos + 1).end()


def _csv_rows(path: str, text: str) -> Iterator[Row]:
    """Rows of a CSV file with a header; a row with the wrong number of values is an error."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise DspValueError(f"{path}: the CSV file has no header row", Span(path, 1, 1, 1, 2))
    header = [h.strip() for h in header]
    for column, name in enumerate(header, start=1):
        if not name:
            raise DspValueError(f"column {column} of the CSV header has no name (a trailing comma?)",
                                Span(path, 1, 1, 1, len(_line(text, 1) or "") + 1))
        if header.index(name) < column - 1:
            raise DspValueError(f"the CSV header names the column {name!r} twice (columns "
                                f"{header.index(name) + 1} and {column})",
                                Span(path, 1, 1, 1, len(_line(text, 1) or "") + 1))
    start = reader.line_num + 1
    for values in reader:
        lineno, start = start, reader.line_num + 1
        if not values or values == [""]:
            continue
        if len(values) != len(header):
            count = f"{len(values)} value" + ("" if len(values) == 1 else "s")
            raise _row_error(path, lineno, f"this row has {count} but the header has {len(header)} columns",
                             _line(text, lineno))
        yield lineno, dict(zip(header, values))


def _lines(text: str) -> list[str]:
    """The lines of a data file. Only \n (or \r\n) ends a line: JSON strings may hold U+2028,
    U+0085 and the like raw, which `str.splitlines` would also split on."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def _line(text: str, lineno: int) -> str | None:
    lines = _lines(text)
    return lines[lineno - 1] if 1 <= lineno <= len(lines) else None


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            type(None): "null", int: "a number", float: "a number"}.get(type(value), type(value).__name__)


# ------------------------------------------------------------------ checking


def _all_fields(rows: list[Row]) -> list[str]:
    seen: dict[str, None] = {}
    for _, row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def _select(path: str, rows: list[Row], fields: list[str] | dict[str, str]) -> list[Row]:
    """Keep (and rename, for a dict) the named fields of every row."""
    if isinstance(fields, str):
        fields = [fields]
    mapping = dict(fields) if isinstance(fields, dict) else {f: f for f in fields}
    if len(set(mapping.values())) < len(mapping):
        raise DspArgumentError(f"load(): fields= gives two fields the same name: {fields!r}")
    known = _all_fields(rows)
    for name in mapping:
        if name not in known:
            raise DspKeyError(f"load(): no row of {path} has the field {name!r} named in fields=",
                              hint=did_you_mean(name, known) or f"its fields are: {', '.join(known)}")
    return [(lineno, {new: row[old] for old, new in mapping.items() if old in row})
            for lineno, row in rows]


def _check_inputs(path: str, rows: list[Row], inputs: tuple[str, ...]) -> None:
    """Every input must be a field of every row."""
    known = _all_fields(rows)
    for name in inputs:
        if rows and name not in known:
            raise DspKeyError(f"load(): no row of {path} has the input field {name!r}",
                              hint=did_you_mean(name, known) or f"its fields are: {', '.join(known)}")
        for lineno, row in rows:
            if name not in row:
                raise DspKeyError(f"this row has no field {name!r} (an input)",
                                  Span(path, lineno, 1, lineno, 2),
                                  hint=did_you_mean(name, row) or f"its fields are: {', '.join(row) or '(none)'}")
