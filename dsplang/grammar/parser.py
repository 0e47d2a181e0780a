"""The parser API: parse(), parse_sigspec(), parse_type(), parse_recovering(), is_complete().

One Lark LALR parser is built per process, on first use (its tables are cached on disk by
Lark), with the transformer run inline so no parse tree is built. Source text is normalised
first: a leading BOM is dropped, CRLF and lone CR become LF, and a final newline is added.
Every malformed input raises `DspSyntaxError` with a span; nothing else escapes.
"""

from __future__ import annotations

import dataclasses
import gc
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lark import Lark, Token
from lark.exceptions import LarkError, UnexpectedInput

from dsplang.errors import SOURCES, DspSyntaxError, Span
from dsplang.grammar import ast, lalr
from dsplang.grammar.helpers import doc_and_body
from dsplang.grammar.messages import convert, terminal_words
from dsplang.grammar.nesting import check_depth
from dsplang.grammar.postlex import HOLDER, DspIndenter, ParseState
from dsplang.grammar.recovery import recover
from dsplang.grammar.transform import DspTransformer

__all__ = ["parse", "parse_sigspec", "parse_type", "parse_recovering", "is_complete"]

_GRAMMAR = Path(__file__).with_name("dsp.lark")
_STARTS = ["start", "expr_start", "sigspec_start", "type_start"]
_LOCK = threading.RLock()


class _Built:
    """The process-wide parser, its tables and its readable terminal names, made on first use."""

    lark: Lark | None = None
    tables: lalr.Tables | None = None
    words: dict[str, str] = {}
    name: re.Pattern[str]             # the NAME terminal


def _lark() -> Lark:
    """The Lark parser, built once per process."""
    if _Built.lark is None:
        lark = Lark(_GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                    postlex=DspIndenter(), transformer=DspTransformer(_parse_field),
                    start=_STARTS, keep_all_tokens=True, maybe_placeholders=True, cache=True)
        _Built.words = terminal_words(lark.terminals)
        _Built.tables = lalr.Tables(lark)
        _Built.name = re.compile(lark.get_terminal("NAME").pattern.to_regexp())
        _Built.lark = lark
    return _Built.lark


def _run(text: str, start: str, st: ParseState, seen: list[Token] | None = None) -> Any:
    """Parse `text` from rule `start` with `st` as the running parse's state (`seen`:
    see `lalr.parse`)."""
    with _LOCK:
        _lark()
        saved, HOLDER.state = HOLDER.state, st
        try:
            result = lalr.parse(_Built.tables, text, start, st, seen)  # type: ignore[arg-type]  # built by _lark()
            check_depth(result)
            return result
        except UnexpectedInput as exc:
            raise convert(exc, st, text, _Built.words) from None
        except LarkError as exc:
            raise DspSyntaxError(f"invalid syntax ({exc})", st.end_span()) from None
        except RecursionError:
            raise DspSyntaxError("the program is nested too deeply", st.end_span()) from None
        finally:
            HOLDER.state = saved


def _parse_field(text: str, line: int, col: int) -> ast.Expr:
    """Parse the expression of an f-string field that starts at (line, col) of the file
    (a lone name, the usual field, needs no parse)."""
    st = ParseState(HOLDER.state.file, line - 1, col - 1, flat=True)
    if _Built.name.fullmatch(text):
        return ast.Name(st.span(1, 1, 1, 1 + len(text)), text)
    expr: ast.Expr = _run(text, "expr_start", st)
    return expr


def _normalize(source: str, final_newline: bool = True) -> str:
    """LF line endings, no BOM, and (by default) a final newline."""
    text = source.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if final_newline and not text.endswith("\n"):
        text += "\n"
    return text


def _file_span(filename: str, source: str) -> Span:
    """The span of a whole file."""
    text = _normalize(source, final_newline=False)
    return Span(filename, 1, 1, text.count("\n") + 1, len(text) - text.rfind("\n"))


def _program(body: Iterable[Any], filename: str, source: str) -> ast.Program:
    """A Program from top-level statements; a leading string statement is its doc."""
    doc, body = doc_and_body(tuple(body))
    return ast.Program(_file_span(filename, source), doc, body)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large tree is built: the tree makes
    no cycles to collect, and the collector would otherwise walk it again and again (most
    of the time of parsing or compiling a 100,000-line program)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def parse(source: str, filename: str = "<string>", seen: list[Token] | None = None) -> ast.Program:
    """Parse a program; raise DspSyntaxError on malformed input. Registers the source.
    With `seen`, the lexer's tokens are appended to it (see `lalr.parse`)."""
    filename = SOURCES.add(filename, source)     # its spans carry the text (errors.SourceName)
    with collector_paused():
        body = _run(_normalize(source), "start", ParseState(filename), seen)
        return _program(body, filename, source)


def parse_sigspec(spec: str, span: Span) -> ast.SigSpec:
    """Parse the short signature form "a, b: int -> c: list[str]".

    `span` is the span of the string literal holding `spec`; positions inside assume the
    text starts one column after it (just inside a plain quote).
    """
    if "->" not in spec:
        raise DspSyntaxError('a signature string needs inputs and outputs separated by '
                             '"->", as in "question -> answer"', span)
    st = ParseState(span.file, span.line - 1, span.col, flat=True)
    result: ast.SigSpec = _run(_normalize(spec, final_newline=False), "sigspec_start", st)
    seen: set[str] = set()
    for field in result.fields:
        if field.name in seen:
            raise DspSyntaxError(f"field {field.name!r} appears twice in the signature",
                                 field.span)
        seen.add(field.name)
    return dataclasses.replace(result, span=span)


def parse_type(text: str, span: Span) -> ast.TypeExpr:
    """Parse a type such as "list[str]" or "optional[Passage]"; `span` is where text starts."""
    st = ParseState(span.file, span.line - 1, span.col - 1, flat=True)
    texpr: ast.TypeExpr = _run(_normalize(text, final_newline=False), "type_start", st)
    return texpr


def is_complete(source: str) -> bool:
    """False while the REPL should read more lines: an open block, an open bracket, an
    unterminated triple-quoted string. True for a complete statement or a real error."""
    text = _normalize(source, final_newline=False)
    if not text.strip():
        return True
    try:
        _run(text + "\n", "start", ParseState("<input>"))
    except DspSyntaxError as err:
        return not getattr(err, "incomplete", False)
    except Exception:
        return True
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    last = lines[-1]
    if last.strip() and len(lines) > 1 and last[0] in " \t":
        return False
    return True


def parse_recovering(source: str, filename: str = "<string>"
                     ) -> tuple[ast.Program | None, list[DspSyntaxError]]:
    """Parse, reporting every syntax error found instead of stopping at the first.

    Never raises. The file is parsed in top-level chunks; inside a chunk that fails, the
    line at fault is replaced by `pass` (or `if true:` when it opens a block) and the chunk
    parsed again. The Program holds the statements of every chunk that could be parsed
    that way (None only if the parser itself failed).
    """
    try:
        filename = SOURCES.add(filename, source)
        text = _normalize(source)
        with collector_paused():
            try:
                return _program(_run(text, "start", ParseState(filename)), filename, source), []
            except DspSyntaxError:
                pass
            body, errors = recover(text, filename, _run)
            return _program(body, filename, source), errors
    except Exception as exc:    # the language server must get errors, never an exception
        err = DspSyntaxError(f"internal parser error: {exc}", Span(filename, 1, 1, 1, 2))
        return None, [err]
