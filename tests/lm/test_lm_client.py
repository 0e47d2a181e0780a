"""LM through the real litellm path, against the local OpenAI-compatible server."""

from __future__ import annotations

import socket

import openai_server as srv
import pytest

from dsplang.errors import DspLMError
from dsplang.lm import LM, RATE_LIMITS, usage

ASK = [{"role": "user", "content": "What is 2 + 2?"}]


def test_a_reply_brings_text_and_tokens(openai_server, server_lm):
    openai_server.queue(srv.Reply("four", prompt_tokens=12, completion_tokens=3))
    with usage.track() as spent:
        reply = server_lm(temperature=0.0).request(ASK, rollout_id=7)
    assert reply.texts == ["four"] and reply.text == "four"
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (12, 3)
    assert not reply.cache_hit and reply.model == "openai/test-model" and reply.latency > 0
    sent = openai_server.requests[0]
    assert sent["messages"] == ASK and sent["temperature"] == 0.0
    assert "rollout_id" not in sent and "n" not in sent
    sent_headers = {name.lower(): value for name, value in openai_server.headers[0].items()}
    assert sent_headers["authorization"] == "Bearer sk-test"   # header names are case-insensitive
    assert (spent.calls, spent.prompt_tokens, spent.completion_tokens) == (1, 12, 3)


def test_n_returns_n_texts(openai_server, server_lm):
    openai_server.queue(srv.Reply(["a", "b", "c"]))
    assert server_lm().request(ASK, n=3).texts == ["a", "b", "c"]
    assert openai_server.requests[0]["n"] == 3


def test_text_model_type_uses_text_completion(openai_server, server_lm):
    reply = server_lm(model_type="text").request(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}])
    assert reply.texts == ["ok"]
    assert openai_server.paths[0].endswith("/v1/completions")
    assert openai_server.requests[0]["prompt"] == "Be brief.\n\nHi"
    assert "model_type" not in openai_server.requests[0]


def test_tool_calls_come_back_as_dicts(openai_server, server_lm):
    call = {"id": "call_1", "type": "function",
            "function": {"name": "search", "arguments": "{\"q\": \"x\"}"}}
    openai_server.queue(srv.Reply("", tool_calls=[call]))
    reply = server_lm().request(ASK, tools=[{"type": "function", "function": {
        "name": "search", "parameters": {"type": "object", "properties": {}}}}])
    assert reply.tool_calls[0]["function"]["name"] == "search"


def test_rate_limit_is_retried_and_signalled(openai_server, server_lm):
    openai_server.queue(srv.Error(429, "Rate limit reached"), srv.Reply("fine"))
    seen = []
    unsubscribe = RATE_LIMITS.subscribe(seen.append)
    before = RATE_LIMITS.count
    try:
        assert server_lm().request(ASK).texts == ["fine"]
    finally:
        unsubscribe()
    assert len(openai_server.requests) == 2
    assert RATE_LIMITS.count == before + 1 and seen == ["openai/test-model"]


def test_server_error_storm_gives_up_with_a_clear_error(openai_server, server_lm):
    openai_server.default = srv.Error(500, "upstream exploded")
    with pytest.raises(DspLMError) as caught:
        server_lm(num_retries=2).request(ASK)
    message = caught.value.message
    assert message.startswith("openai/test-model: server error (500) after 2 retries")
    assert "upstream exploded" in message
    assert len(openai_server.requests) == 3


@pytest.mark.parametrize("status, words", [(400, "bad request (400)"),
                                           (401, "authentication failed (401)"),
                                           (404, "not found (404)")])
def test_client_errors_are_not_retried(openai_server, server_lm, status, words):
    openai_server.queue(srv.Error(status, "nope"))
    with pytest.raises(DspLMError) as caught:
        server_lm().request(ASK)
    assert caught.value.message == f"openai/test-model: {words}: nope"
    assert len(openai_server.requests) == 1
    if status == 401:
        assert "API key" in caught.value.hint


def test_timeout_is_retried_then_reported(openai_server, server_lm):
    openai_server.default = srv.Sleep(5)
    with pytest.raises(DspLMError) as caught:
        server_lm(timeout=0.2, num_retries=1).request(ASK)
    assert "timed out after 1 retry" in caught.value.message
    assert len(openai_server.requests) == 2


def test_malformed_json_is_a_clear_error(openai_server, server_lm):
    openai_server.queue(srv.Raw(b"{this is not json"))
    with pytest.raises(DspLMError) as caught:
        server_lm().request(ASK)
    assert caught.value.message.startswith("openai/test-model: the reply is not valid JSON")
    assert "api_base" in caught.value.hint


def test_nothing_listening_is_a_connection_error(server_lm):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DspLMError) as caught:
        server_lm(api_base=f"http://127.0.0.1:{port}/v1", num_retries=1).request(ASK)
    assert "could not connect after 1 retry" in caught.value.message


def test_repeat_is_a_free_cache_hit_across_keys_and_addresses(openai_server, server_lm):
    first = server_lm().request(ASK)
    with usage.track() as spent:
        again = server_lm(api_key="sk-other", api_base=openai_server.url + "/").request(ASK)
    assert len(openai_server.requests) == 1
    assert again.cache_hit and again.texts == first.texts
    assert again.usage.prompt_tokens == 0 and spent.cache_hits == 1
    server_lm().request(ASK, rollout_id=1)
    server_lm(temperature=0.5).request(ASK)
    assert len(openai_server.requests) == 3


def test_failures_are_not_cached(openai_server, server_lm):
    openai_server.queue(srv.Error(400, "bad"))
    with pytest.raises(DspLMError):
        server_lm().request(ASK)
    assert server_lm().request(ASK).texts == ["ok"]
    assert len(openai_server.requests) == 2


def test_repr_hides_secrets_and_copy_overrides():
    lm = LM("openai/gpt-4o-mini", temperature=0.0, api_key="sk-secret")
    assert repr(lm) == "LM('openai/gpt-4o-mini', temperature=0.0, api_key=***)"
    hotter = lm.copy(temperature=1.0, cache=False)
    assert repr(hotter) == "LM('openai/gpt-4o-mini', cache=False, temperature=1.0, api_key=***)"
    assert lm.kwargs["temperature"] == 0.0 and lm.copy(model="openai/x").model == "openai/x"


def test_a_bad_model_name_is_an_lm_error():
    with pytest.raises(DspLMError, match="model name"):
        LM("")


def test_cost_is_known_for_priced_models(openai_server, server_lm):
    openai_server.queue(srv.Reply("hi", prompt_tokens=1000, completion_tokens=1000))
    reply = server_lm(model="openai/gpt-4o-mini").request(ASK)
    assert reply.usage.cost is not None and reply.usage.cost > 0
    assert server_lm().request(ASK).usage.cost is None
