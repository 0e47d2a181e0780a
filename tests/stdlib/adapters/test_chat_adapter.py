"""ChatAdapter: DSPy's [[ ## field ## ]] messages, parsing, and reply round trips."""

from __future__ import annotations

from typing import Optional

import pytest
from adapter_cases import (
    TYPED_VALUE_STRATEGY,
    TYPED_VALUES,
    Passage,
    Sentiment,
    answer_signature,
    signature_with_output,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from dsplang.errors import DspOutputParseError
from dsplang.stdlib.adapters import ChatAdapter, FieldParseError
from dsplang.stdlib.example import Example
from dsplang.stdlib.signature import FieldSpec, Signature

ADAPTER = ChatAdapter()

GOLDEN_SYSTEM = """\
Your input fields are:
1. `context` (list[str]): passages gathered so far
2. `question` (str):
Your output fields are:
1. `answer` (str): usually 1-5 words
2. `confidence` (float): 0.0 to 1.0
All interactions will be structured in the following way, with the appropriate values filled in.

[[ ## context ## ]]
{context}

[[ ## question ## ]]
{question}

[[ ## answer ## ]]
{answer}

[[ ## confidence ## ]]
{confidence}        # note: the value you produce must be a single float value

[[ ## completed ## ]]
In adhering to this structure, your objective is: 
        Answer using only the given context."""

REMINDER = ("Respond with the corresponding output fields, starting with the field `[[ ## answer ## ]]`, "
            "then `[[ ## confidence ## ]]` (must be formatted as a valid Python float), "
            "and then ending with the marker for `[[ ## completed ## ]]`.")

GOLDEN_USER = f"""\
[[ ## context ## ]]
["Paris is in France.", "Lyon too."]

[[ ## question ## ]]
Where is Paris?

{REMINDER}"""

INPUTS = {"context": ["Paris is in France.", "Lyon too."], "question": "Where is Paris?"}


def test_system_and_user_messages_match_the_golden_text():
    messages = ADAPTER.format(answer_signature(), [], INPUTS)
    assert messages == [{"role": "system", "content": GOLDEN_SYSTEM},
                        {"role": "user", "content": GOLDEN_USER}]


def test_typed_outputs_carry_notes_and_json_schemas():
    sig = Signature.from_fields("S", None, [
        FieldSpec("q", str, None, "input"),
        FieldSpec("ok", bool, None, "output"),
        FieldSpec("mood", Sentiment, None, "output"),
        FieldSpec("passage", Passage, None, "output"),
    ])
    system = ADAPTER.format(sig, [], {"q": "x"})[0]["content"]
    assert "{ok}        # note: the value you produce must be True or False" in system
    assert "{mood}        # note: the value you produce must be one of: positive; negative; neutral" in system
    assert ('{passage}        # note: the value you produce must adhere to the JSON schema: '
            '{"type": "object", "properties": {"text": {"type": "string"') in system
    assert "3. `passage` (Passage):" in system


def test_demos_become_user_assistant_pairs_incomplete_first():
    sig = answer_signature()
    complete = {"context": ["c"], "question": "q1", "answer": "a1", "confidence": 0.5}
    partial = {"question": "q2", "answer": "a2"}
    useless = {"question": "q3"}
    messages = ADAPTER.format(sig, [complete, partial, useless], INPUTS)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert messages[1]["content"] == ("This is an example of the task, though some input or output "
                                      f"fields are not supplied.\n\n[[ ## question ## ]]\nq2\n\n{REMINDER}")
    assert messages[2]["content"] == ("[[ ## answer ## ]]\na2\n\n[[ ## confidence ## ]]\n"
                                      "Not supplied for this particular example.\n\n[[ ## completed ## ]]\n")
    assert messages[3]["content"] == f'[[ ## context ## ]]\n["c"]\n\n[[ ## question ## ]]\nq1\n\n{REMINDER}'
    assert messages[4]["content"] == ("[[ ## answer ## ]]\na1\n\n[[ ## confidence ## ]]\n0.5\n\n"
                                      "[[ ## completed ## ]]\n")


def test_examples_work_as_demos():
    demo = Example(context=["c"], question="q1", answer="a1", confidence=0.5).with_inputs("context", "question")
    messages = ADAPTER.format(answer_signature(), [demo], INPUTS)
    assert messages[1]["content"] == f'[[ ## context ## ]]\n["c"]\n\n[[ ## question ## ]]\nq1\n\n{REMINDER}'


def test_every_demo_turn_ends_like_the_request():
    """Demos show the exact exchange the model must continue: the request's reminder too."""
    demos = [{"question": f"q{i}", "context": ["c"], "answer": "a", "confidence": 0.1} for i in range(3)]
    messages = ADAPTER.format(answer_signature(), demos, INPUTS)
    users = [m["content"] for m in messages if m["role"] == "user"]
    assert len(users) == 4 and all(u.endswith("\n\n" + REMINDER) for u in users)


def test_a_list_in_a_str_input_is_a_numbered_list():
    sig = Signature.from_fields("S", None, [FieldSpec("context", str, None, "input"),
                                            FieldSpec("answer", str, None, "output")])
    user = ADAPTER.format(sig, [], {"context": ["one", "two\nlines"]})[1]["content"]
    assert user.startswith("[[ ## context ## ]]\n[1] «one»\n[2] «««\n    two\n    lines\n»»»")


def test_prompt_parts_are_built_once_per_signature():
    sig = answer_signature()
    assert ADAPTER.plan(sig) is ADAPTER.plan(sig)
    first = ADAPTER.format(sig, [], INPUTS)
    first[0]["content"] = "changed by a caller"
    assert ADAPTER.format(sig, [], INPUTS)[0]["content"] == GOLDEN_SYSTEM


@pytest.mark.parametrize("annotation, value", TYPED_VALUES)
def test_format_reply_then_parse_round_trips_every_type(annotation, value):
    sig = signature_with_output(annotation)
    reply = ADAPTER.format_reply(sig, {"value": value})
    assert reply.endswith("[[ ## completed ## ]]\n")
    assert ADAPTER.parse(sig, reply) == {"value": value}


@settings(max_examples=60, deadline=None)
@given(TYPED_VALUE_STRATEGY)
def test_round_trip_property(case):
    annotation, value = case
    sig = signature_with_output(annotation)
    assert ADAPTER.parse(sig, ADAPTER.format_reply(sig, {"value": value})) == {"value": value}


@settings(max_examples=60, deadline=None)
@given(st.text().map(str.strip).filter(lambda s: s and "[[" not in s))
def test_str_round_trip_property(text):
    sig = signature_with_output(str)
    assert ADAPTER.parse(sig, ADAPTER.format_reply(sig, {"value": text})) == {"value": text}


def test_parse_forgives_header_spacing_case_and_echoed_inputs():
    reply = ("[[ ## question ## ]]\nechoed\n[[## Answer ##]] Paris\n\n"
             "[[ ## confidence ## ]]\n0.9\n[[ ## answer ## ]]\nignored second\n[[ ## completed ## ]]")
    assert ADAPTER.parse(answer_signature(), reply) == {"answer": "Paris", "confidence": 0.9}


def test_a_reply_without_headers_is_the_only_output():
    sig = signature_with_output(int)
    assert ADAPTER.parse(sig, "  42\n") == {"value": 42}


def test_a_missing_output_field_names_the_field_and_shows_the_reply():
    reply = "[[ ## answer ## ]]\nParis\n\n[[ ## completed ## ]]"
    with pytest.raises(DspOutputParseError) as info:
        ADAPTER.parse(answer_signature(), reply)
    err = info.value
    assert err.message == ("the LM reply has no output field 'confidence' "
                           "(signature Answer expects answer, confidence; ChatAdapter)")
    assert err.missing == ["confidence"]
    assert err.notes == [f"the LM replied: {reply}"]


def test_a_missing_optional_output_is_none():
    sig = answer_signature().append_output("source", Optional[str])
    reply = ADAPTER.format_reply(answer_signature(), {"answer": "Paris", "confidence": 1.0})
    assert ADAPTER.parse(sig, reply)["source"] is None


def test_a_value_of_the_wrong_type_is_a_field_parse_error_with_the_reply():
    reply = "[[ ## answer ## ]]\nParis\n\n[[ ## confidence ## ]]\nvery high\n\n[[ ## completed ## ]]"
    with pytest.raises(FieldParseError) as info:
        ADAPTER.parse(answer_signature(), reply)
    assert info.value.field == "confidence" and info.value.raw == "very high"
    assert info.value.notes[-1] == f"the LM replied: {reply}"


def test_format_reply_leaves_out_outputs_it_is_not_given():
    reply = ADAPTER.format_reply(answer_signature(), {"answer": "Paris"})
    assert reply == "[[ ## answer ## ]]\nParis\n\n[[ ## completed ## ]]\n"


def test_no_extra_request_parameters():
    assert ADAPTER.request_kwargs(object(), answer_signature()) == {}
