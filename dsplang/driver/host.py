"""The interpreter's `Host` (see `dsplang.interpreter.host`), made of the standard library and
the run context; and `new_interpreter`, an interpreter with the builtins table and this host."""

from __future__ import annotations

from dsplang.context import feedback, spans, trace
from dsplang.driver import statements
from dsplang.driver.builtins import ERROR_CLASSES, build
from dsplang.errors import Span
from dsplang.grammar import ast
from dsplang.interpreter.evaluator import Interpreter
from dsplang.interpreter.host import TypeLookup
from dsplang.interpreter.limits import Limits
from dsplang.stdlib import types
from dsplang.stdlib.signature import FieldSpec, Signature


class StdlibHost:
    """Records, enums and signatures from the standard library; the LM statements from
    `driver.statements`; ensure/require bookkeeping and trace records from the run context."""

    error_classes = ERROR_CLASSES
    assertion_retries = feedback.DEFAULT_RETRIES

    builtins = staticmethod(build)      # what a pickled interpreter is rebuilt with

    def __reduce__(self) -> str:
        return "HOST"                   # pickled as this module's one host

    annotation = staticmethod(types.annotation_from_typeexpr)
    is_declared_type = staticmethod(types.is_declared_type)
    make_enum = staticmethod(types.make_enum)

    use = staticmethod(statements.use)
    entering = staticmethod(statements.entering)
    compile_program = staticmethod(statements.compile_program)
    save_program = staticmethod(statements.save_program)
    load_program = staticmethod(statements.load_program)

    predictor_calls = staticmethod(feedback.call_count)
    last_call = staticmethod(feedback.last_call)
    giving_feedback = staticmethod(feedback.giving_feedback)

    open_span = staticmethod(spans.open_if_collected)
    close_span = staticmethod(spans.close_if_opened)

    @staticmethod
    def make_record(name: str, fields: list[tuple[str, object, str | None]],
                    defaults: dict[str, object], doc: str | None) -> type:
        return types.make_record(name, [(n, a, d, defaults.get(n, types.MISSING)) for n, a, d in fields], doc)

    @staticmethod
    def make_signature(name: str, doc: str | None, fields: list[tuple[str, object, str | None, str]],
                       span: Span) -> Signature:
        return Signature.from_fields(name, doc, [FieldSpec(*f) for f in fields], span)

    @staticmethod
    def signature_from_spec(text: str, sigspec: ast.SigSpec, lookup: TypeLookup, span: Span,
                            name: str | None = None) -> Signature:
        return Signature.from_sigspec(text, sigspec, name=name, lookup=lookup, span=span)

    @staticmethod
    def record_assertion(kind: str, text: str, passed: bool, retries: int, span: Span) -> None:
        trace.record(trace.AssertionRecord(kind, text, passed, retries, span))


HOST = StdlibHost()


def new_interpreter(limits: Limits | None = None) -> Interpreter:
    """An interpreter with every builtin and the standard library's host; `limits` None means
    the defaults and DSP_LIMITS."""
    limits = limits if limits is not None else Limits.from_settings()
    return Interpreter(build(limits), HOST, limits)
