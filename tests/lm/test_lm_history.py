"""`lm.history`: an LM's recent calls (messages, outputs, usage, cost), bounded, secrets masked."""

from __future__ import annotations

import pickle

import openai_server as srv

import dsplang
from dsplang.lm import call_log
from dsplang.lm.scripted import ScriptedLM

ASK = [{"role": "user", "content": "What is 2 + 2?"}]


def test_each_answered_request_is_an_entry(openai_server, server_lm):
    openai_server.queue(srv.Reply("four", prompt_tokens=12, completion_tokens=3))
    lm = server_lm(temperature=0.0)
    lm.request(ASK)
    lm.request(ASK)                                   # a cache hit is recorded too
    first, second = lm.history
    assert first["messages"] == ASK and first["outputs"] == ["four"] and first["model"] == "openai/test-model"
    assert first["usage"] == {"prompt_tokens": 12, "completion_tokens": 3} and first["cache_hit"] is False
    assert first["kwargs"]["temperature"] == 0.0 and first["kwargs"]["api_key"] == "***"
    assert first["latency"] > 0 and first["timestamp"] <= second["timestamp"] and first["n"] == 1
    assert second["cache_hit"] is True and second["usage"] == {"prompt_tokens": 0, "completion_tokens": 0}


def test_a_failed_request_adds_nothing(openai_server, server_lm):
    openai_server.queue(srv.Error(400, "bad"))
    lm = server_lm()
    try:
        lm.request(ASK)
    except dsplang.DspError:
        pass
    assert lm.history == []


def test_the_history_is_bounded_and_belongs_to_one_lm(monkeypatch):
    monkeypatch.setattr(call_log, "HISTORY_SIZE", 3)
    lm = ScriptedLM([str(i) for i in range(5)])
    for _ in range(5):
        lm.request(ASK)
    assert [entry["outputs"] for entry in lm.history] == [["2"], ["3"], ["4"]]
    assert lm.copy().history == []
    plain = dsplang.LM("openai/test-model")
    assert pickle.loads(pickle.dumps(plain)).history == [] and plain.history == []


def test_a_program_reads_the_history_of_its_lm():
    names = dsplang.run('let lm = ScriptedLM([{"answer": "4"}])\n'
                        'use lm\n'
                        'let pred = Predict("question -> answer")(question="2+2?")\n'
                        'let last = lm.history[-1]\n'
                        'let reply = last["outputs"][0]\n', "history.dsp")
    assert names.reply == "[[ ## answer ## ]]\n4\n\n[[ ## completed ## ]]\n"
    assert names.last["messages"][-1]["role"] == "user"
