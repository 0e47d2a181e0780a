"""LM.arequest and streaming through the real litellm path, against the local OpenAI-compatible
server: the same cache, retries, usage, cassettes and errors as the sync path."""

from __future__ import annotations

import asyncio
import threading

import pytest

from dsplang.errors import DspLMError
from dsplang.lm import usage
from dsplang.lm.async_client import StreamBroken
from dsplang.lm.cassette import Cassette, playing
from dsplang.lm.retry import RATE_LIMITS

ASK = [{"role": "user", "content": "hello"}]
CHAT_REPLY = "[[ ## answer ## ]]\nParis is the capital.\n\n[[ ## completed ## ]]"


def run(coro):
    return asyncio.run(coro)


def test_arequest_brings_text_tokens_and_sends_the_parameters(openai_server, server_lm):
    helper = _helpers(openai_server)
    openai_server.queue(helper.Reply("hi there", prompt_tokens=5, completion_tokens=3))
    with usage.track() as meter:
        reply = run(server_lm(temperature=0.0).arequest(ASK))
    assert reply.texts == ["hi there"]
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (5, 3)
    assert not reply.cache_hit
    assert openai_server.requests[-1]["temperature"] == 0.0
    assert meter.calls == 1 and meter.prompt_tokens == 5


def test_sync_and_async_share_the_cache(openai_server, server_lm):
    helper = _helpers(openai_server)
    openai_server.queue(helper.Reply("first"))
    lm = server_lm()
    assert lm.request(ASK).text == "first"
    with usage.track() as meter:
        again = run(lm.arequest(ASK))
    assert again.text == "first" and again.cache_hit
    assert len(openai_server.requests) == 1
    assert meter.calls == 1 and meter.cache_hits == 1
    other = [{"role": "user", "content": "other"}]
    openai_server.queue(helper.Reply("second"))
    assert run(lm.arequest(other)).text == "second"
    assert lm.request(other).cache_hit


def test_a_rate_limit_is_retried_with_asyncio_sleep_and_signalled(openai_server, server_lm):
    helper = _helpers(openai_server)
    openai_server.queue(helper.Error(429, "slow down"), helper.Reply("fine"))
    before = RATE_LIMITS.count
    assert run(server_lm().arequest(ASK)).text == "fine"
    assert RATE_LIMITS.count == before + 1
    assert len(openai_server.requests) == 2


def test_a_client_error_is_not_retried_and_is_counted_as_failed(openai_server, server_lm):
    helper = _helpers(openai_server)
    openai_server.queue(helper.Error(401, "bad key"))
    with usage.track() as meter, pytest.raises(DspLMError, match=r"authentication failed \(401\)"):
        run(server_lm().arequest(ASK))
    assert len(openai_server.requests) == 1
    assert meter.failed_calls == 1


def test_retries_stop_with_the_same_error_as_the_sync_path(openai_server, server_lm):
    helper = _helpers(openai_server)
    openai_server.queue(*[helper.Error(500, "boom")] * 3)
    with pytest.raises(DspLMError, match=r"server error \(500\) after 2 retries: boom"):
        run(server_lm(num_retries=2).arequest(ASK))


def test_arequest_records_and_replays_a_cassette(openai_server, server_lm, tmp_path):
    helper = _helpers(openai_server)
    openai_server.queue(helper.Reply("taped"))
    tape = Cassette(str(tmp_path / "c.json"), recording=True)
    with playing(tape, "s"):
        assert run(server_lm().arequest(ASK, use_cache=False)).text == "taped"
    tape.save()
    replay = Cassette.load(str(tmp_path / "c.json"))
    with playing(replay, "s"):
        got = run(server_lm().arequest(ASK, use_cache=False))
    assert got.text == "taped" and len(openai_server.requests) == 1


def test_many_arequests_are_in_flight_at_once_on_one_thread(openai_server, server_lm):
    helper = _helpers(openai_server)
    count = 24
    openai_server.default = helper.Together(count, helper.Reply("together"), timeout=60)
    lm = server_lm(num_retries=0, cache=False)
    threads_before = _client_threads()

    async def main():
        return await asyncio.gather(*(lm.arequest([{"role": "user", "content": f"q{i}"}])
                                      for i in range(count)))
    replies = run(main())
    assert [r.text for r in replies] == ["together"] * count
    assert _client_threads() <= threads_before + 2      # not a thread per request


# ------------------------------------------------------------------ streaming


def test_a_streamed_reply_arrives_in_pieces_sync(openai_server, server_lm):
    helper = _helpers(openai_server)
    openai_server.queue(helper.Reply(CHAT_REPLY, piece=5, prompt_tokens=9, completion_tokens=4))
    pieces: list[str] = []
    reply = server_lm().request(ASK, on_delta=pieces.append)
    assert reply.text == CHAT_REPLY
    assert "".join(pieces) == CHAT_REPLY and len(pieces) == -(-len(CHAT_REPLY) // 5)
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (9, 4)
    sent = openai_server.requests[-1]
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}


def test_a_streamed_reply_arrives_in_pieces_async_and_is_cached(openai_server, server_lm):
    helper = _helpers(openai_server)
    openai_server.queue(helper.Reply(CHAT_REPLY, piece=7))
    lm = server_lm()
    pieces: list[str] = []
    assert run(lm.arequest(ASK, on_delta=pieces.append)).text == CHAT_REPLY
    assert len(pieces) > 3 and "".join(pieces) == CHAT_REPLY
    again: list[str] = []
    hit = lm.request(ASK, on_delta=again.append)       # the same cache entry as a plain request
    assert hit.cache_hit and again == [CHAT_REPLY]
    assert lm.request(ASK).cache_hit


def test_a_stream_cut_after_its_first_piece_is_not_retried(openai_server, server_lm):
    helper = _helpers(openai_server)
    openai_server.queue(helper.Cut(["[[ ## answer ## ]]\n", "Par"]), helper.Reply("never sent"))
    pieces: list[str] = []
    with pytest.raises(StreamBroken, match="the stream broke after part of the reply arrived"):
        run(server_lm().arequest(ASK, on_delta=pieces.append))
    assert "".join(pieces) == "[[ ## answer ## ]]\nPar"
    assert len(openai_server.requests) == 1


def test_a_scripted_lm_streams_its_reply_whole():
    from dsplang.lm.scripted import ScriptedLM
    pieces: list[str] = []
    reply = ScriptedLM(["plain text"]).request(ASK, on_delta=pieces.append)
    assert pieces == ["plain text"] == reply.texts


def _client_threads() -> int:
    """Threads of this process other than the test server's (a thread per connection)."""
    return sum(1 for t in threading.enumerate() if "process_request" not in t.name)


def _helpers(server):
    import sys
    return sys.modules[type(server).__module__]
