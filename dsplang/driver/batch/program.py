"""What `dsp batch FILE NAME` runs: the value NAME has in the file, called once per row.

The file runs as far as its last top-level statement that binds NAME (`let`, an
assignment, `compile NAME = ...`, `load NAME from ...`) or sets the LM or retriever
(`use`); its imports and declarations are all made, and statements after that one (an
`evaluate`, a `print`) are skipped. A `compile` statement reuses its saved result in the
build folder when it is current, as in `dsp run`, so a compiled program is not compiled
again. NAME may be a dotted path (`pipeline.answer`); a module class is instantiated with
its defaults.
"""

from __future__ import annotations

from typing import Any

from dsplang.driver.batch.rows import Row
from dsplang.errors import DspError, DspNameError, DspTypeError, Span, a_type, did_you_mean
from dsplang.grammar import ast
from dsplang.interpreter.evaluator import Interpreter
from dsplang.interpreter.values import FieldValues, ModuleClass
from dsplang.stdlib.notebook import json_ready
from dsplang.stdlib.program import call


def last_needed(program: ast.Program, name: str) -> int:
    """The index of the last top-level statement that binds `name` or is a `use` (-1: none)."""
    last = -1
    for i, node in enumerate(program.body):
        if isinstance(node, ast.Use) or name in _bound(node):
            last = i
    return last


def _bound(node: ast.Node) -> set[str]:
    if isinstance(node, (ast.CompileStmt, ast.LoadStmt)):
        return {node.name}
    if isinstance(node, (ast.Let, ast.Assign)):
        target = node.target
        if isinstance(target, ast.Name):
            return {target.id}
        if isinstance(target, ast.TupleTarget):
            return {n.id for n in target.names}
    return set()


def load_program(interp: Interpreter, path: str, name: str) -> Any:
    """The callable NAME names in the file at `path`, after running the file as far as it must.
    Runs in the caller's Run, so the file's `use` sets the LM the rows are run with."""
    program = interp.parse_file(path)
    first, *rest = name.split(".")
    if not first.isidentifier():
        raise DspNameError(f"{name!r} is not a name: give a top-level name of {path}, e.g. qa or QA")
    namespace = interp.run_through(program, path, last_needed(program, first))
    if first.startswith("_") or first not in namespace:
        bound = set(namespace).union(*(_bound(node) for node in program.body))     # all, for the hint
        names = [n for n in bound if not n.startswith("_")]
        raise DspNameError(f"{path} has no top-level name {first!r}",
                           hint=did_you_mean(first, names) or "its names: " + ", ".join(sorted(names)))
    value = namespace[first]
    for part in rest:
        value = getattr(_instance(value), part, None)
        if value is None:
            raise DspNameError(f"{name!r}: no attribute {part!r}")
    value = _instance(value)
    if not callable(value):
        raise DspTypeError(f"{name} is {a_type(value)}, not a program",
                           hint="name a module, a module instance, a predictor or a function")
    return value


def _instance(value: Any) -> Any:
    return value.call((), {}, None) if isinstance(value, ModuleClass) else value


class RowTask:
    """One row through the program: its output record (never raises an Exception)."""

    def __init__(self, program: Any, keyed: bool, input_path: str) -> None:
        self.program = program
        self.keyed = keyed
        self.input_path = input_path

    def __call__(self, row: Row) -> dict[str, Any]:
        record: dict[str, Any] = {"row": row.index}
        if self.keyed:
            record["key"] = row.key
        try:
            result = call(self.program, **row.inputs)
        except Exception as err:  # noqa: BLE001 - a row's failure is written, the batch goes on
            if isinstance(err, DspError) and err.span is None:    # e.g. an argument the program does not take
                err.span = Span(self.input_path, row.line, 1, row.line, 2)
            return {**record, "line": row.line, "error": error_text(err)}
        return {**record, "outputs": outputs(result)}


def error_text(err: BaseException) -> str:
    """An error as one line of the output: `file:line:col: kind: message` for a DspError."""
    return str(err) if isinstance(err, DspError) else f"{type(err).__name__}: {err}"


def outputs(result: Any) -> Any:
    """A Prediction's fields (a dict the program returned) as JSON data; another value as
    `{"output": value}`."""
    if isinstance(result, (FieldValues, dict)):
        return json_ready(result)
    return {"output": json_ready(result)}
