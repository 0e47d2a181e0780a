"""`dsp compile --estimate`: calls, tokens and cost per compile statement, without an LM call."""

from __future__ import annotations

import pytest

from dsplang.cli import main
from dsplang.context import lm as context
from dsplang.stdlib.example import Example
from dsplang.stdlib.modules.predict import Predict
from dsplang.stdlib.optimizers.estimate import PASS_RATE, estimate
from dsplang.stdlib.optimizers.random_search import BootstrapFewShotWithRandomSearch
from dsplang.stdlib.optimizers.simba import SIMBA

PROGRAM = '''
signature QA = "question -> answer"

def right(example, pred, trace=none):
    return example.answer == pred.answer

let train = [Example(question="What is the capital of country " + str(i) + "?", answer="city" + str(i)).with_inputs("question") for i in range(40)]
let dev = train[:20]
compile a = Predict(QA) with BootstrapFewShot(metric=right) on train
compile b = Predict(QA) with BootstrapFewShotWithRandomSearch(metric=right, num_candidate_programs=4, halving=false) on train valset dev
compile c = ChainOfThought(QA) with SIMBA(metric=right, bsize=8, num_candidates=3, max_steps=2) on train valset dev
compile d = Predict(QA) with LabeledFewShot(k=4) on train
'''


def test_estimate_prints_each_compile_without_calling_the_lm(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DSP_BUILD_DIR", str(tmp_path / "build"))
    path = tmp_path / "prog.dsp"
    path.write_text('use LM("openai/gpt-4o-mini")\n' + PROGRAM)
    assert main(["compile", "--estimate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert not (tmp_path / "build").exists(), "an estimate writes nothing"
    assert "LM:" not in err                     # no usage summary: nothing was called
    lines = out.splitlines()
    assert lines[0] == "a (line 10): BootstrapFewShot on 40 training examples; model openai/gpt-4o-mini"
    assert any(line.startswith("b (line 11): BootstrapFewShotWithRandomSearch on 40 training, 20 validation")
               for line in lines)
    # halving=false: 7 candidates on all 20 validation examples, one call each
    assert any("scoring: 7 candidates on all 20" in line and " 140 calls" in line for line in lines)
    assert "per million prompt / completion tokens" in out          # gpt-4o-mini has a price
    assert "d (line 13): LabeledFewShot" in out and "no LM calls" in out


def test_an_unknown_price_is_said(tmp_path, capsys):
    path = tmp_path / "prog.dsp"
    path.write_text('use LM("madeup/model-x")\n' + PROGRAM)
    assert main(["compile", "--estimate", str(path)]) == 0
    assert "cost unknown (litellm has no price for madeup/model-x)" in capsys.readouterr().out


def test_a_statement_that_would_call_the_lm_is_an_error(tmp_path, capsys):
    path = tmp_path / "prog.dsp"
    path.write_text('use LM("openai/gpt-4o-mini")\nlet p = Predict("question -> answer")\n'
                    'print(p(question="hi").answer)\n' + PROGRAM)
    assert main(["compile", "--estimate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "prog.dsp:3:" in err and "dsp compile --estimate calls no LM" in err


def test_the_plans_follow_the_optimizer_settings():
    train = [Example(question=f"q{i}?", answer=f"a{i}").with_inputs("question") for i in range(40)]
    right = lambda example, pred, trace=None: example.answer == pred.answer  # noqa: E731
    full = estimate(BootstrapFewShotWithRandomSearch(right, num_candidate_programs=4, halving=False),
                    Predict("question -> answer"), train, train[:20])
    halved = estimate(BootstrapFewShotWithRandomSearch(right, num_candidate_programs=4),
                      Predict("question -> answer"), train, train[:20])
    assert full.phases[1].calls == 7 * 20 and halved.phases[1].calls < full.phases[1].calls
    # bootstrapping: the unshuffled candidate's 4 demos and each seed's drawn count, at PASS_RATE
    assert full.phases[0].calls > 4 / PASS_RATE
    simba = estimate(SIMBA(right, bsize=8, num_candidates=3, max_steps=2), Predict("question -> answer"), train, None)
    assert simba.phases[0].calls == 2 * 8 * 3 and simba.phases[2].calls == 2 * 8 * 4
    assert simba.prompt_tokens > 0 and simba.completion_tokens > 0


def test_estimate_is_near_the_real_simba_run():
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).parents[1] / "stdlib" / "optimizers"))
    from test_simba import WORDS, RuleLM, right, rows
    optimizer = SIMBA(right, bsize=8, num_candidates=3, max_steps=3, verbose=False)
    train, val = rows(WORDS[:16]), rows(WORDS[16:])
    guess = estimate(optimizer, Predict("word -> answer"), train, val)
    with context.using(RuleLM()):
        optimizer.compile(Predict("word -> answer"), trainset=train, valset=val)
    actual = optimizer.report.usage
    assert abs(guess.calls - actual["calls"]) <= 0.25 * actual["calls"], (guess.calls, actual["calls"])


FINETUNE = '''
signature QA = "question -> answer"

def right(example, pred, trace=none):
    return example.answer == pred.answer

let train = [Example(question="What is the capital of country " + str(i) + "?", answer="city" + str(i)).with_inputs("question") for i in range(40)]
compile tuned = Predict(QA) with BootstrapFinetune(metric=right, epochs=2) on train
compile both = Predict(QA) with BetterTogether(metric=right, prompt_optimizer=BootstrapFewShot(metric=right)) on train
'''


def test_fine_tuning_is_estimated_as_teacher_calls_and_training_time(tmp_path, capsys):
    from dsplang.stdlib.optimizers.better_together import BetterTogether
    from dsplang.stdlib.optimizers.bootstrap import BootstrapFewShot
    from dsplang.stdlib.optimizers.estimate import LOAD_SECONDS
    from dsplang.stdlib.optimizers.finetune import BootstrapFinetune

    train = [Example(question=f"q{i}?", answer=f"a{i}").with_inputs("question") for i in range(40)]
    right = lambda example, pred, trace=None: example.answer == pred.answer  # noqa: E731
    found = estimate(BootstrapFinetune(right, epochs=3, lora={"batch_size": 8}), Predict("question -> answer"),
                     train, None)
    teacher, training = found.phases
    assert teacher.calls == 40 and training.calls == 0
    assert "30 exchanges" in training.what and "12 steps of 8" in training.what   # 75% kept; ceil(30 / 8) x 3
    assert training.seconds > LOAD_SECONDS and found.seconds == training.seconds
    capped = estimate(BootstrapFinetune(right, max_calls=10), Predict("question -> answer"), train, None)
    assert capped.calls == 10 and "8 exchanges" in capped.phases[1].what
    # BetterTogether: the sum of its steps; the w step's teacher holds the p step's demos
    boot = estimate(BootstrapFewShot(right), Predict("question -> answer"), train, None)
    together = estimate(BetterTogether(right, prompt_optimizer=BootstrapFewShot(right)), Predict("question -> answer"),
                        train, None)
    assert sum(p.calls for p in together.phases) == pytest.approx(2 * sum(p.calls for p in boot.phases) + 40)
    assert [p.what.split(":")[0] for p in together.phases] == [
        "1. p (BootstrapFewShot)", "2. w (BootstrapFinetune)", "2. w (BootstrapFinetune)", "3. p (BootstrapFewShot)"]
    assert together.phases[1].prompt_tokens > teacher.prompt_tokens      # 16 demos in each prompt
    stopped = estimate(BetterTogether(right, prompt_optimizer=BootstrapFewShot(right), max_calls=round(boot.phases[0].calls) + 5),
                       Predict("question -> answer"), train, None)
    assert stopped.calls == round(boot.phases[0].calls + 5) and not any(p.what.startswith("3.") for p in stopped.phases)

    path = tmp_path / "tune.dsp"
    path.write_text('use LM("local/smollm2")\n' + FINETUNE)
    assert main(["compile", "--estimate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "tuned (line 9): BootstrapFinetune on 40 training examples; model local/smollm2" in out
    assert "no LM calls" in out and "of fine-tuning" in out and "docs/local-model.md" in out
    assert "both (line 10): BetterTogether" in out and "3. p (BootstrapFewShot)" in out
