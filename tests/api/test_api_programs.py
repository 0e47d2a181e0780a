"""dsplang.load / run with `env=`: Python values and callables injected into a program."""

from __future__ import annotations

import pytest

import dsplang
from dsplang.errors import DspArgumentError, DspTypeError

LIB = '''
def shout(text):
    return upper(text) + suffix

let greeting = shout("hi")
'''


def test_run_injects_python_values_and_functions():
    ns = dsplang.run(LIB, env={"upper": str.upper, "suffix": "!"})
    assert ns.greeting == "HI!"
    assert ns.shout("a") == "A!"


def test_load_injects_too_with_and_without_running(tmp_path):
    path = tmp_path / "lib.dsp"
    path.write_text(LIB)
    assert dsplang.load(path, env={"upper": str.upper, "suffix": "?"}).greeting == "HI?"
    declared = dsplang.load(str(path), run=False, env={"upper": str.lower, "suffix": ""})
    assert "greeting" not in declared and declared.shout("AB") == "ab"


def test_a_name_the_program_declares_wins_over_an_injected_one():
    ns = dsplang.run("def f():\n    return 1\nlet x = f()\n", env={"f": lambda: 2})
    assert ns.x == 1


def test_a_python_error_inside_an_injected_function_is_reported_at_the_call():
    def broken(x):
        raise ValueError("bad input")
    with pytest.raises(dsplang.DspError) as err:
        dsplang.run("let y = broken(1)\n", "prog.dsp", env={"broken": broken})
    assert (err.value.span.file, err.value.span.line) == ("prog.dsp", 1)
    assert "bad input" in str(err.value)


@pytest.mark.parametrize("env, message", [
    ({"not a name": 1}, "cannot be a name"),
    ({"def": 1}, "cannot be a name"),
    ({1: 1}, "cannot be a name"),
])
def test_bad_env_names_are_refused(env, message):
    with pytest.raises(DspArgumentError, match=message):
        dsplang.run("let x = 1\n", env=env)


def test_bad_arguments_are_clear_errors():
    with pytest.raises(DspTypeError, match="a dict of names"):
        dsplang.run("let x = 1\n", env=[("x", 1)])
    with pytest.raises(DspTypeError, match="source as a string"):
        dsplang.run(b"let x = 1\n")
    with pytest.raises(DspTypeError, match="path of a .dsp file"):
        dsplang.load(42)
