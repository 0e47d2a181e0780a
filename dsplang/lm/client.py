"""`LM`: a language model reached through litellm, with our cache, retries and accounting.

litellm is imported only when a request misses the cache (it takes seconds to import), so
importing this module, building an `LM` and answering from the cache stay fast.

Every request runs the same path: cache lookup -> `_complete` under the retry policy ->
store the successful reply -> `usage.record` (a request that fails for good ->
`usage.record_failure`, so a compile knows its calls failed; the error never holds a
credential's value, `lm.secrets.redact_error`). `ScriptedLM` overrides only `_complete`.
Under a cassette (`lm.cassette`: `dsp test`, `dsp run --record/--replay`) a reply is
recorded after that path, or replayed from the cassette instead of it.

Every answered request is added to the LM's `history` (`lm.call_log`). An LM that calls
litellm starts importing it in the background when it is made (`lm.warmup`); the time a
request waits for that import is its `import_seconds`, not latency. Image content parts are
refused for a model litellm lists without vision (`lm.vision`), and a reasoning model's own
reasoning comes back as `LMResponse.reasoning`.

`arequest` is the same path awaited on `litellm.acompletion`, and `request` takes it when it
runs in an async call (`interpreter.awaiting`: `program.acall`, `evaluate(concurrency=)`).
`on_delta=` streams the reply's text as it arrives (`lm.async_client`).
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from dsplang.errors import DspLMError
from dsplang.interpreter import awaiting
from dsplang.lm import async_client, call_log, local, router_config, vision, warmup
from dsplang.lm import cache as _cache
from dsplang.lm import cassette as _cassette
from dsplang.lm import router as _router
from dsplang.lm import usage as _usage
from dsplang.lm.retry import RATE_LIMITS, RateLimitSignal, RetryPolicy, call_with_retries
from dsplang.lm.secrets import mask_secrets, redact_error, secret_values
from dsplang.lm.usage import Usage

Delta = async_client.Delta
__all__ = ["LM", "LMResponse", "RATE_LIMITS", "RateLimitSignal", "is_context_window_error", "quiet_litellm"]

_OWN_SETTINGS = ("cache", "num_retries", "retry_base_delay", "retry_max_delay")
_DEFAULTS = {"cache": True, "num_retries": 5, "retry_base_delay": 1.0, "retry_max_delay": 30.0}
_NOT_SENT = frozenset({"stream", "model_type", "router"})


@dataclass(frozen=True, slots=True)
class LMResponse:
    """One reply: `n` texts, usage (zero on a cache hit), where it came from, how long it took.

    `reasoning` holds a reasoning model's own reasoning per text (litellm's `reasoning_content`;
    None where there is none, or None for all). `import_seconds` is the time this request waited
    for litellm to be imported (`lm.warmup`), not counted in `latency`."""

    texts: list[str]
    usage: Usage
    cache_hit: bool
    latency: float
    model: str
    tool_calls: list | None = field(default=None)
    reasoning: list[str | None] | None = field(default=None)
    import_seconds: float = 0.0
    deployment: str | None = None       # a router LM's: the id of the deployment that answered

    @property
    def text(self) -> str:
        """The first text (most requests ask for one)."""
        return self.texts[0] if self.texts else ""

    def to_stored(self) -> dict:
        """What the cache keeps: the texts, the original usage, the tool calls and (when the
        model gave some) its reasoning."""
        stored = {"texts": list(self.texts), "usage": self.usage.to_dict(), "tool_calls": self.tool_calls}
        if self.reasoning is not None:
            stored["reasoning"] = list(self.reasoning)
        return stored

    def timed(self, latency: float, import_seconds: float) -> LMResponse:
        """This reply with its latency and import wait set (`dataclasses.replace` without its
        per-call introspection: this runs on every provider call)."""
        return LMResponse(self.texts, self.usage, self.cache_hit, latency, self.model, self.tool_calls,
                          self.reasoning, import_seconds, self.deployment)

    @classmethod
    def from_stored(cls, data: dict, *, model: str, latency: float) -> LMResponse:
        """A cache hit: the stored texts with zero usage, so it costs nothing."""
        return cls(list(data["texts"]), _usage.ZERO, True, latency, model,
                   data.get("tool_calls"), data.get("reasoning"))


class LM:
    """A litellm model string plus default request parameters.

    `LM("openai/gpt-4o-mini", temperature=0.0)`; any litellm model string works
    (`anthropic/...`, `ollama/...`, `hosted_vllm/...`, or `openai/NAME` with `api_base=` for
    an OpenAI-compatible server). Keyword arguments go to litellm on every request;
    `model_type="text"` uses the text-completion endpoint. `cache`, `num_retries`,
    `retry_base_delay` and `retry_max_delay` (seconds) are ours and are not sent.
    `router={"model_list": [...], "fallbacks": ..., ...}` sends the requests through a litellm
    Router, `model` naming one of its model groups (`lm.router_config`, `lm.router`).
    """

    def __init__(self, model: str, *, cache: bool = True, num_retries: int = 5,
                 retry_base_delay: float = 1.0, retry_max_delay: float = 30.0, **kwargs: Any):
        if not isinstance(model, str) or not model.strip():
            raise DspLMError(f"LM needs a model name such as 'openai/gpt-4o-mini', "
                             f"got {model!r}")
        if not isinstance(num_retries, int) or num_retries < 0:
            raise DspLMError(f"num_retries must be a whole number >= 0, got {num_retries!r}")
        self.model = model
        self.cache = bool(cache)
        self.num_retries = num_retries
        self.retry_base_delay = float(retry_base_delay)
        self.retry_max_delay = float(retry_max_delay)
        self.kwargs: dict[str, Any] = dict(kwargs)
        self._cache_model = model
        if "router" in kwargs:
            self.kwargs["router"] = router_config.check(kwargs["router"], model, kwargs.get("model_type"))
            self._cache_model = router_config.cache_identity(self.kwargs["router"], model)
        if self._on_litellm():          # it will need litellm: import it in the background
            warmup.expect_litellm(_import_litellm)

    @property
    def history(self) -> list[dict]:
        """This LM's recent calls, oldest first (`lm.call_log`): messages, outputs, usage, cost."""
        return call_log.entries(self)

    @property
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(self.num_retries, self.retry_base_delay, self.retry_max_delay)

    def request(self, messages: list[dict], *, n: int = 1, rollout_id: Any = None,
                use_cache: bool = True, on_delta: Delta | None = None, **overrides: Any) -> LMResponse:
        """Send chat `messages` (or answer from the cache) and return `n` texts.

        `overrides` replace this LM's parameters for this request only. `rollout_id` makes
        a distinct cache entry and is never sent. `use_cache=False` (the run's `--no-cache`)
        neither reads nor writes the cache. `on_delta(text)` gets the first reply's text as
        it streams in (whole, once, when it does not stream: a cache hit, a replay).
        Raises DspLMError when the provider fails for good. In an async call (`acall`) the
        request is awaited on the event loop (`arequest`) while this greenlet waits.
        """
        if awaiting.active():
            return awaiting.await_(self.arequest(messages, n=n, rollout_id=rollout_id, use_cache=use_cache,
                                                 on_delta=on_delta, **overrides))
        params, n = self._params(n, overrides)
        tape = _cassette.current()      # `dsp test` / `dsp run --record/--replay`
        if tape is None:
            return self._request(messages, n, rollout_id, use_cache, params, on_delta)
        if tape.replaying:              # before the cache: nothing is sent, litellm not imported
            return self._replayed(tape, messages, params, n, rollout_id, on_delta)
        reply = self._request(messages, n, rollout_id, use_cache, params, on_delta)
        tape.record(self.model, messages, params, n, rollout_id, reply.to_stored())
        return reply

    async def arequest(self, messages: list[dict], *, n: int = 1, rollout_id: Any = None,
                       use_cache: bool = True, on_delta: Delta | None = None, **overrides: Any) -> LMResponse:
        """`request`, awaited: the provider call goes out on `litellm.acompletion`, retries wait
        with `asyncio.sleep`; the same cassette, cache, usage meters and errors."""
        params, n = self._params(n, overrides)
        tape = _cassette.current()
        if tape is None:
            return await self._arequest(messages, n, rollout_id, use_cache, params, on_delta)
        if tape.replaying:
            return self._replayed(tape, messages, params, n, rollout_id, on_delta)
        reply = await self._arequest(messages, n, rollout_id, use_cache, params, on_delta)
        tape.record(self.model, messages, params, n, rollout_id, reply.to_stored())
        return reply

    def _params(self, n: int, overrides: dict) -> tuple[dict, int]:
        """This request's parameters (without `n`) and its `n`."""
        params = {**self.kwargs, **overrides}
        default_n = params.pop("n", 1)
        return params, int(default_n if n == 1 else n)

    def _replayed(self, tape: Any, messages: list[dict], params: dict, n: int, rollout_id: Any,
                  on_delta: Delta | None) -> LMResponse:
        stored = tape.replay(self.model, messages, params, n, rollout_id)
        replayed = LMResponse.from_stored(stored, model=self.model, latency=0.0)
        warmup.answered_offline()
        _usage.record(replayed)
        return self._logged(messages, params, n, _whole(replayed, on_delta))

    def _request(self, messages: list[dict], n: int, rollout_id: Any, use_cache: bool,
                 params: dict, on_delta: Delta | None = None) -> LMResponse:
        """`request` without a cassette: the cache, else the provider under the retry policy."""
        start, waited, key, hit = self._lookup(messages, n, rollout_id, use_cache, params, on_delta)
        if hit is not None:
            return self._logged(messages, params, n, hit)
        if on_delta is None:
            call = lambda: self._complete(messages, n, params)  # noqa: E731
        else:
            call = lambda: self._stream(messages, n, params, on_delta)  # noqa: E731
        try:
            self._check_images(messages)
            reply = call_with_retries(call, policy=self.retry_policy, model=self.model)
        except DspLMError as err:
            self._failed(err, params)
            raise
        return self._logged(messages, params, n, self._stored(key, reply, start, waited))

    async def _arequest(self, messages: list[dict], n: int, rollout_id: Any, use_cache: bool,
                        params: dict, on_delta: Delta | None) -> LMResponse:
        """`_request`, awaited."""
        start, waited, key, hit = self._lookup(messages, n, rollout_id, use_cache, params, on_delta)
        if hit is not None:
            return self._logged(messages, params, n, hit)
        if on_delta is None:
            call = lambda: self._acomplete(messages, n, params)  # noqa: E731
        else:
            call = lambda: self._astream(messages, n, params, on_delta)  # noqa: E731
        try:
            self._check_images(messages)
            reply = await async_client.acall_with_retries(call, policy=self.retry_policy, model=self.model)
        except DspLMError as err:
            self._failed(err, params)
            raise
        return self._logged(messages, params, n, self._stored(key, reply, start, waited))

    def _lookup(self, messages: list[dict], n: int, rollout_id: Any, use_cache: bool, params: dict,
                on_delta: Delta | None) -> tuple[float, float, str | None, LMResponse | None]:
        """What both request paths do first: the start time, the litellm import this thread
        waited for, the cache key (None: no cache) and the cache's reply (None: a miss)."""
        start = time.perf_counter()
        waited = warmup.take_wait()
        key = self._cache_key(messages, params, n, rollout_id) if use_cache else None
        return start, waited, key, self._cached(key, start, on_delta)

    def _cached(self, key: str | None, start: float, on_delta: Delta | None) -> LMResponse | None:
        """The cache's reply under `key` (counted; given whole to `on_delta`), or None."""
        if key is None:
            return None
        stored = _cache.get_cache().get(key)
        if stored is None:
            return None
        hit = LMResponse.from_stored(stored, model=self.model, latency=time.perf_counter() - start)
        warmup.answered_offline()
        _usage.record(hit)
        return _whole(hit, on_delta)

    def _stored(self, key: str | None, reply: LMResponse, start: float, waited: float = 0.0) -> LMResponse:
        """A provider's reply: timed (the wait for litellm's import apart: `waited` before the
        request, more during it), kept in the cache under `key`, counted."""
        during = warmup.take_wait()
        reply = reply.timed(max(0.0, time.perf_counter() - start - during), waited + during)
        if key is not None:
            _cache.get_cache().put(key, reply.to_stored())
        _usage.record(reply)
        return reply

    def _logged(self, messages: list[dict], params: dict, n: int, reply: LMResponse) -> LMResponse:
        """`reply`, added to this LM's history."""
        call_log.record(self, messages, params, n, reply)
        return reply

    def _check_images(self, messages: list[dict]) -> None:
        """Refuse images for a model litellm lists without vision (before anything is sent)."""
        if self._on_litellm() and vision.has_images(messages):
            with quiet_litellm() as litellm:
                vision.require_vision(litellm, self.model, messages)

    def _failed(self, err: DspLMError, params: dict) -> None:
        """A request that failed for good: no secret in its message; counted as failed."""
        redact_error(err, secret_values(params))
        if not is_context_window_error(err):     # the caller shortens its prompt (ReAct)
            _usage.record_failure(err)

    def _cache_key(self, messages: list[dict], params: dict, n: int,
                   rollout_id: Any) -> str | None:
        """The cache key, or None when this LM or the environment (DSP_NO_CACHE) turns the cache off."""
        if not (self.cache and _cache.is_enabled()):
            return None
        return _cache.cache_key(self._cache_model, messages, params, n=n, rollout_id=rollout_id)

    def _complete(self, messages: list[dict], n: int, params: dict) -> LMResponse:
        """One provider call through litellm, without retries (the caller retries)."""
        with quiet_litellm() as litellm:
            return self._complete_with(litellm, messages, n, params)

    async def _acomplete(self, messages: list[dict], n: int, params: dict) -> LMResponse:
        """`_complete`, awaited: `litellm.acompletion`. A subclass that replaces only `_complete`
        (a fake provider) and an in-process model run it on a worker thread instead."""
        if not self._on_litellm() or self.model.startswith("local/"):
            return await asyncio.to_thread(self._complete, messages, n, params)
        with quiet_litellm() as litellm:
            call = self._call_args(litellm, n, params)
            if params.get("model_type") == "text":
                raw = await litellm.atext_completion(model=self.model, prompt=_prompt(messages), **call)
            else:
                raw = await self._provider(litellm).acompletion(model=self.model, messages=messages, **call)
            return self._reply(litellm, raw, params)

    def _stream(self, messages: list[dict], n: int, params: dict, on_delta: Delta) -> LMResponse:
        """`_complete` with `stream=True`: `on_delta` gets the text as it arrives."""
        if not self._streams(params):
            return _whole(self._complete(messages, n, params), on_delta)
        with quiet_litellm() as litellm:
            call = self._call_args(litellm, n, params)
            stream = self._provider(litellm).completion(model=self.model, messages=messages, stream=True,
                                        stream_options=async_client.STREAM_OPTIONS, **call)
            chunks = async_client.stream_chunks(stream, on_delta)
            return self._reply(litellm, litellm.stream_chunk_builder(chunks, messages=messages), params)

    async def _astream(self, messages: list[dict], n: int, params: dict, on_delta: Delta) -> LMResponse:
        """`_stream`, awaited."""
        if not self._streams(params):
            return _whole(await self._acomplete(messages, n, params), on_delta)
        with quiet_litellm() as litellm:
            call = self._call_args(litellm, n, params)
            stream = await self._provider(litellm).acompletion(model=self.model, messages=messages, stream=True,
                                               stream_options=async_client.STREAM_OPTIONS, **call)
            chunks = await async_client.astream_chunks(stream, on_delta)
            return self._reply(litellm, litellm.stream_chunk_builder(chunks, messages=messages), params)

    def _provider(self, litellm: Any) -> Any:
        """What serves a chat request: litellm, or this router LM's Router (`lm.router`)."""
        config = self.kwargs.get("router")
        return litellm if config is None else _router.router_for(litellm, config)

    def _on_litellm(self) -> bool:
        """Whether the provider call is litellm's (a subclass may replace `_complete`)."""
        return type(self)._complete is LM._complete

    def _streams(self, params: dict) -> bool:
        """Whether this request can stream: a chat model through litellm, not in-process."""
        return self._on_litellm() and not self.model.startswith("local/") and params.get("model_type") != "text"

    def _complete_with(self, litellm: Any, messages: list[dict], n: int, params: dict) -> LMResponse:
        call = self._call_args(litellm, n, params)
        if params.get("model_type") == "text":
            raw = litellm.text_completion(model=self.model, prompt=_prompt(messages), **call)
        else:
            raw = self._provider(litellm).completion(model=self.model, messages=messages, **call)
        return self._reply(litellm, raw, params)

    def _call_args(self, litellm: Any, n: int, params: dict) -> dict:
        """What litellm is given besides the model and the prompt."""
        if self.model.startswith("local/"):       # in-process models: a litellm custom provider
            local.prepare(litellm, self.model)
        call = {k: v for k, v in params.items() if k not in _NOT_SENT}
        # litellm's own cache stays out of it even when the host configured one (`litellm.cache`)
        call.update(num_retries=0, max_retries=0, caching=False, cache={"no-cache": True, "no-store": True})
        call.setdefault("drop_params", True)
        if "router" in self.kwargs:     # the Router retries on another deployment (`lm.router`)
            del call["num_retries"]
            _router.tag(call, self.kwargs["router"])
        if n != 1:
            call["n"] = n
        if call.get("tools") and importlib.util.find_spec("mcp") is None:
            # litellm routes any `tools` through its MCP bridge, which needs the optional
            # `mcp` package; plain function tools do not, so skip the bridge without it.
            call["_skip_mcp_handler"] = True
        return call

    def _reply(self, litellm: Any, raw: Any, params: dict) -> LMResponse:
        """Our response from litellm's."""
        if params.get("model_type") == "text":
            texts = [choice.text or "" for choice in raw.choices]
            tool_calls = None
        else:
            texts = [choice.message.content or "" for choice in raw.choices]
            tool_calls = _tool_calls(raw)
        if not texts and not tool_calls:
            raise DspLMError(f"{self.model}: the provider sent a reply with no choices")
        model, deployment = self.model, None
        if "router" in self.kwargs:     # the deployment that answered
            used, deployment = _router.answered_by(self._provider(litellm), self.kwargs["router"], raw)
            model = used or model
        return LMResponse(texts, _usage_of(litellm, raw), False, 0.0, model, tool_calls, _reasoning(raw),
                          deployment=deployment)

    def copy(self, **overrides: Any) -> LM:
        """A new LM with the same settings, `overrides` (including `model=`) replacing them."""
        settings = {**self._settings(), **self.kwargs, **overrides}
        model = settings.pop("model", self.model)
        return type(self)(model, **settings)

    def _settings(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _OWN_SETTINGS}

    def __repr__(self) -> str:
        shown = {k: v for k, v in self._settings().items() if v != _DEFAULTS[k]}
        shown.update(self.kwargs)
        args = [repr(self.model)] + [f"{k}={'***' if v == '***' else repr(v)}"
                                     for k, v in mask_secrets(shown).items()]
        return f"{type(self).__name__}({', '.join(args)})"


def _whole(reply: LMResponse, on_delta: Delta | None) -> LMResponse:
    """A reply that did not stream, given to `on_delta` in one piece."""
    if on_delta is not None and reply.text:
        on_delta(reply.text)
    return reply


# How providers word "the prompt does not fit" when the error class does not say so.
_CONTEXT_WINDOW_WORDS = ("context window", "context length", "context_length_exceeded",
                         "maximum context", "prompt is too long", "input is too long")


def is_context_window_error(err: BaseException) -> bool:
    """Whether `err` says the prompt is longer than the model's context window.

    `err` is the DspLMError a request raised (its cause is the provider's exception) or
    the provider's exception itself: litellm's ContextWindowExceededError, or a message
    in the provider's words. Modules that can shorten their prompt (ReAct) retry on it.
    """
    link: BaseException | None = err
    for _ in range(10):
        if link is None:
            return False
        if any(cls.__name__ == "ContextWindowExceededError" for cls in type(link).__mro__):
            return True
        text = str(getattr(link, "message", None) or link).lower()
        if any(words in text for words in _CONTEXT_WINDOW_WORDS):
            return True
        link = link.__cause__ or link.__context__
    return False

def _prompt(messages: list[dict]) -> str:
    """The messages as one text-completion prompt: their contents, blank-line separated."""
    parts = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):  # content parts: keep the text ones
            content = "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
        if content:
            parts.append(str(content))
    return "\n\n".join(parts)


def _reasoning(raw: Any) -> list[str | None] | None:
    """Each chat choice's own reasoning (`reasoning_content`, as litellm gives it for reasoning
    models), or None when no choice has any."""
    thoughts = [getattr(getattr(choice, "message", None), "reasoning_content", None) or None
                for choice in getattr(raw, "choices", None) or ()]
    return thoughts if any(isinstance(t, str) for t in thoughts) else None


def _tool_calls(raw: Any) -> list | None:
    """The first choice's tool calls as plain dicts, or None."""
    try:
        calls = raw.choices[0].message.tool_calls
    except (AttributeError, IndexError):
        return None
    if not calls:
        return None
    return [call.model_dump() if hasattr(call, "model_dump") else dict(call) for call in calls]


def _usage_of(litellm: Any, raw: Any) -> Usage:
    """Token counts from the reply, and the cost when litellm knows the model's price."""
    counts = getattr(raw, "usage", None)
    prompt = int(getattr(counts, "prompt_tokens", 0) or 0)
    completion = int(getattr(counts, "completion_tokens", 0) or 0)
    hidden = getattr(raw, "_hidden_params", None)
    if isinstance(hidden, dict) and "response_cost" in hidden:     # litellm priced it already
        known = hidden["response_cost"]
        return Usage(prompt, completion, float(known) if isinstance(known, (int, float)) else None)
    try:
        cost = float(litellm.completion_cost(completion_response=raw))
    except Exception:  # noqa: BLE001 - no price known for this model
        cost = None
    return Usage(prompt, completion, cost)


_litellm_module: Any = None
_litellm_lock = threading.Lock()
COST_MAP_VARIABLE = "LITELLM_LOCAL_MODEL_COST_MAP"


def _import_litellm() -> Any:
    """litellm, imported once with its local price table and no other change.

    litellm fetches its price table from the network when it is imported, unless
    LITELLM_LOCAL_MODEL_COST_MAP is "True": when the user has not set that variable, it is
    set for the import only and removed after it, so the process's environment is as it
    was. When litellm was already imported (by the program embedding dsplang), it is used
    as it is. No litellm setting is changed: what a request needs is passed with it
    (`_complete`), and `quiet_litellm` silences litellm's banners only while it runs.
    """
    global _litellm_module
    if _litellm_module is not None:
        return _litellm_module
    with warmup.waiting(), _litellm_lock:    # a request waits here for the warm-up's import
        if _litellm_module is None:
            started = time.perf_counter()
            ours = "litellm" not in sys.modules and COST_MAP_VARIABLE not in os.environ
            if ours:
                os.environ[COST_MAP_VARIABLE] = "True"
            try:
                with warnings.catch_warnings():
                    # pydantic's warnings about litellm's own types (ReadOnly TypedDict items,
                    # deprecated attributes) are litellm's business, not the user's output.
                    warnings.filterwarnings("ignore", module=r"pydantic\..*")
                    warnings.filterwarnings("ignore", module=r"litellm\..*")
                    import litellm
            finally:
                if ours:
                    os.environ.pop(COST_MAP_VARIABLE, None)
            _litellm_module = litellm
            warmup.imported(time.perf_counter() - started)
    return _litellm_module


_QUIET_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm")
_quiet_lock = threading.Lock()
_quiet_depth = 0
_quiet_saved: tuple[Any, list[tuple[logging.Logger, int]]] | None = None


@contextmanager
def quiet_litellm() -> Iterator[Any]:
    """litellm with its debug banners (printed on stdout when a provider call fails or a
    model is unknown) and its log lines below ERROR off inside the block; the settings are
    put back when the last such block of the process ends. Yields the litellm module."""
    global _quiet_depth, _quiet_saved
    litellm = _import_litellm()
    with _quiet_lock:
        if _quiet_depth == 0:
            loggers = [logging.getLogger(name) for name in _QUIET_LOGGERS]
            _quiet_saved = (litellm.suppress_debug_info, [(lg, lg.level) for lg in loggers])
            litellm.suppress_debug_info = True
            for logger in loggers:
                logger.setLevel(logging.ERROR)
        _quiet_depth += 1
    try:
        yield litellm
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0 and _quiet_saved is not None:
                litellm.suppress_debug_info, levels = _quiet_saved
                for logger, level in levels:
                    logger.setLevel(level)
                _quiet_saved = None
