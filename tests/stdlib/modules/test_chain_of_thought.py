"""ChainOfThought over signatures that name a field `reasoning`: merged as DSPy does, or refused
at run time and by `dsp check` alike."""

from __future__ import annotations

import pytest

import dsplang
from dsplang.analysis.checker import check_source
from dsplang.errors import DspValueError

OWN_REASONING = '''use ScriptedLM([{"reasoning": "Paris is in France.", "answer": "Paris"}])
signature QA:
    input question: str
    output answer: str
    output reasoning: str "why, in one sentence"
let cot = ChainOfThought(QA)
let pred = cot(question="Capital of France?")
'''


def test_a_signature_with_its_own_reasoning_output_keeps_it_first():
    names = dsplang.run(OWN_REASONING, "cot.dsp")
    assert (names.pred.reasoning, names.pred.answer) == ("Paris is in France.", "Paris")
    outputs = names.cot.predict.signature.outputs
    assert [f.name for f in outputs] == ["reasoning", "answer"]
    assert outputs[0].desc == "why, in one sentence"
    assert check_source(OWN_REASONING, "cot.dsp") == []


@pytest.mark.parametrize("source", ['let cot = ChainOfThought("reasoning, question -> answer")\n',
                                    'signature S = "reasoning -> answer"\nlet cot = ChainOfThought(S)\n'])
def test_a_reasoning_input_is_refused_by_a_run_and_by_dsp_check(source):
    with pytest.raises(DspValueError) as info:
        dsplang.run(source, "cot.dsp")
    [checked] = check_source(source, "cot.dsp")
    assert "adds an output named 'reasoning', but" in info.value.message
    assert "adds an output named 'reasoning', but" in checked.message
    assert info.value.span == checked.span and checked.hint == "rename that input"
