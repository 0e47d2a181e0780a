"""dsplang.evaluate and dsplang.compile: arguments checked as the builtin and the statement do."""

from __future__ import annotations

import pytest

import dsplang
from dsplang.errors import DspArgumentError, DspTypeError, DspValueError

DATA = [dsplang.Example(q="a", a="A").with_inputs("q"), dsplang.Example(q="b", a="B").with_inputs("q")]


def upper(q):
    return dsplang.Prediction(a=q.upper())


def right(example, prediction, trace=None):
    return example.a == prediction.a


def test_threads_and_dspys_num_threads():
    assert dsplang.evaluate(upper, DATA, metric=right, num_threads=2, display_progress=False).score == 100.0
    assert dsplang.evaluate(upper, DATA, right, threads=2, display_progress=False).score == 100.0
    with pytest.raises(DspArgumentError, match="not both"):
        dsplang.evaluate(upper, DATA, metric=right, threads=1, num_threads=2)


def test_compile_checks_its_arguments():
    predictor = dsplang.Predict("q -> a")
    with pytest.raises(DspTypeError, match="not the class BootstrapFewShot itself"):
        dsplang.compile(predictor, dsplang.BootstrapFewShot, trainset=DATA)
    with pytest.raises(DspTypeError, match="needs an optimizer"):
        dsplang.compile(predictor, "fast", trainset=DATA)
    with pytest.raises(DspTypeError, match="is not a program"):
        dsplang.compile(upper, dsplang.LabeledFewShot(), trainset=DATA)
    with pytest.raises(DspValueError, match="no inputs marked"):
        dsplang.compile(predictor, dsplang.LabeledFewShot(), trainset=[dsplang.Example(q="x")])


def test_compile_returns_a_compiled_copy():
    predictor = dsplang.Predict("q -> a")
    compiled = dsplang.compile(predictor, dsplang.LabeledFewShot(k=2), trainset=DATA)
    assert len(compiled.demos) == 2 and predictor.demos == []
