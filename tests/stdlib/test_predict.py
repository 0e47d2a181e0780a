"""Predict and ChainOfThought through the real adapters and parsing, on the scripted LM."""

from __future__ import annotations

import pytest

from dsplang.context import trace
from dsplang.context.lm import using
from dsplang.errors import DspArgumentError, DspLMError, DspOutputParseError
from dsplang.lm.scripted import ScriptedLM
from dsplang.stdlib.adapters import JSONAdapter
from dsplang.stdlib.example import Example
from dsplang.stdlib.modules.chain_of_thought import ChainOfThought
from dsplang.stdlib.modules.predict import Predict
from dsplang.stdlib.signature import Signature


def qa() -> Predict:
    return Predict(Signature.from_string("question -> answer"))


def test_predict_returns_parsed_outputs():
    lm = ScriptedLM([{"answer": "Paris"}])
    with using(lm):
        pred = qa()(question="Capital of France?")
    assert pred.answer == "Paris"
    user = lm.requests[0].messages[-1]["content"]
    assert "[[ ## question ## ]]\nCapital of France?" in user


def test_chain_of_thought_adds_reasoning_first():
    lm = ScriptedLM([{"reasoning": "It is in Europe.", "answer": "Paris"}])
    cot = ChainOfThought("question -> answer")
    with using(lm):
        pred = cot(question="Capital of France?")
    assert (pred.reasoning, pred.answer) == ("It is in Europe.", "Paris")
    system = lm.requests[0].messages[0]["content"]
    assert system.index("`reasoning`") < system.index("`answer`")
    assert cot.named_predictors()[0][0] == "predict"


def test_unknown_and_missing_inputs_are_argument_errors():
    with using(ScriptedLM([])):
        with pytest.raises(DspArgumentError) as unknown:
            qa()(questoin="x")
        assert unknown.value.hint == "did you mean 'question'?"
        with pytest.raises(DspArgumentError) as missing:
            qa()()
        assert "question" in missing.value.message


def test_positional_arguments_are_refused():
    with using(ScriptedLM([])), pytest.raises(DspArgumentError, match="keyword arguments"):
        qa()("Capital?")


def test_n_returns_all_completions():
    lm = ScriptedLM([{"answer": "a"}, {"answer": "b"}, {"answer": "c"}])
    with using(lm):
        pred = qa()(question="q", config={"n": 3})
    assert [c["answer"] for c in pred.completions] == ["a", "b", "c"]
    assert pred.answer == "a"


def test_parse_failure_falls_back_to_json_once():
    sig = Signature.from_string("question -> answer: int, unit: str")
    lm = ScriptedLM(["[[ ## answer ## ]]\nforty-two\n\n[[ ## completed ## ]]",
                     '{"answer": 42, "unit": "apples"}'])
    with using(lm):
        pred = Predict(sig)(question="how many?")
    assert (pred.answer, pred.unit) == (42, "apples")
    assert len(lm.requests) == 2
    assert "response_format" in lm.requests[1].params or "JSON" in lm.requests[1].messages[0]["content"]


def test_parse_failure_after_fallback_shows_the_reply():
    lm = ScriptedLM(["[[ ## answer ## ]]\nforty-two\n\n[[ ## completed ## ]]", '{"answer": "many"}'])
    with using(lm), pytest.raises(DspOutputParseError) as err:
        Predict(Signature.from_string("question -> answer: int"))(question="how many?")
    text = "\n".join([err.value.message] + err.value.notes)
    assert "answer" in text and "forty-two" in text and "JSON" in text


def test_provider_errors_are_not_retried_with_json():
    class Broken(ScriptedLM):
        def _complete(self, *args, **kwargs):
            raise DspLMError("scripted: the provider is down")

    lm = Broken([])
    with using(lm), pytest.raises(DspLMError, match="down"):
        qa()(question="q")


def test_explicit_json_adapter_is_used():
    lm = ScriptedLM([{"answer": "Paris"}])
    with using(lm):
        pred = Predict(Signature.from_string("question -> answer"), adapter=JSONAdapter())(question="q")
    assert pred.answer == "Paris"
    assert lm.requests[0].messages[-1]["content"].strip().endswith("}") or "JSON" in str(lm.requests[0].messages)


def test_demos_become_user_assistant_turns():
    lm = ScriptedLM([{"answer": "Rome"}])
    p = qa()
    p.demos = [Example(question="Capital of France?", answer="Paris")]
    with using(lm):
        p(question="Capital of Italy?")
    roles = [m["role"] for m in lm.requests[0].messages]
    assert roles == ["system", "user", "assistant", "user"]
    assert "Paris" in lm.requests[0].messages[2]["content"]


def test_every_call_is_traced():
    lm = ScriptedLM([{"answer": "Paris"}])
    with using(lm), trace.collecting() as collected:
        qa()(question="Capital?")
    (rec,) = collected.predictor_calls()
    assert rec.signature == "question -> answer"
    assert rec.inputs == {"question": "Capital?"}
    assert rec.outputs == {"answer": "Paris"}
    assert rec.model == "scripted" and not rec.cache_hit
    assert rec.messages[0]["role"] == "system" and "Paris" in rec.replies[0]


def test_second_identical_call_is_a_cache_hit():
    lm = ScriptedLM([{"answer": "Paris"}], cache=True)
    with using(lm), trace.collecting() as collected:
        first = qa()(question="Capital?")
        second = qa()(question="Capital?")
    assert first.answer == second.answer == "Paris"
    assert [r.cache_hit for r in collected.predictor_calls()] == [False, True]
    assert len(lm.requests) == 1


def test_clone_copies_demos_independently():
    p = qa()
    p.demos = [Example(question="a", answer="b")]
    c = p.clone()
    c.demos.append(Example(question="c", answer="d"))
    assert len(p.demos) == 1 and len(c.demos) == 2


@pytest.mark.parametrize("source, said", [
    ('Predict("question -> answer", demos=3)', "a predictor's demos must be a list of Examples, not an int"),
    ('ChainOfThought("question -> answer", demos="x")', "a predictor's demos must be a list of Examples, not a str"),
    ('Predict("question -> answer", demos=[1])', "a predictor's demos must be a list of Examples; one of them is an int")])
def test_demos_that_are_not_a_list_of_examples_are_a_located_type_error(source, said):
    import dsplang
    from dsplang.errors import DspTypeError
    with pytest.raises(DspTypeError) as info:
        dsplang.run(f"let p = {source}\n", "demos.dsp")
    assert info.value.message == said and str(info.value.span) == "demos.dsp:1:9"


def test_demos_assigned_later_are_checked_too():
    from dsplang.errors import DspTypeError
    predictor = qa()
    with pytest.raises(DspTypeError, match="not a dict"):
        predictor.demos = {"question": "q", "answer": "a"}
    predictor.demos = (Example(question="q", answer="a"), {"question": "r", "answer": "b"})
    assert len(predictor.demos) == 2
