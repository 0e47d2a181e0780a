"""KNNFewShot with a bag-of-words embedder, and Ensemble."""

from __future__ import annotations

import hashlib

import pytest

from dsplang.errors import DspArgumentError, DspTypeError
from dsplang.stdlib.optimizers.ensemble import Ensemble
from dsplang.stdlib.optimizers.knn_few_shot import KNNFewShot
from dsplang.stdlib.optimizers.labeled_few_shot import LabeledFewShot
from dsplang.stdlib.prediction import Prediction
from dsplang.stdlib.retrievers.tfidf import TfIdf


def bag_of_words(texts):
    """A tiny deterministic embedder: word counts hashed into 64 buckets."""
    vectors = []
    for text in texts:
        vector = [0] * 64
        for word in text.lower().replace("?", "").split():
            vector[int(hashlib.sha256(word.encode()).hexdigest(), 16) % 64] += 1
        vectors.append(vector)
    return vectors


class Letters:
    """An embedder object with an `embed` method: letter counts."""

    def embed(self, texts):
        return [[t.lower().count(c) for c in "abcdefghijklmnopqrstuvwxyz"] for t in texts]


def test_knn_few_shot_raises_the_score(dsp, lm, train, dev, score):
    student = dsp.Capital()
    compiled = KNNFewShot(k=4, embedder=bag_of_words, verbose=False).compile(student, trainset=train)
    assert score(student, dev, dsp.right) == 0.0
    assert score(compiled, dev, dsp.right) > 60.0
    assert student.respond.predict.demos == []


def test_knn_few_shot_with_tfidf_needs_no_model(dsp, lm, train, dev, score):
    tfidf = TfIdf([example.question for example in train])
    compiled = KNNFewShot(k=4, embedder=tfidf, verbose=False).compile(dsp.Capital(), trainset=train)
    assert score(compiled, dev, dsp.right) > 60.0
    nearest = compiled.neighbours({"question": train[7].question})
    assert nearest[0] == 7


def test_knn_picks_the_nearest_examples_first(dsp, fake):
    train = fake.capitals(40, 60)
    compiled = KNNFewShot(k=2, trainset=train, vectorizer=bag_of_words, verbose=False).compile(
        dsp.Capital(), trainset=[])
    nearest = compiled.neighbours({"question": "What is the capital of Land13?"})
    assert nearest[0] == 13
    letters = KNNFewShot(k=2, trainset=train, embedder=Letters(), verbose=False).compile(dsp.Capital(), trainset=[])
    assert letters.neighbours({"question": "Land"}) == [0, 1]     # all tie: earlier first


def test_knn_needs_an_embedder():
    with pytest.raises(DspArgumentError, match="embedder"):
        KNNFewShot(k=3)


def test_knn_checks_what_the_embedder_returns(dsp, train):
    with pytest.raises(DspTypeError, match="embedder"):
        KNNFewShot(k=2, embedder=lambda texts: [[1.0]], verbose=False).compile(dsp.Capital(), trainset=train)


def first_answer(predictions):
    return predictions[0]


def test_ensemble_combines_programs_by_majority(dsp, lm, train, dev, score):
    members = [LabeledFewShot(k=k, verbose=False, seed=k).compile(dsp.Capital(), trainset=train) for k in (1, 2, 3)]
    team = Ensemble(verbose=False).compile(members)
    alone = [score(m, dev, dsp.right) for m in members]
    assert score(team, dev, dsp.right) >= min(alone)
    assert [p for p, _ in team.named_predictors()] == [f"programs[{i}].respond.predict" for i in range(3)]
    assert team.programs[0] is not members[0]


def test_ensemble_size_picks_the_same_members_for_the_same_inputs(dsp, lm, train):
    members = [LabeledFewShot(k=2, seed=s, verbose=False).compile(dsp.Capital(), trainset=train) for s in range(4)]
    team = Ensemble(size=2, reduce_fn=None, verbose=False).compile(members)
    first = team._choose({"question": "q"})
    assert len(first) == 2 and team._choose({"question": "q"}) == first
    assert len(team(question="What is the capital of France?")) == 2


def test_ensemble_with_a_custom_reduce(dsp, lm, train):
    members = [LabeledFewShot(k=2, verbose=False).compile(dsp.Capital(), trainset=train)] * 2
    team = Ensemble(reduce_fn=first_answer, verbose=False).compile(members)
    assert isinstance(team(question="What is the capital of France?"), Prediction)


def test_ensemble_needs_a_list():
    with pytest.raises(DspTypeError, match="list of programs"):
        Ensemble(verbose=False).compile("not programs")


def test_knn_few_shot_with_the_embeddings_retriever(dsp, lm, train, dev, score, openai_server):
    from dsplang.stdlib.retrievers.embeddings import Embeddings
    embedder = Embeddings(model="openai/test-embed", api_base=openai_server.url, api_key="sk-test")
    compiled = KNNFewShot(k=4, embedder=embedder, verbose=False).compile(dsp.Capital(), trainset=train)
    assert score(compiled, dev, dsp.right) > 60.0
    assert openai_server.requests, "the examples were embedded through the server"


def test_ensemble_size_cannot_exceed_the_programs(dsp):
    with pytest.raises(DspArgumentError, match="Ensemble: size=5, but the ensemble has only 2 programs") as caught:
        Ensemble(size=5, verbose=False).compile([dsp.Capital(), dsp.Capital()])
    assert "at most 2" in caught.value.hint
    assert len(Ensemble(size=2, verbose=False).compile([dsp.Capital(), dsp.Capital()]).programs) == 2


def test_a_setting_holding_a_knn_or_ensemble_program_is_described_by_its_compiled_state(dsp, train):
    # (what a teacher= or programs= setting puts in a reuse key: the pool and k, not only the predictors)
    from dsplang.stdlib.optimizers.base import describe_setting

    def knn(pool, k=2):
        return KNNFewShot(k=k, embedder=bag_of_words, verbose=False).compile(dsp.Capital(), trainset=pool)
    assert describe_setting(knn(train)) == describe_setting(knn(train))
    assert describe_setting(knn(train)) != describe_setting(knn(train[1:]))
    assert describe_setting(knn(train)) != describe_setting(knn(train, k=3))
    team = [dsp.Capital(), dsp.Capital()]
    one, two = (Ensemble(size=size).compile(team, trainset=[]) for size in (1, 2))
    assert describe_setting(one) != describe_setting(two)
