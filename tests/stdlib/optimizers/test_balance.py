"""`balance_by=`: label-balanced demos for BootstrapFewShot, LabeledFewShot, random search and MIPROv2.

The fake LM here is a classifier with a small model's majority-label bias: it gets an article
right when a demo shows its label, and otherwise answers the label of the last demo.
"""

from __future__ import annotations

import re
import threading

import pytest

import dsplang
from dsplang.context import lm as context
from dsplang.errors import DspArgumentError
from dsplang.lm.client import LM, LMResponse
from dsplang.lm.prompt import reply_writer
from dsplang.lm.usage import Usage
from dsplang.stdlib.evaluate import evaluate
from dsplang.stdlib.example import Example
from dsplang.stdlib.modules.predict import Predict
from dsplang.stdlib.optimizers.balance import balanced_sample, interleave
from dsplang.stdlib.optimizers.bootstrap import BootstrapFewShot
from dsplang.stdlib.optimizers.labeled_few_shot import LabeledFewShot
from dsplang.stdlib.optimizers.mipro import MIPROv2
from dsplang.stdlib.optimizers.random_search import BootstrapFewShotWithRandomSearch

PROGRAM = '''
enum Label: business, politics, sport, tech

signature Classify:
    """Give the article's topic."""
    input  text: str
    output label: Label

def right(example, pred, trace=none):
    return pred.label == example.label
'''
LABELS = ["business", "politics", "sport", "tech"]
_TEXT = re.compile(r"\[\[ ## text ## \]\]\n(.*?)\n")
_LABEL = re.compile(r"\[\[ ## label ## \]\]\n(\w+)")


class BiasedLM(LM):
    """Right when a demo has the article's label, else the last demo's label (`sport` with none)."""

    def __init__(self) -> None:
        super().__init__("fake/biased", cache=False, num_retries=0)
        self.calls = 0
        self.asked: list[tuple[str, str]] = []     # (the article's label, the answer)
        self._lock = threading.Lock()

    def _complete(self, messages, n, params):
        with self._lock:
            self.calls += 1
        text = _TEXT.search(messages[-1]["content"]).group(1)
        truth = text.split(":")[0]
        shown = [m.group(1) for m in (_LABEL.search(x["content"]) for x in messages
                                      if x["role"] == "assistant") if m]
        label = truth if truth in shown else (shown[-1] if shown else "sport")
        with self._lock:
            self.asked.append((truth, label))
        reply = reply_writer(messages)({"label": label})
        return LMResponse([reply] * n, Usage(10, 2, 0.0), False, 0.0, self.model)


def articles(labels: list[str], start: int = 0) -> list[Example]:
    return [Example(text=f"{label}: article {start + i}", label=label).with_inputs("text")
            for i, label in enumerate(labels)]


# Mostly sport, as a skewed training split would be.
TRAIN = articles(["sport"] * 6 + ["tech", "sport", "business", "sport", "politics", "tech", "business",
                                  "politics"])
DEV = articles(LABELS * 5, start=100)


@pytest.fixture
def dsp(tmp_path):
    path = tmp_path / "topics.dsp"
    path.write_text(PROGRAM)
    return dsplang.load(str(path))


@pytest.fixture
def lm():
    model = BiasedLM()
    with context.using(model):
        yield model


def labels_of(program) -> list[str]:
    return [str(getattr(d["label"], "value", d["label"])) for d in program.demos]


def score(program, dsp) -> float:
    return evaluate(program, DEV, metric=dsp.right, display_progress=False, display_table=0).score


def test_bootstrap_without_balance_copies_the_skew_of_the_training_set(dsp, lm):
    compiled = BootstrapFewShot(metric=dsp.right, max_bootstrapped_demos=4, max_labeled_demos=4,
                                verbose=False).compile(Predict(dsp.Classify), trainset=TRAIN)
    assert labels_of(compiled).count("sport") >= 3
    assert score(compiled, dsp) < 50.0


def test_balance_by_gives_one_bootstrapped_demo_per_label_in_label_order(dsp, lm):
    compiled = BootstrapFewShot(metric=dsp.right, max_bootstrapped_demos=4, max_labeled_demos=4,
                                balance_by="label", verbose=False).compile(Predict(dsp.Classify),
                                                                           trainset=TRAIN)
    assert labels_of(compiled) == LABELS
    assert all(d.get("augmented") for d in compiled.demos)
    assert score(compiled, dsp) == 100.0


def test_balance_by_does_not_run_the_teacher_on_labels_that_have_their_share(dsp, lm):
    BootstrapFewShot(metric=dsp.right, max_bootstrapped_demos=4, max_labeled_demos=4, balance_by="label",
                     verbose=False).compile(Predict(dsp.Classify), trainset=TRAIN)
    for label in LABELS:
        asked = [answer for truth, answer in lm.asked if truth == label]
        assert asked.count(label) == 1 and asked[-1] == label    # none asked after its success
    assert lm.calls < 11


def test_labeled_demos_fill_in_labels_that_never_bootstrapped(dsp, lm):
    def never_politics(example, pred, trace=None):
        return example.label != "politics" and pred.label == example.label
    compiled = BootstrapFewShot(metric=never_politics, max_bootstrapped_demos=4, max_labeled_demos=4,
                                balance_by="label", verbose=False).compile(Predict(dsp.Classify),
                                                                           trainset=TRAIN)
    assert labels_of(compiled) == LABELS
    politics = [d for d in compiled.demos if d["label"] == "politics"]
    assert len(politics) == 1 and not politics[0].get("augmented")


def test_two_demos_per_label_come_round_robin(dsp, lm):
    compiled = BootstrapFewShot(metric=dsp.right, max_bootstrapped_demos=8, max_labeled_demos=8,
                                balance_by="label", verbose=False).compile(Predict(dsp.Classify),
                                                                           trainset=TRAIN)
    assert labels_of(compiled) == LABELS * 2


@pytest.mark.parametrize("threads", [2, 4])
def test_balanced_bootstrap_is_the_same_with_any_thread_count(dsp, lm, threads):
    def build(n):
        return BootstrapFewShot(metric=dsp.right, max_bootstrapped_demos=5, max_labeled_demos=6, balance_by="label",
                                threads=n, verbose=False).compile(Predict(dsp.Classify), trainset=TRAIN)
    one = build(1)
    calls = lm.calls
    many = build(threads)
    assert [d.to_dict() for d in many.demos] == [d.to_dict() for d in one.demos]
    assert lm.calls - calls <= calls


def test_labeled_few_shot_balances_and_interleaves(dsp):
    compiled = LabeledFewShot(k=4, balance_by="label", verbose=False).compile(Predict(dsp.Classify),
                                                                             trainset=TRAIN)
    assert labels_of(compiled) == LABELS


def test_random_search_candidates_are_balanced(dsp, lm):
    optimizer = BootstrapFewShotWithRandomSearch(metric=dsp.right, max_bootstrapped_demos=4, max_labeled_demos=4,
                                                 num_candidate_programs=2, balance_by="label", verbose=False)
    compiled = optimizer.compile(Predict(dsp.Classify), trainset=TRAIN, valset=DEV)
    assert sorted(labels_of(compiled)) == LABELS
    assert score(compiled, dsp) == 100.0


def test_mipro_demo_sets_are_balanced(dsp, lm, prompt_fake):
    def demo_sets(balance_by):
        optimizer = MIPROv2(metric=dsp.right, auto=None, num_candidates=5, num_trials=3, max_bootstrapped_demos=4,
                            max_labeled_demos=4, balance_by=balance_by, prompt_model=prompt_fake.PromptLM(),
                            verbose=False)
        optimizer.compile(Predict(dsp.Classify), trainset=TRAIN, valset=DEV)
        return [[str(getattr(d["label"], "value", d["label"])) for d in demos]
                for demos in next(iter(optimizer.demo_candidates.values()))]
    skewed = demo_sets(None)
    assert any(labels.count("sport") >= 3 for labels in skewed)
    balanced = demo_sets("label")
    assert balanced[1] == LABELS                   # the labeled-only set, spread and interleaved
    assert balanced[2] == LABELS                   # bootstrapped on the training set as given
    for labels in balanced[3:]:                     # the shuffled ones: no label twice before all once
        assert len(labels) <= 4 and len(set(labels)) == len(labels)


@pytest.mark.parametrize("make", [
    lambda dsp: MIPROv2(metric=dsp.right, balance_by="lable", verbose=False),
    lambda dsp: BootstrapFewShot(metric=dsp.right, balance_by="lable", verbose=False),
    lambda dsp: LabeledFewShot(k=2, balance_by="lable", verbose=False),
    lambda dsp: BootstrapFewShotWithRandomSearch(metric=dsp.right, balance_by="lable", verbose=False),
])
def test_an_unknown_balance_field_is_named_with_a_suggestion(dsp, make):
    with pytest.raises(DspArgumentError) as caught:
        make(dsp).compile(Predict(dsp.Classify), trainset=TRAIN)
    assert "training example 1 has no field 'lable'" in caught.value.message
    assert "label" in (caught.value.hint or "")


def test_balance_by_must_be_a_field_name(dsp):
    with pytest.raises(DspArgumentError, match="balance_by must be the name of a field"):
        LabeledFewShot(k=2, balance_by=3, verbose=False).compile(Predict(dsp.Classify), trainset=TRAIN)


def test_balanced_sample_spreads_then_fills_and_is_seeded():
    import random
    pool = articles(["sport"] * 5 + ["tech"])
    picked = balanced_sample(random.Random(0), pool, 3, "label")
    assert sorted(e.label for e in picked) == ["sport", "sport", "tech"]
    assert picked == balanced_sample(random.Random(0), pool, 3, "label")
    assert [e.label for e in balanced_sample(random.Random(0), pool, 2, "label", {"tech": 1})] == ["sport", "sport"]


def test_interleave_counts_an_enum_member_as_its_value(dsp):
    member = dsp.Label.tech if hasattr(dsp.Label, "tech") else None
    demos = [Example(label=member or "tech"), Example(label="business"), Example(label="tech")]
    assert [str(getattr(d.label, "value", d.label)) for d in interleave(demos, "label")] == \
        ["business", "tech", "tech"]


def test_balance_by_from_a_dsp_file(tmp_path, lm, capsys):
    rows = "\n".join(f'    Example(text="{e.text}", label="{e.label}").with_inputs("text"),' for e in TRAIN)
    path = tmp_path / "balanced.dsp"
    path.write_text(PROGRAM + f'''
let train = [
{rows}
]
compile clf = Predict(Classify) with BootstrapFewShot(metric=right, max_bootstrapped_demos=4, max_labeled_demos=4, balance_by="label", verbose=false) on train
print(", ".join([str(d.label) for d in clf.demos]))
''')
    dsplang.load(str(path))
    assert capsys.readouterr().out.strip().splitlines()[-1] == "business, politics, sport, tech"
