"""`dsp check`: every static problem of a file, found without running it, by the one walk that
builds the file's scope model (`walker.Analyzer`; its docstring states the scoping rules)."""

from __future__ import annotations

from dsplang.analysis.analyzer import Analyzer
from dsplang.analysis.echoes import without_echoes
from dsplang.analysis.imports import DspFiles
from dsplang.analysis.model import Model, Scope
from dsplang.errors import DspCheckError, DspError, DspFileError, read_source
from dsplang.grammar import ast
from dsplang.grammar.nesting import deep_enough
from dsplang.grammar.parser import collector_paused, parse_recovering

__all__ = ["analyse_program", "analyse_source", "check_source", "check_file", "check_program", "problems_of"]


def analyse_source(source: str, filename: str = "<string>", dsp_files: DspFiles | None = None,
                   outer: Scope | None = None, lines: list[str] | None = None) -> Model:
    """The model of `source`: parsed with recovery (syntax errors in `model.syntax_errors`),
    then walked once (static problems in `model.problems`), with the garbage collector paused
    meanwhile (see `parser.collector_paused`). `lines`, when given, are the source lines the
    model's spans are found in (an editor's view of the text)."""
    with deep_enough(), collector_paused():
        program, syntax_errors = parse_recovering(source, filename)
        model = Model(filename, program, source, list[DspError](syntax_errors), lines)
        if program is not None:
            analyse_program(program, model, dsp_files, outer)
    return model


def analyse_program(program: ast.Program, model: Model, dsp_files: DspFiles | None = None,
                    outer: Scope | None = None) -> Model:
    """Walk a parsed program into `model` (its scopes, bindings and problems)."""
    with deep_enough():
        Analyzer(model, dsp_files).check(program, outer)
    return model


def check_source(source: str, filename: str = "<string>") -> list[DspError]:
    """Syntax errors and static problems of `source`, sorted by position."""
    return problems_of(analyse_source(source, filename))


def problems_of(model: Model) -> list[DspError]:
    """The syntax errors and static problems of a model, sorted by position (what `dsp check`
    reports), less the "not defined" reports that only echo a syntax error (echoes.py)."""
    found = sorted(model.syntax_errors + list[DspError](model.problems), key=_position)
    return without_echoes(found, model.source) if model.syntax_errors and model.source is not None else found


def check_file(path: str) -> list[DspError]:
    """`check_source` on a file; a file that cannot be read is one DspFileError."""
    try:
        source = read_source(path)
    except DspFileError as err:
        return [err]
    return check_source(source, path)


def check_program(program: ast.Program, filename: str) -> list[DspCheckError]:
    """The static problems of a parsed program, sorted by position."""
    model = analyse_program(program, Model(filename, program))
    return sorted(model.problems, key=_position)


def _position(err: DspError) -> tuple[int, int, int]:
    span = err.span
    return (0, span.line, span.col) if span is not None else (1, 0, 0)
