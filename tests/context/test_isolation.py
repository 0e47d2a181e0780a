"""Two runs in one process share no options, LM, traces, usage, builtins, source texts or
compile state: the driver's run_file, the Python API, the REPL's :reload."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import dsplang
from dsplang.context.lm import using
from dsplang.context.run import Options, current
from dsplang.driver import run as runtime
from dsplang.driver.host import new_interpreter
from dsplang.errors import DspError, render
from dsplang.interpreter.limits import Limits
from dsplang.lm import ScriptedLM
from dsplang.repl.session import Session
from dsplang.stdlib.program import declaration_text

PROGRAMS = Path(__file__).parents[1] / "programs"

COMPILING = '''from _fake_lm import DemoLM, capitals
signature QA = "question -> answer"
let qa = Predict(QA)
print(qa(question="first?").answer)
let train = capitals(0, 4)
compile small = qa with LabeledFewShot(k=2) on train
'''

PLAIN = '''let qa = Predict("question -> answer")
print(qa(question="second?").answer)
'''


def test_a_run_with_options_does_not_reach_the_next_run(tmp_path, monkeypatch, capsys):
    shutil.copy(PROGRAMS / "_fake_lm.py", tmp_path / "_fake_lm.py")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DSP_BUILD_DIR", raising=False)
    (tmp_path / "first.dsp").write_text(COMPILING)
    (tmp_path / "second.dsp").write_text(PLAIN)
    first_lm = ScriptedLM([{"answer": "from --lm"}])
    options = runtime.RunOptions(lm=first_lm, show_prompts=True, recompile=True, quiet=True)
    first = runtime.new_run(options)
    runtime.run_file(str(tmp_path / "first.dsp"), options, first)
    out, err = capsys.readouterr()
    assert out == "from --lm\n" and "----- prompt of" in err
    assert [name for name, _ in first.compiled.written] == ["small"]
    assert first.options.recompile and len(first.history) == 1

    second_lm = ScriptedLM([{"answer": "plain"}])
    second = runtime.new_run(runtime.RunOptions(lm=second_lm, quiet=True))
    runtime.run_file(str(tmp_path / "second.dsp"), run=second)
    out, err = capsys.readouterr()
    assert out == "plain\n" and err == ""                     # no --show-prompts left over
    assert second.compiled.written == [] and not second.options.recompile
    assert [call.model for call in second.history] == ["scripted"] and len(first.history) == 1
    assert len(first_lm.requests) == 1 and len(second_lm.requests) == 1
    assert current().lm is None and current().options.lm is None   # the caller is untouched


def test_the_python_api_runs_each_program_in_a_run_of_its_own(capsys):
    dsplang.run('use ScriptedLM([{"answer": "x"}])\n'
                'let qa = Predict("question -> answer")\nprint(qa(question="q").answer)\n')
    ns = dsplang.run('let qa = Predict("question -> answer")\n'
                     'def ask():\n    return qa(question="q").answer\n')
    assert capsys.readouterr().out == "x\n"
    assert current().lm is None and len(current().history) == 0
    mine = ScriptedLM([{"answer": "caller's"}] * 2)
    with using(mine):                     # a program sees the LM its caller set
        dsplang.run('print(Predict("question -> answer")(question="q").answer)\n')
        assert ns.ask() == "caller's"
    assert capsys.readouterr().out == "caller's\n"


def test_repl_reload_starts_a_new_run(tmp_path, capsys):
    program = tmp_path / "lib.dsp"
    program.write_text('let qa = Predict("question -> answer")\n')
    with Session(runtime.RunOptions(quiet=True)) as session:
        session.run(f":load {program}")
        session.run('use ScriptedLM([{"answer": "a"}, {"answer": "b"}])')
        session.run('qa(question="q").answer')
        assert capsys.readouterr().out.splitlines()[-1] == "'a'"
        assert len(session.predictor_calls()) == 1
        session.run(":reload")
        assert session.predictor_calls() == []
        session.run('qa(question="q").answer')
        assert "no language model is configured" in capsys.readouterr().err   # the `use` is gone
    assert current().lm is None


EDITED_FIRST = '''def ask(q):
    return Predict("question -> answer")(question=q).answer
print(ask("one") + ask("two"))
let broken = 1 / 0
'''

EDITED_SECOND = '''def ask(q):
    return "no LM: " + q
print(ask("three"))
let also_broken = [1][5]
'''


def run_to_error(path: Path, run) -> DspError:
    with pytest.raises(DspError) as caught:
        runtime.run_file(str(path), run=run)
    return caught.value


def test_two_runs_of_an_edited_file_share_no_usage_builtins_or_source_text(tmp_path, capsys):
    path = tmp_path / "edited.dsp"
    path.write_text(EDITED_FIRST)
    first = runtime.new_run(Options(lm=ScriptedLM([{"answer": "a"}, {"answer": "b"}]), quiet=True))
    first_error = run_to_error(path, first)
    kept = first_error.span
    path.write_text(EDITED_SECOND)                      # the file changes between the runs
    second = runtime.new_run(Options(quiet=True))
    second_error = run_to_error(path, second)
    assert capsys.readouterr().out == "ab\nno LM: three\n"

    assert (first.usage.calls, second.usage.calls) == (2, 0)
    assert first.usage.prompt_tokens > 0 and second.usage.prompt_tokens == 0
    # Each error shows its own run's line, even the first one rendered after the edit.
    assert render(second_error).splitlines()[1].endswith("| let also_broken = [1][5]")
    assert render(first_error).splitlines()[1].endswith("| let broken = 1 / 0")
    assert kept.line == 4 and "broken = 1 / 0" in render(first_error)


def test_a_functions_declaration_text_is_the_text_it_was_run_from(tmp_path):
    path = tmp_path / "helper.dsp"
    path.write_text("def metric(a, b):\n    return a == b\n")
    old = dsplang.load(str(path))
    path.write_text("def metric(a, b):\n    return a != b\n")
    new = dsplang.load(str(path))
    assert declaration_text(old.metric).endswith("return a == b")
    assert declaration_text(new.metric).endswith("return a != b")


def test_each_interpreter_has_builtins_of_its_own():
    first, second = new_interpreter(Limits(seq_len=10)), new_interpreter(Limits(seq_len=20))
    first_range = first.builtins.vars["range"]              # made for the interpreter's limits
    assert first.builtin_callables[id(first_range)] is first_range
    assert id(first_range) not in second.builtin_callables
    assert first.builtins.vars is not second.builtins.vars


def test_run_file_takes_the_options_or_a_run_made_with_them():
    with pytest.raises(ValueError, match="not both"):
        runtime.run_file("x.dsp", Options(quiet=True), runtime.new_run(Options()))
    assert runtime.RunOptions is Options
    assert Options(lm="openai/x").lm.model == "openai/x"
    assert Options(compile_only=True).must_write and not Options().must_write
