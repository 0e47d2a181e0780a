"""`threads=` and DSPy's `num_threads=` are one setting, taken the same way by evaluate, batch,
Parallel and every optimizer; two different counts are a located error."""

from __future__ import annotations

import pytest

import dsplang
from dsplang.errors import DspArgumentError
from dsplang.stdlib.modules.parallel import Parallel
from dsplang.stdlib.optimizers.base import Optimizer
from dsplang.stdlib.thread_count import thread_count

OPTIMIZERS = ["LabeledFewShot", "BootstrapFewShot", "BootstrapFewShotWithRandomSearch", "KNNFewShot",
              "COPRO", "MIPROv2", "Ensemble", "SIMBA", "GEPA"]
NEEDS = {"KNNFewShot": 'k=1, trainset=[Example(q="a", a="b").with_inputs("q")], embedder=TfIdf(["a b"]), ',
         "GEPA": 'metric=m, auto="light", ', "COPRO": "metric=m, ", "MIPROv2": "metric=m, ", "SIMBA": "metric=m, ",
         "BootstrapFewShotWithRandomSearch": "metric=m, "}


def test_either_name_gives_the_count_and_two_counts_are_refused():
    assert thread_count(1, None, "f()") == 1 and thread_count(None, None, "f()", 8) == 8
    assert thread_count(1, 4, "f()") == 4 and thread_count(4, None, "f()") == 4 and thread_count(4, 4, "f()") == 4
    with pytest.raises(DspArgumentError) as info:
        thread_count(2, 4, "evaluate()")
    assert info.value.message == "evaluate(): give threads= or num_threads=, not both"
    assert "got threads=2 and num_threads=4" in info.value.hint


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_takes_both_names(name):
    names = dsplang.run(f"def m(example, pred, trace=none):\n    return true\n"
                        f"let a = {name}({NEEDS.get(name, '')}num_threads=3, verbose=false)\n"
                        f"let b = {name}({NEEDS.get(name, '')}threads=3, verbose=false)\n", "opt.dsp")
    assert isinstance(names.a, Optimizer) and names.a.threads == names.b.threads == 3
    with pytest.raises(DspArgumentError) as info:
        dsplang.run(f"def m(example, pred, trace=none):\n    return true\n"
                    f"let c = {name}({NEEDS.get(name, '')}threads=2, num_threads=3)\n", "opt.dsp")
    assert str(info.value).startswith(f"opt.dsp:3:9: argument error: {name}(): give threads= or num_threads=")


def test_evaluate_batch_and_parallel_take_both_names():
    names = dsplang.run('use ScriptedLM({"": {"answer": "4"}})\n'
                        'let qa = Predict("question -> answer")\n'
                        'let data = [Example(question="2+2?", answer="4").with_inputs("question")]\n'
                        'let score = evaluate(qa, data, metric=exact_match, num_threads=2, display_progress=false,'
                        ' display_table=false).score\n'
                        'let batched = batch(qa, [{"question": "2+2?"}], num_threads=2)\n'
                        'let pool = Parallel(threads=3)\n'
                        'let pooled = pool([(qa, {"question": "2+2?"})], threads=2)\n', "par.dsp")
    assert names.score == 100.0 and names.batched[0].answer == "4" and names.pooled[0].answer == "4"
    assert names.pool.num_threads == 3 and Parallel(num_threads=5).num_threads == 5
    for call, who in [("evaluate(qa, [], threads=2, num_threads=4)", "evaluate()"),
                      ("batch(qa, [], threads=2, num_threads=4)", "batch()"),
                      ("Parallel(threads=2, num_threads=4)", "Parallel()"),
                      ("Parallel()([], threads=2, num_threads=4)", "Parallel")]:
        with pytest.raises(DspArgumentError) as info:
            dsplang.run(f'let qa = Predict("question -> answer")\nlet x = {call}\n', "par.dsp")
        assert f"{who}: give threads= or num_threads=, not both" in str(info.value)
        assert str(info.value).startswith("par.dsp:2:")
