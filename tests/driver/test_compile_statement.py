"""The `compile` statement through `dsp run` / `dsp compile`: artifacts, reuse, --recompile, Ctrl-C."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from dsplang.cli import main
from dsplang.lm.cache import FILENAME, cache_dir

PROGRAMS = Path(__file__).parents[1] / "programs"

SOURCE = '''from _fake_lm import DemoLM, capitals
use DemoLM(cache={cache}, interrupt_after={interrupt})

signature QA = "question -> answer"

module Capital():
    respond = ChainOfThought(QA)
    def forward(question):
        return respond(question=question)

def right(example, pred, trace=none):
    return example.answer == pred.answer

let train = capitals(0, 16)
compile qa = Capital() with BootstrapFewShot(metric=right, max_bootstrapped_demos={demos}) on train
print(len(qa.respond.predict.demos))
'''


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A folder holding the fake LM; `write(**settings)` writes main.dsp and returns its name."""
    shutil.copy(PROGRAMS / "_fake_lm.py", tmp_path / "_fake_lm.py")
    monkeypatch.delenv("DSP_BUILD_DIR", raising=False)
    monkeypatch.chdir(tmp_path)

    def write(cache="false", interrupt="none", demos=2) -> str:
        (tmp_path / "main.dsp").write_text(SOURCE.format(cache=cache, interrupt=interrupt, demos=demos))
        return "main.dsp"
    return write


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_a_current_artifact_is_reused_without_lm_calls(project, capsys, tmp_path):
    name = project()
    status, out, err = run(capsys, "run", name)
    assert status == 0 and out == "16\n" and "LM:" in err
    assert (tmp_path / ".dsp-build" / "main.qa.json").exists()
    status, out, err = run(capsys, "run", name)
    assert status == 0 and out == "16\n"
    assert "LM:" not in err and "using .dsp-build/main.qa.json" in err


def test_recompile_and_changed_settings_compile_again(project, capsys):
    name = project()
    run(capsys, "run", name)
    status, out, err = run(capsys, "run", name, "--recompile")
    assert status == 0 and "LM:" in err
    project(demos=3)
    status, out, err = run(capsys, "run", name)
    assert "LM:" in err and "using" not in err


def test_dsp_compile_writes_the_artifacts_and_skips_what_follows(project, capsys, tmp_path):
    name = project()
    status, out, err = run(capsys, "compile", name)
    assert status == 0 and out == "qa: .dsp-build/main.qa.json\n"
    assert (tmp_path / ".dsp-build" / "main.qa.json").exists()


def test_dsp_compile_needs_a_compile_statement(project, capsys, tmp_path):
    (tmp_path / "plain.dsp").write_text('print("hi")\n')
    status, out, err = run(capsys, "compile", "plain.dsp")
    assert status == 1 and "no top-level `compile` statement" in err


def test_ctrl_c_keeps_the_lm_cache_and_writes_no_artifact(project, capsys, tmp_path):
    name = project(cache="true", interrupt=3, demos=4)
    status, out, err = run(capsys, "run", name)
    assert status == 130 and "interrupted" in err
    build = tmp_path / ".dsp-build"
    assert not build.exists() or list(build.iterdir()) == []
    with sqlite3.connect(cache_dir() / FILENAME) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM replies").fetchone()[0] == 3


def test_compile_with_something_else_than_an_optimizer(project, capsys, tmp_path):
    (tmp_path / "bad.dsp").write_text('let p = Predict("q -> a")\ncompile x = p with 3 on []\n')
    status, out, err = run(capsys, "run", "bad.dsp")
    assert status == 1 and "bad.dsp:2:1: type error: `compile ... with` needs an optimizer, not an int" in err


def test_the_optimizers_report_reads_the_same_when_the_artifact_is_reused(project, capsys, tmp_path):
    shutil.copy(PROGRAMS / "compile_random_search.dsp", tmp_path / "search.dsp")
    first = run(capsys, "run", "search.dsp")
    again = run(capsys, "run", "search.dsp")
    assert first[0] == again[0] == 0 and "using .dsp-build" not in first[2]
    assert again[1] == first[1] and "best: " in again[1]
    assert "LM: 80 calls" in again[2]           # only the evaluation after the compile ran again


def test_dsp_compile_fails_when_it_cannot_write_but_dsp_run_only_warns(project, capsys, tmp_path, monkeypatch):
    name = project()
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("DSP_BUILD_DIR", str(tmp_path / "not-a-folder"))
    status, out, err = run(capsys, "compile", name)
    assert status == 1 and err.startswith("file error: cannot write compiled programs to ") and "LM:" not in err
    status, out, err = run(capsys, "run", name)
    assert status == 0 and out == "16\n" and "warning:" in err and "was not cached" in err


def test_two_compile_statements_of_one_name_keep_separate_artifacts(project, capsys, tmp_path):
    project()
    source = (tmp_path / "main.dsp").read_text()
    source += "compile qa = Capital() with LabeledFewShot(k=3) on train\nprint(len(qa.respond.predict.demos))\n"
    (tmp_path / "twice.dsp").write_text(source)
    status, out, err = run(capsys, "compile", "twice.dsp")
    assert status == 0
    assert out.split() == ["16", "qa:", ".dsp-build/twice.qa.json", "qa:", ".dsp-build/twice.qa@17.json"]
    status, out, err = run(capsys, "run", "twice.dsp")
    assert status == 0 and out == "16\n3\n" and err.count("(up to date;") == 2


def test_compile_with_an_optimizer_class_not_called(project, capsys, tmp_path):
    (tmp_path / "bad.dsp").write_text('let p = Predict("q -> a")\ncompile x = p with LabeledFewShot on []\n')
    status, out, err = run(capsys, "run", "bad.dsp")
    assert status == 1 and "bad.dsp:2:1: type error: `compile ... with` needs an optimizer, not the class " \
        "LabeledFewShot itself" in err and "hint: call it: with LabeledFewShot(...)" in err


REUSE = '''from _fake_lm import DemoLM, capitals
import "lib.dsp" as lib
use DemoLM()
signature QA = "question -> answer"
let STRICT = {strict}
def same(a, b):
    return a == b{helper_change}
let metric = lambda example, pred, trace=none: same(example.answer, pred.answer) and lib.ok(STRICT){lambda_change}
let teach = Predict(QA)
teach.demos = capitals(0, {teacher_demos})
compile qa = Predict(QA) with BootstrapFewShot(metric=metric, teacher=teach, verbose=false) on capitals(0, 8)
print("ok")
'''


@pytest.mark.parametrize("change", [{"helper_change": " and true"}, {"lambda_change": " or false"},
                                    {"teacher_demos": 3}, {"strict": "false"}, {"lib_change": " or false"}])
def test_the_reuse_key_sees_lambdas_the_helpers_they_call_and_the_teachers_demos(project, capsys, tmp_path,
                                                                                change):
    base = {"helper_change": "", "lambda_change": "", "teacher_demos": 2, "strict": "true", "lib_change": ""}
    lib = "def ok(flag):\n    return true{lib_change}\n"
    (tmp_path / "lib.dsp").write_text(lib.format(lib_change=""))
    (tmp_path / "r.dsp").write_text(REUSE.format(**base))
    assert run(capsys, "run", "r.dsp")[0] == 0
    status, out, err = run(capsys, "run", "r.dsp")
    assert status == 0 and "LM:" not in err                      # unchanged: reused, no LM call
    (tmp_path / "r.dsp").write_text(REUSE.format(**{**base, **change}))
    (tmp_path / "lib.dsp").write_text(lib.format(lib_change=change.get("lib_change", "")))
    status, out, err = run(capsys, "run", "r.dsp")
    assert status == 0 and "LM:" in err                          # changed: compiled again


SERVED = '''use LM("openai/test-model", api_base="{url}", api_key="sk-test", num_retries=0, cache=false)
signature QA = "question -> answer"
let train = [Example(question="q" + str(i), answer="Paris").with_inputs("question") for i in range(3)]
def right(example, pred, trace=none):
    return example.answer == pred.answer
compile qa = Predict(QA) with BootstrapFewShot(metric=right, max_labeled_demos=0, verbose=false) on train
print(len(qa.demos))
'''
PARIS = "[[ ## answer ## ]]\nParis\n\n[[ ## completed ## ]]"


@pytest.fixture
def served(project, tmp_path, openai_server):
    """main.dsp compiling on the local OpenAI-compatible server (`openai_server`)."""
    (tmp_path / "main.dsp").write_text(SERVED.format(url=openai_server.url))
    return openai_server


def test_a_compile_whose_every_lm_call_failed_is_an_error_and_writes_nothing(served, capsys, tmp_path):
    from openai_server import Error
    served.default = Error(500, "the server is down")
    for _ in range(2):
        asked = len(served.requests)
        status, out, err = run(capsys, "run", "main.dsp")
        assert status == 1 and out == "" and len(served.requests) > asked      # compiled again, not reused
        assert err.startswith("LM: 0 calls (0 cached), 3 failed")
        assert "main.dsp:6:1: lm error: BootstrapFewShot: every LM call of the compile failed (3 calls); " \
            "the first: openai/test-model: server error (500) after 0 retries: the server is down" in err
        assert not (tmp_path / ".dsp-build").exists()


def test_a_compile_with_some_failed_calls_is_written_but_compiled_again_next_run(served, capsys, tmp_path):
    from openai_server import Error, Reply
    served.default = Reply(PARIS)
    served.queue(Error(500, "a hiccup"))
    status, out, err = run(capsys, "run", "main.dsp")
    assert status == 0 and out == "2\n"
    assert "warning: qa: 1 LM call failed during the compile, so .dsp-build/main.qa.json is not reused" in err
    saved = json.loads((tmp_path / ".dsp-build" / "main.qa.json").read_text())
    assert saved["run"]["failed_calls"] == 1
    asked = len(served.requests)
    status, out, err = run(capsys, "run", "main.dsp")
    assert status == 0 and out == "3\n" and len(served.requests) == asked + 3 and "using" not in err
    status, out, err = run(capsys, "run", "main.dsp")
    assert status == 0 and out == "3\n" and len(served.requests) == asked + 3      # reused


TYPO = '''from _fake_lm import DemoLM, capitals
use DemoLM()
signature QA = "question -> answer"
def right(example, pred, trace=none):
    return example.gold == pred.answer
def says_yes(example, pred):
    return "yes"
compile qa = Predict(QA) with {optimizer} on capitals(0, 5)
print(len(qa.demos))
'''


@pytest.mark.parametrize("optimizer, where, said", [
    ("BootstrapFewShot(metric=right, verbose=false)", "main.dsp:5:12: attribute error: Example has no field 'gold'",
     "note: BootstrapFewShot called the metric right on 5 examples, and it failed on every one"),
    ("BootstrapFewShotWithRandomSearch(metric=right, num_candidate_programs=2, verbose=false)",
     "main.dsp:5:12: attribute error: Example has no field 'gold'", "and it failed on every one"),
    ("BootstrapFewShot(metric=says_yes, verbose=false)",
     "main.dsp:6:1: type error: the metric says_yes returned str 'yes'; a metric must return a bool or a number",
     "hint: for example: return example.answer == pred.answer")])
def test_a_broken_metric_stops_the_compile_at_the_metrics_line(project, capsys, tmp_path, optimizer, where, said):
    (tmp_path / "main.dsp").write_text(TYPO.format(optimizer=optimizer))
    status, out, err = run(capsys, "run", "main.dsp")
    assert status == 1 and out == ""
    assert where in err and said in err and "Traceback" not in err
    assert not (tmp_path / ".dsp-build").exists()
