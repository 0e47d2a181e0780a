"""`dsp batch` in this process: outputs and per-row errors, reruns, keys, compiled programs,
and a batch killed mid-way going on where it stopped."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from loading import load_helper

from dsplang.cli import main

_rows = load_helper("driver/batch/batch_rows.py")
PROGRAM, read_output, rows, write_rows = _rows.PROGRAM, _rows.read_output, _rows.rows, _rows.write_rows

ROOT = Path(__file__).resolve().parents[3]


def batch(*args: object) -> int:
    return main(["batch", *map(str, args)])


def by_row(path) -> dict[int, dict]:
    return {r["row"]: r for r in read_output(path)}


def test_every_row_gets_a_line_with_its_outputs_or_its_error(batch_files, capsys):
    program, data, out = batch_files
    assert batch(program, "qa", "-i", data, "-o", out, "--threads", 4) == 1     # some rows failed
    found = by_row(out)
    assert sorted(found) == list(range(21))
    assert found[0] == {"row": 0, "outputs": {"answer": "Paris"}}
    assert found[4]["outputs"] == {"answer": "Rome"}
    assert found[3]["line"] == 4 and "lm error: ScriptedLM has no answer" in found[3]["error"]
    assert found[3]["error"].startswith(f"{program}:10:16: ")           # the predictor call in forward
    assert found[20]["error"].endswith("in.jsonl:21:22: value error: the line is not valid JSON: "
                                       "Expecting ',' delimiter")
    out_text, err = capsys.readouterr()
    assert "do not run" not in out_text
    assert "dsp batch: 21 rows: 17 answered, 4 errors, 0 skipped (already in the output)" in err
    assert "LM: 17 calls (0 cached), 3 failed" in err


def test_a_rerun_skips_the_rows_done_and_retries_errors_only_when_asked(batch_files, capsys):
    program, data, out = batch_files
    batch(program, "qa", "-i", data, "-o", out, "--quiet")
    first = out.read_text()
    capsys.readouterr()
    assert batch(program, "qa", "-i", data, "-o", out) == 1
    assert out.read_text() == first
    assert "0 answered, 0 errors, 21 skipped (already in the output, 4 of them errors)" in capsys.readouterr().err
    (program.parent / "qa.dsp").write_text(PROGRAM.replace('"Spain"', '"Narnia": {"answer": "Cair"}, "Spain"'))
    assert batch(program, "qa", "-i", data, "-o", out, "--retry-errors") == 1    # the broken line stays broken
    found = read_output(out)
    assert len(found) == 21 and sorted(r["row"] for r in found) == list(range(21))
    assert by_row(out)[3]["outputs"] == {"answer": "Cair"}
    assert "3 answered, 1 error, 17 skipped" in capsys.readouterr().err


def test_key_rows_are_known_by_their_key_and_inputs_picks_the_fields(tmp_path, capsys):
    (tmp_path / "qa.dsp").write_text(PROGRAM)
    items = [{"id": f"q{i}", **r, "answer": "x"} for i, r in enumerate(rows(6))]
    write_rows(tmp_path / "in.jsonl", items)
    out = tmp_path / "out.jsonl"
    args = (tmp_path / "qa.dsp", "QA", "-i", tmp_path / "in.jsonl", "-o", out, "--key", "id", "--inputs", "question")
    assert batch(*args) == 1
    assert {r["key"]: r.get("outputs") for r in read_output(out)}["q1"] == {"answer": "Rome"}
    write_rows(tmp_path / "in.jsonl", list(reversed(items)))      # reordered: keys still match
    batch(*args)
    assert "0 answered, 0 errors, 6 skipped" in capsys.readouterr().err and len(read_output(out)) == 6


def test_a_compiled_program_is_run_with_its_compiled_state(tmp_path):
    (tmp_path / "qa.dsp").write_text(PROGRAM.replace("use ScriptedLM({", 'use ScriptedLM({"Lyon": {"answer": "demo seen"}, ')
                                     .replace("let qa = QA()", 'let train = [Example(question="Lyon?", answer="x")'
                                              '.with_inputs("question")]\n'
                                              "compile qa = QA() with LabeledFewShot(k=1) on train"))
    write_rows(tmp_path / "in.jsonl", [{"question": "Capital of Germany?"}])     # only the demo matches
    assert batch(tmp_path / "qa.dsp", "qa", "-i", tmp_path / "in.jsonl", "-o", tmp_path / "out.jsonl") == 0
    assert read_output(tmp_path / "out.jsonl") == [{"row": 0, "outputs": {"answer": "demo seen"}}]
    assert (tmp_path / ".dsp-build" / "qa.qa.json").exists()


def test_bad_names_and_options_are_errors_before_any_row_runs(batch_files, capsys):
    program, data, out = batch_files
    assert batch(program, "QAA", "-i", data, "-o", out) == 1
    assert "has no top-level name 'QAA'" in capsys.readouterr().err and not out.exists()
    assert batch(program, "Answer", "-i", data, "-o", out) == 1
    assert "Answer is a Signature, not a program" in capsys.readouterr().err
    assert batch(program, "qa", "-i", data, "-o", out, "--threads", 2, "--concurrency", 4) == 1
    assert batch(program, "qa", "-i", data, "-o", out, "--workers", 2) == 1
    assert batch(program, "qa", "-i", program.parent / "none.jsonl", "-o", out) == 1
    assert batch(program, "qa", "-i", data, "-o", data) == 1
    err = capsys.readouterr().err
    assert "give --threads or --concurrency" in err and "for a run on Ray" in err and "no such input file" in err
    assert "--output is the input file" in err
    assert batch(program, "qa", "-i", data, "-o", out, "--ray", "127.0.0.1:1") == 1      # refused at once
    assert batch(program, "qa", "-i", data, "-o", out, "--ray", "head-node") == 1
    assert not os.path.exists(out)          # a batch that ran no row leaves no empty output behind
    err = capsys.readouterr().err
    if importlib.util.find_spec("ray"):
        assert "cannot connect to the Ray cluster at 127.0.0.1:1" in err and "'head-node' is not a Ray cluster address" in err
    else:                                   # without the extra, both say how to install it
        assert err.count("running on Ray needs the ray package, which is not installed") == 2
    assert "Traceback" not in err


def test_a_batch_in_this_process_does_not_import_ray(batch_files):
    program, data, out = batch_files
    code = ("import sys; from dsplang.cli import main; "
            f"main(['batch', {str(program)!r}, 'qa', '-i', {str(data)!r}, '-o', {str(out)!r}]); "
            "print('ray' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.stdout.strip() == "False" and len(read_output(out)) == 21


def test_async_calls_give_the_same_lines_as_threads(batch_files):
    program, data, out = batch_files
    batch(program, "qa", "-i", data, "-o", out, "--threads", 3)
    batch(program, "qa", "-i", data, "-o", program.parent / "async.jsonl", "--concurrency", 8)
    assert by_row(out) == by_row(program.parent / "async.jsonl")


def test_a_killed_batch_loses_only_rows_in_flight_and_a_rerun_finishes_it(tmp_path):
    (tmp_path / "qa.dsp").write_text(PROGRAM.replace("})\n", "}, delay=0.1)\n", 1))
    write_rows(tmp_path / "in.jsonl", rows(40))
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DSP_NO_CACHE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "dsplang.cli", "batch", "qa.dsp", "qa", "-i", "in.jsonl",
                             "-o", "out.jsonl", "--threads", "2"], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (not out.exists() or out.read_text().count("\n") < 6):
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        proc.kill()
    written = read_output(out)
    assert 6 <= len(written) < 40
    assert batch(tmp_path / "qa.dsp", "qa", "-i", tmp_path / "in.jsonl", "-o", out, "--threads", 4) == 1
    found = read_output(out)
    assert found[:len(written)] == written
    assert sorted(r["row"] for r in found) == list(range(40))
