"""The analysis layer's tables of standard library callables (analysis/stdlib_tables.py) held
equal to the real classes, which the analysis cannot import."""

from __future__ import annotations

import inspect

import dsplang
from dsplang.analysis.stdlib_tables import (
    CALL_CONFIG,
    OPTIMIZER_PARAMS,
    PREDICTION_ATTRIBUTES,
    PREDICTOR_KEYWORDS,
    SIGNATURE_PREDICTORS,
)
from dsplang.driver.builtins import STDLIB
from dsplang.grammar import names
from dsplang.stdlib.modules.chain_of_thought import ChainOfThought
from dsplang.stdlib.modules.predict import Predict
from dsplang.stdlib.optimizers.base import Optimizer
from dsplang.stdlib.prediction import Prediction


def stdlib_value(name: str):
    module, attr = STDLIB[name]
    return getattr(__import__(module, fromlist=[attr]), attr)


def test_optimizer_params_are_the_constructors_parameters_in_order():
    optimizers = {name: value for name in STDLIB
                  if isinstance(value := stdlib_value(name), type) and issubclass(value, Optimizer)}
    assert set(OPTIMIZER_PARAMS) == set(optimizers)
    for name, cls in optimizers.items():
        params = inspect.signature(cls.__init__).parameters
        assert not any(p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) for p in params.values()), name
        assert OPTIMIZER_PARAMS[name] == tuple(p for p in params if p != "self"), name


def test_predictor_keywords_are_the_constructors_own():
    for name, keywords in PREDICTOR_KEYWORDS.items():
        params = inspect.signature(stdlib_value(name).__init__).parameters.values()
        assert keywords == tuple(p.name for p in params if p.kind == p.KEYWORD_ONLY), name
        assert any(p.kind == p.VAR_KEYWORD for p in params), name


def test_prediction_attributes_are_the_public_attributes_of_a_prediction():
    assert PREDICTION_ATTRIBUTES == {n for n in dir(Prediction) if not n.startswith("_")}


def test_signature_predictors_take_the_signature_first_and_config_per_call():
    assert SIGNATURE_PREDICTORS <= names.PREDICTORS
    assert {stdlib_value(n) for n in SIGNATURE_PREDICTORS} == {Predict, ChainOfThought}
    program = dsplang.run(
        'use ScriptedLM({"": {"answer": "x", "reasoning": "r"}})\n'
        f'let a = Predict("question -> answer")(question="q", {CALL_CONFIG}={{"temperature": 0}})\n'
        f'let b = ChainOfThought("question -> answer")(question="q", {CALL_CONFIG}={{"n": 1}})\n')
    assert (program.a.answer, program.b.reasoning) == ("x", "r")
