"""MultiChainComparison and majority on the scripted LM."""

from __future__ import annotations

import pytest

from dsplang.context.lm import using
from dsplang.errors import DspArgumentError, DspKeyError, DspTypeError, DspValueError
from dsplang.lm.scripted import ScriptedLM
from dsplang.stdlib.modules.chain_of_thought import ChainOfThought
from dsplang.stdlib.modules.majority import majority
from dsplang.stdlib.modules.multi_chain_comparison import MultiChainComparison
from dsplang.stdlib.prediction import Prediction

ATTEMPTS = [Prediction(reasoning="Paris is the capital.\nMore.", answer="Paris"),
            Prediction(reasoning="I think Lyon.", answer="Lyon"),
            Prediction(reasoning="Capital: Paris.", answer="paris.")]


def test_mcc_shows_each_attempt_and_writes_a_rationale():
    lm = ScriptedLM([{"rationale": "Two say Paris; that is right.", "answer": "Paris"}])
    mcc = MultiChainComparison("question -> answer", M=3)
    with using(lm):
        pred = mcc(ATTEMPTS, question="Capital of France?")
    assert (pred.rationale, pred.answer) == ("Two say Paris; that is right.", "Paris")
    request = lm.requests[0]
    user = request.messages[-1]["content"]
    assert ("[[ ## reasoning_attempt_1 ## ]]\n«I'm trying to Paris is the capital. "
            "I'm not sure but my prediction is Paris»") in user
    assert "[[ ## reasoning_attempt_3 ## ]]" in user
    system = request.messages[0]["content"]
    assert system.index("`rationale`") < system.index("`answer`")
    assert request.params["temperature"] == 0.7
    assert mcc.named_predictors()[0][1] is mcc.predict


def test_mcc_takes_a_prediction_with_completions():
    lm = ScriptedLM([{"reasoning": "a", "answer": "1"}, {"reasoning": "b", "answer": "2"},
                     {"rationale": "r", "answer": "2"}])
    with using(lm):
        attempts = ChainOfThought("question -> answer", n=2)(question="q")
        pred = MultiChainComparison("question -> answer", M=2)(completions=attempts, question="q")
    assert pred.answer == "2"
    assert lm.requests[0].n == 2


def test_mcc_checks_the_number_and_shape_of_attempts():
    mcc = MultiChainComparison("question -> answer", M=2)
    with pytest.raises(DspValueError, match="M=2"):
        mcc(ATTEMPTS, question="q")
    with pytest.raises(DspValueError, match="reasoning"):
        mcc([{"answer": "x"}, {"answer": "y"}], question="q")
    with pytest.raises(DspArgumentError):
        mcc(question="q")
    with pytest.raises(DspTypeError):
        mcc("nope", question="q")


def test_majority_normalises_and_breaks_ties_by_first_occurrence():
    assert majority(ATTEMPTS) is ATTEMPTS[0]
    assert majority(ATTEMPTS, normalize=None).answer == "Paris"
    tie = [Prediction(answer="b"), Prediction(answer="a"), Prediction(answer="a"), Prediction(answer="b")]
    assert majority(tie) is tie[0]


def test_majority_over_completions_field_and_custom_normalize():
    pred = Prediction({"answer": "x", "n": 1},
                      completions=[{"answer": "x", "n": 1}, {"answer": "y", "n": 2}, {"answer": "Y", "n": 2}])
    assert majority(pred).n == 2  # last field: n
    assert majority(pred, field="answer").answer == "y"
    assert majority(pred, field="answer", normalize=lambda s: s).answer == "x"
    ignored = [Prediction(answer="!!"), Prediction(answer="?"), Prediction(answer="ok")]
    assert majority(ignored).answer == "ok"  # values that normalise to nothing do not count


def test_majority_errors():
    with pytest.raises(DspValueError):
        majority([])
    with pytest.raises(DspKeyError) as err:
        majority([Prediction(answer="a")], field="answr")
    assert err.value.hint == "did you mean 'answer'?"
    with pytest.raises(DspTypeError):
        majority("abc")
