"""Images and a reasoning model's own reasoning through the real litellm path, against the
local OpenAI-compatible server: the request body's content parts, the refusal of a model
litellm lists without vision, and `reasoning_content` surfacing as ChainOfThought's reasoning."""

from __future__ import annotations

import base64
import json
import time

import openai_server as srv
import pytest

import dsplang
from dsplang.errors import DspLMError
from dsplang.stdlib.image import Image

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
CHAT_REPLY = "[[ ## answer ## ]]\n{answer}\n\n[[ ## completed ## ]]"


def completion(texts: list[str], reasoning: list[str | None]) -> srv.Raw:
    """A chat completion whose messages carry `reasoning_content` (as DeepSeek-R1's do)."""
    choices = [{"index": i, "finish_reason": "stop",
                "message": {"role": "assistant", "content": text,
                            **({"reasoning_content": thought} if thought is not None else {})}}
               for i, (text, thought) in enumerate(zip(texts, reasoning))]
    body = {"id": "cmpl-r", "object": "chat.completion", "created": int(time.time()), "model": "test-model",
            "choices": choices, "usage": {"prompt_tokens": 20, "completion_tokens": 9, "total_tokens": 29}}
    return srv.Raw(json.dumps(body).encode())


def test_image_inputs_reach_the_provider_as_image_url_parts(openai_server, server_lm):
    openai_server.default = srv.Reply(CHAT_REPLY.format(answer="two cats"))
    caption = dsplang.Predict("photo: Image, others: list[Image], question -> answer", lm=server_lm())
    pred = caption(photo=Image(bytes=PNG), others=[Image(url="https://example.com/b.png")], question="How many?")
    assert pred.answer == "two cats"
    parts = openai_server.requests[0]["messages"][-1]["content"]
    assert [p["type"] for p in parts] == ["text", "image_url", "text", "image_url", "text"]
    assert parts[0]["text"] == "[[ ## photo ## ]]"
    assert parts[1]["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert parts[2]["text"] == "[[ ## others ## ]]"
    assert parts[3]["image_url"]["url"] == "https://example.com/b.png"    # passed on, never fetched
    assert parts[4]["text"].startswith("[[ ## question ## ]]\nHow many?")


def test_a_model_litellm_lists_without_vision_is_refused_before_the_request(openai_server, server_lm):
    caption = dsplang.Predict("photo: Image -> answer", lm=server_lm(model="openai/gpt-3.5-turbo"))
    with pytest.raises(DspLMError) as info:
        caption(photo=Image(bytes=PNG))
    assert info.value.message == ("openai/gpt-3.5-turbo does not accept images (litellm lists it without "
                                  "vision support), but the request has an Image input")
    assert "openai/gpt-4o-mini" in info.value.hint
    assert openai_server.requests == []
    text_only = dsplang.Predict("question -> answer", lm=server_lm(model="openai/gpt-3.5-turbo"))
    openai_server.default = srv.Reply(CHAT_REPLY.format(answer="4"))
    assert text_only(question="2+2?").answer == "4"               # text requests are not checked


def test_native_reasoning_becomes_chain_of_thoughts_reasoning(openai_server, server_lm):
    openai_server.queue(completion([CHAT_REPLY.format(answer="Paris")], ["France's capital is Paris."]))
    lm = server_lm()
    cot = dsplang.ChainOfThought("question -> answer", lm=lm)
    pred = cot(question="Capital of France?")
    assert (pred.reasoning, pred.answer) == ("France's capital is Paris.", "Paris")
    again = cot(question="Capital of France?")                    # from the cache: still there
    assert again.reasoning == "France's capital is Paris." and len(openai_server.requests) == 1
    assert [entry["reasoning"] for entry in lm.history] == [["France's capital is Paris."]] * 2


def test_native_reasoning_wins_over_a_written_one_and_is_per_completion(openai_server, server_lm):
    written = "[[ ## reasoning ## ]]\nShort.\n\n" + CHAT_REPLY.format(answer="{answer}")
    openai_server.queue(completion([written.format(answer="Paris"), written.format(answer="Lyon")],
                                   ["Long native thought.", None]))
    pred = dsplang.ChainOfThought("question -> answer", lm=server_lm(), n=2)(question="Capital?")
    assert pred.reasoning == "Long native thought." and pred.answer == "Paris"
    assert [c["reasoning"] for c in pred.completions] == ["Long native thought.", "Short."]


def test_a_predictor_without_a_reasoning_output_leaves_native_reasoning_in_the_lm_history(
        openai_server, server_lm):
    openai_server.queue(completion([CHAT_REPLY.format(answer="4")], ["2 plus 2 is 4."]))
    lm = server_lm()
    pred = dsplang.Predict("question -> answer", lm=lm)(question="2+2?")
    assert pred.to_dict() == {"answer": "4"}
    assert lm.history[-1]["reasoning"] == ["2 plus 2 is 4."]
