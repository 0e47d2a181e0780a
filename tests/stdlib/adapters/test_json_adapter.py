"""JSONAdapter: JSON-object replies, structured-output requests, lenient parsing."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from adapter_cases import TYPED_VALUE_STRATEGY, TYPED_VALUES, Passage, answer_signature, signature_with_output
from hypothesis import given, settings

from dsplang.errors import DspOutputParseError
from dsplang.lm.scripted import ScriptedLM
from dsplang.stdlib.adapters import JSONAdapter, json_adapter
from dsplang.stdlib.signature import FieldSpec, Signature

ADAPTER = JSONAdapter()
INPUTS = {"context": ["Paris is in France."], "question": "Where is Paris?"}


def test_messages_show_inputs_as_blocks_and_outputs_as_a_json_object():
    system, user = ADAPTER.format(answer_signature(), [], INPUTS)
    assert system["role"] == "system"
    assert "Inputs will have the following structure:\n\n[[ ## context ## ]]\n{context}" in system["content"]
    expected_outputs = json.dumps({
        "answer": "{answer}",
        "confidence": "{confidence}        # note: the value you produce must be a single float value",
    }, indent=2)
    assert f"Outputs will be a JSON object with the following fields.\n\n{expected_outputs}\n" in system["content"]
    assert system["content"].endswith(
        "In adhering to this structure, your objective is: \n        Answer using only the given context.")
    assert user["content"] == (
        '[[ ## context ## ]]\n["Paris is in France."]\n\n[[ ## question ## ]]\nWhere is Paris?\n\n'
        "Respond with a JSON object in the following order of fields: `answer`, then `confidence` "
        "(must be formatted as a valid Python float).")


def test_demo_replies_are_json():
    demo = {"context": ["c"], "question": "q", "answer": "a", "confidence": 0.5}
    messages = ADAPTER.format(answer_signature(), [demo], INPUTS)
    assert json.loads(messages[2]["content"]) == {"answer": "a", "confidence": 0.5}


@pytest.mark.parametrize("annotation, value", TYPED_VALUES)
def test_format_reply_then_parse_round_trips_every_type(annotation, value):
    sig = signature_with_output(annotation)
    assert ADAPTER.parse(sig, ADAPTER.format_reply(sig, {"value": value})) == {"value": value}


@settings(max_examples=60, deadline=None)
@given(TYPED_VALUE_STRATEGY)
def test_round_trip_property(case):
    annotation, value = case
    sig = signature_with_output(annotation)
    assert ADAPTER.parse(sig, ADAPTER.format_reply(sig, {"value": value})) == {"value": value}


@pytest.mark.parametrize("reply", [
    '{"answer": "Paris", "confidence": 0.9}',
    '```json\n{"answer": "Paris", "confidence": 0.9}\n```',
    'Here you go:\n{"answer": "Paris", "confidence": "0.9"}\nAnything else?',
    "{'answer': 'Paris', 'confidence': 0.9,}",
    '{"Answer": "Paris", "CONFIDENCE": "90%", "extra": 1}',
])
def test_parse_is_lenient(reply):
    assert ADAPTER.parse(answer_signature(), reply) == {"answer": "Paris", "confidence": 0.9}


def test_a_missing_field_names_it():
    with pytest.raises(DspOutputParseError) as info:
        ADAPTER.parse(answer_signature(), '{"answer": "Paris"}')
    assert "no output field 'confidence'" in info.value.message
    assert "JSONAdapter" in info.value.message


def test_a_reply_that_is_not_an_object():
    with pytest.raises(DspOutputParseError, match="not a JSON object") as info:
        ADAPTER.parse(answer_signature(), "Paris, with high confidence.")
    assert info.value.notes == ["the LM replied: Paris, with high confidence."]
    with pytest.raises(DspOutputParseError, match="found a JSON list"):
        ADAPTER.parse(answer_signature(), '["Paris", 0.9]')


def test_structured_output_schema_is_strict():
    sig = signature_with_output(list[Passage])
    fmt = json_adapter.response_schema(sig)
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema["required"] == ["value"] and schema["additionalProperties"] is False
    passage = schema["$defs"]["Passage"]
    assert passage["required"] == ["title", "text"] and passage["additionalProperties"] is False
    fmt["json_schema"]["schema"]["required"] = []
    assert json_adapter.response_schema(sig)["json_schema"]["schema"]["required"] == ["value"]


def test_request_kwargs_follow_what_the_model_supports(monkeypatch):
    support = {"schema-model": (True, True), "json-model": (False, True), "plain-model": (False, False)}
    monkeypatch.setattr(json_adapter, "_model_support", lambda model: support[model])
    sig = answer_signature()
    kwargs = ADAPTER.request_kwargs(SimpleNamespace(model="schema-model"), sig)
    assert kwargs["response_format"]["type"] == "json_schema"
    assert ADAPTER.request_kwargs(SimpleNamespace(model="json-model"), sig) == {
        "response_format": {"type": "json_object"}}
    assert ADAPTER.request_kwargs(SimpleNamespace(model="plain-model"), sig) == {}


def test_open_ended_dict_outputs_use_json_mode(monkeypatch):
    monkeypatch.setattr(json_adapter, "_model_support", lambda model: (True, True))
    sig = signature_with_output(dict[str, int])
    assert ADAPTER.request_kwargs(SimpleNamespace(model="m"), sig) == {
        "response_format": {"type": "json_object"}}


def test_a_scripted_lm_gets_the_schema_without_litellm(monkeypatch):
    def refuse(model):
        raise AssertionError("litellm must not be consulted for a ScriptedLM")

    monkeypatch.setattr(json_adapter, "_model_support", refuse)
    kwargs = ADAPTER.request_kwargs(ScriptedLM([]), answer_signature())
    assert kwargs["response_format"]["json_schema"]["name"] == "Answer"


def test_an_optional_output_may_be_absent():
    sig = Signature.from_fields("S", None, [FieldSpec("q", str, None, "input"),
                                            FieldSpec("note", str | None, None, "output")])
    assert ADAPTER.parse(sig, "{}") == {"note": None}
