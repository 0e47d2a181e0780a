"""GEPA: reflection on metric feedback finds the rules the task needs, within its budgets."""

from __future__ import annotations

import re
import threading

import pytest

import dsplang
from dsplang.cli import main
from dsplang.context import lm as context
from dsplang.context import otel, spans, trace
from dsplang.driver import artifacts
from dsplang.errors import DspArgumentError, DspValueError
from dsplang.lm.client import LM, LMResponse
from dsplang.lm.usage import Usage
from dsplang.stdlib.example import Example
from dsplang.stdlib.feedback import Feedback
from dsplang.stdlib.modules.predict import Predict
from dsplang.stdlib.optimizers.gepa import GEPA, auto_budget

try:                    # the adapter's reply writer, read from the request (lm/prompt.py)
    from dsplang.lm.prompt import reply_writer
except ImportError:     # before lm/prompt.py: the context variable Predict sets
    from dsplang.lm.scripted import REPLY_FORMAT

    def reply_writer(messages):
        return REPLY_FORMAT.get()

RULES = {"alpha": "Alpha items are answered with the prefix A-.",
         "beta": "Beta items are answered with the prefix B-.",
         "gamma": "Gamma items are answered with the prefix G-."}
KINDS = ("alpha", "beta", "gamma")
_OUTPUTS = re.compile(r"Your output fields are:\n((?:\d+\. .*\n?)+)")
_NAME = re.compile(r"^\d+\. `(\w+)`", re.M)
_FIELD = re.compile(r"\[\[ ## (\w+) ## \]\]\n(.*?)(?=\n\n\[\[ ## |\n\nRespond|\Z)", re.S)


class RuleLM(LM):
    """Task model and reflection model in one, whose answers depend on the instructions.

    A task request (`question -> answer`, the question "item N is alpha") is answered right
    ("A-N") only when the instructions hold the rule of its kind (RULES), else with "N". A
    reflection request (`new_instruction`) returns the current instruction plus every rule
    that the feedback it is shown calls missing ("Missing rule: ..."), as a reflection LM
    that reads the feedback would. `.reflections` counts those requests."""

    def __init__(self, **kwargs):
        super().__init__("scripted/rules", cache=False, num_retries=0, **kwargs)
        self.reflections = 0
        self.tasks = 0
        self._lock = threading.Lock()

    def _complete(self, messages, n, params):
        system = messages[0]["content"]
        outputs = _NAME.findall(_OUTPUTS.search(system).group(1))
        user = messages[-1]["content"]
        fields = dict(_FIELD.findall(user))
        if "new_instruction" in outputs:
            with self._lock:
                self.reflections += 1
            current = fields["current_instruction"].strip()
            missing = [rule for rule in re.findall(r"Missing rule: (.*)", fields["examples_with_feedback"])
                       if rule not in current]
            values = {"new_instruction": " ".join([current, *dict.fromkeys(missing)])}
        else:
            with self._lock:
                self.tasks += 1
            number, kind = re.match(r"item (\d+) is (\w+)", fields["question"]).groups()
            values = {"answer": f"{kind[0].upper()}-{number}" if RULES[kind] in system else number}
        text = reply_writer(messages)(values)
        return LMResponse([text] * n, Usage(len(user) // 4, 10, 0.0), False, 0.0, self.model)


def items(start: int, stop: int, kinds=KINDS) -> list[Example]:
    rows = []
    for i in range(start, stop):
        kind = kinds[i % len(kinds)]
        rows.append(Example(question=f"item {i} is {kind}", answer=f"{kind[0].upper()}-{i}", kind=kind)
                    .with_inputs("question"))
    return rows


class Counting:
    """A feedback metric that names the missing rule, and counts its calls."""

    def __init__(self):
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, example, pred, trace=None):
        with self._lock:
            self.calls += 1
        if pred.answer == example.answer:
            return Feedback(score=1.0, text="Correct.")
        return Feedback(score=0.0, text=f"Wrong. Missing rule: {RULES[example.kind]}")


def compile_gepa(threads=1, train=None, val=None, **settings):
    lm, metric = RuleLM(), Counting()
    settings = {"max_metric_calls": 60, "verbose": False, **settings}
    optimizer = GEPA(metric, reflection_lm=lm, threads=threads, **settings)
    with context.using(lm):
        compiled = optimizer.compile(Predict("question -> answer"), trainset=train or items(0, 12),
                                     valset=val or items(100, 112))
    return optimizer, compiled, lm, metric


def test_gepa_learns_the_rules_the_feedback_names():
    optimizer, compiled, lm, metric = compile_gepa(max_metric_calls=120)
    text = compiled.signature.instructions
    assert all(rule in text for rule in RULES.values())
    report = optimizer.report
    assert [(row.label.split(":")[0], row.score, row.note) for row in report.rows] == [
        ("#0 the program as given", 0.0, "dominated"), ("#1 self from #0", 66.67, "dominated"),
        ("#2 self from #1", 100.0, "chosen")]
    assert report.best_score == 100.0
    # measured: 2 reflections; metric calls = 12 (seed) + 2 x (3 + 3 + 12) = 48 of 120, then it
    # stops: #2 is perfect on every validation example
    assert lm.reflections == 2
    assert optimizer.metric_calls == metric.calls == 48
    assert report.usage["calls"] == lm.tasks + lm.reflections == 50


def test_each_reflection_is_an_optimizer_lm_span_in_its_phase():
    with trace.collecting() as collected:
        _, _, lm, _ = compile_gepa(max_metric_calls=120)
    stamped = collected.stamped()
    by_id = {stamp.span_id: (rec, stamp) for rec, stamp in stamped}
    asked = [(rec, stamp) for rec, stamp in stamped if isinstance(rec, spans.SpanRecord) and rec.type == "optimizer_lm"]
    assert len(asked) == lm.reflections == 2
    for rec, stamp in asked:
        phase, phase_stamp = by_id[stamp.parent_id]
        assert (phase.type, rec.name) == ("phase", "ProposeInstructionFromFeedback")
        assert phase.name.endswith("reflecting on self") and stamp.phase == phase_stamp.phase == phase.name
        (call,) = [(c, s) for c, s in stamped if s.parent_id == stamp.span_id]
        assert isinstance(call[0], trace.PredictorCall) and call[1].phase == phase.name
        assert call[0].signature == "ProposeInstructionFromFeedback"
        assert phase_stamp.start <= stamp.start <= call[1].start <= call[1].end <= stamp.end <= phase_stamp.end
        assert otel.describe(rec)[:2] == ("optimizer_lm ProposeInstructionFromFeedback", "internal")


def test_the_metric_call_budget_is_never_exceeded():
    for budget in (12, 29, 30, 47, 48):
        optimizer, compiled, _, metric = compile_gepa(max_metric_calls=budget)
        assert metric.calls == optimizer.metric_calls <= budget
    # 30 covers the seed's 12 and one iteration's worst case (3 + 3 + 12); 29 does not
    assert compile_gepa(max_metric_calls=29)[0].metric_calls == 12
    assert compile_gepa(max_metric_calls=30)[0].metric_calls == 30


def test_a_budget_smaller_than_the_valset_is_an_error():
    with pytest.raises(DspValueError, match="does not cover one evaluation of the valset"):
        compile_gepa(max_metric_calls=11)


def test_the_same_seed_gives_the_same_program_with_any_thread_count():
    saved = []
    for threads in (1, 4):
        optimizer, compiled, _, _ = compile_gepa(threads=threads, max_metric_calls=120, seed=3,
                                                 train=items(0, 20), val=items(100, 115))
        data = artifacts.document(compiled, origin={"scores": optimizer.report.scores_json()})
        data.pop("run", None)
        saved.append((data, optimizer.metric_calls))
    assert saved[0] == saved[1]


def test_max_calls_stops_with_the_best_so_far():
    optimizer, compiled, lm, _ = compile_gepa(max_metric_calls=200, max_calls=30)
    report = optimizer.report
    assert report.stopped == "max_calls=30 reached"
    assert report.usage["calls"] <= 30
    assert report.best_score is not None and report.best_score >= report.rows[0].score


def test_auto_budgets_are_dsps():
    # DSPy's formula for light (6 candidates), one predictor, 50 validation examples
    assert auto_budget(1, 6, 50) == 50 + 30 + 10 * 35 + 3 * 50
    assert auto_budget(2, 12, 100) == 100 + 60 + 28 * 35 + 6 * 100
    optimizer = GEPA(Counting(), auto="light")
    assert optimizer.metric_budget(Predict("question -> answer"), 12, 10) == auto_budget(1, 6, 10)
    assert GEPA(Counting(), max_full_evals=2).metric_budget(Predict("q -> a"), 12, 10) == 44


def test_plain_metrics_work_too():
    lm = RuleLM()
    optimizer = GEPA(lambda example, pred: pred.answer == example.answer, reflection_lm=lm,
                     max_metric_calls=40, verbose=False)
    with context.using(lm):
        compiled = optimizer.compile(Predict("question -> answer"), trainset=items(0, 12), valset=items(100, 110))
    # without feedback the reflection LM sees only scores, and this one learns nothing from them
    assert compiled.signature.instructions == Predict("question -> answer").signature.instructions
    assert optimizer.report.best_score == 0.0 and lm.reflections >= 1


@pytest.mark.parametrize("settings, message", [
    ({"auto": "huge"}, "auto must be 'light', 'medium' or 'heavy', or none, got 'huge'"),
    ({}, "give exactly one of auto, max_metric_calls and max_full_evals; none of them was given"),
    ({"auto": "light", "max_metric_calls": 100}, "auto and max_metric_calls were both given"),
    ({"max_metric_call": 100}, "unknown keyword argument 'max_metric_call'"),
    ({"auto": "light", "reflection_minibatch_size": 0}, "reflection_minibatch_size must be a whole number"),
    ({"auto": "light", "candidate_selection_strategy": "best"}, "candidate_selection_strategy must be"),
])
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(DspArgumentError, match=re.escape(message)):
        GEPA(Counting(), **settings)


PROGRAM = '''
let rules = {"alpha": "Alpha items are answered with the prefix A-.", "beta": "Beta items are answered with the prefix B-."}

def graded(example, pred, trace=none):
    if pred.answer == example.answer:
        return Feedback(score=1.0, text="Correct.")
    return Feedback(score=0.0, text="Wrong. Missing rule: " + rules[example.kind], predictor="self")

def rows(start, stop):
    let kinds = ["alpha", "beta"]
    return [Example(question="item " + str(i) + " is " + kinds[i % 2], answer=kinds[i % 2][0].upper() + "-" + str(i), kind=kinds[i % 2]).with_inputs("question") for i in range(start, stop)]

compile qa = Predict("question -> answer") with GEPA(metric=graded, max_metric_calls=60, verbose=false) on rows(0, 12) valset rows(100, 110)
print(qa(question="item 7 is beta").answer)
'''


def test_gepa_from_a_dsp_compile_statement_saves_and_reuses_its_artifact(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DSP_BUILD_DIR", str(tmp_path / "build"))
    path = tmp_path / "rules.dsp"
    path.write_text(PROGRAM)
    lm = RuleLM()
    with context.using(lm):
        names = dsplang.load(str(path))
    assert capsys.readouterr().out.strip() == "B-7"
    assert RULES["beta"] in names.qa.signature.instructions
    assert (tmp_path / "build" / "rules.qa.json").exists()
    assert lm.reflections == 1
    again = RuleLM()
    with context.using(again):
        names = dsplang.load(str(path))
    assert capsys.readouterr().out.strip() == "B-7"
    assert again.reflections == 0 and again.tasks == 1        # only the print's call
    assert main(["check", str(path)]) == 0


@pytest.mark.parametrize("call, where", [
    ('GEPA(metric=graded, auto="huge")', "auto must be"),
    ("GEPA(metric=graded, max_metric_call=10)", "unknown keyword argument 'max_metric_call'"),
])
def test_bad_settings_in_a_dsp_file_are_reported_at_the_call(tmp_path, capsys, call, where):
    path = tmp_path / "bad.dsp"
    path.write_text("def graded(example, pred, trace=none):\n    return 1.0\n\n"
                    f"let optimizer = {call}\n")
    assert main(["run", str(path)]) != 0
    err = capsys.readouterr().err
    assert f"{path}:4:17" in err and where in err
    assert "Traceback" not in err


BY_KIND = '''
module ByKind():
    a = Predict("question -> answer")
    b = Predict("question -> answer")
    c = Predict("question -> answer")
    def forward(question):
        if "alpha" in question:
            return a(question=question)
        if "beta" in question:
            return b(question=question)
        return c(question=question)
'''


def test_a_merge_joins_two_lineages_that_improved_different_predictors(tmp_path, monkeypatch):
    from dsplang.stdlib.optimizers import gepa as gepa_module
    path = tmp_path / "by_kind.dsp"
    path.write_text(BY_KIND)
    names = dsplang.load(str(path))
    real, picks = gepa_module.gepa_pareto.pick_parent, []

    def seed_twice(pool, rng):          # the seed is the parent of the first two proposals
        picks.append(len(pool))
        return 0 if len(picks) <= 2 else real(pool, rng)

    monkeypatch.setattr(gepa_module.gepa_pareto, "pick_parent", seed_twice)
    lm, metric = RuleLM(), Counting()
    optimizer = GEPA(metric, reflection_lm=lm, max_metric_calls=200, reflection_minibatch_size=6,
                     verbose=False)
    with context.using(lm):
        compiled = optimizer.compile(names.ByKind(), trainset=items(0, 12), valset=items(100, 112))
    rows = [(row.label.split(":")[0], row.score) for row in optimizer.report.rows]
    # measured: #1 improves a (alpha right), #2 improves b from the seed (beta right); the merge
    # of the two takes a from #1 and b from #2
    assert rows[:4] == [("#0 the program as given", 0.0), ("#1 a from #0", 33.33), ("#2 b from #0", 33.33),
                        ("#3 merge of #1 and #2", 66.67)]
    assert RULES["alpha"] in compiled.a.signature.instructions
    assert RULES["beta"] in compiled.b.signature.instructions
    assert optimizer.report.best_score == 100.0


def test_gepa_reflects_on_a_knn_program_whose_calls_are_made_by_per_call_copies():
    # A KNNFewShot program answers each call with a copy of its student compiled on the
    # neighbours; GEPA must still see that copy's calls as its student's (once it saw none:
    # "self did not run on the minibatch" on every iteration).
    from dsplang.stdlib.optimizers.knn_few_shot import KNNFewShot
    from dsplang.stdlib.retrievers.tfidf import TfIdf

    lm, metric = RuleLM(), Counting()
    pool = items(200, 212)
    with context.using(lm):
        knn = KNNFewShot(k=2, embedder=TfIdf([e.question for e in pool]), max_bootstrapped_demos=0,
                         max_labeled_demos=2, verbose=False).compile(Predict("question -> answer"), trainset=pool)
        compiled = GEPA(metric, reflection_lm=lm, max_metric_calls=120, verbose=False).compile(
            knn, trainset=items(0, 12), valset=items(100, 112))
    [(_, predictor)] = compiled.named_predictors()
    assert lm.reflections >= 1
    assert all(rule in predictor.signature.instructions for rule in RULES.values())
    assert type(compiled) is type(knn)
