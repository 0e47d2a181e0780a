"""What the interpreter needs from the layers above it, passed in as a `Host`.

The interpreter knows no standard-library name: record types, enums and signatures are
made by the host from declarations; the LM statements (`use`, `with`, `compile`, `save`,
`load`) are handed to it with their evaluated operands; `except NAME` finds its error
class in it; `ensure`/`require` ask it which predictor ran last and let it give that
predictor feedback. `dsplang.driver.host` implements it with the standard library and
the run context.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

from dsplang.errors import DspError, Span
from dsplang.grammar import ast
from dsplang.interpreter.limits import Limits

# `lookup(name, span)`: the record or enum class a type name means in the current scope.
TypeLookup = Callable[[str, Span], type]


class Host(Protocol):
    """The services a program's declarations and LM statements use (see the module doc)."""

    error_classes: Mapping[str, type[DspError]]   # the names `except NAME` may catch
    assertion_retries: int                        # re-runs after a failed ensure/require

    def builtins(self, limits: Limits) -> dict[str, Any]:
        """A new table of the builtin names (what a pickled interpreter is rebuilt with)."""

    # ------------------------------------------------------------ types and signatures

    def annotation(self, texpr: ast.TypeExpr, lookup: TypeLookup) -> object:
        """The value that stands for a type written in a declaration (`list[Passage]`)."""

    def is_declared_type(self, value: object) -> bool:
        """Whether `value` is a record or enum class a program declared."""

    def make_record(self, name: str, fields: list[tuple[str, object, str | None]],
                    defaults: dict[str, object], doc: str | None) -> type:
        """`type NAME:` — a record class with `(name, annotation, desc)` fields."""

    def make_enum(self, name: str, members: list[str]) -> type:
        """`enum NAME:` — an enumeration of `members`."""

    def make_signature(self, name: str, doc: str | None,
                       fields: list[tuple[str, object, str | None, str]], span: Span) -> object:
        """`signature NAME:` — from `(name, annotation, desc, direction)` fields; a repeated
        field or no output is an error at `span`."""

    def signature_from_spec(self, text: str, sigspec: ast.SigSpec, lookup: TypeLookup, span: Span,
                            name: str | None = None) -> object:
        """A signature from the parsed short form `text` ("q -> a: Label"), its types read with `lookup`."""

    # ------------------------------------------------------------ the LM statements

    def use(self, value: object, span: Span) -> None:
        """`use EXPR`."""

    def entering(self, value: object, span: Span) -> AbstractContextManager[Any]:
        """`with EXPR:` — entered around the block; yields what `as NAME` binds."""

    def compile_program(self, node: ast.CompileStmt, program: object, optimizer: object,
                        trainset: object, valset: object) -> object:
        """`compile NAME = PROGRAM with OPTIMIZER on TRAINSET [valset VALSET]`: the compiled program."""

    def save_program(self, node: ast.SaveStmt, program: object, path: object) -> None:
        """`save NAME to PATH`."""

    def load_program(self, node: ast.LoadStmt, program: object, path: object) -> None:
        """`load NAME from PATH`."""

    # ------------------------------------------------------------ ensure / require

    def predictor_calls(self) -> int:
        """How many predictor calls have finished so far (on this thread)."""

    def last_call(self) -> tuple[object, dict[str, Any]]:
        """The predictor called most recently and the outputs it gave."""

    def giving_feedback(self, predictor: object, message: str,
                        previous: dict[str, Any]) -> AbstractContextManager[None]:
        """While inside, `predictor` sees `message` as feedback on its `previous` outputs."""

    def record_assertion(self, kind: str, text: str, passed: bool, retries: int, span: Span) -> None:
        """Note in the run's trace how an `ensure`/`require` ended."""

    # ------------------------------------------------------------ spans

    def open_span(self, type: str, name: str, span: Span | None) -> Any:
        """Open a span (a module instance's call) that what runs inside records as its parent."""

    def close_span(self, opened: Any, error: BaseException | None) -> None:
        """Close the span `open_span` gave; `error` is what ended it, if anything did."""
