"""Calls from .dsp code: which callables are builtins is the interpreter's own (no
process-wide set), and the compilers dispatch through the shared NodeVisitor."""

from __future__ import annotations

import pytest

from dsplang import errors
from dsplang.driver.host import HOST, new_interpreter
from dsplang.grammar import ast
from dsplang.grammar.parser import parse
from dsplang.grammar.visitor import NodeVisitor
from dsplang.interpreter import calls
from dsplang.interpreter.declarations import DeclCompiler
from dsplang.interpreter.evaluator import Interpreter


def failing(x):
    return 1 // x


def run_error(interp: Interpreter, source: str) -> errors.DspError:
    with pytest.raises(errors.DspError) as caught:
        interp.run_source(source, "calls.dsp")
    return caught.value


def test_a_builtin_error_is_the_users_mistake_and_other_python_code_is_named():
    err = run_error(new_interpreter(), "len(5)\n")
    assert isinstance(err, errors.DspTypeError) and err.message.startswith("len():")
    interp = Interpreter({"failing": failing}, HOST)
    err = run_error(interp, "failing(0)\n")
    assert isinstance(err, errors.DspZeroDivisionError)         # in this interpreter's builtins
    other = Interpreter({}, HOST)
    other.builtins.vars["failing"] = failing                   # added later: not a builtin
    err = run_error(other, "failing(0)\n")
    assert isinstance(err, errors.DspPythonError) and "ZeroDivisionError in failing()" in err.message


def test_builtins_belong_to_the_interpreter_and_nothing_grows_per_build():
    assert not hasattr(calls, "BUILTIN_CALLABLES")
    first, second = new_interpreter(), new_interpreter()
    assert first.builtin_callables is not second.builtin_callables
    assert len(first.builtin_callables) == len(second.builtin_callables)
    table = first.builtins.vars
    assert first.builtin_callables[id(table["len"])] is table["len"]
    assert first.builtin_callables[id(table["Predict"])] is table["Predict"]
    # The mapping holds the callables, so an id in it is never that of another object.
    span = errors.Span("f", 1, 1, 1, 2)
    err = calls.python_error(ZeroDivisionError("x"), failing, span, first.builtin_callables)
    assert isinstance(err, errors.DspPythonError)


def test_the_compilers_dispatch_through_the_shared_node_visitor():
    assert issubclass(DeclCompiler, NodeVisitor)
    assert DeclCompiler.expr is NodeVisitor.visit and DeclCompiler.stmt is NodeVisitor.visit
    interp = new_interpreter()
    program = parse("let x = [i * 2 for i in range(3)]\n", "v.dsp")
    scope = interp.new_globals()
    interp.execute(program, "v.dsp", scope)
    assert scope.vars["x"] == [0, 2, 4]


def test_a_node_kind_without_a_compile_method_is_an_internal_error():
    compiler = DeclCompiler(new_interpreter(), "v.dsp")
    span = errors.Span("v.dsp", 1, 1, 1, 2)
    with pytest.raises(NotImplementedError, match="cannot compile a Param node"):
        compiler.expr(ast.Param(span, "x", None, None))
