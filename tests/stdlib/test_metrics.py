"""normalize and the standard metrics; semantic_f1 through a real Predict and a ScriptedLM."""

from __future__ import annotations

import pytest

from dsplang.context.lm import using
from dsplang.errors import DspAttributeError
from dsplang.lm.scripted import ScriptedLM
from dsplang.stdlib.example import Example
from dsplang.stdlib.metrics import exact_match, f1, normalize, passage_match, semantic_f1
from dsplang.stdlib.prediction import Prediction


def ex(answer, **more) -> Example:
    return Example(question="q?", answer=answer, **more).with_inputs("question")


@pytest.mark.parametrize("text, expected", [
    ("The Eiffel  Tower!", "eiffel tower"),
    ("  A cat, an apple and THE dog. ", "cat apple and dog"),
    ("theater another", "theater another"),          # articles only as whole words
    ("U.S.A.", "usa"),
    ("rock'n'roll", "rocknroll"),
    ("line\nbreak\ttab", "line break tab"),
    ("", ""),
    (42, "42"),
    (None, ""),
])
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_normalize_decomposes_accents_like_dspy():
    assert normalize("Café") == "cafe\u0301"                 # NFD: e + combining accent
    assert normalize("Cafe\u0301") == normalize("Café")      # composed and decomposed agree
    assert normalize("café") != normalize("cafe")


def test_exact_match_normalises_and_accepts_any_listed_answer():
    assert exact_match(ex("Paris"), Prediction(answer="the paris.")) is True
    assert exact_match(ex("Paris"), Prediction(answer="Paris, France")) is False
    assert exact_match(ex(["NYC", "New York City"]), Prediction(answer="new york city")) is True
    assert exact_match(ex(4), Prediction(answer="4")) is True


def test_exact_match_with_frac_uses_f1():
    pred = Prediction(answer="Paris France")
    assert exact_match(ex("Paris"), pred, frac=0.5) is True
    assert exact_match(ex("Paris"), pred, frac=0.9) is False


def test_exact_match_needs_an_answer_field():
    with pytest.raises(DspAttributeError) as caught:
        exact_match(ex("Paris"), Prediction(response="Paris"))
    assert "answer" in caught.value.message


def test_f1_token_overlap_and_max_over_answers():
    assert f1(ex("Eiffel Tower"), Prediction(answer="the Eiffel Tower")) == 1.0
    assert f1(ex("Paris"), Prediction(answer="Eiffel Tower is in Paris")) == pytest.approx(1 / 3)
    assert f1(ex(["London", "Paris city"]), Prediction(answer="Paris")) == pytest.approx(2 / 3)
    assert f1(ex("Paris"), Prediction(answer="London")) == 0.0
    assert f1(ex("the"), Prediction(answer="a")) == 0.0            # both empty after normalising
    assert f1(ex("a a b"), Prediction(answer="a b b")) == pytest.approx(2 / 3)  # counts, not sets


def test_passage_match_needs_the_answer_as_whole_words():
    example = ex(["Eiffel Tower", "Louvre"])
    assert passage_match(example, Prediction(context=["x", "The Eiffel tower is in Paris."])) is True
    assert passage_match(example, Prediction(context=["Louvres are plural"])) is False
    assert passage_match(ex("Paris"), Prediction(context="Paris, France")) is True
    assert passage_match(ex("Paris"), Prediction(context=[{"title": "t", "text": "in paris"}])) is True
    assert passage_match(ex("Paris"), Prediction(context=[])) is False


def test_passage_match_splits_off_non_ascii_punctuation_as_dspy_does():
    for passage in ["Paris’s museums", "Paris—the capital", "«Paris»", "in Paris…"]:
        assert passage_match(ex("Paris"), Prediction(context=[passage])) is True, passage
    assert passage_match(ex("café"), Prediction(context=["the cafe\u0301 opens"])) is True
    assert passage_match(ex("New York"), Prediction(context=["new-york city"])) is False   # "-" is deleted
    assert passage_match(ex("rock"), Prediction(context=["rock'n'roll"])) is False
    assert passage_match(ex("the"), Prediction(context=["anything"])) is False             # empty answer


def test_semantic_f1_asks_the_current_lm():
    lm = ScriptedLM({"Paris is the capital": {"recall": 0.5, "precision": 1.0}})
    example = Example(question="What is the capital of France?", answer="Paris").with_inputs("question")
    pred = Prediction(answer="Paris is the capital of France")
    with using(lm):
        score = semantic_f1(example, pred)
        passed = semantic_f1(example, pred, trace=[])
    assert score == pytest.approx(2 * 0.5 / 1.5)
    assert passed is True
    sent = lm.requests[0].messages[-1]["content"]
    assert "What is the capital of France?" in sent and "Paris" in sent


def test_semantic_f1_reads_response_and_clamps_scores():
    lm = ScriptedLM({"long essay": {"recall": 1.7, "precision": -2}})
    example = Example(topic="x", response="short").with_inputs("topic")
    with using(lm):
        assert semantic_f1(example, Prediction(response="a long essay")) == 0.0
        assert semantic_f1(example, Prediction(response="a long essay"), trace=[]) is False
    assert "topic: x" in lm.requests[0].messages[-1]["content"]
