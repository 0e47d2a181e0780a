"""What a signature, a module (class and instance), a predictor and a prediction look like when
printed, and the names DSPy users reach for on single-predictor modules (`cot.demos`)."""

from __future__ import annotations

import pytest

import dsplang
from dsplang.errors import DspTypeError

PROGRAM = '''signature QA:
    """Answer briefly."""
    input question: str
    input k: int
    output answer: str
module RAG(hops: int = 2, label="rag"):
    respond = ChainOfThought(QA)
    check = Predict("answer -> ok: bool")
    def forward(question: str):
        return self.respond(question=question, k=hops)
module Empty():
    def forward():
        return 1
let rag = RAG()
'''


def test_a_signature_prints_its_fields_with_types_where_not_str():
    names = dsplang.run(PROGRAM, "reprs.dsp")
    assert str(names.QA) == repr(names.QA) == "QA(question, k: int -> answer)"


def test_a_module_class_shows_its_parameters_and_attributes():
    names = dsplang.run(PROGRAM, "reprs.dsp")
    assert repr(names.RAG) == "<module RAG(hops=2, label='rag'): respond, check>"
    assert repr(names.Empty) == "<module Empty()>"


def test_a_module_instance_shows_its_predictors_with_their_signatures_and_demos():
    names = dsplang.run(PROGRAM + 'rag.respond.demos = [Example(question="q", k=1, answer="a")]\n', "reprs.dsp")
    assert repr(names.rag) == (
        "RAG(\n"
        "    respond.predict = Predict(QA(question, k: int -> reasoning, answer), 1 demo),\n"
        "    check = Predict(Signature(answer -> ok: bool)),\n"
        ")")
    assert repr(names.Empty()) == "Empty()"


def test_chain_of_thought_has_the_demos_lm_and_adapter_of_its_predictor():
    names = dsplang.run('let cot = ChainOfThought("question -> answer")\n'
                        'cot.demos = [Example(question="2+2?", answer="4")]\n'
                        'let mcc = MultiChainComparison("question -> answer")\n'
                        'mcc.demos = cot.demos\n', "demos.dsp")
    cot, mcc = names.cot, names.mcc
    assert cot.demos is cot.predict.demos and [d.answer for d in cot.demos] == ["4"]
    assert mcc.predict.demos == cot.demos
    lm = dsplang.ScriptedLM([{"reasoning": "r", "answer": "4"}])
    cot.lm = lm
    assert cot.predict.lm is lm and cot.lm is lm and cot.adapter is None
    with pytest.raises(DspTypeError, match="demos must be a list of Examples"):
        cot.demos = "not a list"


def test_a_prediction_prints_its_fields():
    pred = dsplang.Prediction(reasoning="Because.", answer="Paris")
    assert repr(pred) == "Prediction(\n    reasoning='Because.',\n    answer='Paris',\n)"
