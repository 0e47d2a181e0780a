"""LabeledFewShot and BootstrapFewShot on the capitals task with the demo-sensitive fake LM."""

from __future__ import annotations

import pytest

from dsplang.context.trace import PredictorCall
from dsplang.errors import DspArgumentError, DspPythonError, DspRuntimeError, DspTypeError, DspValueError
from dsplang.stdlib.optimizers.bootstrap import BootstrapFewShot
from dsplang.stdlib.optimizers.labeled_few_shot import LabeledFewShot


def demos_of(program):
    return [(path, [d.to_dict() for d in p.demos]) for path, p in program.named_predictors()]


def test_labeled_few_shot_raises_the_score_and_leaves_the_student_alone(dsp, lm, train, dev, score):
    student = dsp.Capital()
    before = score(student, dev, dsp.right)
    compiled = LabeledFewShot(k=3, verbose=False).compile(student, trainset=train)
    after = score(compiled, dev, dsp.right)
    assert before == 0.0 and after > 60.0
    assert student.respond.predict.demos == []
    assert len(compiled.respond.predict.demos) == 3
    assert all(d in train for d in compiled.respond.predict.demos)


def test_labeled_few_shot_sample_false_takes_the_first_k(dsp, train):
    compiled = LabeledFewShot(k=2, sample=False, verbose=False).compile(dsp.Capital(), trainset=train)
    assert compiled.respond.predict.demos == train[:2]


def test_bootstrap_makes_augmented_demos_that_raise_the_score(dsp, lm, train, dev, score):
    student = dsp.Capital()
    optimizer = BootstrapFewShot(metric=dsp.right, max_bootstrapped_demos=3, max_labeled_demos=5, verbose=False)
    compiled = optimizer.compile(student, trainset=train)
    demos = compiled.respond.predict.demos
    boot = [d for d in demos if d.get("augmented")]
    assert len(boot) == 3 and len(demos) == 5
    assert all(set(d.keys()) == {"augmented", "question", "reasoning", "answer"} for d in boot)
    assert score(student, dev, dsp.right) == 0.0
    assert score(compiled, dev, dsp.right) > 80.0
    assert student.respond.predict.demos == []


def test_the_metric_sees_the_trace_of_predictor_calls(dsp, lm, train):
    seen = []

    def metric(example, pred, trace=None):
        seen.append(trace)
        return example.answer == pred.answer
    BootstrapFewShot(metric=metric, max_bootstrapped_demos=1, verbose=False).compile(dsp.Capital(), trainset=train)
    assert seen and all(isinstance(t, list) and isinstance(t[0], PredictorCall) for t in seen)


def test_a_two_argument_metric_is_called_without_the_trace(dsp, lm, train):
    compiled = BootstrapFewShot(metric=lambda ex, pred: ex.answer == pred.answer, max_bootstrapped_demos=2,
                                verbose=False).compile(dsp.Capital(), trainset=train)
    assert sum(1 for d in compiled.respond.predict.demos if d.get("augmented")) == 2


def test_metric_threshold_rejects_low_scores(dsp, lm, train):
    compiled = BootstrapFewShot(metric=lambda ex, pred, trace=None: 0.5, metric_threshold=0.9,
                                max_labeled_demos=0, verbose=False).compile(dsp.Capital(), trainset=train)
    assert compiled.respond.predict.demos == []


def test_nested_modules_get_demos_for_every_predictor(dsp, lm, train):
    compiled = BootstrapFewShot(metric=dsp.right, max_bootstrapped_demos=2, max_labeled_demos=3,
                                verbose=False).compile(dsp.Outer(), trainset=train)
    paths = dict(demos_of(compiled))
    assert set(paths) == {"inner.cot.predict", "polish"}
    for demos in paths.values():
        assert len(demos) == 3 and sum(1 for d in demos if d.get("augmented")) == 2
    assert set(paths["polish"][0]) == {"augmented", "question", "draft", "answer"}


def test_a_given_teacher_makes_the_traces(dsp, lm, train):
    teacher = LabeledFewShot(k=4, verbose=False).compile(dsp.Capital(), trainset=train)
    optimizer = BootstrapFewShot(metric=dsp.right, max_bootstrapped_demos=2, max_labeled_demos=0,
                                 teacher=teacher, verbose=False)
    compiled = optimizer.compile(dsp.Capital(), trainset=train)
    assert len(compiled.respond.predict.demos) == 2


def test_later_rounds_use_a_warmer_lm(dsp, fake, train):
    from dsplang.context import lm as context
    temperatures = []

    class Recording(fake.DemoLM):
        def _complete(self, messages, n, params):
            temperatures.append(params.get("temperature"))
            return super()._complete(messages, n, params)
    with context.using(Recording()):
        BootstrapFewShot(metric=lambda ex, pred, trace=None: False, max_rounds=2, max_labeled_demos=0,
                         verbose=False).compile(dsp.Capital(), trainset=train[:2])
    assert temperatures == [None, 0.701, None, 0.701]


def test_errors_stop_the_bootstrap_at_max_errors(dsp, lm, train):
    def broken(example, pred, trace=None):
        if example is not train[0]:
            raise ValueError("metric broke")
        return False
    with pytest.raises(DspRuntimeError, match="stopped after 3 errors"):
        BootstrapFewShot(metric=broken, max_errors=3, verbose=False).compile(dsp.Capital(), trainset=train)


def test_a_metric_failing_on_every_example_stops_the_compile_with_its_error(dsp, lm, train):
    def broken(example, pred, trace=None):
        raise ValueError("metric broke")
    with pytest.raises(DspPythonError, match="the metric broken raised ValueError: metric broke") as info:
        BootstrapFewShot(metric=broken, max_errors=3, verbose=False).compile(dsp.Capital(), trainset=train)
    assert info.value.notes == ["BootstrapFewShot called the metric broken on 3 examples, and it failed on every one"]


def test_a_compile_whose_every_example_failed_is_an_error_naming_the_first(dsp, train, dev):
    from dsplang.context.lm import using
    from dsplang.lm.scripted import ScriptedLM
    with using(ScriptedLM({"capital": "no fields here"})), pytest.raises(DspRuntimeError) as info:
        BootstrapFewShot(metric=dsp.right, max_labeled_demos=0, verbose=False).compile(
            dsp.Capital(), trainset=train[:3], valset=dev[:2])
    assert info.value.message.startswith("BootstrapFewShot: every example the compile ran failed (5 examples); "
                                         "the first, training example 1: ")
    assert "output parse error" in info.value.message


def test_unknown_settings_are_named(dsp):
    with pytest.raises(DspArgumentError, match="max_demos") as info:
        BootstrapFewShot(max_demos=3)
    assert "did you mean" in info.value.hint


def test_the_teacher_must_have_the_students_shape(dsp, lm, train):
    with pytest.raises(DspValueError, match="teacher"):
        BootstrapFewShot(metric=dsp.right, teacher=dsp.Outer(), verbose=False).compile(dsp.Capital(), trainset=train)


@pytest.mark.parametrize("threads", [1, 4])
def test_bootstrap_gives_the_same_demos_with_any_thread_count(dsp, lm, train, threads):
    base = BootstrapFewShot(metric=dsp.right, verbose=False).compile(dsp.Capital(), trainset=train)
    other = BootstrapFewShot(metric=dsp.right, threads=threads, verbose=False).compile(dsp.Capital(), trainset=train)
    assert demos_of(other) == demos_of(base)


def test_max_calls_stops_bootstrapping_with_what_it_has(dsp, lm, train):
    optimizer = BootstrapFewShot(metric=dsp.right, max_bootstrapped_demos=4, max_calls=2, verbose=False)
    compiled = optimizer.compile(dsp.Capital(), trainset=train)
    assert 1 <= sum(1 for d in compiled.respond.predict.demos if d.get("augmented")) <= 2
    assert optimizer.report.stopped == "max_calls=2 reached"
    assert optimizer.report.usage["calls"] == 2


def test_the_report_lists_the_candidate_and_its_valset_score(dsp, lm, train, dev):
    optimizer = BootstrapFewShot(metric=dsp.right, verbose=False)
    optimizer.compile(dsp.Capital(), trainset=train, valset=dev)
    report = optimizer.report
    assert report.chosen == 0 and report.best_score > 80.0 and report.rows[0].evaluated == len(dev)
    assert report.usage["calls"] > len(dev)
    assert "chosen" in report.text()


def answer_only(example, pred, trace=None):
    return pred.answer


@pytest.mark.parametrize("metric, named", [(answer_only, "the metric answer_only returned str"),
                                           (lambda example, pred: pred.answer, "the metric returned str")])
def test_a_metric_returning_text_is_named_in_the_error(dsp, lm, train, metric, named):
    with pytest.raises(DspTypeError) as caught:
        BootstrapFewShot(metric=metric, max_errors=None, verbose=False).compile(dsp.Capital(), trainset=train)
    assert named in caught.value.message and "a metric must return a bool or a number" in caught.value.message
    assert "the metric a metric" not in caught.value.message


def test_a_metric_that_needs_the_trace_also_scores_the_valset(dsp, lm, train, dev):
    def needs_trace(example, pred, trace):
        return example.answer == pred.answer
    optimizer = BootstrapFewShot(metric=needs_trace, verbose=False)
    optimizer.compile(dsp.Capital(), trainset=train, valset=dev)
    row = optimizer.report.rows[0]
    assert row.evaluated == len(dev) and row.score > 80.0
