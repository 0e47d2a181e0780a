"""The parser API: parse(), parse_sigspec(), parse_type(), parse_recovering(), is_complete().

The grammar's tables are built once per process, on first use, from a Lark LALR parser
(whose tables Lark caches on disk): a read-only value (`_grammar()`) that every parse
shares. Each parse has its own state: a `ParseState` (what the post-lexer and the error
messages need) and a `DspTransformer` holding it, made by `_run` and handed down the call,
so parses can nest (an f-string's fields are parsed while their file is) and run in
several threads at once. The transformer runs inline as the parser reduces, so no parse
tree is built. Source text is normalised first: a leading BOM is dropped, CRLF and lone CR
become LF, and a final newline is added. Every malformed input raises `DspSyntaxError`
with a span; nothing else escapes.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from lark import Lark, Token
from lark.exceptions import LarkError, UnexpectedInput

from dsplang.errors import SOURCES, DspSyntaxError, Span
from dsplang.grammar import ast, lalr
from dsplang.grammar.helpers import doc_and_body
from dsplang.grammar.messages import convert, terminal_words
from dsplang.grammar.nesting import check_depth
from dsplang.grammar.postlex import DspIndenter, ParseState
from dsplang.grammar.recovery import recover
from dsplang.grammar.transform import DspTransformer

__all__ = ["parse", "parse_sigspec", "parse_type", "parse_recovering", "is_complete"]

_GRAMMAR = Path(__file__).with_name("dsp.lark")
_STARTS = ["start", "expr_start", "sigspec_start", "type_start"]


class Grammar(NamedTuple):
    """The grammar, built once per process: Lark's parser (for its tables and terminals),
    the tables the parse loop runs, the terminals' readable names, and the NAME terminal."""

    lark: Lark
    tables: lalr.Tables
    words: dict[str, str]
    name: re.Pattern[str]


def make_lark(postlex: DspIndenter, transformer: DspTransformer | None = None) -> Lark:
    """A Lark parser for the grammar (with `transformer`, one whose own loop builds the AST;
    tests compare that loop with ours)."""
    return Lark(_GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                postlex=postlex, transformer=transformer, start=_STARTS, keep_all_tokens=True,
                maybe_placeholders=True, cache=True)


@functools.cache
def _grammar() -> Grammar:
    """The process-wide, read-only grammar (see Grammar), built on first use."""
    lark = make_lark(DspIndenter())
    return Grammar(lark, lalr.Tables(lark, DspTransformer), terminal_words(lark.terminals),
                   re.compile(lark.get_terminal("NAME").pattern.to_regexp()))


def _run(text: str, start: str, st: ParseState, seen: list[Token] | None = None) -> Any:
    """Parse `text` from rule `start` with `st` as this parse's state (`seen`: see
    `lalr.parse`)."""
    grammar = _grammar()
    transformer = DspTransformer(st, functools.partial(_parse_field, st.file))
    try:
        result = lalr.parse(grammar.tables, text, start, st, transformer, seen)
        check_depth(result)
        return result
    except UnexpectedInput as exc:
        raise convert(exc, st, text, grammar.words) from None
    except LarkError as exc:
        raise DspSyntaxError(f"invalid syntax ({exc})", st.end_span()) from None
    except RecursionError:
        raise DspSyntaxError("the program is nested too deeply", st.end_span()) from None


def _parse_field(file: str, text: str, line: int, col: int) -> ast.Expr:
    """Parse the expression of an f-string field of `file` that starts at (line, col) (a
    lone name, the usual field, needs no parse)."""
    st = ParseState(file, line - 1, col - 1, flat=True)
    if _grammar().name.fullmatch(text):
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
    of the time of parsing or compiling a 100,000-line program).

    Afterwards the objects made meanwhile go straight to the collector's oldest generation
    (gc.freeze then gc.unfreeze: two list moves), where they would land anyway after
    surviving two collections, each a walk over every one of them (a fifth of the time of
    `dsp run` of a long program). Not while objects are frozen (a running program keeps
    its tree frozen: evaluator.program_kept), which unfreeze would release."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
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
