"""The Python embedding API: dsplang.parse, dsplang.load, dsplang.run."""

from __future__ import annotations

import textwrap

import pytest

import dsplang
from dsplang.context.lm import using
from dsplang.errors import DspError, DspNameError, DspSyntaxError
from dsplang.lm.scripted import ScriptedLM

LIBRARY = textwrap.dedent('''
    signature Answer:
        """Answer briefly."""
        input question: str
        output answer: str

    module QA(prefix: str = "Q: "):
        respond = Predict(Answer)

        def forward(question: str):
            return respond(question=prefix + question)

    def double(x):
        """Twice x."""
        return x * 2

    def apply(f, x):
        return f(x)

    print("loaded")
''')


def test_load_runs_the_file_and_exposes_its_names(tmp_path, capsys):
    path = tmp_path / "lib.dsp"
    path.write_text(LIBRARY)
    ns = dsplang.load(str(path))
    assert capsys.readouterr().out == "loaded\n"
    assert ns.double(21) == 42
    assert ns.double.__doc__ == "Twice x."
    assert ns.Answer.input_names == ("question",)
    assert sorted(n for n in ns.names() if n[0].isupper()) == ["Answer", "QA"]


def test_load_without_running_only_declares(tmp_path, capsys):
    path = tmp_path / "lib.dsp"
    path.write_text(LIBRARY)
    ns = dsplang.load(str(path), run=False)
    assert capsys.readouterr().out == ""
    assert ns.double(2) == 4


def test_python_calls_a_dsp_module_and_passes_callables_both_ways(tmp_path):
    path = tmp_path / "lib.dsp"
    path.write_text(LIBRARY)
    ns = dsplang.load(str(path), run=False)
    lm = ScriptedLM([{"answer": "Paris"}])
    with using(lm):
        pred = ns.QA()(question="Capital of France?")
    assert pred.answer == "Paris"
    assert "Q: Capital of France?" in lm.requests[0].messages[-1]["content"]
    assert ns.apply(lambda v: v + 1, 1) == 2          # a Python callable called from .dsp
    assert list(map(ns.double, [1, 2])) == [2, 4]     # a .dsp function called from Python


def test_run_a_program_string(capsys):
    ns = dsplang.run("let x = 40 + 2\nprint(x)\n")
    assert capsys.readouterr().out == "42\n"
    assert ns.x == 42


def test_errors_are_dsp_errors_with_positions():
    with pytest.raises(DspSyntaxError) as syntax:
        dsplang.run("let x = \n", "prog.dsp")
    assert (syntax.value.span.file, syntax.value.span.line) == ("prog.dsp", 1)
    with pytest.raises(DspNameError) as name:
        dsplang.run("let total = 1\nprint(totl)\n", "prog.dsp")
    assert name.value.span.line == 2 and name.value.hint == "did you mean 'total'?"
    assert isinstance(name.value, DspError)


def test_parse_returns_the_ast():
    program = dsplang.parse("let x = 1\n")
    assert type(program).__name__ == "Program"
    assert type(program.body[0]).__name__ == "Let"


def test_use_inside_a_program_does_not_leak_to_the_caller(tmp_path):
    from dsplang.context.lm import current_lm
    from dsplang.driver import run as runtime
    from dsplang.errors import DspLMError
    path = tmp_path / "p.dsp"
    path.write_text('use ScriptedLM([{"answer": "x"}])\n')
    runtime.run_file(str(path), runtime.RunOptions(quiet=True))
    with pytest.raises(DspLMError):
        current_lm()
