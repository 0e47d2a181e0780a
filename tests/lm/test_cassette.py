"""Cassettes (lm/cassette.py): LM.request records every exchange and replays it by content,
before the cache; a changed request is an error with a diff; credentials never reach the file."""

from __future__ import annotations

import json
import re
import threading

import pytest

from dsplang.errors import DspFileError, render
from dsplang.lm import LM, ScriptedLM, cassette
from dsplang.lm.cassette import Cassette, DspCassetteError


def chat(question: str, system: str = "Answer briefly.") -> list[dict]:
    return [{"role": "system", "content": system}, {"role": "user", "content": question}]


def recorded(tmp_path, lm, questions, section="test_a", **request) -> Cassette:
    tape = Cassette(str(tmp_path / "t.cassette.json"), recording=True)
    with cassette.playing(tape, section):
        for q in questions:
            lm.request(chat(q), **request)
    tape.save()
    return Cassette.load(tape.path)


class NoNetworkLM(LM):
    """An LM whose provider must never be reached (replays come from the cassette)."""

    def _complete(self, messages, n, params):
        raise AssertionError("the provider was called during a replay")


def test_a_recording_replays_the_same_replies_without_the_provider(tmp_path):
    tape = recorded(tmp_path, ScriptedLM({"France": "Paris", "Italy": "Rome"}, model="m"),
                    ["Capital of France?", "Capital of Italy?"])
    lm = NoNetworkLM("m")
    with cassette.playing(tape, "test_a"):
        # by content, not by order
        assert lm.request(chat("Capital of Italy?")).text == "Rome"
        reply = lm.request(chat("Capital of France?"))
    assert reply.text == "Paris" and reply.cache_hit and reply.usage.total_tokens == 0
    assert not tape.misses


def test_identical_requests_get_their_recorded_replies_in_order_then_the_last_repeats(tmp_path):
    tape = recorded(tmp_path, ScriptedLM(["one", "two"], model="m"), ["same", "same"])
    lm = NoNetworkLM("m")
    with cassette.playing(tape, "test_a"):
        assert [lm.request(chat("same")).text for _ in range(3)] == ["one", "two", "two"]


def test_replay_skips_the_cache_and_recording_records_cache_hits(tmp_path):
    lm = ScriptedLM(["cached answer"], model="m", cache=True)
    lm.request(chat("q"))                       # fills the cache
    tape = recorded(tmp_path, lm, ["q"])        # answered by the cache: still recorded
    assert tape.sections["test_a"][0]["reply"]["texts"] == ["cached answer"]
    tape.sections["test_a"][0]["reply"]["texts"] = ["from the cassette"]
    with cassette.playing(tape, "test_a"):
        assert NoNetworkLM("m", cache=True).request(chat("q")).text == "from the cassette"


def test_sections_are_separate(tmp_path):
    tape = recorded(tmp_path, ScriptedLM(["x"], model="m"), ["q"], section="test_one")
    with cassette.playing(tape, "test_two"), pytest.raises(DspCassetteError) as caught:
        NoNetworkLM("m").request(chat("q"))
    assert "holds no LM exchange" in caught.value.message and "[test_two] is empty" in caught.value.message
    assert "dsp test --record" in caught.value.hint


def test_a_changed_prompt_fails_with_a_diff_of_the_prompts(tmp_path):
    tape = recorded(tmp_path, ScriptedLM(["Paris"], model="m"), ["Capital of France?"])
    with cassette.playing(tape, "test_a"), pytest.raises(DspCassetteError) as caught:
        NoNetworkLM("m").request(chat("Capital of Spain?"))
    err = caught.value
    assert err.message.startswith("the prompt changed since the cassette was recorded")
    assert tape.misses == [err]
    text = render(err)
    assert "cassette error:" in text
    assert "-Capital of France?" in text and "+Capital of Spain?" in text
    assert "--- recorded" in text and "+++ now" in text


def test_a_changed_setting_or_model_fails_naming_the_request(tmp_path):
    tape = recorded(tmp_path, ScriptedLM(["Paris"] * 2, model="m"), ["q"], temperature=0.0)
    with cassette.playing(tape, "test_a"), pytest.raises(DspCassetteError) as caught:
        NoNetworkLM("m").request(chat("q"), temperature=0.7)
    assert "request (model or settings) changed" in caught.value.message
    assert "-temperature: 0.0" in caught.value.notes[0] and "+temperature: 0.7" in caught.value.notes[0]
    with cassette.playing(tape, "test_a"), pytest.raises(DspCassetteError) as caught:
        NoNetworkLM("other-model").request(chat("q"), temperature=0.0)
    assert "-model: m" in caught.value.notes[0] and "+model: other-model" in caught.value.notes[0]


def test_endpoint_timeout_and_retries_do_not_matter(tmp_path):
    tape = recorded(tmp_path, ScriptedLM(["a"], model="m", api_base="http://127.0.0.1:1111/v1",
                                         timeout=5), ["q"])
    lm = NoNetworkLM("m", api_base="http://127.0.0.1:2222/v1", timeout=30, num_retries=0)
    with cassette.playing(tape, "test_a"):
        assert lm.request(chat("q")).text == "a"


def test_credentials_never_reach_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-environment-4242")
    key = "sk-secret-key-0123456789"
    lm = ScriptedLM({"q": f"the key is {key} and tok-environment-4242"}, model="m", api_key=key,
                    extra_headers={"Authorization": f"Bearer {key}"},
                    extra_body={"client_secret": "shh-nested-secret", "mode": "fast"},
                    api_base="https://user:pass-in-url@example.com/v1")
    tape = Cassette(str(tmp_path / "c.json"), recording=True)
    with cassette.playing(tape, "run"):
        lm.request(chat(f"q (sent with {key})"))
    tape.save()
    text = (tmp_path / "c.json").read_text()
    for secret in (key, "tok-environment-4242", "shh-nested-secret", "pass-in-url", "Bearer"):
        assert secret not in text
    entry = json.loads(text)["sections"]["run"][0]
    assert entry["params"] == {"extra_body": {"mode": "fast"}}
    assert "***" in entry["messages"][1]["content"] and "***" in entry["reply"]["texts"][0]
    # the request is redacted the same way before it is matched: the replay finds it
    with cassette.playing(Cassette.load(tape.path), "run"):
        assert "***" in NoNetworkLM("m", api_key=key, extra_body={"mode": "fast"}).request(
            chat(f"q (sent with {key})")).text


def test_threads_started_with_a_copied_context_use_the_tape(tmp_path):
    import contextvars
    questions = [f"question {i}" for i in range(8)]
    lm = ScriptedLM({q: f"answer {q}" for q in questions}, model="m")
    tape = Cassette(str(tmp_path / "c.json"), recording=True)
    with cassette.playing(tape, "test_a"):
        threads = [threading.Thread(target=contextvars.copy_context().run, args=(lm.request, chat(q)))
                   for q in questions]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(e["messages"][1]["content"] for e in tape.sections["test_a"]) == questions


def test_the_file_round_trips_and_is_readable(tmp_path):
    tape = recorded(tmp_path, ScriptedLM(["x"], model="m"), ["q"], n=1, rollout_id=3)
    data = json.loads((tmp_path / "t.cassette.json").read_text())
    assert data["format"] == "dsplang-cassette" and data["version"] == 1
    entry = data["sections"]["test_a"][0]
    assert entry["model"] == "m" and entry["rollout_id"] == 3 and "n" not in entry
    assert entry["messages"][1] == {"role": "user", "content": "q"}
    assert tape.sections == data["sections"]


@pytest.mark.parametrize("content, expected", [
    ("{not json", r"t\.json:1:2: file error: the cassette is not valid JSON"),
    ('{"format": "other"}', 'not a dsplang cassette: it has no "format": "dsplang-cassette"'),
    ('{"format": "dsplang-cassette", "version": 9, "sections": {}}', "version 9; this dsplang reads version 1"),
    ('{"format": "dsplang-cassette", "version": 1, "sections": {"t": [{"model": "m"}]}}',
     "exchange 1 of section 't' needs a model, messages and a reply with texts"),
])
def test_a_damaged_cassette_is_a_file_error(tmp_path, content, expected):
    path = tmp_path / "t.json"
    path.write_text(content)
    with pytest.raises(DspFileError) as caught:
        Cassette.load(str(path))
    assert re.search(expected, str(caught.value))


def test_a_missing_cassette_says_how_to_record_one(tmp_path):
    with pytest.raises(DspFileError, match="no such cassette") as caught:
        Cassette.load(str(tmp_path / "none.json"), rerecord="dsp run --record none.json")
    assert caught.value.hint == "record it first: dsp run --record none.json"
