"""base.py: what every optimizer checks before its first LM call (the data it is given)."""

from __future__ import annotations

import pytest

from dsplang.errors import DspValueError
from dsplang.stdlib.optimizers.bootstrap import BootstrapFewShot
from dsplang.stdlib.optimizers.ensemble import Ensemble
from dsplang.stdlib.optimizers.knn_few_shot import KNNFewShot
from dsplang.stdlib.optimizers.labeled_few_shot import LabeledFewShot
from dsplang.stdlib.optimizers.mipro import MIPROv2
from dsplang.stdlib.optimizers.random_search import BootstrapFewShotWithRandomSearch


def ones(texts):
    return [[1.0] for _ in texts]


@pytest.mark.parametrize("make", [
    lambda dsp: LabeledFewShot(k=2, verbose=False),
    lambda dsp: BootstrapFewShot(metric=dsp.right, verbose=False),
    lambda dsp: BootstrapFewShotWithRandomSearch(dsp.right, verbose=False),
    lambda dsp: KNNFewShot(embedder=ones, verbose=False),
    lambda dsp: MIPROv2(dsp.right, verbose=False),
], ids=["LabeledFewShot", "BootstrapFewShot", "RandomSearch", "KNNFewShot", "MIPROv2"])
def test_an_empty_trainset_is_refused_before_any_lm_call(dsp, lm, make):
    optimizer = make(dsp)
    with pytest.raises(DspValueError) as caught:
        optimizer.compile(dsp.Capital(), trainset=[])
    assert caught.value.message.startswith(f"{optimizer.name}: the trainset is empty")
    assert caught.value.hint and lm.calls == 0


def test_an_empty_valset_is_refused(dsp, lm, train):
    with pytest.raises(DspValueError, match="BootstrapFewShot: the valset is empty"):
        BootstrapFewShot(metric=dsp.right, verbose=False).compile(dsp.Capital(), trainset=train, valset=[])
    assert lm.calls == 0


def test_optimizers_that_bring_their_own_data_take_an_empty_trainset(dsp, lm, train):
    knn = KNNFewShot(k=2, trainset=train, embedder=ones, verbose=False).compile(dsp.Capital(), trainset=[])
    assert knn.trainset == train
    team = Ensemble(verbose=False).compile([dsp.Capital(), dsp.Capital()], trainset=[])
    assert len(team.programs) == 2
