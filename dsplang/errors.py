"""The DspError tree and the one function that renders an error for a person.

The interpreter, parser and runtime raise these; only the edges (CLI, REPL,
language server) call :func:`render`.
"""

from __future__ import annotations

import difflib
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import MISSING, dataclass, fields
from typing import TypeVar

_T = TypeVar("_T", bound=type)


def quick_init(cls: _T) -> _T:
    """Give a frozen, slotted dataclass a quicker `__init__` with the same parameters.

    The one dataclasses writes sets each field with `object.__setattr__` (a frozen class
    refuses plain assignment), looking the field up by name each time; this one calls each
    field's slot descriptor directly, about half the cost. A parser builds a node and a span
    for nearly every token, so it counts. Everything else of the dataclass is kept."""
    params, lines = [], []
    env: dict[str, object] = {}
    for i, field in enumerate(fields(cls)):
        if not field.init or field.kw_only or field.default_factory is not MISSING:
            raise TypeError(f"quick_init: field {field.name!r} of {cls.__name__} needs the dataclass __init__")
        slot = next(k.__dict__[field.name] for k in cls.__mro__ if field.name in k.__dict__)
        env[f"_set{i}"] = slot.__set__
        if field.default is MISSING:
            params.append(field.name)
        else:
            env[f"_default{i}"] = field.default
            params.append(f"{field.name}=_default{i}")
        lines.append(f"    _set{i}(self, {field.name})")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"quick_init: {cls.__name__} has a __post_init__")
    made: dict[str, object] = {}
    exec(f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(lines) or "    pass"), env, made)  # noqa: S102
    init = made["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"  # type: ignore[attr-defined]
    cls.__init__ = init  # type: ignore[misc]
    return cls


@quick_init
@dataclass(frozen=True, slots=True)
class Span:
    """A region of source: 1-based line and column, end exclusive."""

    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class DspError(Exception):
    """Base of every error a user can cause. `kind` is the word shown after the position."""

    kind = "error"

    def __init__(self, message: str, span: Span | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint
        self.notes: list[str] = []

    def with_span(self, span: Span | None) -> DspError:
        """Attach a span if this error has none yet (errors raised from Python code)."""
        if self.span is None and span is not None:
            self.span = span
        return self

    def __str__(self) -> str:
        where = f"{self.span}: " if self.span else ""
        return f"{where}{self.kind}: {self.message}"


class DspSyntaxError(DspError):
    kind = "syntax error"
    # Set by the parser on some errors only (read with getattr): more input could fix it
    # (the REPL's continuation prompt), and the line error recovery patches.
    incomplete: bool
    fix_line: int


class DspNameError(DspError):
    kind = "name error"


class DspTypeError(DspError):
    kind = "type error"


class DspValueError(DspError):
    kind = "value error"


class DspLimitError(DspValueError):
    """An operation that would pass one of the interpreter's limits (see interpreter/limits.py)."""

    kind = "limit exceeded"


class DspArgumentError(DspError):
    kind = "argument error"


class DspImportError(DspError):
    kind = "import error"


class DspRuntimeError(DspError):
    kind = "runtime error"


class DspZeroDivisionError(DspError):
    kind = "zero division error"


class DspIndexError(DspError, IndexError):
    kind = "index error"


class DspKeyError(DspError, KeyError):
    kind = "key error"

    def __str__(self) -> str:  # KeyError would quote the message
        return DspError.__str__(self)


class DspAttributeError(DspError, AttributeError):
    """Also an AttributeError, so Python's getattr(obj, name, default) and hasattr work."""

    kind = "attribute error"


class DspPythonError(DspError):
    """An exception raised inside Python code the program called (a tool, an imported function)."""

    kind = "python error"

    def __init__(self, message: str, span: Span | None = None, hint: str | None = None,
                 original: BaseException | None = None):
        super().__init__(message, span, hint)
        self.original = original


class DspFileError(DspError):
    kind = "file error"


class DspLMError(DspError):
    """A provider failure: bad request, auth, retries exhausted, no LM configured."""

    kind = "lm error"


class DspOutputParseError(DspError):
    """An LM reply that could not be parsed into the signature's output fields."""

    kind = "output parse error"


class DspRequireError(DspError):
    kind = "requirement failed"


class DspNotAvailableError(DspError):
    kind = "not available"


class DspCheckError(DspError):
    """One problem found by the static checker."""

    kind = "check error"

    def __init__(self, message: str, span: Span | None = None, hint: str | None = None,
                 kind: str | None = None):
        super().__init__(message, span, hint)
        if kind:
            self.kind = kind


class DspUserError(DspError):
    """Raised by a program's own `raise` statement."""

    kind = "error"


def checked_path(path: str, span: Span | None = None, error: type[DspError] = DspFileError) -> str:
    """`path` itself, or `error` when it holds a NUL character (no file system allows one;
    Python's open() would raise a bare ValueError)."""
    if "\x00" in path:
        raise error(f"a file path cannot contain a NUL character: {path!r}", span)
    return path


def source_text(data: bytes, path: str, span: Span | None = None, keep_newlines: bool = False) -> str:
    """The text of a source file read as `data`: UTF-8, newlines made "\\n" (as Python's
    universal newlines do) unless `keep_newlines`. Bytes that are not UTF-8 are a
    DspFileError at `span` (the import that reads the file), or else at the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        start = data.rfind(b"\n", 0, err.start) + 1
        line = data.count(b"\n", 0, err.start) + 1
        col = len(data[start:err.start].decode("utf-8", "replace")) + 1
        where = span or Span(path, line, col, line, col + 1)
        raise DspFileError(f"{path} is not UTF-8 text: byte 0x{data[err.start]:02x} at line {line}, "
                           f"column {col} ({err.reason})", where) from None
    return text if keep_newlines else text.replace("\r\n", "\n").replace("\r", "\n")


def read_source(path: str, span: Span | None = None, keep_newlines: bool = False) -> str:
    """The text of the source file at `path` (see `source_text`); a file that cannot be read
    is a DspFileError at `span` saying why."""
    checked_path(path, span)
    try:
        with open(path, "rb") as fh:
            return source_text(fh.read(), path, span, keep_newlines)
    except FileNotFoundError:
        raise DspFileError(f"no such file: {path}", span) from None
    except IsADirectoryError:
        raise DspFileError(f"{path} is a folder, not a .dsp file", span) from None
    except OSError as exc:
        raise DspFileError(f"cannot read {path}: {exc.strerror or exc}", span) from None


def type_word(value) -> str:
    """The name of a value's type as a .dsp user reads it: int, str, list, none, Passage."""
    return "none" if value is None else type(value).__name__


def a_type(value) -> str:
    """The value's type name with its article: 'an int', 'a str'."""
    name = type_word(value)
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def did_you_mean(name: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """A 'did you mean ...?' hint for the closest candidate, or None."""
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=cutoff)
    return f"did you mean {matches[0]!r}?" if matches else None


class SourceName(str):
    """A file name as the spans of one parse hold it, carrying the text they were made from.

    It is the file name (equal to it, printed as it); `text` is the source that parse read,
    so a span finds its own lines even after the same file was parsed again with other text
    (an edited file run twice in one process, the REPL's :reload, the language server)."""

    text: str | None
    _lines: list[str] | None

    def __new__(cls, name: str, text: str | None = None) -> SourceName:
        self = super().__new__(cls, name)
        self.text = text
        self._lines = None
        return self

    def lines(self) -> list[str] | None:
        """The text split into lines (once), or None when the text is not known."""
        if self._lines is None and self.text is not None:
            self._lines = self.text.splitlines()
        return self._lines

    def __reduce__(self) -> tuple[type[SourceName], tuple[str, str | None]]:
        return SourceName, (str(self), self.text)

    def __copy__(self) -> SourceName:
        return self             # immutable, like str

    def __deepcopy__(self, memo: dict) -> SourceName:
        return self


class SourceRegistry:
    """Where error excerpts and declaration texts (`Refine`, compiled-program hashes) get a
    file's lines: the text a span was parsed from (`SourceName`) when the span has it; else the
    text of the file's latest parse, else the file on disk (read again when it changes, as
    `linecache` does). Process-wide and bounded: the latest text of at most `size` files."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        # file -> (its text, the (mtime, size) it was read with from disk; None: from a parse)
        self._files: OrderedDict[str, tuple[SourceName, tuple[int, int] | None]] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, filename: str, text: str) -> SourceName:
        """Remember `text` as the latest text of `filename`; the name its spans should hold."""
        name = SourceName(filename, text)
        self._store(str(filename), name, None)
        return name

    def line(self, filename: str, lineno: int) -> str | None:
        """Line `lineno` (1-based) of the file, or None when unknown (see the class doc)."""
        lines = filename.lines() if isinstance(filename, SourceName) else None
        if lines is None:
            source = self._latest(str(filename))
            lines = source.lines() if source is not None else None
        if lines is not None and 1 <= lineno <= len(lines):
            return lines[lineno - 1]
        return None

    def _latest(self, filename: str) -> SourceName | None:
        with self._lock:
            found = self._files.get(filename)
            if found is not None:
                self._files.move_to_end(filename)
        if found is not None and found[1] is None:
            return found[0]
        stamp = _stamp(filename)
        if stamp is None:
            return found[0] if found is not None else None
        if found is not None and found[1] == stamp:
            return found[0]
        try:
            with open(filename, encoding="utf-8", errors="replace") as fh:
                text = fh.read()     # a bad byte shows as U+FFFD under its error's caret
        except (OSError, ValueError):
            return None
        name = SourceName(filename, text)
        self._store(filename, name, stamp)
        return name

    def _store(self, filename: str, name: SourceName, stamp: tuple[int, int] | None) -> None:
        with self._lock:
            self._files[filename] = (name, stamp)
            self._files.move_to_end(filename)
            while len(self._files) > self.size:
                self._files.popitem(last=False)


def _stamp(path: str) -> tuple[int, int] | None:
    """(mtime in ns, size) of the file at `path`, or None when it cannot be read."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_mtime_ns, st.st_size


SOURCES = SourceRegistry()


SHOWN_WIDTH = 160


def _clip(line: str, col: int) -> tuple[str, int]:
    """A line too long to show whole, cut to SHOWN_WIDTH characters around column `col`
    (with "..." where it was cut), and the column in what is shown."""
    if len(line) <= SHOWN_WIDTH:
        return line, col
    start = max(0, min(col - 1 - SHOWN_WIDTH // 3, len(line) - SHOWN_WIDTH))
    lead = "..." if start else ""
    tail = "..." if start + SHOWN_WIDTH < len(line) else ""
    return lead + line[start:start + SHOWN_WIDTH] + tail, col - start + len(lead)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")    # shown from a hostile file, they would drive the terminal


def render(err: DspError, sources: SourceRegistry | None = None) -> str:
    """`file:line:col: kind: message`, then the source line with a caret, then hints and notes."""
    sources = sources or SOURCES
    out = [str(err)]
    span = err.span
    if span is not None:
        text = sources.line(span.file, span.line)
        if text is not None:
            shown, col = _clip(_CONTROL.sub("\ufffd", text.expandtabs(4)), span.col)   # no terminal escapes
            prefix = f"{span.line:>5} | "
            out.append(prefix + shown)
            width = 1
            if span.end_line == span.line and span.end_col > span.col:
                width = span.end_col - span.col
            width = max(1, min(width, len(shown) - col + 2))
            out.append(" " * (len(prefix) + col - 1) + "^" * width)
    if err.hint:
        out.append(f"  hint: {err.hint}")
    for note in err.notes:
        out.append("  note: " + note.replace("\n", "\n        "))
    return "\n".join(out)
