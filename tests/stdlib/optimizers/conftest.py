"""Fixtures for the optimizer tests: the fake LM of tests/programs and a small .dsp program."""

from __future__ import annotations

import pytest

import dsplang
from dsplang.context import lm as context
from dsplang.stdlib.evaluate import evaluate

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
def fake(helper_module):
    """The module tests/programs/_fake_lm.py (DemoLM, capitals, knows)."""
    return helper_module("programs/_fake_lm.py")


@pytest.fixture
def prompt_fake(fake, helper_module):
    """The module tests/programs/_prompt_fake_lm.py (PromptLM, GOOD, WEAK)."""
    return helper_module("programs/_prompt_fake_lm.py")


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
