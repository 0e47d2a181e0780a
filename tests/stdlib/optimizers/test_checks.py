"""Optimizer arguments are checked when the optimizer is made (checks.py): a wrong type or value
is an argument error naming the optimizer and the setting, with a hint, before any LM call."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dsplang.cli import main
from dsplang.errors import DspArgumentError
from dsplang.stdlib.optimizers.bootstrap import BootstrapFewShot
from dsplang.stdlib.optimizers.checks import FLAG, METRIC, Checker, callable_with, number, one_of, optional, whole
from dsplang.stdlib.optimizers.copro import COPRO
from dsplang.stdlib.optimizers.ensemble import Ensemble
from dsplang.stdlib.optimizers.knn_few_shot import KNNFewShot
from dsplang.stdlib.optimizers.labeled_few_shot import LabeledFewShot
from dsplang.stdlib.optimizers.mipro import MIPROv2
from dsplang.stdlib.optimizers.random_search import BootstrapFewShotWithRandomSearch as RandomSearch

PROGRAMS = Path(__file__).parents[2] / "programs"


def right(example, pred, trace=None):
    return example.answer == pred.answer


def ones(texts):
    return [[1.0] for _ in texts]


NEEDED = {RandomSearch: {"metric": right}, MIPROv2: {"metric": right}, COPRO: {"metric": right},
          KNNFewShot: {"embedder": ones}}

WRONG = [
    (LabeledFewShot, {"k": "4"}, "k must be a whole number of at least 0, got '4'"),
    (LabeledFewShot, {"k": -1}, "k must be a whole number of at least 0, got -1"),
    (LabeledFewShot, {"k": 2.5}, "k must be a whole number of at least 0, got 2.5"),
    (LabeledFewShot, {"sample": "no"}, "sample must be true or false, got 'no'"),
    (LabeledFewShot, {"metric": right, "verbose": "no"}, "verbose must be true or false"),
    (BootstrapFewShot, {"max_bootstrapped_demos": "3"}, "max_bootstrapped_demos must be a whole number"),
    (BootstrapFewShot, {"max_labeled_demos": None}, "max_labeled_demos must be a whole number of at least 0, "
                                                    "got none"),
    (BootstrapFewShot, {"max_errors": "x"}, "max_errors must be a whole number of at least 1, or none"),
    (BootstrapFewShot, {"max_calls": "10"}, "max_calls must be a whole number of at least 1, or none, got '10'"),
    (BootstrapFewShot, {"max_calls": -5}, "max_calls must be a whole number of at least 1, or none, got -5"),
    (BootstrapFewShot, {"max_cost": "0.1"}, "max_cost must be a number above 0, or none"),
    (BootstrapFewShot, {"max_rounds": 0}, "max_rounds must be a whole number of at least 1, got 0"),
    (BootstrapFewShot, {"max_rounds": "2"}, "max_rounds must be a whole number of at least 1"),
    (BootstrapFewShot, {"metric": "right"}, "metric must be a function taking (example, pred)"),
    (BootstrapFewShot, {"metric": lambda example: True}, "cannot be called with 2 or 3 arguments"),
    (BootstrapFewShot, {"metric": lambda a, b, c, d: True}, "cannot be called with 2 or 3 arguments"),
    (BootstrapFewShot, {"teacher_settings": {"lm": 3}}, "teacher_settings must be a dict with an \"lm\" entry"),
    (BootstrapFewShot, {"teacher_settings": {"temperature": 1}}, "got a dict with the entry 'temperature'"),
    (BootstrapFewShot, {"metric_threshold": "high"}, "metric_threshold must be a number, or none, got 'high'"),
    (BootstrapFewShot, {"teacher": "qa"}, "teacher must be a program"),
    (RandomSearch, {"num_candidate_programs": "4"}, "num_candidate_programs must be a whole number"),
    (RandomSearch, {"eta": 0}, "eta must be a whole number of at least 2, got 0"),
    (RandomSearch, {"eta": 1}, "eta must be a whole number of at least 2, got 1"),
    (RandomSearch, {"min_batch": "8"}, "min_batch must be a whole number of at least 1, got '8'"),
    (RandomSearch, {"stop_at_score": "90"}, "stop_at_score must be a number, or none, got '90'"),
    (RandomSearch, {"confidence": "x"}, "confidence must be a number of at least 0, or none"),
    (RandomSearch, {"max_bootstrapped_demos": 0}, "max_bootstrapped_demos must be a whole number of at least 1"),
    (RandomSearch, {"num_threads": "8"}, "num_threads must be a whole number of at least 1, or none"),
    (RandomSearch, {"metric": None}, "metric must be a function"),
    (KNNFewShot, {"embedder": "tfidf"}, "embedder must be a function texts -> vectors"),
    (KNNFewShot, {"trainset": []}, "trainset= is empty"),
    (MIPROv2, {"auto": None, "num_candidates": 0, "num_trials": 0}, "num_candidates must be a whole number of at "
                                                                    "least 1, or none, got 0"),
    (MIPROv2, {"auto": None, "num_candidates": "3", "num_trials": 2}, "num_candidates must be a whole number"),
    (MIPROv2, {"max_bootstrapped_demos": "2"}, "max_bootstrapped_demos must be a whole number"),
    (MIPROv2, {"minibatch_size": 0}, "minibatch_size must be a whole number of at least 1, got 0"),
    (MIPROv2, {"minibatch_full_eval_steps": 0}, "minibatch_full_eval_steps must be a whole number of at least 1"),
    (MIPROv2, {"view_data_batch_size": 0}, "view_data_batch_size must be a whole number of at least 1"),
    (MIPROv2, {"init_temperature": "hot"}, "init_temperature must be a number of at least 0, got 'hot'"),
    (MIPROv2, {"prompt_model": 3}, "prompt_model must be an LM or a model name, or none, got 3"),
    (MIPROv2, {"auto": "huge"}, "auto must be 'light', 'medium' or 'heavy', or none, got 'huge'"),
    (COPRO, {"init_temperature": "hot"}, "init_temperature must be a number of at least 0, got 'hot'"),
    (COPRO, {"breadth": 1}, "breadth must be a whole number of at least 2, got 1"),
    (Ensemble, {"reduce_fn": "majority"}, "reduce_fn must be a function taking the list of predictions, or none"),
    (Ensemble, {"reduce_fn": 3}, "reduce_fn must be a function"),
    (Ensemble, {"reduce_fn": lambda a, b: a}, "cannot be called with 1 arguments"),
    (Ensemble, {"size": "2"}, "size must be a whole number of at least 1, or none"),
]


@pytest.mark.parametrize("optimizer, settings, message", WRONG,
                         ids=[f"{cls.__name__}-{'-'.join(settings)}" for cls, settings, _ in WRONG])
def test_a_wrong_argument_is_refused_when_the_optimizer_is_made(optimizer, settings, message):
    with pytest.raises(DspArgumentError) as caught:
        optimizer(**{**NEEDED.get(optimizer, {}), **settings})
    assert caught.value.message.startswith(f"{optimizer.__name__}: ")
    assert message in caught.value.message
    assert caught.value.hint


def test_the_defaults_dspy_users_know_are_accepted():
    assert BootstrapFewShot().max_labeled_demos == 16 and BootstrapFewShot().max_errors == 10
    search = RandomSearch(right)
    assert (search.num_candidate_programs, search.eta, search.min_batch, search.confidence) == (16, 2, 8, 2.0)
    assert LabeledFewShot().k == 16 and KNNFewShot(embedder=ones).k == 3
    assert MIPROv2(right, max_calls=10, max_cost=0.5, prompt_model="openai/gpt-4o-mini").minibatch_size == 35


def test_metrics_of_two_or_three_parameters_are_accepted(dsp):
    assert BootstrapFewShot(metric=dsp.right).metric is dsp.right
    assert BootstrapFewShot(metric=lambda example, pred: True).metric is not None
    assert BootstrapFewShot(metric=lambda example, pred, trace: True).metric is not None
    assert BootstrapFewShot(metric=lambda *args: True).metric is not None
    from dsplang.stdlib.metrics import exact_match
    assert BootstrapFewShot(metric=exact_match).metric is exact_match


def test_a_dsp_metric_of_the_wrong_arity_is_refused(tmp_path):
    import dsplang
    path = tmp_path / "m.dsp"
    path.write_text("def one(example):\n    return true\n")
    names = dsplang.load(str(path))
    with pytest.raises(DspArgumentError, match="got the function one, which cannot be called with 2 or 3"):
        BootstrapFewShot(metric=names.one)


def test_the_rules():
    assert whole(at_least=1).problem(1) is None and whole(at_least=1).problem(True) == "true"
    assert whole().problem(-3) is None and whole().problem(3.0) == "3.0"
    assert optional(whole()).problem(None) is None and optional(whole()).problem("x") == "'x'"
    assert number(above=0).problem(0) == "0" and number(above=0).problem(0.1) is None
    assert number().problem(float("nan")) == "nan" and number(at_most=1).problem(2) == "2"
    assert one_of("a", "b").problem("a") is None and one_of(1, 2).problem(True) == "true"
    assert FLAG.problem(1) == "1" and FLAG.problem(False) is None
    assert callable_with(1, text="f").problem(len) is None
    assert callable_with(2, text="f").problem(len) == "the function len, which cannot be called with 2 arguments"
    assert METRIC.problem(print) is None                  # *args: any count


def test_the_checker_names_owner_and_setting_and_gives_the_example_as_hint():
    with pytest.raises(DspArgumentError) as caught:
        Checker("Mine")("depth", 0, whole(at_least=1), "3")
    assert caught.value.message == "Mine: depth must be a whole number of at least 1, got 0"
    assert caught.value.hint == "for example: depth=3"


def run_file(tmp_path, monkeypatch, capsys, line: str):
    """`dsp run` on a program ending with `line`: (status, stderr)."""
    shutil.copy(PROGRAMS / "_fake_lm.py", tmp_path / "_fake_lm.py")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DSP_BUILD_DIR", raising=False)
    (tmp_path / "bad.dsp").write_text(
        "from _fake_lm import DemoLM, capitals\nuse DemoLM()\n"
        "def right(example, pred, trace=none):\n    return example.answer == pred.answer\n" + line + "\n")
    status = main(["run", "bad.dsp"])
    return status, capsys.readouterr().err


@pytest.mark.parametrize("line, expected", [
    ('compile qa = Predict("question -> answer") with LabeledFewShot(k="4") on capitals(0, 8)',
     "bad.dsp:5:49: argument error: LabeledFewShot: k must be a whole number of at least 0, got '4'"),
    ('compile qa = Predict("question -> answer") with BootstrapFewShotWithRandomSearch(metric=right, eta=1) '
     'on capitals(0, 8) valset capitals(8, 24)',
     "bad.dsp:5:49: argument error: BootstrapFewShotWithRandomSearch: eta must be a whole number of at least 2"),
    ('compile qa = Predict("question -> answer") with BootstrapFewShot(metric=right, max_labeled_demos=none) '
     'on capitals(0, 8)',
     "bad.dsp:5:49: argument error: BootstrapFewShot: max_labeled_demos must be a whole number"),
    ('compile qa = Predict("question -> answer") with LabeledFewShot(k=2) on []',
     "bad.dsp:5:1: value error: LabeledFewShot: the trainset is empty"),
], ids=["k", "eta", "max_labeled_demos", "empty-trainset"])
def test_dsp_run_shows_where_the_wrong_argument_is(tmp_path, monkeypatch, capsys, line, expected):
    status, err = run_file(tmp_path, monkeypatch, capsys, line)
    assert status == 1 and expected in err
    assert "hint: " in err and "internal error" not in err and "LM:" not in err      # no LM call was made
