"""evaluate() through a real Predict and a ScriptedLM, and the shared parallel runner under it."""

from __future__ import annotations

import _thread
import json
import threading
import time

import pytest

from dsplang.context import trace
from dsplang.context.lm import current_lm, using
from dsplang.errors import (
    DspArgumentError,
    DspError,
    DspFileError,
    DspLMError,
    DspPythonError,
    DspTypeError,
    DspValueError,
)
from dsplang.lm import usage
from dsplang.lm.retry import RATE_LIMITS
from dsplang.lm.scripted import ScriptedLM
from dsplang.stdlib.evaluate import EvaluationResult, evaluate
from dsplang.stdlib.example import Example
from dsplang.stdlib.metrics import exact_match
from dsplang.stdlib.modules.predict import Predict
from dsplang.stdlib.parallel_runner import Throttle, TooManyErrors, run_parallel
from dsplang.stdlib.signature import Signature

CAPITALS = {"France": "Paris", "Italy": "Rome", "Spain": "Madrid", "Japan": "Tokyo",
            "Peru": "Lima", "Chile": "Santiago"}


def qa() -> Predict:
    return Predict(Signature.from_string("question -> answer"))


def scripted(answers: dict, **kwargs) -> ScriptedLM:
    return ScriptedLM({f"capital of {k}": {"answer": v} for k, v in answers.items()}, **kwargs)


def dev(*countries: str) -> list[Example]:
    return [Example(question=f"What is the capital of {c}?", answer=CAPITALS[c]).with_inputs("question")
            for c in countries]


SIX = ("France", "Italy", "Spain", "Japan", "Peru", "Chile")


def six_with_one_wrong_one_failing() -> EvaluationResult:
    """4 right, Italy wrong, Chile missing from the script (an LM error)."""
    lm = scripted({**{c: CAPITALS[c] for c in SIX[:5]}, "Italy": "Milan"})
    with using(lm):
        return evaluate(qa(), dev(*SIX), metric=exact_match)


# ------------------------------------------------------------------ scores and rows


def test_score_is_a_percentage_and_rows_follow_the_data():
    result = six_with_one_wrong_one_failing()
    assert result.score == pytest.approx(66.67)
    assert [round(s) for *_, s in result.results] == [1, 0, 1, 1, 1, 0]
    example, prediction, _ = result.results[1]
    assert example.answer == "Rome" and prediction.answer == "Milan"
    assert result.results[5][1] is None
    assert float(result) == result.score and result > 60 and result < 70
    assert not result.interrupted


def test_order_is_kept_when_threads_finish_out_of_order():
    countries = SIX * 2
    finished: list[str] = []
    lm = scripted(CAPITALS, delay=0.01)
    predict = qa()

    def program(question: str):
        time.sleep(0.08 if "France" in question or "Italy" in question else 0.0)
        prediction = predict(question=question)
        finished.append(question)
        return prediction

    with using(lm):
        result = evaluate(program, dev(*countries), metric=exact_match, threads=4)
    asked = [e.question for e, *_ in result.results]
    assert asked == [e.question for e in dev(*countries)]
    assert finished != asked                                  # completion order was scrambled
    assert [p.answer for _, p, _ in result.results] == [CAPITALS[c] for c in countries]
    assert result.score == 100.0


def test_a_failure_scores_failure_score_and_keeps_its_message():
    lm = scripted({"France": "Paris"})
    with using(lm):
        result = evaluate(qa(), dev("France", "Peru"), metric=exact_match, failure_score=0.25)
    assert [s for *_, s in result.results] == [1.0, 0.25]
    [error] = result.errors
    assert error.index == 1 and isinstance(error.error, DspLMError)
    assert "ScriptedLM has no answer" in error.message


def test_a_failing_metric_keeps_the_prediction():
    def picky(example, pred, trace=None):
        if pred.answer == "Rome":
            raise ValueError("no Rome today")
        return True

    with using(scripted(CAPITALS)):
        result = evaluate(qa(), dev("France", "Italy"), metric=picky)
    assert result.results[1][1].answer == "Rome"
    assert result.errors[0].message == "ValueError: no Rome today"
    assert result.score == 50.0


def test_a_metric_returning_text_stops_the_run_at_once():
    lm = scripted(CAPITALS)
    with using(lm), pytest.raises(DspTypeError, match="returned str 'yes'; a metric must return a bool or a number"):
        evaluate(qa(), dev(*SIX), metric=lambda ex, pred: "yes", max_errors=None)
    assert len(lm.requests) == 1


def test_max_errors_stops_the_run_and_quotes_the_first_error():
    calls: list[str] = []

    def program(question: str):
        calls.append(question)
        raise DspValueError(f"cannot answer {question!r}")

    with pytest.raises(TooManyErrors) as caught:
        evaluate(program, dev(*SIX), metric=exact_match, max_errors=2)
    assert len(calls) == 2
    message = caught.value.message
    assert message.startswith("evaluate() stopped after 2 errors (max_errors=2)")
    assert "the first, on item 1: value error: cannot answer 'What is the capital of France?'" in message
    assert "_RowFailure" not in message
    assert caught.value.result.done_count == 2


def test_bad_arguments_are_reported_before_running():
    with pytest.raises(DspArgumentError, match="needs a metric"):
        evaluate(qa(), dev("France"))
    with pytest.raises(DspValueError, match="example 1 has no inputs marked"):
        evaluate(qa(), [Example(question="q", answer="a")], metric=exact_match)
    with pytest.raises(DspArgumentError, match="threads"):
        evaluate(qa(), dev("France"), metric=exact_match, threads=0)


# ------------------------------------------------------------------ printing and saving


def test_str_is_the_score_line_and_a_plain_table_of_the_worst_rows():
    text = str(six_with_one_wrong_one_failing())
    lines = text.splitlines()
    assert lines[0] == "score: 66.7% (4/6), 1 error"
    assert lines[1] == "worst 5 of 6 examples"
    assert "\x1b" not in text
    body = "\n".join(lines[2:])
    assert body.index("Italy") < body.index("Chile") < body.index("France")   # lowest score first
    assert "answer: Milan" in body and "error: " in body
    assert "Peru" not in body                  # the best rows are left out, later rows first


def test_display_table_controls_the_rows_shown():
    lm = scripted(CAPITALS)
    with using(lm):
        quiet = evaluate(qa(), dev("France", "Italy"), metric=exact_match, display_table=0)
        everything = evaluate(qa(), dev("France", "Italy"), metric=exact_match, display_table=True)
    assert str(quiet) == "score: 100.0% (2/2)"
    assert "all 2 examples" in str(everything)
    assert repr(everything) == str(everything)
    assert f"{everything:.0f}" == "100"


def test_no_progress_bar_when_stderr_is_not_a_terminal(capsys):
    with using(scripted(CAPITALS)):
        evaluate(qa(), dev("France"), metric=exact_match, display_progress=True)
    assert capsys.readouterr().err == ""


def test_progress_bar_when_stderr_is_a_terminal(capsys, monkeypatch):
    import sys
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with using(scripted(CAPITALS)):
        evaluate(qa(), dev("France", "Italy"), metric=exact_match)
    err = capsys.readouterr().err
    assert "evaluate" in err and "2/2" in err and "score 100.0%" in err


def test_save_writes_one_json_object_per_row(tmp_path):
    result = six_with_one_wrong_one_failing()
    path = tmp_path / "out" / "results.jsonl"
    result.save(str(path))
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["index"] for r in records] == list(range(6))
    assert records[1]["prediction"] == {"answer": "Milan"} and records[1]["score"] == 0.0
    assert records[0]["example"]["answer"] == "Paris" and records[0]["inputs"] == ["question"]
    assert records[5]["prediction"] is None and "no answer" in records[5]["error"]


def test_save_refuses_other_extensions_and_non_paths(tmp_path):
    result = six_with_one_wrong_one_failing()
    with pytest.raises(DspValueError, match=r"writes \.jsonl .* or \.json"):
        result.save(str(tmp_path / "results.csv"))
    with pytest.raises(DspTypeError, match="needs a file path"):
        result.save(5)
    (tmp_path / "file").write_text("x")
    with pytest.raises(DspFileError, match="a part of the path is a file"):
        result.save(str(tmp_path / "file" / "r.jsonl"))
    assert not (tmp_path / "results.csv").exists()


def test_every_example_failing_is_said_on_the_score_line():
    with using(scripted({"capital of France": {"answer": "Paris"}})):
        result = evaluate(qa(), dev("Italy", "Spain"), metric=exact_match)
    assert result.summary().startswith("score: 0.0% (0/2), 2 errors (every example failed; the first: ")
    assert "Italy" in result.summary()


def test_a_metric_failing_on_every_example_is_its_own_error_at_its_line(tmp_path):
    import dsplang
    path = tmp_path / "metrics.dsp"
    path.write_text("def right(example, pred):\n    return example.gold == pred.answer\n")
    metric = dsplang.load(str(path)).right
    with using(scripted(CAPITALS)), pytest.raises(DspError) as info:
        evaluate(qa(), dev("France", "Italy", "Spain"), metric=metric)
    assert str(info.value.span) == f"{path}:2:12" and "has no field 'gold'" in info.value.message
    assert info.value.notes == ["evaluate() called the metric right on 3 examples, and it failed on every one"]


def test_a_python_metric_failing_everywhere_stops_at_max_errors_with_its_error():
    def right(example, pred):
        return example.to_dict()["gold"] == pred.answer
    with using(scripted(CAPITALS)), pytest.raises(DspPythonError) as info:
        evaluate(qa(), dev(*SIX), metric=right, max_errors=2)
    assert info.value.message == "the metric right raised KeyError: 'gold'"
    assert "called the metric right on 2 examples" in info.value.notes[0]


def test_a_program_returning_a_plain_value_is_named_as_the_cause():
    result = evaluate(lambda question: "Paris", dev("France"), metric=exact_match)
    assert "the program returned a str, not a Prediction" in result.errors[0].message


def test_a_nan_metric_value_is_an_error_not_a_nan_score():
    with using(scripted(CAPITALS)), pytest.raises(DspValueError, match="returned nan"):
        evaluate(qa(), dev("France", "Italy"), metric=lambda ex, pred: float("nan"))


# ------------------------------------------------------------------ Ctrl-C


def test_keyboard_interrupt_from_the_program_returns_the_partial_result():
    calls = []
    predict = qa()

    def program(question: str):
        calls.append(question)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return predict(question=question)

    with using(scripted(CAPITALS)):
        result = evaluate(program, dev(*SIX), metric=exact_match)
    assert result.interrupted
    assert len(result.results) == 2 and result.score == 100.0
    assert result.summary() == "score: 100.0% (2/2), interrupted after 2 of 6 examples"


def test_ctrl_c_in_the_main_thread_stops_submitting():
    started = []

    def work(item):
        started.append(item)
        if item == 1:
            _thread.interrupt_main()
        time.sleep(0.05)
        return item * 10

    result = run_parallel(work, range(20), threads=2)
    assert result.interrupted
    assert len(started) < 20
    assert all(result.values[i] == i * 10 for i in range(20) if result.ok(i))


def test_ctrl_c_also_stops_runs_nested_in_the_workers():
    """A worker running its own list (a bootstrap inside a candidate being built) starts
    nothing more once the outer run is interrupted."""
    started: list[tuple[int, int]] = []

    def inner(pair):
        started.append(pair)
        if pair == (0, 2):
            _thread.interrupt_main()
        time.sleep(0.02)

    def outer(item):
        run_parallel(inner, [(item, k) for k in range(30)], threads=2)

    result = run_parallel(outer, range(2), threads=2)
    assert result.interrupted
    when_interrupted = len(started)
    time.sleep(0.5)                                  # the inner lists would go on for 0.3 s more
    assert len(started) <= when_interrupted + 4 < 60


# ------------------------------------------------------------------ the parallel runner


def test_runner_propagates_the_lm_traces_and_usage_trackers():
    lm = scripted(CAPITALS)
    with using(lm), usage.track() as tracker, trace.collecting() as collected:
        result = run_parallel(lambda ex: (current_lm() is lm, qa()(**ex.inputs().to_dict())),
                              dev(*SIX), threads=3)
    assert all(same for same, _ in result.values)
    assert tracker.calls == 6
    assert len(collected.predictor_calls()) == 6


def test_runner_records_errors_without_a_cap():
    def work(i):
        if i % 2:
            raise ValueError(i)
        return i

    result = run_parallel(work, range(6), threads=3)
    assert result.values == [0, None, 2, None, 4, None]
    assert sorted(result.errors) == [1, 3, 5] and result.done_count == 6


def test_runner_runs_fewer_at_once_after_a_rate_limit():
    lock = threading.Lock()
    running = [0]
    seen_after: list[int] = []
    limited = threading.Event()

    def work(i):
        if i == 0:
            RATE_LIMITS.notify("scripted")
            limited.set()
        limited.wait()                         # nothing finishes before the 429
        with lock:
            running[0] += 1
            if i >= 4:
                seen_after.append(running[0])
        time.sleep(0.03)
        with lock:
            running[0] -= 1
        return i

    result = run_parallel(work, range(16), threads=4)
    assert result.values == list(range(16))
    assert seen_after and max(seen_after) <= 2


def test_throttle_halves_on_429_and_grows_back_slowly():
    clock = [0.0]
    throttle = Throttle(8, cooldown=1.0, calm=5.0, clock=lambda: clock[0])
    throttle.on_rate_limit()
    throttle.on_rate_limit()                   # the same burst: halved once
    assert throttle.limit == 4
    for _ in range(3):
        clock[0] += 2
        throttle.on_rate_limit()
    assert throttle.limit == 1                 # never below one
    throttle.on_success()
    assert throttle.limit == 1                 # not calm for long enough yet
    clock[0] += 5
    throttle.on_success()
    assert throttle.limit == 2                 # `limit` successes and a calm period: one more
    throttle.on_success()
    throttle.on_success()
    assert throttle.limit == 2
    for _ in range(20):
        clock[0] += 5
        for _ in range(8):
            throttle.on_success()
    assert throttle.limit == 8                 # back to the start, not beyond


def test_a_dsp_metric_returning_text_is_reported_at_its_def(tmp_path):
    import dsplang
    path = tmp_path / "metrics.dsp"
    path.write_text("let unused = 1\ndef m(example, pred, trace=none):\n    return pred.answer\n")
    metric = dsplang.load(str(path)).m
    with using(scripted(CAPITALS)), pytest.raises(DspTypeError) as info:
        evaluate(qa(), dev("France"), metric=metric)
    assert str(info.value).startswith(f"{path}:2:1: type error: the metric m returned str 'Paris'")
