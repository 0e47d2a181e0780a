"""A REPL session without a terminal: inputs, printed values, errors, meta-commands."""

from __future__ import annotations

import pytest

from dsplang.repl.app import history_path, ready
from dsplang.repl.session import DEBUG_HINT, QuitSession, Session

SCRIPTED = 'use ScriptedLM([{"answer": "Paris"}, {"answer": "Rome"}])\nlet qa = Predict("question -> answer")\n'


@pytest.fixture
def session():
    with Session() as made:
        yield made


def test_expression_values_are_printed_with_repr(session, capsys):
    session.run('"ab" * 2')
    session.run("let x = 40")
    session.run("x + 2")
    session.run('print("shown once")')
    session.run("none")
    assert capsys.readouterr().out == "'abab'\n42\nshown once\n"


def test_names_persist_and_blocks_run(session, capsys):
    session.run("def twice(s):\n    return s + s\n")
    session.run('twice("ab")')
    assert capsys.readouterr().out == "'abab'\n"


def test_errors_render_with_the_input_line_and_do_not_end_the_session(session, capsys):
    session.run("let y = 1")
    session.run("prnt(y)")
    err = capsys.readouterr().err
    assert "<repl:2>:1:1: name error: name 'prnt' is not defined" in err
    assert "    1 | prnt(y)\n        ^^^^" in err
    assert "did you mean 'print'?" in err
    session.run("y")
    assert capsys.readouterr().out == "1\n"


def test_syntax_error_is_rendered(session, capsys):
    session.run("let = 3")
    assert "<repl:1>:1:" in capsys.readouterr().err


def test_internal_error_is_one_line_and_a_hint(session, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(session.interp, "execute", broken)
    session.run("let z = 1")
    err = capsys.readouterr().err
    assert err == f"internal error: RuntimeError: boom\n{DEBUG_HINT}\n"
    session.run(":debug")
    assert "Traceback" in capsys.readouterr().out


def test_use_persists_across_inputs_and_inspect_shows_the_call(session, capsys):
    for line in SCRIPTED.splitlines():
        session.run(line)
    session.run('qa(question="capital of France?").answer')
    assert capsys.readouterr().out == "'Paris'\n"
    session.run(":inspect")
    shown = capsys.readouterr().out
    assert "call 1: " in shown and "capital of France?" in shown
    assert "[reply]" in shown and "[parsed outputs]\nanswer: 'Paris'" in shown


def test_trace_lists_every_call(session, capsys):
    for line in SCRIPTED.splitlines():
        session.run(line)
    session.run('qa(question="a")')
    session.run('qa(question="b")')
    capsys.readouterr()
    session.run(":trace")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("  1. ") and lines[1].startswith("  2. ")
    assert lines[2].startswith("LM: 2 calls")
    session.run(":inspect 2")
    assert "call 1:" in (out := capsys.readouterr().out) and "call 2:" in out


def test_preview_shows_placeholders(session, capsys):
    session.run('let cot = ChainOfThought("question, context -> answer")')
    session.run(":preview cot")
    shown = capsys.readouterr().out
    assert "cot.predict" in shown and "{question}" in shown and "{context}" in shown
    assert "reasoning" in shown


def test_preview_of_unknown_name_is_an_error(session, capsys):
    session.run("let qa = 1")
    session.run(":preview qb")
    assert "'qb' is not defined" in capsys.readouterr().err


def test_lm_shows_and_sets_the_default(session, capsys):
    session.run(":lm openai/gpt-4o-mini")
    assert "openai/gpt-4o-mini" in capsys.readouterr().out
    session.run(":lm")
    assert "openai/gpt-4o-mini" in capsys.readouterr().out


def test_load_reload_and_save(session, capsys, tmp_path):
    program = tmp_path / "lib.dsp"
    program.write_text('let counter = 41\ndef greet(name):\n    return "hello " + name\n')
    session.run(f":load {program}")
    session.run('greet("bob")')
    session.run("counter = counter + 1")
    session.run("counter")
    assert capsys.readouterr().out.splitlines()[-2:] == ["'hello bob'", "42"]
    session.run(":reload")
    session.run("counter")
    assert capsys.readouterr().out.splitlines()[-1] == "41"
    saved = tmp_path / "saved.dsp"
    session.run("def f(x):\n    return x\n")
    session.run("undefined_thing")
    session.run(f":save {saved}")
    text = saved.read_text()
    assert "let counter = 41" in text and "def f(x):\n    return x\n" in text
    assert "undefined_thing" not in text
    assert 'greet("bob")' not in text  # it ran before :reload, in a scope that is gone


def test_load_of_a_missing_file_is_an_error(session, capsys):
    session.run(":load no/such/file.dsp")
    assert "file error" in capsys.readouterr().err


def test_unknown_command_and_quit(session, capsys):
    session.run(":inspec")
    assert "did you mean ':inspect'?" in capsys.readouterr().err
    with pytest.raises(QuitSession):
        session.run(":quit")


def test_ready_decides_when_enter_runs_the_input():
    assert ready("let x = 1")
    assert ready(":help")
    assert not ready("def f():")
    assert not ready("def f():\n    return 1")
    assert ready("def f():\n    return 1\n")
    assert ready("def f():\n    return 1\n    ")
    assert not ready("print(\n")
    assert ready("let = 1")  # a real syntax error runs (and is reported)


def test_history_path(monkeypatch, tmp_path):
    monkeypatch.delenv("DSP_REPL_HISTORY", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert history_path() == tmp_path / "dsplang" / "repl_history"
    monkeypatch.setenv("DSP_REPL_HISTORY", str(tmp_path / "h"))
    assert history_path() == tmp_path / "h"
