"""The `dsp` command: exit codes, --version, check, and lazy imports for a fast start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dsplang import __version__
from dsplang.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.dsp"))


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"dsp {__version__}"


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_passes_check(example, capsys):
    assert main(["check", str(example)]) == 0, capsys.readouterr().err


def test_check_reports_every_problem_with_did_you_mean(tmp_path, capsys):
    path = tmp_path / "typos.dsp"
    path.write_text('let message = "hi"\nprint(mesage)\ntotal = 1\ndef f(a):\n    return a\nf(1, 2)\n')
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "typos.dsp:2:7: name error: name 'mesage' is not defined" in err
    assert "did you mean 'message'?" in err
    assert "typos.dsp:3:1:" in err and "undeclared" in err
    assert "typos.dsp:6:" in err and "3 problems found" in err


def test_check_a_missing_file(capsys):
    assert main(["check", "no/such/file.dsp"]) == 1
    assert "no/such/file.dsp" in capsys.readouterr().err


def test_run_a_missing_file(capsys):
    assert main(["run", "no/such/file.dsp"]) == 1
    err = capsys.readouterr().err
    assert "file error: no such file: no/such/file.dsp" in err and "Traceback" not in err


def test_internal_errors_hint_at_debug(tmp_path, capsys, monkeypatch):
    from dsplang.driver import run as runtime

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(runtime, "run_file", boom)
    assert main(["run", "x.dsp"]) == 2
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: kaboom" in err and "--debug" in err and "Traceback" not in err
    assert main(["run", "x.dsp", "--debug"]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_runtime_errors_show_a_traceback_only_with_debug(tmp_path, capsys):
    path = tmp_path / "div.dsp"
    path.write_text("print(1 / 0)\n")
    assert main(["run", str(path)]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert main(["run", str(path), "--debug"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_help_and_check_do_not_import_heavy_modules():
    code = ("import sys, dsplang.cli as c\n"
            "try:\n    c.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('litellm', 'lark', 'pydantic', 'prompt_toolkit', 'rich', 'pygls', 'optuna')"
            " if m in sys.modules]\n"
            "print('HEAVY', heavy)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out
    code = ("import sys, dsplang.cli as c\n"
            f"c.main(['check', {str(EXAMPLES[0])!r}])\n"
            "print('HEAVY', [m for m in ('litellm', 'pydantic', 'optuna') if m in sys.modules])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out


def test_preview_renders_without_an_lm(capsys):
    program = ROOT / "tests" / "programs" / "multihop.dsp"
    assert main(["preview", str(program), "MultiHop.respond", "-i", "question=Who won?"]) == 0
    out = capsys.readouterr().out
    assert "----- system -----" in out and "[[ ## completed ## ]]" in out
    assert "Who won?" in out and "{context}" in out


SLOW_EVALUATE = '''signature QA:
    input question: str
    output answer: str
use ScriptedLM({"": {"answer": "Paris"}}, delay=30)
let data = [Example(question=f"q{i}", answer="Paris").with_inputs("question") for i in range(8)]
print("started")
print(evaluate(Predict(QA), data, metric=exact_match, threads=2, display_table=0))
print("after evaluate")
'''


def test_a_second_ctrl_c_quits_at_once_while_lm_calls_are_still_running(tmp_path):
    """The first Ctrl-C gives evaluate's partial result and the program goes on; at exit, dsp
    says it is waiting for the calls already sent; a second Ctrl-C quits then, with no traceback."""
    import os
    import signal
    import time
    (tmp_path / "slow.dsp").write_text(SLOW_EVALUATE)
    env = {**os.environ, "DSP_NO_CACHE": "1", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "dsplang.cli", "run", "slow.dsp"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert proc.stdout.readline() == "started\n"
        time.sleep(1)          # both threads are in a 30 s call
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(1.5)
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert "interrupted after 0 of 8 examples" in out and "after evaluate" in out
    assert "dsp: waiting for the LM calls already running on 2 threads (Ctrl-C again to quit now)" in err
    assert "Traceback" not in err and proc.returncode == 130


SPENDS_A_CALL = '''use ScriptedLM({"": {"answer": "Paris"}})
print("ran", Predict("question -> answer")(question="capital of France?").answer)
'''


def test_a_trace_path_that_cannot_be_written_stops_the_run_before_it_starts(tmp_path, capsys):
    (tmp_path / "prog.dsp").write_text(SPENDS_A_CALL)
    for bad in (tmp_path / "no" / "such" / "x.jsonl", tmp_path):     # a missing folder; a folder
        assert main(["run", str(tmp_path / "prog.dsp"), "--trace", str(bad)]) == 1
        out, err = capsys.readouterr()
        assert "ran" not in out, "the program ran (and spent its LM calls) before the error"
        assert f"file error: cannot write the trace to {bad}" in err and "internal error" not in err
        assert "the program was not run" in err
    good = tmp_path / "trace.jsonl"
    assert main(["run", str(tmp_path / "prog.dsp"), "--trace", str(good)]) == 0
    assert "ran Paris" in capsys.readouterr().out and '"kind": "predictor_call"' in good.read_text()


def test_dsp_compile_checks_its_build_folder_before_compiling(tmp_path, capsys, monkeypatch):
    (tmp_path / "blocker").write_text("a file where the build folder would go")
    monkeypatch.setenv("DSP_BUILD_DIR", str(tmp_path / "blocker" / "build"))
    (tmp_path / "prog.dsp").write_text(SPENDS_A_CALL + '''let train = [Example(question="q", answer="a").with_inputs("question")]
compile qa = Predict("question -> answer") with LabeledFewShot(k=1) on train
''')
    assert main(["compile", str(tmp_path / "prog.dsp")]) == 1
    out, err = capsys.readouterr()
    assert "ran" not in out
    assert f"file error: cannot write compiled programs to {tmp_path / 'blocker' / 'build'}" in err


NUL_PATHS = {
    "import": ('import "a\\x00b.dsp"\n', "1:8", "syntax error"),
    "save": ('let p = Predict("q -> a")\nsave p to "a\\u0000b.json"\n', "2:1", "file error"),
    "load statement": ('let p = Predict("q -> a")\nload p from "a\\u0000b.json"\n', "2:1", "file error"),
    "load()": ('let rows = load("a\\x00b.jsonl", inputs=["q"])\n', "1:12", "file error"),
}


@pytest.mark.parametrize("name", NUL_PATHS)
def test_a_nul_in_a_path_is_a_located_error(name, tmp_path, capsys):
    source, where, kind = NUL_PATHS[name]
    path = tmp_path / "nul.dsp"
    path.write_text(source)
    commands = [["run", str(path)]] + ([["check", str(path)]] if name == "import" else [])
    for command in commands:
        assert main(command) == 1
        err = capsys.readouterr().err
        assert f"nul.dsp:{where}: {kind}: a file path cannot contain a NUL character" in err, err
        assert "internal error" not in err
    assert main(["check", str(path) + "\0"]) == 1       # the API and REPL paths too
    assert "cannot contain a NUL" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["check", "fmt", "run"])
def test_a_file_that_is_not_utf8_is_one_error_at_its_first_bad_byte(command, tmp_path, capsys):
    bad = tmp_path / "bad.dsp"
    bad.write_bytes(b'let x = 1\r\nprint("a\xffb")\n')
    assert main([command, str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:2:9: file error: {bad} is not UTF-8 text: byte 0xff at line 2, column 9 (invalid start byte)" in err
    assert '    2 | print("a\ufffdb")' in err and "internal error" not in err
