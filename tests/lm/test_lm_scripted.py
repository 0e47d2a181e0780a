"""ScriptedLM: list and dict scripts, formatting, running out, threads, delay."""

from __future__ import annotations

import threading
import time

import pytest

from dsplang.errors import DspLMError, DspValueError
from dsplang.lm import ScriptedLM
from dsplang.lm.prompt import Prompt
from dsplang.stdlib.adapters import ChatAdapter, JSONAdapter
from dsplang.stdlib.signature import Signature


def chat(*users: str, system: str = "You answer questions.") -> list[dict]:
    return [{"role": "system", "content": system}] + [{"role": "user", "content": u}
                                                       for u in users]


def field_formatter(values: dict) -> str:
    return "\n".join(f"[[ ## {k} ## ]]\n{v}" for k, v in values.items())


def test_list_answers_are_consumed_in_order_then_run_out():
    lm = ScriptedLM(["one", "two"])
    assert [lm.request(chat("a")).text, lm.request(chat("b")).text] == ["one", "two"]
    with pytest.raises(DspLMError) as caught:
        lm.request(chat("c"))
    assert caught.value.message == "ScriptedLM ran out of answers after 2 calls"
    assert [r.messages[-1]["content"] for r in lm.requests] == ["a", "b", "c"]


def test_dict_answers_match_the_last_user_message_first():
    lm = ScriptedLM({"capital": "Paris", "France": "a country"})
    messages = chat("Tell me about France.", "What is the capital?")
    assert lm.request(messages).text == "Paris"
    assert lm.request(chat("Where is France?")).text == "a country"


def test_dict_falls_back_to_all_messages_and_insertion_order():
    lm = ScriptedLM({"geography": "from the system prompt", "zzz": "never"})
    messages = chat("Anything?", system="You are a geography tutor.")
    assert lm.request(messages).text == "from the system prompt"
    assert ScriptedLM({"a": "first", "ab": "second"}).request(chat("ab")).text == "first"


def test_a_list_under_a_key_is_consumed_and_its_last_answer_repeats():
    lm = ScriptedLM({"q": ["x", "y"]})
    assert [lm.request(chat("q")).text for _ in range(4)] == ["x", "y", "y", "y"]


def test_no_matching_key_is_a_clear_error():
    with pytest.raises(DspLMError, match="no answer for this request.*'unmatched'"):
        ScriptedLM({"other": "x"}).request(chat("unmatched"))


class FieldAdapter:
    """Writes replies as `[[ ## name ## ]]` blocks, as the chat adapter does."""

    def format_reply(self, signature, outputs: dict) -> str:
        assert signature == "sig"
        return field_formatter(outputs)


def prompt(text: str) -> Prompt:
    messages = Prompt(chat(text))
    messages.adapter, messages.signature = FieldAdapter(), "sig"
    return messages


def test_dict_answers_are_written_the_way_the_prompt_asks():
    lm = ScriptedLM([{"answer": "Paris", "confidence": 0.9}, "raw text", {"answer": "x"}])
    assert lm.request(prompt("q")).text == "[[ ## answer ## ]]\nParis\n[[ ## confidence ## ]]\n0.9"
    assert lm.request(prompt("q")).text == "raw text"
    assert lm.request(chat("q")).text == '{"answer": "x"}'      # plain messages: JSON


def test_a_predictor_request_is_a_prompt_of_its_adapter():
    signature = Signature.from_string("question -> answer")
    for adapter in (ChatAdapter(), JSONAdapter()):
        messages = adapter.format(signature, [], {"question": "q"})
        reply = ScriptedLM([{"answer": "Paris"}]).request(messages).text
        assert adapter.parse(signature, reply) == {"answer": "Paris"}


def test_n_takes_n_answers():
    lm = ScriptedLM(["a", "b", "c"])
    assert lm.request(chat("q"), n=2).texts == ["a", "b"]
    assert lm.requests[0].n == 2


def test_bad_answers_are_rejected_up_front():
    with pytest.raises(DspValueError, match="answer 2 must be a dict"):
        ScriptedLM(["ok", 42])
    with pytest.raises(DspValueError, match="list or a dict"):
        ScriptedLM("just a string")


def test_threads_share_one_script_without_losing_answers():
    lm = ScriptedLM([str(i) for i in range(200)])
    got: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(25):
            text = lm.request(chat("q")).text
            with lock:
                got.append(text)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(got, key=int) == [str(i) for i in range(200)]
    assert len(lm.requests) == 200


def test_delay_sleeps_per_call():
    lm = ScriptedLM(["a", "b"], delay=0.05)
    start = time.perf_counter()
    lm.request(chat("1"))
    lm.request(chat("2"))
    assert time.perf_counter() - start >= 0.1


def test_copies_share_the_script_and_carry_parameters():
    lm = ScriptedLM(["a", "b"])
    hot = lm.copy(temperature=1.0)
    assert lm.request(chat("q")).text == "a" and hot.request(chat("q")).text == "b"
    assert lm.requests[1].params == {"temperature": 1.0}
    assert repr(lm) == "ScriptedLM(2 answers, model='scripted')"
