"""Cassettes end to end: `dsp test --record` against a local OpenAI-compatible server through
litellm, then the server stopped and the tests replayed offline (no socket, no litellm import);
a changed prompt fails at the predictor's call site with a diff; no credential in the file;
`dsp run --record/--replay`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dsplang.cli import main

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "sk-live-0123456789abcdef"
ENV_SECRET = "acme-token-value-98765"

TESTS = '''\
use LM("openai/test-model", api_base="{url}", api_key="{key}", num_retries=0)
let qa = Predict("question -> answer")

def test_capital():
    let pred = qa(question="Capital of France?")
    require pred.answer == "Paris", "expected Paris"

def test_two_calls():
    require "Rome" in qa(question="Capital of Italy?").answer, "expected Rome"
    require "Madrid" in qa(question="Capital of Spain?").answer, "expected Madrid"
'''


def reply(**fields) -> str:
    return "\n\n".join(f"[[ ## {k} ## ]]\n{v}" for k, v in fields.items()) + "\n\n[[ ## completed ## ]]"


@pytest.fixture
def server(openai_server, monkeypatch):
    import openai_server as mod  # registered by the fixture
    monkeypatch.setenv("ACME_API_TOKEN", ENV_SECRET)
    openai_server.queue(mod.Reply(reply(answer="Paris")),
                        mod.Reply(reply(answer=f"Rome (said with {API_KEY} and {ENV_SECRET})")),
                        mod.Reply(reply(answer="Madrid")))
    return openai_server


def dsp(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def recorded(tmp_path, server, capsys) -> Path:
    test_file = tmp_path / "test_qa.dsp"
    test_file.write_text(TESTS.format(url=server.url, key=API_KEY))
    code, out, _ = dsp(capsys, "test", str(tmp_path), "--record")
    assert code == 0, out
    assert len(server.requests) == 3
    server.stop()
    return test_file


def offline(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """`dsp ARGS` in a fresh interpreter where opening a connection raises; prints whether
    litellm was imported."""
    code = ("import socket, sys\n"
            "def refuse(*args, **kwargs):\n"
            "    raise OSError('the network was used during a replay')\n"
            "socket.socket.connect = refuse\n"
            "socket.create_connection = refuse\n"
            "from dsplang.cli import main\n"
            f"status = main({args!r})\n"
            "print('LITELLM', 'litellm' in sys.modules)\n"
            "sys.exit(status)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DSP_NO_LOCAL_LM": "1"}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_a_recording_replays_offline_without_litellm(tmp_path, server, capsys):
    test_file = recorded(tmp_path, server, capsys)
    cassette = tmp_path / "test_qa.cassette.json"
    data = json.loads(cassette.read_text())
    assert list(data["sections"]) == ["<setup>", "test_capital", "test_two_calls"]
    assert [len(v) for v in data["sections"].values()] == [0, 1, 2]
    for mode in ([], ["--replay"]):             # a cassette that exists is replayed by default
        done = offline(["test", test_file.name, *mode], tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "test_qa.dsp .." in done.stdout and " 2 passed in " in done.stdout
        assert "LITELLM False" in done.stdout
        assert "LM: 3 calls (3 cached)" in done.stderr


def test_no_credential_enters_the_cassette(tmp_path, server, capsys):
    recorded(tmp_path, server, capsys)
    text = (tmp_path / "test_qa.cassette.json").read_text()
    assert API_KEY not in text and ENV_SECRET not in text and server.url not in text
    assert "Rome (said with *** and ***)" in text
    # what the server received had the key: the provider path is the real one
    assert API_KEY in str(server.headers[0]) or API_KEY in json.dumps(server.requests[0])


def test_a_changed_prompt_fails_at_the_call_site_with_a_diff(tmp_path, server, capsys):
    test_file = recorded(tmp_path, server, capsys)
    test_file.write_text(test_file.read_text().replace("Capital of France?", "Capital of Germany?"))
    code, out, _ = dsp(capsys, "test", str(test_file))
    assert code == 1
    assert "test_qa.dsp F." in out and " 1 failed, 1 passed in " in out
    assert (f"{test_file}:5:16: cassette error: the prompt changed since the cassette was recorded: "
            f"no recorded reply in {tmp_path / 'test_qa.cassette.json'} [test_capital]") in out
    assert '    5 |     let pred = qa(question="Capital of Germany?")' in out
    assert "-Capital of France?" in out and "+Capital of Germany?" in out
    assert f"hint: if the change is intended, record the cassette again: dsp test --record {test_file}" in out


def test_a_miss_that_evaluate_swallows_still_fails_the_test(tmp_path, capsys):
    test_file = tmp_path / "test_eval.dsp"
    source = ('use ScriptedLM({"": {"answer": "4"}})\n'
              'let data = [Example(question="2 + 2?", answer="4").with_inputs("question")]\n'
              'def test_scores():\n'
              '    let result = evaluate(Predict("question -> answer"), data, metric=exact_match, display_table=0)\n'
              '    print(result.score)\n')
    test_file.write_text(source)
    assert dsp(capsys, "test", str(test_file), "--record", "--quiet")[0] == 0
    test_file.write_text(source.replace("2 + 2?", "3 + 1?"))
    code, out, _ = dsp(capsys, "test", str(test_file), "--quiet")
    assert code == 1 and "cassette error: the prompt changed" in out and "+3 + 1?" in out


def test_replay_without_a_cassette_answers_nothing(tmp_path, capsys):
    test_file = tmp_path / "test_one.dsp"
    test_file.write_text('use ScriptedLM(["x"])\ndef test_a():\n    Predict("q -> a")(q="hi")\n')
    code, out, _ = dsp(capsys, "test", str(test_file), "--replay", "--quiet")
    assert code == 1 and "test_one.dsp:3:5: cassette error: there is no cassette" in out
    assert f"hint: record one: dsp test --record {test_file}" in out
    assert not (tmp_path / "test_one.cassette.json").exists()


def test_recording_tests_without_lm_calls_writes_no_cassette(tmp_path, capsys):
    (tmp_path / "test_pure.dsp").write_text("def test_a():\n    require 1 < 2\n")
    assert dsp(capsys, "test", str(tmp_path), "--record")[0] == 0
    assert not (tmp_path / "test_pure.cassette.json").exists()


def test_recording_some_tests_keeps_the_others_and_drops_removed_ones(tmp_path, capsys):
    test_file = tmp_path / "test_keep.dsp"
    test_file.write_text('use ScriptedLM({"one": {"a": "1"}, "two": {"a": "2"}, "three": {"a": "3"}})\n'
                         'let p = Predict("q -> a")\n'
                         'def test_one():\n    p(q="one")\n'
                         'def test_two():\n    p(q="two")\n'
                         'def test_three():\n    p(q="three")\n')
    cassette = tmp_path / "test_keep.cassette.json"
    assert dsp(capsys, "test", str(test_file), "--record", "--quiet")[0] == 0
    first = json.loads(cassette.read_text())["sections"]
    # test_three removed, test_one re-recorded alone: test_two's recording is kept
    test_file.write_text(test_file.read_text().split("def test_three")[0])
    assert dsp(capsys, "test", str(test_file), "--record", "-k", "one", "--quiet")[0] == 0
    second = json.loads(cassette.read_text())["sections"]
    assert sorted(second) == ["<setup>", "test_one", "test_two"]
    assert second["test_two"] == first["test_two"] and second["test_one"] == first["test_one"]


def test_dsp_run_records_and_replays_a_cassette(tmp_path, server, capsys):
    program = tmp_path / "main.dsp"
    program.write_text(TESTS.format(url=server.url, key=API_KEY).split("def ")[0]
                       + 'print(qa(question="Capital of France?").answer)\n')
    tape = tmp_path / "run.json"
    code, out, _ = dsp(capsys, "run", str(program), "--record", str(tape), "--quiet")
    assert (code, out) == (0, "Paris\n")
    assert list(json.loads(tape.read_text())["sections"]) == ["run"]
    server.stop()
    done = offline(["run", "main.dsp", "--replay", "run.json", "--quiet"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Paris\n") and "LITELLM False" in done.stdout
    program.write_text(program.read_text().replace("France", "Peru"))
    code, _, err = dsp(capsys, "run", str(program), "--replay", str(tape), "--quiet")
    assert code == 1 and f"{program}:4:7: cassette error: the prompt changed" in err
    assert "hint: if the change is intended, record the cassette again: dsp run --record" in err


def test_a_cassette_that_cannot_be_written_stops_the_run_before_any_call(tmp_path, server, capsys):
    program = tmp_path / "main.dsp"
    program.write_text(TESTS.format(url=server.url, key=API_KEY).split("def ")[0]
                       + 'print(qa(question="Capital of France?").answer)\n')
    code, out, err = dsp(capsys, "run", str(program), "--record", str(tmp_path / "no" / "such.json"))
    assert code == 1 and "cannot write the cassette" in err and "no such folder" in err
    assert out == "" and server.requests == []


def test_run_replay_of_a_missing_or_damaged_cassette(tmp_path, capsys):
    program = tmp_path / "main.dsp"
    program.write_text('print("hi")\n')
    code, _, err = dsp(capsys, "run", str(program), "--replay", str(tmp_path / "none.json"))
    assert code == 1 and "file error: no such cassette" in err
    (tmp_path / "bad.json").write_text("[1, 2")
    code, _, err = dsp(capsys, "run", str(program), "--replay", str(tmp_path / "bad.json"))
    assert code == 1 and "bad.json:1:6: file error: the cassette is not valid JSON" in err


def test_record_and_replay_together_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["run", "x.dsp", "--record", "a.json", "--replay", "b.json"])
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        main(["test", "--record", "--replay"])
    assert caught.value.code == 2


def test_the_example_tests_replay_from_their_committed_cassette(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, _ = dsp(capsys, "test", "examples/tests", "--replay", "--quiet")
    assert code == 0, out
    assert "examples/tests/test_support.dsp .." in out and " 2 passed in " in out


def test_recording_runs_compile_again_so_the_cassette_holds_its_calls(tmp_path, capsys):
    test_file = tmp_path / "test_compiled.dsp"
    test_file.write_text(
        'use ScriptedLM({"": {"answer": "4"}})\n'
        'let train = [Example(question=f"{i} + 2?", answer="4").with_inputs("question") for i in range(3)]\n'
        'compile qa = Predict("question -> answer") with BootstrapFewShot(metric=exact_match, '
        'max_bootstrapped_demos=1, verbose=false) on train\n'
        'def test_answers():\n'
        '    require qa(question="2 + 2?").answer == "4"\n')
    assert dsp(capsys, "test", str(test_file), "--quiet")[0] == 0          # compiles, saves
    assert dsp(capsys, "test", str(test_file), "--record", "--quiet")[0] == 0
    sections = json.loads((tmp_path / "test_compiled.cassette.json").read_text())["sections"]
    assert len(sections["<setup>"]) >= 1 and len(sections["test_answers"]) == 1
    assert list((tmp_path / ".dsp-build").iterdir()), "the first run saved the compiled program"
