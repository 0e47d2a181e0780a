"""`:save FILE`: a file `dsp check` accepts, that runs as the session did, with no credential."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dsplang.analysis.checker import check_file
from dsplang.repl.session import Session

LIBRARY = '''
signature QA:
    """Answer briefly."""
    input  question: str
    output answer: str

def shout(text):
    return text.upper()

let greeting = "hello"
'''


@pytest.fixture
def session(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lib.dsp").write_text(LIBRARY)
    with Session() as made:
        yield made


def save(session, path) -> str:
    session.run(f":save {path}")
    return path.read_text()


def assert_checks(path):
    problems = check_file(str(path))
    assert not problems, [str(p) for p in problems]


def run(path) -> str:
    done = subprocess.run([sys.executable, "-m", "dsplang.cli", "run", str(path), "--quiet"],
                          capture_output=True, text=True, timeout=60, cwd=path.parent)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_an_api_key_is_never_written(session, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-from-the-environment-1")
    session.run('use LM("openai/x", api_key="sk-secret")')
    session.run('let other = LM("openai/y", temperature=0.5, api_key="sk-secret-2")')
    session.run('let key = "sk-secret-3"')
    session.run('let third = LM("anthropic/z", api_key=key)')
    session.run('let headers = {"Authorization": "Bearer sk-secret-4", "x": 1}')
    session.run('let echoed = "tok-from-the-environment-1"')
    session.run(":lm openai/gpt-4o-mini")
    text = save(session, tmp_path / "out.dsp")
    assert "sk-" not in text and "secret" not in text and "tok-from" not in text
    assert 'use LM("openai/x")\n' in text
    assert 'let other = LM("openai/y", temperature=0.5)\n' in text
    assert 'use LM("openai/gpt-4o-mini")\n' in text
    assert "Credentials are not saved" in text
    assert_checks(tmp_path / "out.dsp")


def test_the_loaded_file_and_the_inputs_make_one_checked_file(session, tmp_path, capsys):
    session.run(":load lib.dsp")
    for text in ("let n = 1", "let n = n + 1", 'def shout(text):\n    return text + "!"\n',
                 "let x: int = 5", "let x: int = x * n", "no_such_name",
                 'print(shout(greeting), n, x)'):
        session.run(text)
    assert capsys.readouterr().out.splitlines()[-1] == "hello! 2 10"
    path = tmp_path / "out.dsp"
    text = save(session, path)
    assert "# ---- lib.dsp\n" in text and 'signature QA:' in text
    assert "let n = 1\nn = n + 1\n" in text and "let x: int = 5\nx = x * n\n" in text
    assert "return text.upper()" not in text  # the later shout replaced it
    assert "no_such_name" not in text
    assert_checks(path)
    assert run(path) == "hello! 2 10\n"


def test_underscore_is_bound_where_a_later_input_reads_it(session, tmp_path, capsys):
    for text in ("6 * 7", "_ + 1", "let y = _ * 2", "print(y)"):
        session.run(text)
    assert capsys.readouterr().out == "42\n43\n86\n"
    path = tmp_path / "out.dsp"
    text = save(session, path)
    assert "let _ = 6 * 7\n_ = _ + 1\nlet y = _ * 2\n" in text
    assert_checks(path)
    assert run(path) == "86\n"


def test_expressions_stay_as_typed_when_underscore_is_not_read(session, tmp_path):
    session.run("1 + 1")
    assert save(session, tmp_path / "out.dsp").endswith("\n1 + 1\n")


def test_reload_starts_the_transcript_again(session, tmp_path):
    session.run(":load lib.dsp")
    session.run("let before = 1")
    session.run(":reload")
    session.run("let after = 2")
    text = save(session, tmp_path / "out.dsp")
    assert "before" not in text and "let after = 2" in text and text.count("# ---- lib.dsp") == 1


def test_an_unwritable_path_is_an_error(session, tmp_path, capsys):
    session.run(f":save {tmp_path / 'no' / 'such' / 'dir.dsp'}")
    assert "file error: cannot write" in capsys.readouterr().err
