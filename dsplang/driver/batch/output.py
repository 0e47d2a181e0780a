"""The output of `dsp batch`: one JSON line per row, appended and flushed as rows finish.

A line is `{"row": 3, "outputs": {...}}` for a row the program answered, or
`{"row": 3, "error": "file:line:col: kind: message"}` for one it could not (with `"key"`
when the batch has a `--key` field). Lines are in the order rows finished, so a killed
batch loses only the rows still running.

A rerun reads the output first (`previous`): the rows it already holds are skipped — by
row number, or by key with `--key`. Error lines count as done too, unless `retry_errors`:
then they are removed from the file (rewritten whole, atomically) and their rows run again.
A last line cut off mid-write (a killed batch) is removed; any other line that is not one
this command writes is an error at its `file:line:col`, and nothing is run.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from dataclasses import dataclass, field
from typing import Any, TextIO

from dsplang.context.trace import json_default
from dsplang.errors import DspFileError, Span


@dataclass(slots=True)
class DoneRows:
    """The rows already in the output: row numbers as bits (a few MB for millions of rows),
    keys (as their JSON text) in a set."""

    bits: bytearray = field(default_factory=bytearray)
    keys: set[str] = field(default_factory=set)
    count: int = 0

    def add(self, ident: int | str) -> None:
        if ident in self:
            return
        self.count += 1
        if isinstance(ident, str):
            self.keys.add(ident)
            return
        byte = ident >> 3
        if byte >= len(self.bits):
            self.bits.extend(bytes(byte + 1 - len(self.bits)))
        self.bits[byte] |= 1 << (ident & 7)

    def __contains__(self, ident: object) -> bool:
        if isinstance(ident, str):
            return ident in self.keys
        if not isinstance(ident, int):
            return False
        byte = ident >> 3
        return byte < len(self.bits) and bool(self.bits[byte] & (1 << (ident & 7)))


def key_ident(key: Any) -> str:
    """A key's identity: its JSON text (keys may be strings, numbers, lists...)."""
    return json.dumps(key, sort_keys=True, ensure_ascii=False)


@dataclass(slots=True)
class Previous:
    done: DoneRows
    errors: int = 0          # error lines kept (not retried)
    retried: int = 0         # error lines removed to be run again


def previous(path: str, by_key: bool, retry_errors: bool, rows: int | None = None) -> Previous:
    """What an earlier run left in the output file (see the module docstring). A line whose
    row number is `rows` or more (an output of a longer input) is kept but not counted: it is
    not a row of this input."""
    found = Previous(DoneRows())
    if os.path.isdir(path):
        raise DspFileError(f"the output {path} is a folder", hint="give a file path to --output; nothing was run")
    if not os.path.exists(path) or not stat.S_ISREG(os.stat(path).st_mode):
        return found        # a pipe or a device (/dev/stdout) holds no earlier rows; reading it would wait
    dropped: list[int] = []           # line numbers of error lines to remove
    cut_at: int | None = None         # byte offset of a cut-off last line
    unended = False                   # the last line is whole but has no newline
    offset = 0
    try:
        with open(path, "rb") as fh:
            for number, raw in enumerate(fh, start=1):
                start, offset = offset, offset + len(raw)
                if not raw.strip():
                    continue
                record = _record(path, number, raw, last=not raw.endswith(b"\n"))
                if record is None:
                    cut_at = start
                    break
                unended = not raw.endswith(b"\n")
                ident = _ident(path, number, record, by_key)
                if "error" in record and retry_errors:
                    dropped.append(number)
                    found.retried += 1
                    continue
                if not by_key and rows is not None and record["row"] >= rows:
                    continue
                found.errors += "error" in record
                found.done.add(ident)
    except OSError as err:
        raise DspFileError(f"cannot read {path}: {err.strerror}") from None
    if dropped:
        _rewrite_without(path, set(dropped), cut_at)
    elif cut_at is not None:
        _truncate(path, cut_at)
    elif unended:
        _end_last_line(path)
    return found


def _record(path: str, number: int, raw: bytes, last: bool) -> dict | None:
    """The line's record; None for a cut-off last line; an error for a line we did not write."""
    try:
        record = json.loads(raw.decode("utf-8-sig" if number == 1 else "utf-8"))     # a BOM an editor added
    except UnicodeDecodeError as err:
        if last:
            return None
        raise _not_ours(path, number, err.start + 1, f"not UTF-8 text ({err.reason})") from None
    except (ValueError, RecursionError) as err:
        if last:
            return None
        col = getattr(err, "colno", 1)
        raise _not_ours(path, number, col, f"not valid JSON ({getattr(err, 'msg', err)})") from None
    row = record.get("row") if isinstance(record, dict) else None
    if not isinstance(row, int) or isinstance(row, bool) or row < 0 or \
            ("outputs" not in record and "error" not in record):
        raise _not_ours(path, number, 1, "not a line dsp batch writes (an object with a \"row\" number and "
                                         "\"outputs\" or \"error\")")
    return record


def _ident(path: str, number: int, record: dict, by_key: bool) -> int | str:
    if not by_key:
        return record["row"]
    if "key" not in record:
        raise DspFileError("the line has no \"key\": the output was written without --key",
                           Span(path, number, 1, number, 2),
                           hint="rerun without --key, or write to a new output file")
    return key_ident(record["key"])


def _not_ours(path: str, number: int, col: int, what: str) -> DspFileError:
    return DspFileError(f"line {number} of the output file is {what}", Span(path, number, col, number, col + 1),
                        hint="give another --output, or remove the line; nothing was run")


def _rewrite_without(path: str, dropped: set[int], cut_at: int | None) -> None:
    """Write the file again without the lines numbered in `dropped` (and a cut-off end)."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out, open(path, "rb") as fh:
            offset = 0
            for number, raw in enumerate(fh, start=1):
                if cut_at is not None and offset >= cut_at:
                    break
                offset += len(raw)
                if number not in dropped:
                    out.write(raw if raw.endswith(b"\n") else raw + b"\n")
        os.replace(temp, path)
    except OSError as err:
        if os.path.exists(temp):
            os.unlink(temp)
        raise DspFileError(f"cannot rewrite {path}: {err.strerror}") from None


def _end_last_line(path: str) -> None:
    """End a whole last line that has no newline (a file edited by hand), so the next line
    appended does not run on from it."""
    try:
        with open(path, "ab") as fh:
            fh.write(b"\n")
    except OSError as err:
        raise DspFileError(f"cannot write the output to {path}: {err.strerror}") from None


def _truncate(path: str, size: int) -> None:
    try:
        os.truncate(path, size)
    except OSError as err:
        raise DspFileError(f"cannot remove the cut-off last line of {path}: {err.strerror}") from None


class OutputWriter:
    """Appends one JSON line per finished row, flushed at once (a kill loses no written row)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._created = not os.path.lexists(path)      # see close()
        self._written = False
        try:
            folder = os.path.dirname(path)
            if folder:
                os.makedirs(folder, exist_ok=True)
            self._fh: TextIO = open(path, "a", encoding="utf-8")
        except (OSError, ValueError) as err:
            reason = getattr(err, "strerror", None) or str(err)
            raise DspFileError(f"cannot write the output to {path}: {reason}",
                               hint="nothing was run") from None

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, default=json_default)
        try:
            self._fh.write(line + "\n")
            self._fh.flush()
            self._written = True
        except OSError as err:
            raise DspFileError(f"cannot write the output to {self.path}: {err.strerror}") from None

    def close(self, failed: bool = False) -> None:
        """Flush and close; a file this writer created is removed when the batch `failed` before
        writing any line (an empty output of a batch that finished, with no rows to run, stays)."""
        try:
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except (OSError, ValueError):
            pass
        try:
            self._fh.close()
        except OSError:         # what could not be written was said by `write` (a closed pipe)
            pass
        if failed and self._created and not self._written:    # e.g. Ray unreachable: leave nothing behind
            try:
                if os.path.isfile(self.path) and os.path.getsize(self.path) == 0:
                    os.remove(self.path)
            except OSError:
                pass
