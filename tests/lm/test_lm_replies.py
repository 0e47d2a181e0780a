"""Provider replies that arrive but cannot be read, and credentials echoed in provider errors,
through the real litellm path against the local OpenAI-compatible server."""

from __future__ import annotations

import json

import openai_server as srv
import pytest

from dsplang.errors import DspLMError, render
from dsplang.lm import usage
from dsplang.lm.secrets import redact, secret_values

ASK = [{"role": "user", "content": "What is 2 + 2?"}]
NO_MESSAGE = json.dumps({"id": "x", "object": "chat.completion", "created": 1, "model": "m",
                         "choices": [{"index": 0, "finish_reason": "stop"}]}).encode()
NOT_UTF8 = (b'{"id": "x", "object": "chat.completion", "created": 1, "model": "m", "choices": [{"index": 0, '
            b'"finish_reason": "stop", "message": {"role": "assistant", "content": "\xff\xfe four"}}]}')


def failure(lm) -> DspLMError:
    with pytest.raises(DspLMError) as info:
        lm.request(ASK)
    return info.value


@pytest.mark.parametrize("reply, said", [
    (srv.Raw(NO_MESSAGE), "openai/test-model: the reply is not a valid completion: a choice has no 'message' entry"),
    (srv.Raw(NOT_UTF8), "openai/test-model: the reply is not valid UTF-8 text: byte 0xff at position 164")])
def test_a_reply_that_cannot_be_read_is_said_in_words_and_not_retried(openai_server, server_lm, reply, said):
    openai_server.default = reply
    error = failure(server_lm(num_retries=3))
    assert error.message == said
    assert "Traceback" not in render(error) and "500" not in render(error)
    assert len(openai_server.requests) == 1


def test_a_reply_cut_off_on_the_way_is_retried_then_said_in_words(openai_server, server_lm):
    openai_server.queue(srv.Truncated())
    assert server_lm(num_retries=2, cache=False).request(ASK).text == "ok"
    openai_server.default = srv.Truncated()
    error = failure(server_lm(num_retries=1, cache=False))
    assert error.message.startswith("openai/test-model: the reply was cut off after 1 retry: peer closed "
                                    "connection without sending complete message body")
    assert "could not connect" not in render(error)


def test_a_provider_error_echoing_the_key_never_shows_it(openai_server, server_lm):
    openai_server.default = srv.Error(401, "Incorrect API key provided: sk-live-0123456789. Header: Bearer tok-42x")
    lm = server_lm(api_key="sk-live-0123456789", extra_headers={"X-Auth": "Bearer tok-42x"})
    error = failure(lm)
    shown = render(error)
    assert "Incorrect API key provided: ***. Header: ***" in shown
    link = error
    while link is not None:                       # also what --debug prints
        assert "sk-live-0123456789" not in str(link) and "tok-42x" not in str(link)
        link = link.__cause__ or link.__context__


def test_a_failed_request_is_counted_apart_from_the_calls(openai_server, server_lm):
    openai_server.default = srv.Error(500, "down")
    with usage.track() as spent:
        failure(server_lm(num_retries=1))
    assert (spent.calls, spent.failed_calls) == (0, 1)
    assert spent.summary().startswith("LM: 0 calls (0 cached), 1 failed, ")


def test_secret_values_cover_nested_settings_words_and_the_environment():
    found = secret_values({"api_key": "sk-1234", "default_headers": {"Authorization": "Bearer abcd-5678"},
                           "temperature": 0.5, "api_base": "http://host/v1", "token": "x"},
                          environ={"OPENAI_API_KEY": "sk-from-env-000", "HOME": "/root", "AUTH": "short"})
    assert set(found) == {"sk-1234", "Bearer abcd-5678", "Bearer", "abcd-5678", "sk-from-env-000"}
    assert redact("key sk-1234 / Bearer abcd-5678 / sk-from-env-000", found) == "key *** / *** / ***"
