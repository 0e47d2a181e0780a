"""Python's REPL habits in `dsp repl`: `_`, `help(x)`, `exit`/`quit`, readable values."""

from __future__ import annotations

import pytest

from dsplang.analysis.builtin_docs import DOCS
from dsplang.repl.session import QuitSession, Session

PROGRAM = '''
signature QA:
    """Answer briefly."""
    input  question: str
    output answer: str   "a few words"

type Point:
    x: int  "across"
    y: int

enum Mood: happy, sad

module RAG(k: int = 2):
    """Retrieve, then answer."""
    respond = ChainOfThought(QA)
    check = Predict("answer -> ok: bool")

    def forward(question: str, hops: int = 1):
        """Answer the question."""
        return respond(question=question)

def greet(name: str, punct="!") -> str:
    """Say hello."""
    return "hello " + name + punct
'''


@pytest.fixture
def session(tmp_path):
    path = tmp_path / "lib.dsp"
    path.write_text(PROGRAM)
    with Session() as made:
        made.run(f":load {path}")
        yield made


def shown(session, capsys, *inputs: str) -> str:
    capsys.readouterr()
    for text in inputs:
        session.run(text)
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def test_underscore_is_the_last_value_printed(session, capsys):
    assert shown(session, capsys, "40 + 2", "_ + 1", "none", "_", "print(_)") == "42\n43\n43\n43\n"


def test_underscore_keeps_a_prediction(session, capsys):
    session.run('use ScriptedLM({"Paris": {"answer": "Paris"}})')
    out = shown(session, capsys, 'Predict(QA)(question="Paris?")', "_.answer")
    assert out.endswith("'Paris'\n")


def test_exit_and_quit_leave(session):
    for word in ("exit", "quit", "exit()", "quit()"):
        with pytest.raises(QuitSession):
            session.run(word)


def test_exit_is_an_ordinary_name_once_bound(session, capsys):
    assert shown(session, capsys, "let exit = 3", "exit") == "3\n"


def test_help_of_a_signature(session, capsys):
    out = shown(session, capsys, "help(QA)")
    assert out == ('signature QA\n    Answer briefly.\n    input  question: str\n'
                   '    output answer: str  "a few words"\n')


def test_help_of_a_module_and_an_instance(session, capsys):
    out = shown(session, capsys, "help(RAG)")
    assert out.startswith("module RAG(k: int = 2)\n    Retrieve, then answer.\n")
    assert "    respond = ChainOfThought(QA)\n" in out
    assert "call it as: forward(question: str, hops: int = 1)\n    Answer the question.\n" in out
    out = shown(session, capsys, "let rag = RAG()", "help(rag)")
    assert "rag.respond.predict: QA(question -> reasoning, answer), 0 demos" in out
    assert "rag.check: Signature(answer -> ok: bool), 0 demos" in out


def test_help_of_a_function_record_enum_and_predictor(session, capsys):
    assert shown(session, capsys, "help(greet)") == 'def greet(name: str, punct="!") -> str\n    Say hello.\n'
    assert shown(session, capsys, "help(Point)") == 'type Point\n    x: int  "across"\n    y: int\n'
    assert shown(session, capsys, "help(Mood)") == "enum Mood: happy, sad\n"
    out = shown(session, capsys, "help(ChainOfThought(QA))")
    assert out.startswith("ChainOfThought over signature QA\n") and "call it with the inputs: question=..." in out


def test_help_of_builtins_uses_the_table_hover_reads(session, capsys):
    assert shown(session, capsys, "help(len)") == DOCS["len"] + "\n"
    out = shown(session, capsys, "help(Predict)")
    assert out.startswith(DOCS["Predict"] + "\n") and "Predict(signature" in out


def test_help_alone_lists_the_commands_and_is_not_saved(session, capsys, tmp_path):
    assert ":save PATH" in shown(session, capsys, "help()")
    assert ":load FILE" in shown(session, capsys, "help")
    session.run(f":save {tmp_path / 'out.dsp'}")
    assert "help" not in (tmp_path / "out.dsp").read_text().split("# ----")[-1]


def test_values_that_python_would_show_by_module_path(session, capsys):
    out = shown(session, capsys, "QA", "RAG", "Point", "Mood", "Predict", "evaluate", "Point(x=1, y=2)")
    assert out.splitlines() == ["QA(question -> answer)", "<module RAG(k=2): respond, check>",
                                "<type Point(x: int, y: int)>", "<enum Mood: happy, sad>",
                                "<class Predict>", "<function evaluate>", "Point(x=1, y=2)"]
