"""Feedback: a metric's score with a text, read as a score everywhere and as text by GEPA."""

from __future__ import annotations

import pytest

from dsplang.cli import main
from dsplang.errors import DspArgumentError, DspTypeError
from dsplang.stdlib.example import Example
from dsplang.stdlib.feedback import Feedback, feedback_text
from dsplang.stdlib.modules.predict import Predict
from dsplang.stdlib.prediction import Prediction
from dsplang.stdlib.program import as_score


def test_a_feedback_is_a_score_for_everything_that_reads_one():
    assert as_score(Feedback(score=0.25, text="too long")) == 0.25
    assert as_score(Feedback(score=True)) == 1.0
    fb = Feedback(score=0.0, text="wrong city")
    assert (fb.score, fb.text, fb.predictor) == (0.0, "wrong city", None)
    assert repr(fb) == "Feedback(score=0.0, text='wrong city')"


def test_the_text_goes_to_the_predictors_it_names():
    one = Feedback(score=0.0, text="cite the passage", predictor="answer")
    assert one.text_for("answer.predict") == "cite the passage"
    assert one.text_for("answer") == "cite the passage"
    assert one.text_for("retrieve.predict") is None
    assert one.text_for("answerer") is None                 # a prefix of a name is not the name
    per = Feedback(score=0.5, text={"draft": "too short", "inner.cot": "wrong fact"})
    assert per.text_for("draft") == "too short"
    assert per.text_for("inner.cot.predict") == "wrong fact"
    assert per.text_for("polish") is None
    assert Feedback(score=1.0, text="").text_for("self") is None
    assert Feedback(score=1.0, text="fine").text_for("self") == "fine"


def test_dspy_style_feedback_is_read_too():
    assert feedback_text(Prediction(score=0.0, feedback="use km"), "self") == "use km"
    assert feedback_text({"score": 0.0, "feedback": {"qa": "use km"}}, "qa.predict") == "use km"
    assert feedback_text(True, "self") is None and feedback_text(0.5, "self") is None


@pytest.mark.parametrize("kwargs, error, message", [
    ({}, DspArgumentError, "Feedback() needs a score"),
    ({"score": "high"}, DspTypeError, "score must be a number or a bool, got str 'high'"),
    ({"score": float("nan")}, DspTypeError, "score must be a number or a bool"),
    ({"score": 1, "text": 3}, DspTypeError, "text must be a str or a dict"),
    ({"score": 1, "text": {"qa": 3}}, DspTypeError, "entry 'qa' is not a name and a str"),
    ({"score": 1, "text": {"qa": "x"}, "predictor": "qa"}, DspArgumentError, "not both"),
    ({"score": 1, "predictor": ""}, DspTypeError, "predictor must be the path of a predictor"),
])
def test_bad_feedback_is_refused(kwargs, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        Feedback(**kwargs)


def test_evaluate_and_bootstrap_read_a_feedback_metrics_score():
    from dsplang.context import lm as context
    from dsplang.lm.scripted import ScriptedLM
    from dsplang.stdlib.evaluate import evaluate
    from dsplang.stdlib.optimizers.bootstrap import BootstrapFewShot

    def graded(example, pred, trace=None):
        right = pred.answer == example.answer
        return Feedback(score=float(right), text="" if right else f"the answer is {example.answer}")

    data = [Example(question=q, answer=a).with_inputs("question") for q, a in [("2+2", "4"), ("3+3", "7")]]
    with context.using(ScriptedLM({"2+2": {"answer": "4"}, "3+3": {"answer": "6"}})):
        assert evaluate(Predict("question -> answer"), data, metric=graded, display_progress=False,
                        display_table=0).score == 50.0
        compiled = BootstrapFewShot(metric=graded, verbose=False).compile(Predict("question -> answer"),
                                                                          trainset=data)
    assert [d.question for d in compiled.demos if d.get("augmented")] == ["2+2"]


def test_a_bad_feedback_in_a_dsp_file_is_an_error_at_the_call(tmp_path, capsys):
    path = tmp_path / "fb.dsp"
    path.write_text('let ok = Feedback(score=0.5, text="fine", predictor="qa")\nprint(ok.score)\n'
                    'let bad = Feedback(score="high")\n')
    assert main(["check", str(path)]) == 0
    assert main(["run", str(path)]) != 0
    out, err = capsys.readouterr()
    assert out.strip().endswith("0.5")
    assert f"{path}:3:11" in err and "score must be a number or a bool" in err and "Traceback" not in err
