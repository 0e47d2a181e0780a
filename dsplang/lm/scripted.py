"""`ScriptedLM`: an LM that replies from a script, for tests and offline examples.

It is an `LM` whose provider call is replaced, so requests still go through the cache
(off by default), the retry loop and usage accounting. Replies:

- a list of answers is consumed in order; running out raises DspLMError;
- a dict maps an input substring to an answer or a list of answers. The key is looked for in
  the last user message first, then in all messages; the first matching key (in insertion
  order) wins. A list under a key is consumed in order and its last answer repeats.

An answer is a dict of output-field values, turned into reply text the way the request
asks: the messages of a predictor's request are a `lm.prompt.Prompt`, which knows its
adapter's reply format, so the real parsing path runs (plain messages get the dict as JSON);
or a str returned verbatim (to test parse failures).
Token counts are estimated at 4 characters per token; the cost is 0.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from dsplang.errors import DspLMError, DspValueError
from dsplang.lm.client import LM, LMResponse
from dsplang.lm.prompt import ReplyWriter, reply_writer
from dsplang.lm.usage import Usage

Answer = dict | str


@dataclass(frozen=True, slots=True)
class ScriptedRequest:
    """One request a ScriptedLM received."""

    messages: list[dict]
    n: int
    params: dict


class _Script:
    """The answers and what has been asked so far; shared by copies of a ScriptedLM."""

    def __init__(self, answers: list | dict) -> None:
        if isinstance(answers, dict):
            self.by_key = {str(k): _as_list(v, f"answer for {k!r}") for k, v in answers.items()}
            self.queue: list[Answer] | None = None
        elif isinstance(answers, (list, tuple)):
            self.by_key = {}
            self.queue = [_checked(a, f"answer {i + 1}") for i, a in enumerate(answers)]
        else:
            raise DspValueError("ScriptedLM answers must be a list or a dict, "
                                f"got {type(answers).__name__}")
        self.position = 0
        self.key_positions: dict[str, int] = {}
        self.requests: list[ScriptedRequest] = []
        self.answered = 0
        self.lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        """A copy sent to another process (a Ray worker) takes the script, not the lock."""
        state = dict(self.__dict__)
        del state["lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.lock = threading.Lock()

    def take(self, messages: list[dict], n: int, params: dict) -> list[Answer]:
        """Record the request and return its `n` answers."""
        with self.lock:
            self.requests.append(ScriptedRequest(messages, n, dict(params)))
            answers = [self._next(messages) for _ in range(n)]
            self.answered += 1
            return answers

    def _next(self, messages: list[dict]) -> Answer:
        if self.queue is not None:
            if self.position >= len(self.queue):
                raise DspLMError(f"ScriptedLM ran out of answers after {self.answered} calls",
                                 hint="give the ScriptedLM more answers")
            self.position += 1
            return self.queue[self.position - 1]
        key = self._match(messages)
        choices = self.by_key[key]
        index = self.key_positions.get(key, 0)
        self.key_positions[key] = index + 1
        return choices[min(index, len(choices) - 1)]

    def _match(self, messages: list[dict]) -> str:
        """The first key found in the last user message, else in any message."""
        last_user = next((_text(m) for m in reversed(messages) if m.get("role") == "user"), "")
        everything = "\n".join(_text(m) for m in messages)
        for haystack in (last_user, everything):
            for key in self.by_key:
                if key in haystack:
                    return key
        snippet = " ".join(last_user.split())[:120]
        raise DspLMError(f"ScriptedLM has no answer for this request: none of "
                         f"{list(self.by_key)} occurs in the messages "
                         f"(last user message: {snippet!r})")


class ScriptedLM(LM):
    """An LM that answers from `answers` (a list or a dict; see the module docstring).

    `delay` seconds are slept per call. `.requests` lists every request received.
    Copies made with `.copy()` share the script and the request list.
    """

    def __init__(self, answers: list | dict, *, model: str = "scripted", delay: float = 0.0,
                 cache: bool = False, num_retries: int = 0, **kwargs: Any):
        super().__init__(model, cache=cache, num_retries=num_retries, **kwargs)
        self.delay = float(delay)
        self._script = _Script(answers)

    @property
    def requests(self) -> list[ScriptedRequest]:
        return self._script.requests

    def _complete(self, messages: list[dict], n: int, params: dict) -> LMResponse:
        """Sleep `delay`, take the next answers and format them like a provider reply."""
        if self.delay:
            time.sleep(self.delay)
        return self._answer(messages, n, params)

    async def _acomplete(self, messages: list[dict], n: int, params: dict) -> LMResponse:
        """`_complete` in an async call: the delay is an `asyncio.sleep`."""
        if self.delay:
            await asyncio.sleep(self.delay)
        return self._answer(messages, n, params)

    def _answer(self, messages: list[dict], n: int, params: dict) -> LMResponse:
        answers = self._script.take(messages, n, params)
        writer = reply_writer(messages)
        texts = [_reply_text(a, writer) for a in answers]
        prompt_chars = sum(len(_text(m)) for m in messages)
        usage = Usage(_tokens(prompt_chars), sum(_tokens(len(t)) for t in texts), 0.0)
        return LMResponse(texts, usage, False, 0.0, self.model, None)

    def copy(self, **overrides: Any) -> ScriptedLM:
        """A ScriptedLM with changed settings that shares this one's script."""
        settings = {**self._settings(), "delay": self.delay, **self.kwargs, **overrides}
        model = settings.pop("model", self.model)
        clone = type(self)([], model=model, **settings)
        clone._script = self._script
        return clone

    def __repr__(self) -> str:
        script = self._script
        size = len(script.queue) if script.queue is not None else len(script.by_key)
        kind = "answers" if script.queue is not None else "keys"
        return f"ScriptedLM({size} {kind}, model={self.model!r})"


def _reply_text(answer: Answer, writer: ReplyWriter | None) -> str:
    if isinstance(answer, str):
        return answer
    if writer is not None:
        return writer(answer)
    return json.dumps(answer, ensure_ascii=False, default=str)


def _text(message: dict) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def _tokens(chars: int) -> int:
    return math.ceil(chars / 4)


def _checked(answer: Any, what: str) -> Answer:
    if not isinstance(answer, (dict, str)):
        raise DspValueError(f"ScriptedLM {what} must be a dict of output fields or a str, "
                            f"got {type(answer).__name__}")
    return answer


def _as_list(value: Any, what: str) -> list[Answer]:
    if isinstance(value, (list, tuple)):
        if not value:
            raise DspValueError(f"ScriptedLM {what} is an empty list")
        return [_checked(a, what) for a in value]
    return [_checked(value, what)]
