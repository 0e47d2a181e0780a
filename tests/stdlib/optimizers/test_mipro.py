"""MIPROv2: demo sets, grounded instruction proposals, a seeded optuna search, budgets."""

from __future__ import annotations

import pytest

from dsplang.context import lm as context
from dsplang.driver import artifacts
from dsplang.errors import DspArgumentError
from dsplang.stdlib.optimizers.mipro import MIPROv2


def compile_capital(dsp, prompt_fake, fake, program=None, **settings):
    model = prompt_fake.PromptLM()
    with context.using(model):
        optimizer = MIPROv2(dsp.right, verbose=False, **settings)
        compiled = optimizer.compile(program or dsp.Capital(), trainset=fake.capitals(0, 40),
                                     valset=fake.capitals(40, 120))
    return optimizer, compiled, model


def test_mipro_light_picks_the_good_instruction_with_demos(dsp, prompt_fake, fake, score):
    dev = fake.capitals(120, 200)
    optimizer, compiled, model = compile_capital(dsp, prompt_fake, fake)
    with context.using(model):
        before, after = score(dsp.Capital(), dev, dsp.right), score(compiled, dev, dsp.right)
    assert (before, after) == (0.0, 100.0)              # measured
    predictor = compiled.respond.predict
    assert predictor.signature.instructions == prompt_fake.GOOD
    assert 1 <= len(predictor.demos) <= 8
    candidates = optimizer.instruction_candidates["respond.predict"]
    assert candidates[0] == "Given the fields `question`, produce the fields `answer`."
    assert prompt_fake.GOOD in candidates
    assert len(optimizer.demo_candidates["respond.predict"]) == 6          # light: 6 demo sets


def test_the_search_is_optunas_and_the_report_counts_its_trials(dsp, prompt_fake, fake):
    optimizer, _, _ = compile_capital(dsp, prompt_fake, fake)
    assert optimizer.plan(dsp.Capital(), 80) == {"instructions": 3, "demo_sets": 6, "trials": 10, "val_size": 80}
    trials = optimizer.study.trials
    full_evals = sum(1 for r in optimizer.report.rows if "full eval" in r.note or r.note == "chosen")
    assert len(trials) == 1 + 10 + 2                    # the default, 10 trials, a full eval after 5 and 10
    assert type(optimizer.study.sampler).__name__ == "TPESampler"
    rows = optimizer.report.rows
    assert sum(int(r.note.split()[0]) for r in rows if "trial" in r.note) + 1 >= 11 - full_evals
    chosen = rows[optimizer.report.chosen]
    assert chosen.evaluated == 80 and chosen.score == optimizer.report.best_score == 100.0


def test_the_proposals_are_grounded_in_data_program_and_demos(dsp, prompt_fake, fake):
    _, _, model = compile_capital(dsp, prompt_fake, fake)
    generate = [p for p in model.prompts if "[[ ## task_demos ## ]]" in p]
    # data summary (3 batches + summary), program, module, 2 proposals (+ 1 asked again: a repeat)
    assert model.proposals == 3 + 1 + 1 + 1 + len(generate) and len(generate) in (2, 3, 4)
    for prompt in generate:
        assert prompt_fake.SUMMARY in prompt                        # the data summary
        assert "module Capital():" in prompt                        # the program's .dsp source
        assert "respond.predict = QA(question: str -> reasoning: str, answer: str)" in prompt
        assert "What is the capital of" in prompt                   # demos from a bootstrapped set


def test_zero_shot_mipro_changes_only_the_instruction(dsp, prompt_fake, fake):
    optimizer, compiled, _ = compile_capital(dsp, prompt_fake, fake, max_bootstrapped_demos=0,
                                             max_labeled_demos=0)
    assert optimizer.demo_candidates is None
    assert compiled.respond.predict.demos == []
    assert compiled.respond.predict.signature.instructions == prompt_fake.GOOD
    assert optimizer.plan(dsp.Capital(), 80)["trials"] == 9       # max(2*1*log2(6), 1.5*6)


def test_auto_none_takes_explicit_counts(dsp, prompt_fake, fake):
    optimizer, compiled, _ = compile_capital(dsp, prompt_fake, fake, auto=None, num_candidates=4, num_trials=6)
    assert len(optimizer.demo_candidates["respond.predict"]) == 4
    assert len(optimizer.study.trials) == 1 + 6 + 2
    assert compiled.respond.predict.signature.instructions == prompt_fake.GOOD


@pytest.mark.parametrize("settings, message", [
    ({"auto": "light", "num_trials": 5}, "set by the auto preset"),
    ({"auto": None, "num_candidates": 5}, "give both"),
    ({"auto": "huge"}, "auto must be"),
])
def test_auto_settings_are_checked(dsp, settings, message):
    with pytest.raises(DspArgumentError, match=message):
        MIPROv2(dsp.right, **settings)


@pytest.mark.parametrize("budget", [{"max_calls": 200}, {"max_cost": 0.2}])
def test_a_budget_stops_the_trials_with_the_best_so_far(dsp, prompt_fake, fake, budget):
    optimizer, compiled, _ = compile_capital(dsp, prompt_fake, fake, **budget)
    report = optimizer.report
    assert report.stopped and "reached" in report.stopped
    assert report.usage["calls"] < 240
    assert len(optimizer.study.trials) < 13
    assert compiled.respond.predict.signature.instructions in optimizer.instruction_candidates["respond.predict"]


def test_the_same_seed_gives_the_same_program_with_any_thread_count(dsp, prompt_fake, fake):
    saved = []
    for threads in (1, 4):
        optimizer, compiled, _ = compile_capital(dsp, prompt_fake, fake, program=dsp.Outer(), threads=threads)
        data = artifacts.document(compiled, origin={"scores": optimizer.report.scores_json()})
        data.pop("run", None)
        saved.append((data, [t.params for t in optimizer.study.trials]))
    assert saved[0] == saved[1]
    assert len(saved[0][1][1]) == 4                     # two predictors: instruction + demo set each


def test_another_seed_searches_differently(dsp, prompt_fake, fake):
    first, _, _ = compile_capital(dsp, prompt_fake, fake)
    second, _, _ = compile_capital(dsp, prompt_fake, fake, seed=3)
    assert [t.params for t in first.study.trials] != [t.params for t in second.study.trials]


def test_without_a_valset_the_trainset_is_split(dsp, prompt_fake, fake):
    with context.using(prompt_fake.PromptLM()):
        optimizer = MIPROv2(dsp.right, verbose=False)
        optimizer.compile(dsp.Capital(), trainset=fake.capitals(0, 60))
    assert optimizer.report.rows[optimizer.report.chosen].evaluated == 48


def test_a_budget_spent_before_any_trial_still_reports_the_program_returned(dsp, prompt_fake, fake):
    optimizer, compiled, _ = compile_capital(dsp, prompt_fake, fake, max_calls=15)
    report = optimizer.report
    assert report.stopped == "max_calls=15 reached"
    assert report.usage["calls"] <= 16                  # no proposals after the budget ran out (was 21)
    assert report.chosen is not None and report.rows[report.chosen].label.startswith("the program as given")
    assert compiled.respond.predict.signature.instructions == dsp.Capital().respond.predict.signature.instructions


def test_the_instruction_count_note_is_singular_for_one(dsp, lm, fake, capsys):
    # the demo LM writes no usable proposals, so only the original instruction is left
    MIPROv2(dsp.right, auto=None, num_candidates=3, num_trials=2).compile(
        dsp.Capital(), trainset=fake.capitals(0, 16), valset=fake.capitals(16, 40))
    err = capsys.readouterr().err
    assert "MIPROv2: respond.predict: 1 instruction\n" in err
