"""`dsp test`: test files found, top-level statements once, each `def test_*()` in a Run of its
own, pytest-like report and exit statuses, -k, -x, --format json, captured output."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dsplang.cli import main
from dsplang.driver.testing.find import find_test_files, is_test_file
from dsplang.driver.testing.keywords import keyword_matcher
from dsplang.errors import DspArgumentError

MATH = '''\
let base = 10

def double(x):
    return x * 2

def test_doubles():
    require double(2) == 4, "double doubles"

def test_base_plus_one():
    print("checking base")
    require base + 1 == 12, "base + 1 should be 12"

def test_missing_key():
    let d = {"a": 1}
    print(d["b"])

def test_soft_check():
    ensure base > 100, "base is small"
'''


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def dsp_test(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["test", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_report_marks_each_test_and_shows_each_failure_where_it_happened(tmp_path, capsys, monkeypatch):
    write(tmp_path, "test_math.dsp", MATH)
    monkeypatch.chdir(tmp_path)
    code, out, _ = dsp_test(capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "test_math.dsp .FFF"
    assert "test_math.dsp:11:5: requirement failed: base + 1 should be 12" in out
    assert "test_math.dsp:15:11: key error: key 'b' not found" in out
    assert "test_math.dsp:18:5: ensure failed: base is small" in out
    assert "   11 |     require base + 1 == 12" in out
    assert "test_math.dsp::test_base_plus_one" in out
    assert lines[-1].startswith("=") and " 3 failed, 1 passed in " in lines[-1]
    # what a failing test printed is shown with its failure; nothing else reaches stdout
    assert "--- what it printed ---\nchecking base" in out
    assert out.count("checking base") == 1


def test_all_passing_is_exit_0_and_no_tests_is_exit_5(tmp_path, capsys):
    write(tmp_path, "test_ok.dsp", "def test_one():\n    require 1 + 1 == 2\n")
    code, out, _ = dsp_test(capsys, str(tmp_path))
    assert code == 0 and " 1 passed in " in out and "FAILURES" not in out
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, _ = dsp_test(capsys, str(empty))
    assert code == 5 and " no tests ran in " in out


@pytest.mark.parametrize("args, message", [
    (["no/such/folder"], "no such file or folder: no/such/folder"),
    (["-k", "a and"], "-k 'a and': the expression ends too soon"),
    (["-k", "(a or b"], "a '(' is not closed"),
])
def test_usage_errors_are_exit_2(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, _, err = dsp_test(capsys, *args)
    assert code == 2 and message in err and "Traceback" not in err


def test_a_file_that_is_not_dsp_is_a_usage_error(tmp_path, capsys):
    other = write(tmp_path, "notes.txt", "hello")
    code, _, err = dsp_test(capsys, str(other))
    assert code == 2 and "is not a .dsp file" in err


def test_discovery_finds_test_files_in_name_order_and_skips_hidden_folders(tmp_path):
    for name in ("b/test_two.dsp", "a/qa_test.dsp", "test_one.dsp", "helpers.dsp", ".hidden/test_x.dsp",
                 "node_modules/test_y.dsp", "a/test_notes.txt"):
        write(tmp_path, name, "")
    found = [os.path.relpath(p, tmp_path) for p in find_test_files([str(tmp_path)])]
    assert found == ["test_one.dsp", os.path.join("a", "qa_test.dsp"), os.path.join("b", "test_two.dsp")]
    # a file given by name runs whatever its name; a file given twice runs once
    helpers = str(tmp_path / "helpers.dsp")
    assert find_test_files([helpers, helpers]) == [helpers]
    assert is_test_file("test_a.dsp") and is_test_file("a_test.dsp") and not is_test_file("atest.dsp")


def test_dash_k_selects_by_test_and_file_name(tmp_path, capsys):
    write(tmp_path, "test_math.dsp", MATH)
    write(tmp_path, "test_other.dsp", "def test_doubles_too():\n    require true\n")
    code, out, _ = dsp_test(capsys, str(tmp_path), "-k", "doubles and not other")
    assert code == 0 and " 1 passed in " in out and "test_other" not in out
    code, out, _ = dsp_test(capsys, str(tmp_path), "-k", "test_other.dsp or key", "--format", "json")
    names = [t["name"] for t in json.loads(out)["tests"]]
    assert code == 1 and names == ["test_missing_key", "test_doubles_too"]


def test_keyword_expressions():
    match = keyword_matcher("(qa or math) and not SLOW")
    assert match(["test_qa_fast", "test_x.dsp"]) and match(["test_one", "test_math.dsp"])
    assert not match(["test_qa_slow", "f.dsp"]) and not match(["test_other", "f.dsp"])
    with pytest.raises(DspArgumentError, match="unexpected 'or'"):
        keyword_matcher("or qa")


def test_dash_x_stops_after_the_first_failure(tmp_path, capsys):
    write(tmp_path, "test_math.dsp", MATH)
    write(tmp_path, "test_z.dsp", "def test_late():\n    require true\n")
    code, out, _ = dsp_test(capsys, str(tmp_path), "-x")
    assert code == 1 and " 1 failed, 1 passed in " in out and "test_z" not in out


def test_setup_runs_once_and_a_failing_setup_is_one_error(tmp_path, capsys):
    write(tmp_path, "test_setup.dsp", (
        'let calls = [0]\n'
        'calls[0] = calls[0] + 1\n'
        'def test_a():\n    require calls[0] == 1, "setup ran once"\n'
        'def test_b():\n    require calls[0] == 1, "setup ran once"\n'))
    code, out, _ = dsp_test(capsys, str(tmp_path / "test_setup.dsp"))
    assert code == 0 and " 2 passed in " in out
    broken = write(tmp_path, "test_broken.dsp", 'let x = undefined_name\ndef test_a():\n    require true\n')
    code, out, _ = dsp_test(capsys, str(broken))
    assert code == 1 and "test_broken.dsp E\n" in out and " 1 error in " in out
    assert "setup of " in out and "test_broken.dsp:1:9: name error: name 'undefined_name' is not defined" in out


def test_a_syntax_error_is_an_error_of_its_file(tmp_path, capsys):
    bad = write(tmp_path, "test_bad.dsp", "def test_a(:\n    pass\n")
    code, out, _ = dsp_test(capsys, str(bad))
    assert code == 1 and "test_bad.dsp:1:" in out and "syntax error" in out and " 1 error in " in out


def test_each_test_has_a_run_of_its_own(tmp_path, capsys):
    # `use` in a test does not reach the next one; the setup's `use` reaches every test
    write(tmp_path, "test_runs.dsp", (
        'use ScriptedLM({"q": {"answer": "from setup"}})\n'
        'let qa = Predict("question -> answer")\n'
        'def test_uses_its_own_lm():\n'
        '    use ScriptedLM({"q": {"answer": "from the test"}})\n'
        '    require qa(question="q").answer == "from the test"\n'
        'def test_sees_the_setup_lm():\n'
        '    require qa(question="q").answer == "from setup"\n'
        'def test_shows_its_history():\n'
        '    qa(question="q")\n'
        '    inspect_history(10)\n'
        '    raise error("to see the history")\n'))
    code, out, _ = dsp_test(capsys, str(tmp_path), "--quiet")
    assert code == 1 and "test_runs.dsp ..F" in out and " 1 failed, 2 passed in " in out
    # the history holds this test's call only
    assert "#1 question -> answer" in out and "#2 " not in out


def test_a_check_in_a_test_must_hold_on_the_first_answer(tmp_path, capsys):
    # the language retries a require that follows a predictor call, with its message as
    # feedback: that would hand the LM the expected answer, so the test fails
    write(tmp_path, "test_retry.dsp", (
        'use ScriptedLM({"q": [{"answer": "Lyon"}, {"answer": "Paris"}, {"answer": "Paris"}]})\n'
        'let qa = Predict("question -> answer")\n'
        'def expect(ok, message):\n'
        '    require ok, message\n'
        'def test_retried():\n'
        '    let pred = qa(question="q")\n'
        '    require pred.answer == "Paris", "expected Paris"\n'
        'def test_with_a_helper():\n'
        '    let pred = qa(question="q")\n'
        '    expect(pred.answer == "Lyon", "expected Lyon")\n'))
    code, out, _ = dsp_test(capsys, str(tmp_path), "--quiet")
    assert code == 1 and "test_retry.dsp FF" in out
    assert ("test_retry.dsp:7:5: check failed: require 'expected Paris' failed on the first answer; "
            "it held only after 1 retry of the predictor with its message as feedback") in out
    # a check in a helper does not retry: the second test fails at once, where the helper's require is
    assert "test_retry.dsp:4:5: requirement failed: expected Lyon" in out


def test_a_test_function_with_parameters_fails_clearly(tmp_path, capsys):
    write(tmp_path, "test_params.dsp", "def test_needs(x):\n    require x\n")
    code, out, _ = dsp_test(capsys, str(tmp_path))
    assert code == 1
    assert "test_params.dsp:1:1: argument error: a test function takes no arguments, but test_needs needs x" in out


def test_dash_s_shows_the_output_as_it_runs(tmp_path, capsys):
    write(tmp_path, "test_print.dsp", 'print("setup says hi")\ndef test_a():\n    print("test says hi")\n')
    code, out, _ = dsp_test(capsys, str(tmp_path), "-s")
    assert code == 0 and "setup says hi\ntest says hi\n" in out


def test_json_report(tmp_path, capsys):
    write(tmp_path, "test_math.dsp", MATH)
    code, out, _ = dsp_test(capsys, str(tmp_path / "test_math.dsp"), "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert (data["passed"], data["failed"], data["errors"], data["files"]) == (1, 3, 0, 1)
    failed = data["tests"][1]
    assert failed["name"] == "test_base_plus_one" and failed["outcome"] == "failed"
    assert failed["error"]["kind"] == "requirement failed"
    assert failed["error"]["location"].endswith("test_math.dsp:11:5")
    assert failed["output"] == "checking base\n"
    assert data["tests"][0] == {"file": data["tests"][0]["file"], "name": "test_doubles",
                                "outcome": "passed", "seconds": data["tests"][0]["seconds"]}


def test_an_internal_error_fails_its_test_and_debug_shows_the_traceback(tmp_path, capsys, monkeypatch):
    from dsplang.interpreter.values import Function

    def broken(self, args, kwargs, span):
        raise RuntimeError("a bug in dsplang")
    monkeypatch.setattr(Function, "call", broken)
    write(tmp_path, "test_bug.dsp", "def test_a():\n    pass\ndef test_b():\n    pass\n")
    code, out, _ = dsp_test(capsys, str(tmp_path))
    assert code == 1 and "test_bug.dsp EE" in out and " 2 errors in " in out
    assert "internal error: RuntimeError: a bug in dsplang" in out and "run again with --debug" in out
    code, out, _ = dsp_test(capsys, str(tmp_path), "--debug")
    assert "Traceback (most recent call last)" in out and 'raise RuntimeError("a bug in dsplang")' in out
