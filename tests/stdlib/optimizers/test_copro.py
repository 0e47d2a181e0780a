"""COPRO: proposals from the prompt model, scored with successive halving, refined over rounds."""

from __future__ import annotations

import pytest

from dsplang.context import lm as context
from dsplang.driver import artifacts
from dsplang.errors import DspArgumentError, DspLMError
from dsplang.stdlib.optimizers.copro import COPRO
from dsplang.stdlib.optimizers.mipro import MIPROv2


def instructions(program) -> str:
    return program.respond.predict.signature.instructions


def test_copro_finds_the_good_instruction_and_raises_the_score(dsp, prompt_fake, fake, score):
    dev = fake.capitals(40, 120)
    with context.using(prompt_fake.PromptLM()):
        student = dsp.Capital()
        optimizer = COPRO(dsp.right, breadth=6, depth=2, verbose=False)
        compiled = optimizer.compile(student, trainset=fake.capitals(0, 40), valset=dev)
        before, after = score(student, dev, dsp.right), score(compiled, dev, dsp.right)
    assert (before, after) == (0.0, 100.0)               # measured
    assert "capital city" in instructions(compiled)
    assert instructions(student) == "Given the fields `question`, produce the fields `answer`."
    report = optimizer.report
    assert report.best_score == 100.0 and report.rows[report.chosen].label.startswith("round 1")
    assert [r.label.split(":")[0] for r in report.rows[:3]] == [
        "initial instructions", "round 1 respond.predict #1", "round 1 respond.predict #2"]
    assert any(r.label.startswith("round 2") for r in report.rows)


def test_the_second_round_refines_the_scored_attempts(dsp, prompt_fake, fake):
    model = prompt_fake.PromptLM()
    with context.using(model):
        optimizer = COPRO(dsp.right, breadth=6, depth=2, verbose=False)
        optimizer.compile(dsp.Capital(), trainset=fake.capitals(0, 40), valset=fake.capitals(40, 80))
    assert model.proposals == 2                           # one call with n=breadth(-1) per round
    second = [c for c in optimizer.candidate_programs if c.label.startswith("round 2")]
    # the fake refines GOOD only when the attempts it is shown include it, with its score
    assert len(second) == 6 and all("(variant" in instructions(c.program) for c in second)


def test_halving_costs_less_than_scoring_everything(dsp, prompt_fake, fake):
    calls = {}
    for halving in (True, False):
        with context.using(prompt_fake.PromptLM()):
            optimizer = COPRO(dsp.right, breadth=6, depth=2, halving=halving, verbose=False)
            compiled = optimizer.compile(dsp.Capital(), trainset=fake.capitals(0, 40), valset=fake.capitals(40, 120))
        calls[halving] = optimizer.report.usage["calls"]
        assert "capital city" in instructions(compiled)
    assert calls[True] < 0.6 * calls[False]              # measured: 482 vs 962


def test_exact_halving_makes_the_program_of_scoring_everything_with_fewer_calls(dsp, prompt_fake, fake):
    results = {}
    for halving in (False, "exact"):
        with context.using(prompt_fake.PromptLM()):
            optimizer = COPRO(dsp.right, breadth=6, depth=2, halving=halving, verbose=False)
            compiled = optimizer.compile(dsp.Capital(), trainset=fake.capitals(0, 40), valset=fake.capitals(40, 120))
        results[halving] = (artifacts.program_state(compiled), optimizer.report.usage["calls"])
    assert results["exact"][0] == results[False][0]
    assert results["exact"][1] < 0.5 * results[False][1]     # measured: 170 vs 962


def test_a_budget_stops_copro_with_the_best_so_far(dsp, prompt_fake, fake, score):
    dev = fake.capitals(40, 120)
    with context.using(prompt_fake.PromptLM()):
        optimizer = COPRO(dsp.right, breadth=6, depth=3, verbose=False, max_calls=150)
        compiled = optimizer.compile(dsp.Capital(), trainset=fake.capitals(0, 40), valset=dev)
        after = score(compiled, dev, dsp.right)
    report = optimizer.report
    assert report.stopped == "max_calls=150 reached"
    assert report.usage["calls"] < 170
    assert not any(r.label.startswith("round 3") for r in report.rows)
    assert after == 100.0


def test_the_same_seed_gives_the_same_program_with_any_thread_count(dsp, prompt_fake, fake):
    saved = []
    for threads in (1, 4):
        with context.using(prompt_fake.PromptLM()):
            optimizer = COPRO(dsp.right, breadth=5, depth=2, threads=threads, verbose=False)
            compiled = optimizer.compile(dsp.Outer(), trainset=fake.capitals(0, 20), valset=fake.capitals(40, 90))
        data = artifacts.document(compiled, origin={"scores": optimizer.report.scores_json()})
        data.pop("run", None)
        saved.append(data)
    assert saved[0] == saved[1]
    chosen = saved[0]["predictors"]
    assert "capital city" in chosen["polish"]["instructions"]       # enough: polish answers last
    assert "capital city" not in chosen["inner.cot.predict"]["instructions"]


def test_breadth_must_be_more_than_one(dsp):
    with pytest.raises(DspArgumentError, match="breadth must be"):
        COPRO(dsp.right, breadth=1)


def test_a_separate_prompt_model_writes_the_proposals(dsp, prompt_fake, fake):
    prompter, task = prompt_fake.PromptLM(), fake.DemoLM()
    with context.using(task):
        compiled = COPRO(dsp.right, prompt_model=prompter, breadth=4, depth=1, verbose=False).compile(
            dsp.Capital(), trainset=fake.capitals(0, 20), valset=fake.capitals(40, 80))
    assert prompter.proposals == 1 and prompter.calls == 0
    assert "capital city" in instructions(compiled)


@pytest.mark.parametrize("make", [
    lambda dsp, prompt_model: COPRO(dsp.right, breadth=3, depth=1, prompt_model=prompt_model, verbose=False),
    lambda dsp, prompt_model: MIPROv2(metric=dsp.right, auto="light", prompt_model=prompt_model, verbose=False)],
    ids=["COPRO", "MIPROv2"])
def test_a_prompt_model_the_provider_refuses_stops_the_compile(dsp, prompt_fake, fake, failing_lm, make):
    with context.using(prompt_fake.PromptLM()), pytest.raises(DspLMError, match="authentication failed"):
        make(dsp, failing_lm()).compile(dsp.Capital(), trainset=fake.capitals(0, 20))
