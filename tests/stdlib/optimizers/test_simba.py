"""SIMBA: mini-batches, variable examples, self-written rules and demos, from a .dsp compile."""

from __future__ import annotations

import hashlib
import json
import re
import threading

import pytest

import dsplang
from dsplang.context import lm as context
from dsplang.errors import DspArgumentError
from dsplang.lm.client import LM, LMResponse
from dsplang.lm.usage import Usage
from dsplang.stdlib.example import Example
from dsplang.stdlib.modules.predict import Predict
from dsplang.stdlib.optimizers.simba import SIMBA, _percentile, _poisson

RULE = "Always reply with the word in UPPERCASE."
_OUTPUTS = re.compile(r"Your output fields are:\n((?:\d+\. .*\n?)+)")
_NAME = re.compile(r"^\d+\. `(\w+)`", re.M)
_WORD = re.compile(r"\[\[ ## word ## \]\]\n(\w+)")


class RuleLM(LM):
    """A scripted LM whose answers depend on the instruction. Task requests (`word -> answer`)
    are right (the word in upper case) when the instructions hold RULE; otherwise wrong at
    temperature 0, and right for about one rollout in three when sampled at a temperature above
    0 (decided by a hash of the word and the rollout id, so runs are reproducible). Requests
    for SIMBA's advice (`module_advice`) get RULE for every module named, and are counted."""

    def __init__(self, advice: str = RULE, **kwargs):
        super().__init__("scripted/rule", cache=False, num_retries=0, **kwargs)
        self.advice = advice
        self.advice_requests: list[str] = []
        self._rollout = threading.local()        # the rollout id of the request being made

    def request(self, messages, *, rollout_id=None, **kwargs):
        self._rollout.id = rollout_id
        return super().request(messages, rollout_id=rollout_id, **kwargs)

    def _complete(self, messages, n, params):
        system = messages[0]["content"]
        outputs = _NAME.findall(_OUTPUTS.search(system).group(1))
        user = messages[-1]["content"]
        if "module_advice" in outputs:
            self.advice_requests.append(user)
            names = re.search(r"\[\[ ## module_names ## \]\]\n(.*?)\n\n", user, re.S).group(1)
            advice = {name: self.advice for name in re.findall(r'"([^"]+)"', names)}
            values = {"discussion": "The better run answered in upper case.", "module_advice": advice}
        else:
            word = _WORD.findall(user)[-1]
            rollout = getattr(self._rollout, "id", None)
            sampled = float(params.get("temperature") or 0) > 0 and rollout is not None
            lucky = sampled and int(hashlib.sha256(f"{word}|{rollout}".encode()).hexdigest()[:8], 16) % 3 == 0
            values = {"answer": word.upper() if "UPPERCASE" in system or lucky else word}
        text = chat_reply(values)
        return LMResponse([text] * n, Usage(len(user) // 4, 10, 0.0), False, 0.0, self.model)


def chat_reply(values: dict) -> str:
    """A reply in the chat adapter's format (dicts as JSON)."""
    return "\n\n".join(f"[[ ## {k} ## ]]\n{json.dumps(v) if isinstance(v, dict) else v}"
                       for k, v in values.items()) + "\n\n[[ ## completed ## ]]"


WORDS = ["amber", "basil", "cedar", "delta", "ember", "flint", "garnet", "harbor", "indigo", "juniper",
         "kelp", "lumen", "maple", "nectar", "onyx", "pepper", "quartz", "raven", "sable", "thistle"]


def rows(words):
    return [Example(word=w, answer=w.upper()).with_inputs("word") for w in words]


def right(example, pred, trace=None):
    return example.answer == pred.answer


def instructions(program) -> str:
    return program.signature.instructions


def compile_simba(lm, threads=1, **settings):
    settings = {"bsize": 8, "num_candidates": 3, "max_steps": 3, "verbose": False, **settings}
    optimizer = SIMBA(right, threads=threads, **settings)
    with context.using(lm):
        compiled = optimizer.compile(Predict("word -> answer"), trainset=rows(WORDS[:16]), valset=rows(WORDS[16:]))
    return optimizer, compiled


def test_simba_writes_the_rule_that_makes_the_program_right():
    lm = RuleLM()
    optimizer, compiled = compile_simba(lm)
    assert RULE in instructions(compiled)
    assert lm.advice_requests, "the prompt model was asked for advice"
    report = optimizer.report
    assert report.best_score == 100.0
    assert report.rows[0].label == "the program as given" and report.rows[0].score == 0.0
    assert report.rows[report.chosen].label.startswith("step ")
    # the advice request shows the better and the worse run of one example, and the module names
    assert '"self"' in lm.advice_requests[0] and "better_program_outputs" in lm.advice_requests[0]


def test_simba_is_reproducible_across_thread_counts():
    first, one = compile_simba(RuleLM(), threads=1)
    second, four = compile_simba(RuleLM(), threads=4)
    assert first.report.scores_json() == second.report.scores_json()
    assert instructions(one) == instructions(four)
    assert [d.to_dict() for d in one.demos] == [d.to_dict() for d in four.demos]
    assert first.trial_logs == second.trial_logs


def test_simba_without_demos_only_writes_rules():
    optimizer, compiled = compile_simba(RuleLM(), max_demos=0)
    assert compiled.demos == [] and RULE in instructions(compiled)
    assert all("demo from" not in label for log in optimizer.trial_logs for label, _ in log["candidates"])


def test_simba_stops_at_max_calls_with_the_best_so_far():
    lm = RuleLM()
    optimizer, compiled = compile_simba(lm, max_calls=40)
    assert optimizer.report.stopped == "max_calls=40 reached"
    assert optimizer.report.usage["calls"] <= 40 + 4
    assert compiled is not None


def test_bad_settings_are_argument_errors():
    with pytest.raises(DspArgumentError, match="bsize"):
        SIMBA(right, bsize=0)
    with pytest.raises(DspArgumentError, match="temperature_for_sampling"):
        SIMBA(right, temperature_for_sampling=0)
    with pytest.raises(DspArgumentError, match="unknown keyword argument 'bsise'"):
        SIMBA(right, bsise=4)


def test_percentile_and_poisson():
    assert _percentile([0, 0, 1, 1], 10) == 0.0
    assert _percentile([0.0, 1.0], 90) == pytest.approx(0.9)
    import random
    draws = [_poisson(random.Random(k), 1.0) for k in range(2000)]
    assert abs(sum(draws) / len(draws) - 1.0) < 0.1
    assert _poisson(random.Random(0), 0.0) == 0


PROGRAM = '''
def right(example, pred, trace=none):
    return example.answer == pred.answer

let words = ["amber", "basil", "cedar", "delta", "ember", "flint", "garnet", "harbor", "indigo", "juniper", "kelp", "lumen"]
let train = [Example(word=w, answer=w.upper()).with_inputs("word") for w in words]
compile qa = Predict("word -> answer") with SIMBA(metric=right, bsize=6, num_candidates=3, max_steps=2, max_demos=2, verbose=false) on train
print(qa(word="zinc").answer)
'''


def test_simba_from_a_dsp_compile_statement(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DSP_BUILD_DIR", str(tmp_path / "build"))
    path = tmp_path / "simba.dsp"
    path.write_text(PROGRAM)
    lm = RuleLM()
    with context.using(lm):
        names = dsplang.load(str(path))
    assert capsys.readouterr().out.strip() == "ZINC"
    assert RULE in names.qa.signature.instructions
    artifact = tmp_path / "build" / "simba.qa.json"
    assert artifact.exists()
    # the artifact is reused: no LM call the second time
    calls = len(lm.advice_requests)
    with context.using(RuleLM(advice="unused")) as again:
        names = dsplang.load(str(path))
    assert RULE in names.qa.signature.instructions and not again.advice_requests and calls


def test_simba_shows_the_prompt_model_what_a_knn_programs_copies_did():
    # A KNNFewShot program's calls are made by per-call copies of its student; the runs shown
    # to the prompt model are still that predictor's (once their trajectories were empty).
    from dsplang.stdlib.optimizers.knn_few_shot import KNNFewShot
    from dsplang.stdlib.retrievers.tfidf import TfIdf

    lm = RuleLM()
    pool = rows(WORDS[:6])
    with context.using(lm):
        knn = KNNFewShot(k=2, embedder=TfIdf(WORDS[:6]), max_bootstrapped_demos=0, max_labeled_demos=2,
                         verbose=False).compile(Predict("word -> answer"), trainset=pool)
        compiled = SIMBA(right, bsize=8, num_candidates=3, max_steps=3, max_demos=0, verbose=False).compile(
            knn, trainset=rows(WORDS[:16]), valset=rows(WORDS[16:]))
    [(_, predictor)] = compiled.named_predictors()
    assert RULE in predictor.signature.instructions
    assert lm.advice_requests and '"module_name": "self"' in lm.advice_requests[0]
