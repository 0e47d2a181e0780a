"""Fixtures for the optimizer tests: the fake LM of tests/programs and a small .dsp program."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

import dsplang
from dsplang.lm import context
from dsplang.stdlib.evaluate import evaluate

FAKE_LM = Path(__file__).parents[2] / "programs" / "_fake_lm.py"

PROGRAM = '''
signature QA = "question -> answer"

module Capital():
    respond = ChainOfThought(QA)
    def forward(question):
        return respond(question=question)

module Inner():
    cot = ChainOfThought(QA)
    def forward(question):
        return cot(question=question)

module Outer():
    inner = Inner()
    polish = Predict("question, draft -> answer")
    def forward(question):
        let draft = inner(question=question)
        return polish(question=question, draft=draft.answer)

def right(example, pred, trace=none):
    return example.answer == pred.answer
'''


@pytest.fixture
def fake():
    """The module tests/programs/_fake_lm.py (DemoLM, capitals, knows)."""
    if "_fake_lm" not in sys.modules:
        spec = importlib.util.spec_from_file_location("_fake_lm", FAKE_LM)
        module = importlib.util.module_from_spec(spec)
        sys.modules["_fake_lm"] = module
        spec.loader.exec_module(module)
    return sys.modules["_fake_lm"]


@pytest.fixture
def dsp(tmp_path):
    """The names of PROGRAM, loaded from a real file (so source hashes see its text)."""
    path = tmp_path / "capital.dsp"
    path.write_text(PROGRAM)
    return dsplang.load(str(path))


@pytest.fixture
def lm(fake):
    """A DemoLM as the current LM for the test."""
    model = fake.DemoLM()
    with context.using(model):
        yield model


@pytest.fixture
def train(fake):
    return fake.capitals(0, 16)


@pytest.fixture
def dev(fake):
    return fake.capitals(16, 40)


@pytest.fixture
def score():
    """score(program, data, metric): the evaluate() percentage, quietly."""
    def run(program, data, metric) -> float:
        return evaluate(program, data, metric=metric, display_progress=False, display_table=0).score
    return run
