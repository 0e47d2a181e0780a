"""BestOfN and Refine on the scripted LM: rollouts, thresholds, failures, Refine's hints."""

from __future__ import annotations

import pytest

import dsplang
from dsplang.context import trace
from dsplang.context.lm import using
from dsplang.errors import DspArgumentError, DspLMError, DspPythonError, DspTypeError
from dsplang.lm.scripted import ScriptedLM
from dsplang.stdlib.modules.best_of_n import BestOfN
from dsplang.stdlib.modules.predict import Predict
from dsplang.stdlib.modules.refine import Refine
from dsplang.stdlib.prediction import Prediction


def qa():
    return Predict("question -> answer")


def one_word(args, pred):
    return len(pred.answer.split()) == 1


def length_reward(args, pred):
    return -len(pred.answer)


def test_first_try_reaching_the_threshold_wins():
    lm = ScriptedLM([{"answer": "It is Brussels"}, {"answer": "Brussels"}, {"answer": "never asked"}])
    with using(lm):
        pred = BestOfN(qa(), N=3, reward_fn=one_word, threshold=1.0)(question="Capital of Belgium?")
    assert pred.answer == "Brussels"
    assert len(lm.requests) == 2
    assert all(r.params["temperature"] == 1.0 for r in lm.requests)


def test_best_reward_when_none_reaches_the_threshold():
    lm = ScriptedLM([{"answer": "a b c"}, {"answer": "a b"}, {"answer": "x y"}])
    with using(lm):
        pred = BestOfN(qa(), 3, reward=length_reward, threshold=0)(question="q")
    assert pred.answer == "a b"  # the first of the two best


def test_distinct_rollout_ids_make_distinct_cache_entries():
    lm = ScriptedLM([{"answer": "one two"}] * 3, cache=True)
    best = BestOfN(qa(), N=3, reward_fn=one_word, threshold=1.0)
    with using(lm):
        best(question="same")
        assert len(lm.requests) == 3  # the same prompt three times, never from the cache
        best(question="same")
        assert len(lm.requests) == 3  # the same rollouts again: all cached
    plain = ScriptedLM([{"answer": "x"}] * 2, cache=True)
    with using(plain):
        qa()(question="same")
        qa()(question="same")
    assert len(plain.requests) == 1


def test_predictor_config_wins_over_the_try_temperature():
    lm = ScriptedLM([{"answer": "x"}])
    with using(lm):
        BestOfN(Predict("question -> answer", temperature=0.2), 1, one_word, 1.0)(question="q")
    assert lm.requests[0].params["temperature"] == 0.2


def flaky(failures: int):
    """A Python module that raises on its first `failures` calls, then answers."""
    calls = []

    def module(question):
        calls.append(question)
        if len(calls) <= failures:
            raise RuntimeError(f"failure {len(calls)}")
        return Prediction(answer="ok")
    return module


def test_failures_count_until_fail_count():
    assert BestOfN(flaky(1), N=2, reward_fn=one_word, threshold=1.0)(question="q").answer == "ok"
    with pytest.raises(DspPythonError, match="failure 1"):
        BestOfN(flaky(1), N=3, reward_fn=one_word, threshold=1.0, fail_count=1)(question="q")
    with pytest.raises(DspPythonError, match="failure 2"):
        BestOfN(flaky(2), N=2, reward_fn=one_word, threshold=1.0, fail_count=5)(question="q")
    with using(ScriptedLM([])), pytest.raises(DspLMError, match="ran out"):
        BestOfN(qa(), N=2, reward_fn=one_word, threshold=1.0)(question="q")


def test_bad_arguments_and_rewards():
    with pytest.raises(DspArgumentError, match="reward"):
        BestOfN(qa(), N=2, threshold=1.0)
    with pytest.raises(DspArgumentError):
        BestOfN(qa(), N=0, reward_fn=one_word, threshold=1.0)
    with using(ScriptedLM([{"answer": "x"}])), pytest.raises(DspTypeError, match="a reward must be"):
        BestOfN(qa(), N=1, reward_fn=lambda a, p: "good", threshold=1.0)(question="q")


def test_refine_hint_reaches_the_next_try():
    lm = ScriptedLM([
        {"answer": "It is Brussels, of course"},
        {"discussion": "Too long.", "advice": {"self": "Answer in one word."}},
        {"answer": "Brussels"},
    ])
    program = qa()
    with using(lm), trace.collecting() as tr:
        pred = Refine(program, N=3, reward_fn=one_word, threshold=1.0)(question="Capital of Belgium?")
    assert pred.answer == "Brussels"
    feedback = lm.requests[1].messages[-1]["content"]
    assert "It is Brussels, of course" in feedback and "[[ ## reward_value ## ]]\n0.0" in feedback
    assert '[[ ## module_names ## ]]\n["self"]' in feedback
    retry = lm.requests[2].messages[-1]["content"]
    assert "[[ ## hint_ ## ]]\nAnswer in one word." in retry
    assert "hint_" not in lm.requests[0].messages[-1]["content"]
    assert [c.signature for c in tr.predictor_calls()] == ["question -> answer", "OfferFeedback",
                                                           "question -> answer"]
    assert lm.requests[2].params["temperature"] == 1.0


def test_refine_advises_each_predictor_of_a_dsp_module():
    ns = dsplang.run('''
module Pipeline():
    draft = Predict("question -> answer")
    polish = ChainOfThought("draft -> answer")
    def forward(question: str):
        return polish(draft=draft(question=question).answer)
let program = Pipeline()
''', "pipeline.dsp")
    lm = ScriptedLM([
        {"answer": "long draft"}, {"reasoning": "r", "answer": "still long"},
        {"discussion": "polish kept it long", "advice": {"polish.predict": "Cut it to one word."}},
        {"answer": "draft"}, {"reasoning": "r", "answer": "short"},
    ])
    refine = Refine(ns.program, N=2, reward_fn=one_word, threshold=1.0)
    with using(lm):
        assert refine(question="q").answer == "short"
    feedback = lm.requests[2].messages[-1]["content"]
    assert "module Pipeline():" in feedback and "Module polish.predict" in feedback
    assert "[[ ## hint_ ## ]]\nN/A" in lm.requests[3].messages[-1]["content"]
    assert "[[ ## hint_ ## ]]\nCut it to one word." in lm.requests[4].messages[-1]["content"]
    assert [p for p, _ in refine.named_predictors()] == ["module.draft", "module.polish.predict"]
    assert refine.clone().module.draft is not ns.program.draft
