"""History: a conversation input sent as real alternating chat turns (DSPy's conversation
tutorial, ported), in both adapters, with demos, and the errors a user can make with it."""

from __future__ import annotations

import json
import pickle

import pytest

import dsplang
from dsplang.analysis.checker import check_source
from dsplang.errors import DspTypeError
from dsplang.lm.scripted import ScriptedLM
from dsplang.stdlib.adapters import ChatAdapter, JSONAdapter
from dsplang.stdlib.example import Example
from dsplang.stdlib.history import History
from dsplang.stdlib.prediction import Prediction
from dsplang.stdlib.signature import Signature

TUTORIAL = '''let lm = ScriptedLM([{"answer": "Paris."}, {"answer": "About 2.1 million."}, {"answer": "Yes."}])
use lm
signature Chat:
    input question: str
    input history: History
    output answer: str
let chat = Predict(Chat)
let history = History(messages=[])
for question in ["Capital of France?", "How many people live there?", "Are you sure?"]:
    let out = chat(question=question, history=history)
    history.messages.append({"question": question, "answer": out.answer})
'''
CHAT = Signature("question, history: History -> answer")


def roles(messages):
    return [m["role"] for m in messages]


def test_the_conversation_tutorial_ports_and_sends_real_turns():
    names = dsplang.run(TUTORIAL, "chat.dsp")
    assert [t["answer"] for t in names.history.messages] == ["Paris.", "About 2.1 million.", "Yes."]
    last = names.lm.requests[-1].messages
    assert roles(last) == ["system", "user", "assistant", "user", "assistant", "user"]
    assert last[3]["content"] == "[[ ## question ## ]]\nHow many people live there?"
    assert check_source(TUTORIAL, "chat.dsp") == []


def test_each_turn_is_a_user_message_then_the_assistants_reply():
    history = History(messages=[{"question": "Capital of France?", "answer": "Paris."},
                                {"question": "How many live there?", "answer": "About 2.1 million."}])
    messages = ChatAdapter().format(CHAT, [], {"question": "Are you sure?", "history": history})
    assert roles(messages) == ["system", "user", "assistant", "user", "assistant", "user"]
    assert messages[1]["content"] == "[[ ## question ## ]]\nCapital of France?"
    assert messages[2]["content"] == "[[ ## answer ## ]]\nParis.\n\n[[ ## completed ## ]]\n"
    assert messages[5]["content"].startswith("[[ ## question ## ]]\nAre you sure?\n\nRespond with")
    assert all("history" not in m["content"] for m in messages[1:])
    assert "2. `history` (History):" in messages[0]["content"]    # described as DSPy does


def test_the_json_adapter_writes_the_assistant_turns_as_json():
    history = History([{"question": "Capital of France?", "answer": "Paris."}])
    messages = JSONAdapter().format(CHAT, [], {"question": "Sure?", "history": history})
    assert roles(messages) == ["system", "user", "assistant", "user"]
    assert json.loads(messages[2]["content"]) == {"answer": "Paris."}


def test_demos_come_first_and_show_their_history_as_json():
    demo = Example(question="And Germany?", answer="Berlin.",
                   history=History([{"question": "Capital of France?", "answer": "Paris."}]))
    history = History([{"question": "Hi", "answer": "Hello."}])
    messages = ChatAdapter().format(CHAT, [demo], {"question": "Spain?", "history": history})
    assert roles(messages) == ["system", "user", "assistant", "user", "assistant", "user"]
    assert ('[[ ## history ## ]]\n{"messages": [{"question": "Capital of France?", "answer": "Paris."}]}'
            in messages[1]["content"])
    assert messages[3]["content"] == "[[ ## question ## ]]\nHi"


def test_turns_may_be_examples_or_predictions_and_may_lack_a_side():
    history = History([Example(question="Hi"), Prediction(answer="Hello."),
                       {"question": "Capital of France?", "answer": "Paris.", "mood": "ignored"}])
    messages = ChatAdapter().format(CHAT, [], {"question": "Sure?", "history": history})
    assert roles(messages) == ["system", "user", "assistant", "user", "assistant", "user"]
    assert "mood" not in messages[3]["content"]


def test_a_list_of_turns_is_taken_as_a_history_and_none_as_no_turns():
    listed = ChatAdapter().format(CHAT, [], {"question": "Sure?", "history": [{"question": "Hi", "answer": "Yo"}]})
    assert roles(listed) == ["system", "user", "assistant", "user"]
    optional = Signature("question, history: optional[History] -> answer")
    assert roles(ChatAdapter().format(optional, [], {"question": "Sure?", "history": None})) == ["system", "user"]
    assert roles(ChatAdapter().format(optional, [], {"question": "Sure?"})) == ["system", "user"]


def test_chain_of_thought_over_a_history_parses_the_reply():
    lm = ScriptedLM([{"reasoning": "It was said.", "answer": "Yes."}])
    cot = dsplang.ChainOfThought(CHAT, lm=lm)
    pred = cot(question="Sure?", history=History([{"question": "Capital?", "answer": "Paris."}]))
    assert (pred.reasoning, pred.answer) == ("It was said.", "Yes.")
    assert roles(lm.requests[0].messages) == ["system", "user", "assistant", "user"]


@pytest.mark.parametrize("source, said, hint", [
    ('History(messages="hi")', "History(messages=...) takes a list of turns, not a str", "each turn is a dict"),
    ('History(messages=["hi"])', "turn 1 of the History is a str", "each turn is a dict"),
])
def test_a_malformed_history_is_a_located_error(source, said, hint):
    with pytest.raises(DspTypeError) as info:
        dsplang.run(f"let h = {source}\n", "h.dsp")
    assert str(info.value) == f"h.dsp:1:9: type error: {said}"
    assert hint in info.value.hint


def test_a_turn_with_no_field_of_the_signature_is_an_error_at_the_call():
    source = ('use ScriptedLM([{"answer": "x"}])\n'
              'let chat = Predict("question, history: History -> answer")\n'
              'let h = History([{"role": "user", "content": "Hi"}])\n'
              'chat(question="q", history=h)\n')
    with pytest.raises(DspTypeError) as info:
        dsplang.run(source, "turns.dsp")
    assert str(info.value) == "turns.dsp:4:1: type error: turn 1 of the History has none of the fields question, answer"
    assert info.value.hint == "its keys are: role, content"


def test_a_history_input_of_another_type_is_an_error_at_the_call():
    with pytest.raises(DspTypeError, match="input 'history' is a History, not a str"):
        ChatAdapter().format(CHAT, [], {"question": "q", "history": "we talked"})
    with pytest.raises(DspTypeError) as info:
        dsplang.run('let chat = Predict("question, history: History -> answer")\n'
                    'chat(question="q", history="we talked")\n', "bad.dsp")
    assert str(info.value) == "bad.dsp:2:1: type error: input 'history' is a History, not a str"


def test_a_history_output_is_refused_where_the_signature_is_declared():
    with pytest.raises(DspTypeError) as info:
        dsplang.run("signature S:\n    input q: str\n    output h: History\nlet s = S\n", "out.dsp")
    assert "output 'h' of signature S cannot be History" in str(info.value)


def test_a_history_pickles_and_compares_by_its_turns():
    history = History([{"question": "Hi", "answer": "Hello."}])
    assert pickle.loads(pickle.dumps(history)) == history
    assert history != History([])
    assert len(history) == 1 and list(history) == history.messages
    assert repr(History([{"q": "a"}])) == "History(messages=[{'q': 'a'}])"


def test_dsp_check_knows_history_as_a_type_and_a_record_may_take_its_name():
    assert check_source('signature S = "q, h: History -> a"\nlet h = History()\n', "c.dsp") == []
    own = "type History:\n    turns: int\nsignature S:\n    input h: History\n    output a: str\n"
    assert check_source(own, "c.dsp") == []
    assert dsplang.run(own, "own.dsp").S.inputs[0].annotation.__name__ == "History"
